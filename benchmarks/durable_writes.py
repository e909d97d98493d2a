"""What flushing a results folder to the disk costs a run, by design.

Runs the bundled default spec with ``--repetitions`` repetitions (4,000: 400 chunks of 1,000
matches, the chunk size these figures were first measured with: ``BATCH_CHUNK_FACTOR`` is set
to 1 here) into a fresh folder, each run in a fresh Python process, with 1 and 2 processes,
for three designs:

- ``none``: nothing flushed (files only renamed into place; the earlier version);
- ``batch`` (now): the bookkeeping files flushed before their rename and their folder
  after; the part files a manifest names for the first time flushed together (on threads)
  right before it, every 0.25 s at most;
- ``each part``: every part file and the ``parts`` folder flushed by whoever stored it
  (the worker), as soon as it is stored, besides the manifest as now.

Prints per design and process count the medians over ``--repeats`` of the wall time, play
time (``summary.json``'s ``play_seconds``), CPU seconds of the run's own process, and the
seconds the run's own process spent waiting in fsync (with the number of manifest writes
and parts flushed), and the extra wall time per chunk against ``none``: the median over the
repeats of the difference within each repeat (the designs of one repeat run back to back, so
a load that changes over the session shifts them together). The disk and the cores are
shared with whatever else the machine does: compare medians measured in one session.

``--parts N`` measures the flushing alone instead (wall ms, medians over ``--repeats``, in a
temporary folder in the current one, whose disk a run would write to): N
part files of 1,000 matches stored one after another as a run's worker stores them, plain,
each flushed, or each flushed with its folder; then the ``write_manifest`` that names them
all, flushing them on threads (now) or one after another.

    python benchmarks/durable_writes.py
    python benchmarks/durable_writes.py --repetitions 4000 --repeats 5
    python benchmarks/durable_writes.py --parts 20 --repeats 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

DESIGNS = ("none", "batch", "each part")


def one_run(design: str, processes: int, repetitions: int) -> dict[str, float]:
    """One run in this process, with ``design``'s flushing."""
    import dataclasses
    import resource
    import tempfile
    import time
    from pathlib import Path

    from powergame.tournaments import round_robin, storage
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import load_spec

    round_robin.BATCH_CHUNK_FACTOR = 1  # chunks of 1,000 matches, as first measured

    waited = {"seconds": 0.0, "calls": 0, "paths": 0}
    fsync_all = storage._fsync_all

    def timed_fsync_all(paths: list[Path]) -> None:
        started = time.perf_counter()
        fsync_all(paths)
        waited["seconds"] += time.perf_counter() - started
        waited["calls"] += 1
        waited["paths"] += len(paths)

    if design == "none":
        storage._fsync_all = lambda paths: None  # type: ignore[assignment]
        storage._fsync = lambda path: None  # type: ignore[assignment]
    else:
        storage._fsync_all = timed_fsync_all  # type: ignore[assignment]
    if design == "each part":  # workers are forked: they inherit this
        write_part = storage.write_part

        def write_part_flushed(folder: Path, chunk_id: int, rows: object, **options: bool) -> str:
            checksum = write_part(folder, chunk_id, rows, **options)  # type: ignore[arg-type]
            path = storage.stored_part_path(folder, chunk_id)
            assert path is not None
            storage._fsync(path)
            storage._fsync(path.parent)
            return checksum

        storage.write_part = write_part_flushed  # type: ignore[assignment]

    started = time.perf_counter()
    spec = dataclasses.replace(load_spec(resolve_spec("default")), repetitions=repetitions)
    with tempfile.TemporaryDirectory() as folder:
        result = run_tournament(spec, out_dir=folder, processes=processes, quiet=True, max_memory_gb=64)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall": time.perf_counter() - started,
        "play": result.summary["timing"]["play_seconds"],
        "chunks": result.summary["counts"]["chunks"],
        "cpu_own": own.ru_utime + own.ru_stime,
        "fsync_wait": waited["seconds"],
        "fsync_batches": waited["calls"],
        "fsync_paths": waited["paths"],
    }


