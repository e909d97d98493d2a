"""Rounds per second of play_batch against axelrod.Match on the same memory-one pairs.

For each pair (two stochastic, two deterministic) and each noise level (0 and 0.05), it
times axelrod.Match (a fresh Match per seed, so no result cache) and play_batch (one call
over many seeds) in the same run, repeats interleaved so that load changes on a shared
machine fall on both alike, and prints the medians of the repeats and their ratio
(target: 400x), by wall clock and by CPU time of the process (``time.process_time``: on a
busy shared machine the wall clock also counts the time other processes take). Nobody leaves (axelrod has no exit), every match lasts the horizon.
Run: .venv/bin/python benchmarks/batch_speed.py [--repeats 5] [--matches 40000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from powergame import Game, StateTable
from powergame.batch import DEFAULT_CHUNK_SIZE, play_batch

ROUNDS = 200
TARGET = 400.0
Spec = tuple[float, tuple[float, float, float, float]]  # first P(C), P(C) after CC, CD, DC, DD
PAIRS: list[tuple[str, Spec, Spec]] = [
    ("stochastic 1", (1.0, (0.9, 0.1, 0.8, 0.2)), (1.0, (1.0, 0.3, 0.9, 0.1))),
    ("stochastic 2", (1.0, (0.7, 0.2, 0.6, 0.3)), (0.0, (0.95, 0.05, 0.5, 0.5))),
    ("TFT vs WSLS", (1.0, (1.0, 0.0, 1.0, 0.0)), (1.0, (1.0, 0.0, 0.0, 1.0))),
    ("Grudger vs TFT", (1.0, (1.0, 0.0, 0.0, 0.0)), (1.0, (1.0, 0.0, 1.0, 0.0))),
]
NOISES = (0.0, 0.05)


def memory_one_table(spec: Spec) -> StateTable:
    """State 0 is the first round, state 1 + o follows outcome o (CC, CD, DC, DD)."""
    first, cooperate = spec
    after = tuple(tuple(1.0 if k == 1 + o else 0.0 for k in range(5)) for o in range(4))
    return StateTable(
        cooperate=(first, *cooperate), stake=(1.0,) * 5, leave=((0.0,) * 4,) * 5, transition=(after,) * 5
    )


def axelrod_rounds_per_second(
    spec_a: Spec, spec_b: Spec, noise: float, seconds: float
) -> tuple[float, float]:
    """Rounds per second (wall, CPU) of axelrod.Match, a fresh Match (and players) per seed."""
    import axelrod as axl

    def player(spec: Spec) -> Any:
        first, four = spec
        return axl.MemoryOnePlayer(four_vector=four, initial=axl.Action.C if first else axl.Action.D)

    matches, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        axl.Match((player(spec_a), player(spec_b)), turns=ROUNDS, noise=noise, seed=matches).play()
        matches += 1
    return matches * ROUNDS / (time.perf_counter() - start), matches * ROUNDS / (time.process_time() - cpu)


def batch_rounds_per_second(
    table_a: StateTable, table_b: StateTable, noise: float, matches: int, chunk_size: int
) -> tuple[float, float]:
    """Rounds per second (wall, CPU) of one play_batch call over ``matches`` seeds."""
    game = Game(rounds=ROUNDS, noise=noise)
    start, cpu = time.perf_counter(), time.process_time()
    play_batch(game, table_a, table_b, range(matches), chunk_size=chunk_size)
    return matches * ROUNDS / (time.perf_counter() - start), matches * ROUNDS / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--matches", type=int, default=40_000, help="matches per play_batch call")
    parser.add_argument("--seconds", type=float, default=0.5, help="time per axelrod.Match measurement")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    args = parser.parse_args()
    import axelrod  # noqa: F401  (import time is not part of any measurement)

    print(f"{ROUNDS}-round memory-one matches, medians of {args.repeats} interleaved repeats")
    print(f"{'pair':16} {'noise':>5} {'axelrod.Match':>16} {'play_batch':>16} {'ratio':>8} {'CPU ratio':>10}")
    ratios, cpu_ratios = [], []
    for noise in NOISES:
        for label, spec_a, spec_b in PAIRS:
            table_a, table_b = memory_one_table(spec_a), memory_one_table(spec_b)
            batch_rounds_per_second(table_a, table_b, noise, 1000, args.chunk_size)  # warm-up
            axelrod_rates, batch_rates = [], []
            for _ in range(args.repeats):
                axelrod_rates.append(axelrod_rounds_per_second(spec_a, spec_b, noise, args.seconds))
                batch_rates.append(
                    batch_rounds_per_second(table_a, table_b, noise, args.matches, args.chunk_size)
                )
            axelrod_median = statistics.median(rate for rate, _ in axelrod_rates)
            batch_median = statistics.median(rate for rate, _ in batch_rates)
            ratio = batch_median / axelrod_median
            cpu_ratio = statistics.median(cpu for _, cpu in batch_rates) / statistics.median(
                cpu for _, cpu in axelrod_rates
            )
            ratios.append(ratio)
            cpu_ratios.append(cpu_ratio)
            print(
                f"{label:16} {noise:5.2f} {axelrod_median:12,.0f} r/s {batch_median:12,.0f} r/s "
                f"{ratio:7.1f}x {cpu_ratio:9.1f}x"
            )
    print(f"wall clock: lowest ratio {min(ratios):.1f}x, median {statistics.median(ratios):.1f}x")
    print(
        f"CPU time:   lowest ratio {min(cpu_ratios):.1f}x, median {statistics.median(cpu_ratios):.1f}x "
        f"(target {TARGET:.0f}x)"
    )


if __name__ == "__main__":
    main()
