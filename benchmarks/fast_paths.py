"""How much faster the fast paths are than axelrod.Match on 200-round memory-one pairs.

Prints medians over repeats of: rounds/s of axelrod.Match against the batch engine
(same memory-one pairs, nobody leaves), and matches/s of axelrod.Match against
exact_match; then matches/s of exact_many (many pairs per call) on the full 162 x 162
deterministic memory-one space and on stochastic memory-one pairs (2,000 pairs of random
tables, and a round robin of 60 random tables), against the axelrod.Match rate of a
deterministic or a stochastic pair timed just before each exact_many timing (so that the
machine's load changes both sides alike; each side is timed for --seconds, exact_many by
repeated calls; the ratio printed is the median of the per-repeat ratios). exact_many is
timed twice: the figures alone (survival curves are built only when asked for) and with
every pair's survival curve built, as a tournament stores them.
Every rate is by CPU time (time.process_time): on a shared machine the wall clock counts
other processes' turns. Run:
.venv/bin/python benchmarks/fast_paths.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from powergame import Game, StateTable
from powergame.batch import play_batch
from powergame.exact import exact_match
from powergame.exact_batch import exact_many

ROUNDS = 200
# (first move, P(C) after CC, CD, DC, DD): two stochastic pairs and two classic deterministic ones.
PAIRS = [
    ((1.0, (0.9, 0.1, 0.8, 0.2)), (1.0, (1.0, 0.3, 0.9, 0.1))),
    ((1.0, (0.7, 0.2, 0.6, 0.3)), (0.0, (0.95, 0.05, 0.5, 0.5))),
    ((1.0, (1.0, 0.0, 1.0, 0.0)), (1.0, (1.0, 0.0, 0.0, 1.0))),  # TFT vs WSLS
    ((1.0, (1.0, 0.0, 0.0, 0.0)), (1.0, (1.0, 0.0, 1.0, 0.0))),  # Grudger vs TFT
]


def memory_one_table(first: float, cooperate: tuple[float, ...]) -> StateTable:
    after = tuple(tuple(1.0 if k == 1 + o else 0.0 for k in range(5)) for o in range(4))
    return StateTable(
        cooperate=(first, *cooperate), stake=(1.0,) * 5, leave=((0.0,) * 4,) * 5, transition=(after,) * 5
    )


def axelrod_rate(spec_a, spec_b, seconds: float) -> float:
    """axelrod matches per second (a fresh Match each time, so no result cache)."""
    import axelrod as axl

    def player(spec):
        first, four = spec
        p = axl.MemoryOnePlayer(four_vector=four, initial=axl.Action.C if first else axl.Action.D)
        return p

    count, start = 0, time.process_time()
    while time.process_time() - start < seconds:
        axl.Match((player(spec_a), player(spec_b)), turns=ROUNDS, seed=count).play()
        count += 1
    return count / (time.process_time() - start)


def batch_rate(table_a, table_b, matches: int) -> float:
    """Batch matches per second."""
    start = time.process_time()
    play_batch(Game(rounds=ROUNDS), table_a, table_b, range(matches))
    return matches / (time.process_time() - start)


def exact_rate(table_a, table_b, seconds: float) -> float:
    count, start = 0, time.process_time()
    game = Game(rounds=ROUNDS)
    while time.process_time() - start < seconds:
        exact_match(game, table_a, table_b)
        count += 1
    return count / (time.process_time() - start)


def exact_many_rate(
    pairs: list[tuple[StateTable, StateTable]], repeats: int, curves: bool, reference: tuple, seconds: float
) -> tuple[float, float, float]:
    """Medians over repeats of exact_many's pairs per second (calls over ``pairs`` for
    ``seconds``, 200 rounds, every survival curve built when ``curves``), of
    axelrod.Match's matches per second on the ``reference`` pair timed for as long just
    before, and of their ratio."""
    game = Game(rounds=ROUNDS)
    exact_many(game, pairs).survival  # noqa: B018  (first-call set-up is not part of the measurement)
    rates, references, ratios = [], [], []
    for _ in range(repeats):
        references.append(axelrod_rate(reference[0], reference[1], seconds))
        gc.collect()  # the garbage axelrod's matches leave is not exact_many's to collect
        calls, start = 0, time.process_time()
        while calls == 0 or time.process_time() - start < seconds:  # as long as axelrod was timed
            batch = exact_many(game, pairs)
            if curves:
                batch.survival  # noqa: B018  (builds every curve)
            calls += 1
        rates.append(calls * len(pairs) / (time.process_time() - start))
        ratios.append(rates[-1] / references[-1])
    return statistics.median(rates), statistics.median(references), statistics.median(ratios)


def memory_one_space() -> list[tuple[StateTable, StateTable]]:
    from powergame.strategies.memory_one import memory_one_players

    tables = [player.state_table() for player in memory_one_players()]
    return [(a, b) for a in tables for b in tables]


def random_table(rng) -> StateTable:
    """A memory-one table with P(C) and P(leave) drawn uniformly (leave scaled to 0.05)."""
    first, *cooperate = rng.random(5).tolist()
    leave = tuple((0.05 * rng.random(4)).tolist())
    after = tuple(tuple(1.0 if k == 1 + o else 0.0 for k in range(5)) for o in range(4))
    return StateTable(
        cooperate=(first, *cooperate), stake=(1.0,) * 5, leave=(leave,) * 5, transition=(after,) * 5
    )


def stochastic_pairs(count: int, seed: int = 1) -> list[tuple[StateTable, StateTable]]:
    """``count`` pairs of distinct random memory-one tables."""
    import numpy as np

    rng = np.random.default_rng(seed)
    return [(random_table(rng), random_table(rng)) for _ in range(count)]


def stochastic_round_robin(strategies: int, seed: int = 2) -> list[tuple[StateTable, StateTable]]:
    """Every ordered pair (self-play included) of ``strategies`` random memory-one tables."""
    import numpy as np

    rng = np.random.default_rng(seed)
    tables = [random_table(rng) for _ in range(strategies)]
    return [(a, b) for a in tables for b in tables]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--matches", type=int, default=40_000, help="matches per batch run")
    parser.add_argument("--seconds", type=float, default=0.5, help="time per axelrod / exact run")
    args = parser.parse_args()
    import axelrod  # noqa: F401  (import time is not part of any measurement)

    for spec_a, spec_b in PAIRS:
        table_a, table_b = memory_one_table(*spec_a), memory_one_table(*spec_b)
        ax, batch, exact = [], [], []
        for _ in range(args.repeats):
            ax.append(axelrod_rate(spec_a, spec_b, args.seconds))
            batch.append(batch_rate(table_a, table_b, args.matches))
            exact.append(exact_rate(table_a, table_b, args.seconds))
        ax_m, batch_m, exact_m = (statistics.median(x) for x in (ax, batch, exact))
        print(f"pair {spec_a} vs {spec_b}, {ROUNDS} rounds, median of {args.repeats}:")
        print(f"  axelrod.Match   {ax_m * ROUNDS:14,.0f} rounds/s  {ax_m:10,.0f} matches/s")
        print(
            f"  play_batch      {batch_m * ROUNDS:14,.0f} rounds/s  ratio {batch_m / ax_m:8.1f}x (target 300x)"
        )
        print(f"  exact_match     {exact_m:14,.0f} matches/s ratio {exact_m / ax_m:8.1f}x (target 1000x)")

    print(f"exact_many, {ROUNDS} rounds, median of {args.repeats} (axelrod.Match timed before each call):")
    for stochastic, label, pairs in (
        (False, "162 x 162 deterministic memory-one space", memory_one_space()),
        (True, "2,000 pairs of random stochastic tables", stochastic_pairs(2000)),
        (True, "round robin of 60 random stochastic tables", stochastic_round_robin(60)),
    ):
        reference = PAIRS[0] if stochastic else PAIRS[2]
        kind = "stochastic" if stochastic else "deterministic"
        print(f"  {label} ({len(pairs):,} pairs; axelrod.Match on a {kind} pair)")
        for curves in (False, True):
            rate, axelrod_median, ratio = exact_many_rate(
                pairs, args.repeats, curves, reference, args.seconds
            )
            what = "figures + all survival curves" if curves else "figures (curves lazy)"
            print(
                f"    {what:32} {rate:12,.0f} matches/s (axelrod {axelrod_median:6,.0f}/s) "
                f"ratio {ratio:8.1f}x (target 1000x)"
            )


if __name__ == "__main__":
    main()
