"""How long the full dynamics analysis of the 162-strategy memory-one space takes.

Runs the exact tournament once (`powergame run tournaments/specs/memory_one_space.toml`),
then times, as a user sees it, `powergame dynamics DIR` and `powergame dynamics DIR --roles`
(whole processes: start-up, reading the 26,244 pairings, payoff matrix, replicator over 1,000
generations, fixation probabilities of every (resident, mutant) pair under Fermi and Moran,
both stationary distributions, stability, invasion graphs, summary), and the library's
``analyse`` alone. Prints medians over repeats; the target is under 10 s. Run:
.venv/bin/python benchmarks/dynamics_speed.py [--repeats 5] [--population-size 100]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POWERGAME = str(Path(sys.executable).with_name("powergame"))
SPEC = ROOT / "tournaments" / "specs" / "memory_one_space.toml"


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--population-size", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "m1"
        run_seconds = timed([POWERGAME, "run", str(SPEC), "--out", str(folder), "--quiet"])
        print(f"powergame run memory_one_space.toml (exact, 162 strategies): {run_seconds:.2f} s (once)")
        size = ["--population-size", str(args.population_size)]
        for label, extra in (("", []), (" --roles", ["--roles"])):
            times = [timed([POWERGAME, "dynamics", str(folder), *size, *extra]) for _ in range(args.repeats)]
            print(
                f"powergame dynamics DIR{label} (N = {args.population_size}): median {statistics.median(times):.2f} s, "
                f"max {max(times):.2f} s over {args.repeats} runs (target < 10 s)"
            )
        from powergame.tournaments.dynamics import DynamicsSettings, analyse
        from powergame.tournaments.payoff_matrix import load_payoffs

        payoffs = load_payoffs(folder)
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            analyse(payoffs, DynamicsSettings(population_size=args.population_size, roles=True))
            times.append(time.perf_counter() - started)
        print(f"analyse() alone, with roles: median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
