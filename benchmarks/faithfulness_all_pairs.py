"""Every pair of deterministic ordinary axelrod strategies, bridged, against axelrod.Match.

With no leaving, stakes 1, the default payoffs (3, 0, 5, 1) and no noise, the moves and
per-turn scores through ``AxelrodPlayer`` must equal ``axelrod.Match(...).play()`` and
``.scores()`` for the same number of turns. Pairs include self-play (two instances).
Prints each mismatch (first differing turn) and the counts.

    .venv/bin/python benchmarks/faithfulness_all_pairs.py [--turns 200] [--limit N]
        [--processes 1] [--skip-slow]
"""

from __future__ import annotations

import itertools
import multiprocessing
import sys
import time

import click
from tqdm import tqdm

from powergame import Game, play_match
from powergame.axelrod_bridge import AxelrodPlayer, find_axelrod_strategy


def deterministic_strategy_names(skip_slow: bool) -> list[str]:
    """Display names of axelrod's ordinary strategies that are deterministic (as
    instantiated with default parameters)."""
    import axelrod

    names = []
    for cls in axelrod.strategies:
        player = cls()
        if axelrod.Classifiers["stochastic"](player):
            continue
        if skip_slow and axelrod.Classifiers["long_run_time"](player):
            continue
        names.append(cls.name)
    return names


def compare_pair(pair: tuple[str, str, int]) -> tuple[str, str, str | None]:
    """(name A, name B, None if faithful else what differs)."""
    import axelrod

    name_a, name_b, turns = pair
    try:
        cls_a, cls_b = find_axelrod_strategy(name_a), find_axelrod_strategy(name_b)
        match = axelrod.Match((cls_a(), cls_b()), turns=turns, seed=0)
        plays = match.play()
        expected_a = "".join(str(x) for x, _ in plays)
        expected_b = "".join(str(y) for _, y in plays)
        expected_scores = [(float(x), float(y)) for x, y in match.scores()]
        result = play_match(Game(rounds=turns), AxelrodPlayer(name_a), AxelrodPlayer(name_b), seed=0)
    except Exception as exc:  # report and go on: one broken pair must not stop the sweep
        return name_a, name_b, f"raised {type(exc).__name__}: {exc}"
    if (result.actions_a, result.actions_b) != (expected_a, expected_b):
        turn = next(
            t
            for t in range(turns)
            if t >= len(result.actions_a)
            or (result.actions_a[t], result.actions_b[t]) != (expected_a[t], expected_b[t])
        )
        return (
            name_a,
            name_b,
            f"moves differ from turn {turn + 1}: axelrod {expected_a[turn : turn + 8]}/"
            f"{expected_b[turn : turn + 8]}, bridged {result.actions_a[turn : turn + 8]}/"
            f"{result.actions_b[turn : turn + 8]}",
        )
    ours = list(zip(result.payoffs_a, result.payoffs_b))
    if ours != expected_scores:
        turn = next(t for t in range(turns) if ours[t] != expected_scores[t])
        return (
            name_a,
            name_b,
            f"scores differ at turn {turn + 1}: axelrod {expected_scores[turn]}, ours {ours[turn]}",
        )
    return name_a, name_b, None


@click.command()
@click.option("--turns", default=200, show_default=True, help="Turns per match.")
@click.option("--limit", type=int, default=None, help="Check only the first N pairs.")
@click.option("--processes", default=1, show_default=True, help="Worker processes.")
@click.option("--skip-slow", is_flag=True, help="Leave out axelrod's long_run_time strategies.")
def main(turns: int, limit: int | None, processes: int, skip_slow: bool) -> None:
    """Check every pair (self-play included) and print the mismatches and a count."""
    started = time.perf_counter()
    names = deterministic_strategy_names(skip_slow)
    pairs = [(a, b, turns) for a, b in itertools.combinations_with_replacement(names, 2)]
    if limit is not None:
        pairs = pairs[:limit]
    print(f"{len(names)} deterministic ordinary strategies, {len(pairs)} pairs, {turns} turns")
    mismatches = []
    if processes > 1:
        with multiprocessing.Pool(processes) as pool:
            outcomes = pool.imap_unordered(compare_pair, pairs, chunksize=8)
            for name_a, name_b, problem in tqdm(outcomes, total=len(pairs), file=sys.stderr):
                if problem:
                    mismatches.append((name_a, name_b, problem))
    else:
        for pair in tqdm(pairs, file=sys.stderr):
            name_a, name_b, problem = compare_pair(pair)
            if problem:
                mismatches.append((name_a, name_b, problem))
    for name_a, name_b, problem in sorted(mismatches):
        print(f"MISMATCH {name_a} vs {name_b}: {problem}")
    elapsed = time.perf_counter() - started
    print(
        f"{len(pairs) - len(mismatches)}/{len(pairs)} pairs identical, {len(mismatches)} mismatches ({elapsed:.0f} s)"
    )
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
