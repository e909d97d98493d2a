"""Milliseconds per tick of the mean-field pool on the reproductions' pools.

For the ES-1-outcome pools (162 memory-one codes with the option to leave, 32 without) and
the LeLeLe pool (8 strategies, expected life 25), it times the set-up and, from a state 30
ticks in, ``step`` (the tick and its figures), ``step`` without the couples' ages
(``ages=False``) and ``advance`` (no figures, no ages: what the reproductions' long runs
do outside their window). Each figure is the median of the repeats, by wall clock and by
CPU time of the process (``time.process_time``: on a busy shared machine the wall clock also
counts the time other processes take).
Run: .venv/bin/python benchmarks/mean_field_tick.py [--repeats 5] [--ticks 100]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
from collections.abc import Callable

from powergame.population.mean_field import MeanFieldPool, PoolModel, PoolState
from powergame.tournaments import reproductions_izquierdo as iz


def timed(action: Callable[[], object], repeats: int, count: int) -> tuple[float, float]:
    """Median ms per call over ``repeats`` rounds of ``count`` calls: (wall, CPU)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            action()
        walls.append((time.perf_counter() - wall) / count * 1e3)
        cpus.append((time.process_time() - cpu) / count * 1e3)
    return statistics.median(walls), statistics.median(cpus)


def warm(pool: MeanFieldPool) -> PoolState:
    state = pool.initial_state()
    for _ in range(30):
        state = pool.advance(state)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ticks", type=int, default=100)
    args = parser.parse_args()
    pools: list[tuple[str, PoolModel]] = [
        ("es1, 162 codes", iz.es1_model(with_leave=True)),
        ("es1, 32 codes", iz.es1_model(with_leave=False)),
        ("lelele, life 25", iz.lelele_model(25)),
    ]
    print(f"{'pool':16} {'set-up s':>9} {'step ms':>15} {'no ages ms':>15} {'advance ms':>15}  (wall / CPU)")
    for name, model in pools:
        start = time.perf_counter()
        with_ages = MeanFieldPool(model)
        setup = time.perf_counter() - start
        without = MeanFieldPool(model, ages=False)
        columns = []
        for pool, action in ((with_ages, "step"), (without, "step"), (without, "advance")):
            state = warm(pool)
            call = getattr(pool, action)
            wall, cpu = timed(functools.partial(call, state), args.repeats, args.ticks)
            columns.append(f"{wall:6.2f} / {cpu:6.2f}")
        print(f"{name:16} {setup:9.2f} " + " ".join(f"{c:>15}" for c in columns))


if __name__ == "__main__":
    main()
