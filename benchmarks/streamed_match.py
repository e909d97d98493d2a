"""Memory and speed of a long match streamed into figures against one that keeps its transcript.

1. A long match (default 2,000,000 rounds of Voice against M1, two memory-one strategies,
   under noise) played by ``play_match_figures``: the growth of the process's peak
   resident memory while it plays, and its rounds per second.
2. The same pair over a shorter horizon (default 200,000 rounds) both ways: the figures
   must be equal, and the kept transcript's memory growth is printed beside the streamed
   one's; rounds per second of both (CPU time, medians over ``--repeats``).

    .venv/bin/python benchmarks/streamed_match.py [--rounds 2000000] [--short 200000] [--repeats 3]
"""

from __future__ import annotations

import resource
import statistics
import time

import click

from powergame import Game
from powergame.engine import play_match, play_match_figures
from powergame.registry import load_registry


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


@click.command()
@click.option("--rounds", default=2_000_000, show_default=True, help="Rounds of the long streamed match.")
@click.option("--short", default=200_000, show_default=True, help="Rounds of the match played both ways.")
@click.option("--repeats", default=3, show_default=True, help="Timings per figure (median taken).")
@click.option("--pair", nargs=2, default=("Voice", "M1"), show_default=True, help="The two strategies.")
def main(rounds: int, short: int, repeats: int, pair: tuple[str, str]) -> None:
    """Print the memory growth and speed of streamed and kept matches."""
    registry = load_registry(env=False)
    name_a, name_b = pair

    def players() -> tuple:
        return registry.create(name_a), registry.create(name_b)

    play_match_figures(Game(rounds=1000, noise=0.05), *players(), seed=1)  # warm up
    before = _peak_mb()
    start = time.process_time()
    figures = play_match_figures(
        Game(rounds=rounds, noise=0.05, outside_options=(2.0, 1.0)), *players(), seed=1
    )
    seconds = time.process_time() - start
    print(
        f"{name_a} vs {name_b}, {rounds:,} rounds streamed: peak memory +{_peak_mb() - before:.1f} MB, "
        f"{rounds / seconds:,.0f} rounds/s; power shifts {figures.power_shifts}, "
        f"cooperation {figures.cooperation_rates[0]:.3f}/{figures.cooperation_rates[1]:.3f}"
    )

    game = Game(rounds=short, noise=0.05, outside_options=(2.0, 1.0))
    streamed_rates, kept_rates = [], []
    growth = 0.0
    for repeat in range(repeats):
        start = time.process_time()
        streamed = play_match_figures(game, *players(), seed=2 + repeat).summary()
        streamed_rates.append(short / (time.process_time() - start))
        before = _peak_mb()
        start = time.process_time()
        kept = play_match(game, *players(), seed=2 + repeat).summary()
        kept_rates.append(short / (time.process_time() - start))
        if repeat == 0:
            growth = _peak_mb() - before
        if streamed != kept:
            raise SystemExit(f"figures differ at seed {2 + repeat}: {streamed} != {kept}")
    print(
        f"{short:,} rounds both ways, {repeats} seeds: figures equal; rounds/s streamed "
        f"{statistics.median(streamed_rates):,.0f}, kept {statistics.median(kept_rates):,.0f} "
        f"(medians); the first kept transcript raised peak memory by {growth:.1f} MB"
    )


if __name__ == "__main__":
    main()
