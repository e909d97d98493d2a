"""What the main job costs as a whole process: `powergame run SPEC -o DIR --force -q`.

For each spec prints the medians over repeats of the CPU time (user + sys) and the
maximum resident set size that ``/usr/bin/time -v`` reports for the whole process, then
the slowest imports of one run under ``python -X importtime`` (cumulative microseconds),
and the bare interpreter's figures (``python -c pass``) for scale. With ``--before
LAUNCHER`` (a script that runs an earlier version's ``powergame`` command line, e.g. one
that puts an unpacked ``git archive`` first on sys.path) the two versions run turn about,
so that a busy machine weighs on both alike, and the medians of both are printed. Run:
.venv/bin/python benchmarks/main_job.py [--repeats 5] [--specs default memory_one_space]
    [--before /path/to/run_old.py]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TIME = "/usr/bin/time"
TARGETS = {"default": (0.8, None), "memory_one_space": (0.8, 250.0)}  # CPU seconds, MiB


# As an installed package runs: from cached bytecode (a run that compiles its modules
# first pays some 0.1-0.3 s more); the first, untimed run of each command writes it.
ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str]) -> tuple[float, float]:
    """(user + sys CPU seconds, max RSS in MiB) of one run of ``command``."""
    done = subprocess.run([TIME, "-v", *command], capture_output=True, text=True, check=True, env=ENVIRONMENT)
    found = {
        key: float(re.search(rf"{key} \(\w+\): ([\d.]+)", done.stderr).group(1))  # type: ignore[union-attr]
        for key in ("User time", "System time", "Maximum resident set size")
    }
    return found["User time"] + found["System time"], found["Maximum resident set size"] / 1024


def slowest_imports(command: list[str], count: int) -> list[tuple[int, str]]:
    """The ``count`` largest cumulative import times (microseconds) of one run."""
    done = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        capture_output=True,
        text=True,
        check=True,
        env=ENVIRONMENT,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--specs", nargs="+", default=list(TARGETS))
    parser.add_argument("--imports", type=int, default=12, help="slowest imports to show")
    parser.add_argument("--before", help="a launcher of an earlier version's command line")
    args = parser.parse_args()
    python = sys.executable
    bare = [measure([python, "-c", "pass"]) for _ in range(args.repeats)]
    print(
        f"python -c pass: {statistics.median(c for c, _ in bare):.3f} s CPU, "
        f"{statistics.median(m for _, m in bare):.0f} MiB"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for spec in args.specs:
            out = str(Path(scratch) / spec)
            command = [python, "-m", "powergame", "run", spec, "-o", out, "--force", "-q"]
            before: list[tuple[float, float]] = []
            runs = []
            measure(command)  # warm-up: bytecode written, files cached
            if args.before:
                measure([python, args.before, *command[3:]])
            for _ in range(args.repeats):
                if args.before:
                    before.append(measure([python, args.before, *command[3:]]))
                runs.append(measure(command))
            if before:
                print(
                    f"run {spec} before: {statistics.median(c for c, _ in before):.3f} s CPU "
                    f"(runs: {', '.join(f'{c:.2f}' for c, _ in before)}), "
                    f"{statistics.median(m for _, m in before):.0f} MiB max RSS"
                )
            cpu = statistics.median(c for c, _ in runs)
            rss = statistics.median(m for _, m in runs)
            cpu_target, rss_target = TARGETS.get(spec, (None, None))
            target = " ".join(
                f"(target < {value:g} {unit})"
                for value, unit in ((cpu_target, "s"), (rss_target, "MiB"))
                if value is not None
            )
            print(
                f"run {spec}: {cpu:.3f} s CPU (runs: {', '.join(f'{c:.2f}' for c, _ in runs)}), "
                f"{rss:.0f} MiB max RSS {target}"
            )
            for micros, name in slowest_imports(command, args.imports):
                print(f"    {micros / 1000:7.1f} ms  {name}")


if __name__ == "__main__":
    main()
