"""The serial tail of a large run: the long table (``long_table.sides``) and the summary
(``round_robin.headline_tables`` and ``answer.answer``, what ``build_summary`` computes).

Plays the bundled default spec with ``--repetitions`` (8,000: 800,000 matches) once into a
scratch folder, then per repeat reads its ``matches.parquet`` in a fresh Python process, cut
into chunks of 1,000 rows as a run's merged table comes, builds both on a small slice first
(imports and caches out of the way) and measures the CPU seconds (user + system: a large
table's fresh memory costs system time) of the long table and of the summary on the whole
table: the first time, as a run does it. With ``--before PYTHON`` (an interpreter whose
``powergame`` is an earlier version, e.g. another checkout's virtual environment) both
versions run turn about on the same table, so that a busy machine weighs on both alike, and
their headline and answer are compared figure by figure (JSON without timing).

    python benchmarks/summary_speed.py                                   # 8,000 repetitions, 5 repeats
    python benchmarks/summary_speed.py --before /path/to/main/.venv/bin/python --repeats 7
    python benchmarks/summary_speed.py --repetitions 16000 --folder /tmp/run16k --before ...  # 1.6 M
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_SECONDS = 1.0  # long table + summary at 800,000 matches

MEASURE = """
import json, resource, sys
import pyarrow as pa, pyarrow.parquet as pq
from powergame.tournaments import analysis
from powergame.tournaments.answer import answer
from powergame.tournaments.round_robin import headline_tables

def cpu():
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime, used.ru_stime

table = pq.read_table(sys.argv[1])
table = pa.Table.from_batches(table.to_batches(max_chunksize=1000))
small = analysis.sides(table.slice(0, 30000))
headline_tables(small), answer(small, "")
started = cpu()
long = analysis.sides(table)
built = cpu()
figures = {"headline": headline_tables(long), "answer": answer(long, "")}
done = cpu()
json.dump(
    {
        "sides": sum(built) - sum(started),
        "summary": sum(done) - sum(built),
        "user": done[0] - started[0],
        "system": done[1] - started[1],
        "figures": figures,
    },
    sys.stdout,
)
"""


def make_table(folder: Path, repetitions: int) -> Path:
    """Play the default spec with ``repetitions`` into ``folder`` (unless it holds that run
    already); its matches.parquet."""
    import dataclasses

    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import load_spec

    spec = dataclasses.replace(load_spec(resolve_spec("default")), repetitions=repetitions)
    table = folder / "matches.parquet"
    stored = folder / "run.json"
    if (
        table.exists()
        and stored.exists()
        and json.loads(stored.read_text()).get("fingerprint") == spec.fingerprint()
    ):
        return table
    run_tournament(spec, out_dir=folder, processes=2, max_memory_gb=64, force=True)
    return table


def measure(python: str, table: Path) -> dict:
    """One measurement in a fresh interpreter ``python``."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run(  # from the table's folder: no checkout on the path before the install
        [python, "-c", MEASURE, str(table)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=table.parent,
    )
    return json.loads(done.stdout)


def _line(label: str, runs: list[dict]) -> str:
    sides = statistics.median(run["sides"] for run in runs)
    summary = statistics.median(run["summary"] for run in runs)
    both = statistics.median(run["sides"] + run["summary"] for run in runs)
    user = statistics.median(run["user"] for run in runs)
    system = statistics.median(run["system"] for run in runs)
    each = ", ".join(f"{run['sides'] + run['summary']:.2f}" for run in runs)
    return (
        f"{label}: long table {sides:.3f} s, summary {summary:.3f} s, together {both:.3f} s "
        f"(user {user:.3f} s, system {system:.3f} s; runs: {each})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--before", help="an interpreter whose powergame is an earlier version")
    parser.add_argument(
        "--folder",
        type=Path,
        help="a results folder to play into once and keep (a later call with the same "
        "repetitions reads it again instead of playing)",
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        table = make_table(args.folder or Path(scratch) / "run", args.repetitions)
        now: list[dict] = []
        before: list[dict] = []
        for _ in range(args.repeats):
            if args.before:
                before.append(measure(args.before, table))
            now.append(measure(sys.executable, table))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"{args.repetitions * 100:,} matches, medians of {args.repeats} fresh processes (CPU seconds)")
    if before:
        print(_line("before", before))
    print(_line("now", now) + f" (target <= {TARGET_SECONDS:g} s)")
    if before:
        old, new = before[0]["figures"], now[0]["figures"]
        same = json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True)
        print(f"headline and answer identical to before: {'yes' if same else 'NO'}")
        if not same:
            differing = [
                f"{part}.{name}"
                for part in old
                for name in sorted(set(old[part]) | set(new[part]))
                if old[part].get(name) != new[part].get(name)
            ]
            print(f"differing: {', '.join(differing)}")
        ratio = statistics.median(r["sides"] + r["summary"] for r in before) / statistics.median(
            r["sides"] + r["summary"] for r in now
        )
        print(f"before / now: {ratio:.2f}x")


if __name__ == "__main__":
    main()
