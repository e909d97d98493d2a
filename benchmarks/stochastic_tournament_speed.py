"""End-to-end speed of a tournament of stochastic memory-one strategies with noise.

The tournament (the one of the batch-speed target): 40 stochastic memory-one strategies
(P(C) after CC, CD, DC, DD drawn uniformly once, with a fixed seed; first move C or D),
5% noise, 200 rounds, 10 repetitions, self-play, nobody can leave. Timed end to end, each
from the strategy names to the summary, medians over --repeats interleaved runs:

- powergame: ``run_tournament(spec)`` in memory (plays every match in the batch engine and
  builds the summary with its headline tables), 1 process;
- axelrod: ``Tournament(players, turns=200, repetitions=10, noise=0.05).play(
  processes=None, progress_bar=False)``, serial (in axelrod 4.13 ``processes=1`` starts a
  pool of cpu_count() workers), which also builds its ResultSet.

Both clocks are reported: the wall clock and the CPU time of the process
(``time.process_time``; both sides run serially in this process, and on a busy shared
machine the wall clock also counts the time other processes take).
Target: powergame >= 100x axelrod. Run:
.venv/bin/python benchmarks/stochastic_tournament_speed.py [--repeats 3] [--strategies 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from powergame.game import Game
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

ROUNDS = 200
NOISE = 0.05
TARGET = 100.0


def strategies(count: int, seed: int = 2026) -> list[tuple[bool, tuple[float, float, float, float]]]:
    """(first move is C, P(C) after CC, CD, DC, DD) for each strategy."""
    rng = random.Random(seed)
    return [
        (
            rng.random() < 0.5,
            (round(rng.random(), 3), round(rng.random(), 3), round(rng.random(), 3), round(rng.random(), 3)),
        )
        for _ in range(count)
    ]


def powergame_name(first: bool, four: tuple[float, float, float, float]) -> str:
    cc, cd, dc, dd = four
    return f"M1(first={1.0 if first else 0.0}, cc={cc}, cd={cd}, dc={dc}, dd={dd})"


def powergame_once(
    specs: list[tuple[bool, tuple[float, float, float, float]]], repetitions: int
) -> tuple[float, float]:
    spec = TournamentSpec(
        name="bench",
        strategies=tuple(powergame_name(*s) for s in specs),
        game=Game(rounds=ROUNDS, noise=NOISE),
        repetitions=repetitions,
        seed=1,
    )
    start, cpu = time.perf_counter(), time.process_time()
    result = run_tournament(spec, None, processes=1)
    assert len(result.matches) == len(specs) * (len(specs) + 1) // 2 * repetitions
    assert result.summary["headline"]["ranking"]
    return time.perf_counter() - start, time.process_time() - cpu


def axelrod_once(
    specs: list[tuple[bool, tuple[float, float, float, float]]], repetitions: int
) -> tuple[float, float]:
    import axelrod as axl

    start, cpu = time.perf_counter(), time.process_time()
    players = [
        axl.MemoryOnePlayer(four_vector=four, initial=axl.Action.C if first else axl.Action.D)
        for first, four in specs
    ]
    tournament = axl.Tournament(players, turns=ROUNDS, repetitions=repetitions, noise=NOISE, seed=1)
    tournament.play(processes=None, progress_bar=False)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--strategies", type=int, default=40)
    parser.add_argument("--repetitions", type=int, default=10)
    args = parser.parse_args()
    import axelrod  # noqa: F401  (imported before timing: the import alone takes seconds)

    specs = strategies(args.strategies)
    powergame_once(specs, 1)  # warm-up: registry, imports
    ours, theirs = [], []
    for _ in range(args.repeats):
        ours.append(powergame_once(specs, args.repetitions))
        theirs.append(axelrod_once(specs, args.repetitions))
    pairings = args.strategies * (args.strategies + 1) // 2
    print(
        f"{args.strategies} stochastic memory-one strategies, {NOISE:.0%} noise, {ROUNDS} rounds, "
        f"{args.repetitions} repetitions ({pairings * args.repetitions} matches); medians of {args.repeats}"
    )
    for clock, index in (("wall", 0), ("CPU", 1)):
        mine = statistics.median(run[index] for run in ours)
        theirs_median = statistics.median(run[index] for run in theirs)
        print(
            f"  {clock:4} powergame run_tournament {mine:8.3f} s, axelrod.Tournament {theirs_median:8.2f} s: "
            f"{theirs_median / mine:6.1f}x (target {TARGET:.0f}x)"
        )


if __name__ == "__main__":
    main()
