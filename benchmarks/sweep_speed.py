"""Sweep speed: does a second worker pay, and what does a cell cost beyond its own run?

1. Scaling. A sweep of ``--cells`` cells whose ordinary run takes at least 1 s each (the
   default spec's strategies, 200 rounds, repetitions calibrated here so one cell takes
   >= 1 s of CPU time in this process), over ``noise``. Timed on a Dask LocalCluster of 1
   and of 2 worker processes, and on 1 and 2 local processes; each cluster is started and
   warmed up (every worker has run a cell) before the clock starts, and the repeats are
   interleaved across the executors. Prints the median wall time of ``--repeats`` runs
   and the ratio 2 workers / 1 worker (target <= 0.7), and the same ratio of the fastest
   runs (the least disturbed by other work). On a machine shared with other
   work the ratio says how much of the second core this sweep got: the load average is
   printed first.
2. Per-cell overhead. ``--trivial`` cells of a 1-round, 1-repetition, 2-strategy
   tournament on a LocalCluster of 1 worker: overhead per cell = (wall time - the sum of
   the cells' own run times, as measured on the worker) / cells. That is everything a
   cell costs beyond its run: scheduling, sending the job and the table, writing the
   cell's Parquet and record. Target < 50 ms. The same figure in this process (no
   cluster) is printed beside it.

Results are checked to be identical across the executors before anything is reported.
Usage: ``python benchmarks/sweep_speed.py [--cells 8] [--repeats 3] [--trivial 100]``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import statistics
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from powergame.tournaments.sweep_executors import DaskExecutor, LocalExecutor
from powergame.tournaments.sweep_run import run_sweep
from powergame.tournaments.sweep_spec import SweepSpec, sweep_from_dict

STRATEGIES = [
    "Out-for-Tat",
    "Start Small",
    "Loyal",
    "Voice",
    "Tit for Tat with Exit Threat",
    "Hit and Run",
    "Exploit Then Leave",
    "Parasite",
    "Least Interest",
    "Hot and Cold",
]


def heavy_spec(repetitions: int, cells: int) -> SweepSpec:
    noises = [round(0.01 * (i + 1), 3) for i in range(cells)]
    return sweep_from_dict(
        tomllib.loads(
            f'name = "heavy"\nstrategies = {STRATEGIES!r}\nrepetitions = {repetitions}\nseed = 5\n'
            "[game]\nrounds = 200\noutside_options = [2.0, 1.0]\n"
            f"[sweep]\n[sweep.axes]\nnoise = {noises!r}\n".replace("'", '"')
        )
    )


def trivial_spec(cells: int) -> SweepSpec:
    values = [round(0.001 * i, 4) for i in range(cells)]
    return sweep_from_dict(
        tomllib.loads(
            'name = "trivial"\nstrategies = ["Out-for-Tat", "Hit and Run"]\nseed = 6\n'
            f"[game]\nrounds = 1\n[sweep]\n[sweep.axes]\nnoise = {values!r}\n"
        )
    )


def calibrate(target: float = 1.0) -> tuple[int, float]:
    """Repetitions for one cell of >= ``target`` seconds of CPU time in this process (CPU
    time, so that a busy machine does not make the cells look longer than they are), and
    its CPU time."""
    repetitions = 5
    with tempfile.TemporaryDirectory() as folder:  # imports and caches first
        run_sweep(heavy_spec(1, 1), Path(folder) / "out")
    while True:
        spec = heavy_spec(repetitions, 1)
        with tempfile.TemporaryDirectory() as folder:
            started = time.process_time()
            run_sweep(spec, Path(folder) / "out")
            seconds = time.process_time() - started
        if seconds >= target:
            return repetitions, seconds
        repetitions = math.ceil(repetitions * 1.25 * target / seconds)


def timed(spec: SweepSpec, executor: Any, folder: Path) -> tuple[float, pd.DataFrame, float]:
    started = time.perf_counter()
    result = run_sweep(spec, folder, executor)
    wall = time.perf_counter() - started
    assert not result.failed, result.failed
    return wall, result.cells, float(result.summary["timing"]["cell_seconds"])


def warm(executor: Any, workers: int, folder: Path) -> None:
    """Every worker imports powergame and plays once before the clock starts."""
    run_sweep(trivial_spec(4 * workers), folder / "warm", executor)


def scaling(cells: int, repeats: int) -> None:
    repetitions, one = calibrate()
    spec = heavy_spec(repetitions, cells)
    print(
        f"scaling: {cells} cells of {repetitions} repetitions x 55 pairings "
        f"(one cell: {one:.2f} s of CPU here)"
    )
    tables: dict[str, pd.DataFrame] = {}
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        root = Path(scratch)
        executors = {
            "dask, 1 worker": stack.enter_context(DaskExecutor(None, 1)),
            "dask, 2 workers": stack.enter_context(DaskExecutor(None, 2)),
            "local, 1 process": LocalExecutor(1),
            "local, 2 processes": LocalExecutor(2),
        }
        for name, executor in executors.items():
            warm(executor, 2, root / name)
        for repeat in range(repeats):  # interleaved, so a busy spell hits every executor alike
            for name, executor in executors.items():
                wall, table, _ = timed(spec, executor, root / name / f"run{repeat}")
                times.setdefault(name, []).append(wall)
                tables[name] = table
        for name in executors:
            print(f"  {name:<20} median {statistics.median(times[name]):6.2f} s  runs {_list(times[name])}")
    reference = tables["local, 1 process"]
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table, reference, obj=name)
    for kind, one_name, two_name in (
        ("dask", "dask, 1 worker", "dask, 2 workers"),
        ("local", "local, 1 process", "local, 2 processes"),
    ):
        ratio = statistics.median(times[two_name]) / statistics.median(times[one_name])
        best = min(times[two_name]) / min(times[one_name])  # the least disturbed runs
        verdict = "ok" if ratio <= 0.7 else "ABOVE TARGET"
        print(
            f"  ratio 2 / 1 workers, {kind}: median {ratio:.2f} (target <= 0.70: {verdict}); "
            f"fastest runs {best:.2f}"
        )


def overhead(cells: int, repeats: int) -> None:
    spec = trivial_spec(cells)
    print(f"per-cell overhead: {cells} trivial cells (1 round, 2 strategies)")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name, make in (
            ("dask LocalCluster, 1 worker", lambda: DaskExecutor(None, 1)),
            ("this process", lambda: LocalExecutor(1)),
        ):
            figures = []
            with make() as executor:
                warm(executor, 1, root / name)
                for repeat in range(repeats):
                    wall, _, cell_seconds = timed(spec, executor, root / name / f"run{repeat}")
                    figures.append((wall, cell_seconds))
            per_cell = [(wall - run) / cells * 1000 for wall, run in figures]
            runs = [run / cells * 1000 for _, run in figures]
            walls = [wall / cells * 1000 for wall, _ in figures]
            print(
                f"  {name:<28} overhead {statistics.median(per_cell):5.1f} ms/cell "
                f"(wall {statistics.median(walls):5.1f} ms/cell, of which the run {statistics.median(runs):5.1f})"
            )
            if name.startswith("dask"):
                verdict = "ok" if statistics.median(per_cell) < 50 else "ABOVE TARGET"
                print(f"  target < 50 ms on a LocalCluster: {verdict}")


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=8, help="cells of >= 1 s in the scaling sweep")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per executor (median)")
    parser.add_argument("--trivial", type=int, default=100, help="trivial cells for the overhead")
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    print(f"load average before: {', '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    overhead(args.trivial, args.repeats)
    scaling(args.cells, args.repeats)


if __name__ == "__main__":
    main()