def measure(design: str, processes: int, repetitions: int) -> dict[str, float]:
    """``one_run`` in a fresh interpreter."""
    command = [sys.executable, __file__, "--one", design, "--processes", str(processes)]
    output = subprocess.run(
        [*command, "--repetitions", str(repetitions)], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def parts_alone(count: int, repeats: int) -> None:
    """Per part: storing it plain, flushed, flushed with its folder; a manifest naming
    ``count`` new parts, flushed on threads or one after another."""
    import tempfile
    import time
    from pathlib import Path

    from part_files import chunks

    from powergame.tournaments import storage

    tables = chunks(count)
    fsync, threads = storage._fsync, storage.FSYNC_THREADS

    def store(folder: Path, flush: str) -> None:
        for chunk, table in enumerate(tables):
            storage.write_part(folder, chunk, table)
            if flush != "plain":
                fsync(storage.part_path(folder, chunk))
            if flush == "with its folder":
                fsync(folder / storage.PARTS_DIR)

    timings: dict[str, list[float]] = {}
    for _ in range(repeats):
        for flush in ("plain", "flushed", "with its folder"):
            with tempfile.TemporaryDirectory(dir=".") as name:
                folder = Path(name)
                (folder / storage.PARTS_DIR).mkdir()
                started = time.perf_counter()
                store(folder, flush)
                timings.setdefault(f"store a part: {flush}", []).append(
                    (time.perf_counter() - started) / count
                )
        for way, width in (("on threads (now)", threads), ("one after another", 1)):
            with tempfile.TemporaryDirectory(dir=".") as name:
                folder = Path(name)
                (folder / storage.PARTS_DIR).mkdir()
                store(folder, "plain")
                storage.FSYNC_THREADS = width
                started = time.perf_counter()
                storage.write_manifest(folder, dict.fromkeys(range(count), "x"))
                storage.FSYNC_THREADS = threads
                timings.setdefault(f"manifest of {count} new parts, {way}", []).append(
                    time.perf_counter() - started
                )
    print(
        f"parts of {tables[0].num_rows:,} matches, wall ms, medians of {repeats}; load average {os.getloadavg()[0]:.2f}"
    )
    for what, values in timings.items():
        print(f"  {what:46} {statistics.median(values) * 1e3:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repetitions", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--processes", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--one", choices=DESIGNS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--parts", type=int, default=None, help="measure the flushing of N parts alone")
    args = parser.parse_args()
    if args.parts is not None:
        parts_alone(args.parts, args.repeats)
        return
    if args.one is not None:
        print(json.dumps(one_run(args.one, args.processes, args.repetitions)))
        return

    load_before = os.getloadavg()
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    for repeat in range(args.repeats):
        order = DESIGNS if repeat % 2 == 0 else DESIGNS[::-1]  # alternate the order
        for processes in (1, 2):
            for design in order:
                run = measure(design, processes, args.repetitions)
                runs.setdefault((design, processes), []).append(run)
                print(
                    f"  repeat {repeat + 1}, {design}, {processes} process(es): wall {run['wall']:.2f} s, "
                    f"play {run['play']:.2f} s, fsync wait {run['fsync_wait']:.3f} s",
                    file=sys.stderr,
                )
    load_after = os.getloadavg()

    def median(design: str, processes: int, key: str) -> float:
        return statistics.median(run[key] for run in runs[(design, processes)])

    chunks = int(runs[("none", 1)][0]["chunks"])
    print(
        f"default spec, {args.repetitions:,} repetitions ({chunks} chunks), medians of {args.repeats} "
        f"repeats; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}"
    )
    print(
        f"{'design':>10} {'proc':>4} {'wall s':>7} {'play s':>7} {'CPU own s':>9} {'fsync wait s':>12} "
        f"{'batches':>7} {'paths':>6} {'+ms/chunk':>9}"
    )
    for processes in (1, 2):
        for design in DESIGNS:
            pairs = zip(runs[(design, processes)], runs[("none", processes)])
            extra = statistics.median(run["wall"] - base["wall"] for run, base in pairs) / chunks * 1e3
            print(
                f"{design:>10} {processes:>4} {median(design, processes, 'wall'):>7.2f} "
                f"{median(design, processes, 'play'):>7.2f} {median(design, processes, 'cpu_own'):>9.2f} "
                f"{median(design, processes, 'fsync_wait'):>12.3f} {median(design, processes, 'fsync_batches'):>7.0f} "
                f"{median(design, processes, 'fsync_paths'):>6.0f} {extra:>9.2f}"
            )


if __name__ == "__main__":
    main()
