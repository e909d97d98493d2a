"""`--processes`: how much faster 2 worker processes run a tournament than 1.

Runs the bundled default spec (10 strategies, 200 rounds, 1% noise; every pairing in the
batch engine) with more repetitions, into a fresh output folder, once with 1 and once with
2 processes per repeat, each run in a fresh Python process (imports included, as
`powergame run` would be). Prints per configuration the medians of: wall time of the whole
run, of its play phase (``summary.json``'s ``play_seconds``), of what follows play (the
merge, ``matches.parquet`` and the summary: ``total_seconds - play_seconds``), and the CPU
seconds of the run's own process and of its worker processes; then the ratios 1 process /
2 processes.

The CPU columns tell a loaded machine from a slow program: on a machine with other work
the wall times grow but the CPU seconds do not, and with 2 processes the run's own
process should spend little (it only records finished chunks) while the two workers share
the play; the last line turns the CPU seconds into the ratio two idle cores would give. The
load average before and after is printed too.

    python benchmarks/processes_speed.py                      # 4,000 repetitions, 3 repeats
    python benchmarks/processes_speed.py --repetitions 1000 --repeats 5
    python benchmarks/processes_speed.py --repetitions 20000   # >= 10 s of play in one process
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def one_run(processes: int, repetitions: int) -> dict[str, float]:
    """One run in this process: wall and CPU seconds (own process, worker processes)."""
    import dataclasses
    import resource
    import time

    started = time.perf_counter()
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import load_spec

    spec = dataclasses.replace(load_spec(resolve_spec("default")), repetitions=repetitions)
    with tempfile.TemporaryDirectory() as folder:
        # 16,000 repetitions and more are estimated above the default memory limit (4 GB)
        result = run_tournament(spec, out_dir=folder, processes=processes, quiet=True, max_memory_gb=64)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall": wall,
        "play": result.summary["timing"]["play_seconds"],
        "after": result.summary["timing"]["total_seconds"] - result.summary["timing"]["play_seconds"],
        "matches": result.summary["counts"]["matches"],
        "cpu_own": own.ru_utime + own.ru_stime,
        "cpu_workers": workers.ru_utime + workers.ru_stime,
    }


def measure(processes: int, repetitions: int) -> dict[str, float]:
    """``one_run`` in a fresh interpreter."""
    output = subprocess.run(
        [sys.executable, __file__, "--one", str(processes), "--repetitions", str(repetitions)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repetitions", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_run(args.one, args.repetitions)))
        return

    load_before = os.getloadavg()
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for repeat in range(args.repeats):
        for processes in (1, 2) if repeat % 2 == 0 else (2, 1):  # alternate the order
            run = measure(processes, args.repetitions)
            runs[processes].append(run)
            print(
                f"  repeat {repeat + 1}, {processes} process(es): wall {run['wall']:.2f} s, "
                f"play {run['play']:.2f} s, after play {run['after']:.2f} s, CPU own {run['cpu_own']:.2f} s + workers "
                f"{run['cpu_workers']:.2f} s",
                file=sys.stderr,
            )
    load_after = os.getloadavg()

    def median(processes: int, key: str) -> float:
        return statistics.median(run[key] for run in runs[processes])

    matches = int(runs[1][0]["matches"])
    print(
        f"default spec, {args.repetitions:,} repetitions ({matches:,} matches of 200 rounds), "
        f"medians of {args.repeats} repeats, {os.cpu_count()} cores"
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(
        f"{'processes':>10} {'wall s':>8} {'play s':>8} {'after s':>8} {'CPU own s':>10} {'CPU workers s':>14}"
    )
    for processes in (1, 2):
        print(
            f"{processes:>10} {median(processes, 'wall'):>8.2f} {median(processes, 'play'):>8.2f} "
            f"{median(processes, 'after'):>8.2f} "
            f"{median(processes, 'cpu_own'):>10.2f} {median(processes, 'cpu_workers'):>14.2f}"
        )
    print(
        f"ratio 1 process / 2 processes: whole run {median(1, 'wall') / median(2, 'wall'):.2f}x, "
        f"play phase {median(1, 'play') / median(2, 'play'):.2f}x"
    )
    # On a loaded machine the wall times say little; the CPU seconds give what two idle cores
    # would: the run's own process counted as if none of its work overlapped the workers'
    # (a lower bound), the workers' work shared evenly between the two cores.
    serial = median(2, "cpu_own") + median(2, "cpu_workers") / 2
    print(
        f"from CPU seconds (two idle cores, nothing of the run's own process overlapped): "
        f"{median(1, 'cpu_own') / serial:.2f}x"
    )


if __name__ == "__main__":
    main()
