"""Rounds per second of powergame's engine against axelrod.Match on the same pairs.

The requirement: the engine runs an arbitrary pair at >= 1.5x the rounds/s of
axelrod.Match. Three groups are timed in one process:

1. native: powergame implementations of strategies that also exist in axelrod, against
   axelrod's own classes;
2. bridged: axelrod strategies played through ``AxelrodPlayer``;
3. mixed: a bridged strategy against a native player (axelrod plays the native one's twin).

axelrod side: a fresh ``axelrod.Match(players, turns=N, seed=s)`` per match (so its
deterministic cache never helps), ``.play()`` then ``.final_score_per_turn()``.
powergame side: ``play_match(game, a, b, seed)`` then ``.summary()`` (payoffs, scores,
cooperation and power figures: more work than axelrod's side does), or with
``--scores-only`` just ``.scores_per_round``, like for like with ``final_score_per_turn``.

The two sides alternate ``--repeats`` times, each timing ``--matches`` matches in CPU
time (so other jobs on a shared machine do not skew it); figures are medians and the
ratio is the median of the per-repeat ratios.

    .venv/bin/python benchmarks/match_speed.py [--turns 200] [--repeats 5] [--matches 20]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from powergame import Action, C, D, Game, Player, play_match
from powergame.axelrod_bridge import AxelrodPlayer


# --- native equivalents of axelrod strategies ---------------------------------------------
class Cooperator(Player):
    name = "Cooperator"

    def strategy(self, opponent: Player) -> Action:
        return C


class Defector(Player):
    name = "Defector"

    def strategy(self, opponent: Player) -> Action:
        return D


class TitForTat(Player):
    name = "Tit For Tat"

    def strategy(self, opponent: Player) -> Action:
        history = opponent.history
        return history[-1] if history else C


class Grudger(Player):
    name = "Grudger"

    def __init__(self) -> None:
        super().__init__()
        self.grudge = False

    def reset(self) -> None:
        super().reset()
        self.grudge = False

    def strategy(self, opponent: Player) -> Action:
        history = opponent.history
        if history and history[-1] is D:
            self.grudge = True
        return D if self.grudge else C


class Alternator(Player):
    name = "Alternator"

    def strategy(self, opponent: Player) -> Action:
        return C if len(self.history) % 2 == 0 else D


class WinStayLoseShift(Player):
    name = "Win-Stay Lose-Shift"

    def strategy(self, opponent: Player) -> Action:
        if not self.history:
            return C
        mine = self.history[-1]
        # stay after R or T (partner cooperated), shift after S or P
        if opponent.history[-1] is C:
            return mine
        return D if mine is C else C


class SuspiciousTitForTat(Player):
    name = "Suspicious Tit For Tat"

    def strategy(self, opponent: Player) -> Action:
        history = opponent.history
        return history[-1] if history else D


class TitFor2Tats(Player):
    name = "Tit For 2 Tats"

    def strategy(self, opponent: Player) -> Action:
        history = opponent.history
        return D if len(history) >= 2 and history[-1] is D and history[-2] is D else C


NATIVE_PAIRS: list[tuple[type[Player], type[Player], str, str]] = [
    (Cooperator, Defector, "Cooperator", "Defector"),
    (TitForTat, TitForTat, "Tit For Tat", "Tit For Tat"),
    (TitForTat, Alternator, "Tit For Tat", "Alternator"),
    (Grudger, Alternator, "Grudger", "Alternator"),
    (WinStayLoseShift, Defector, "Win-Stay Lose-Shift", "Defector"),
    (WinStayLoseShift, SuspiciousTitForTat, "Win-Stay Lose-Shift", "Suspicious Tit For Tat"),
    (TitFor2Tats, Alternator, "Tit For 2 Tats", "Alternator"),
    (Grudger, SuspiciousTitForTat, "Grudger", "Suspicious Tit For Tat"),
]

BRIDGED_PAIRS: list[tuple[str, str]] = [
    ("Tit For Tat", "Alternator"),
    ("Cooperator", "Defector"),
    ("Grudger", "Win-Stay Lose-Shift"),
    ("Adaptive", "Tit For 2 Tats"),
    ("Evolved FSM 16", "Tit For Tat"),
    ("Second by Tester", "Grudger"),
    ("First by Davis", "Cycler CCD"),
    ("Gradual", "Suspicious Tit For Tat"),
    ("Random", "Tit For Tat"),
    ("Evolved ANN 5", "Go By Majority"),
]


# (bridged axelrod strategy, native powergame player, axelrod's twin of the native one)
MIXED_PAIRS: list[tuple[str, type[Player], str]] = [
    ("Adaptive", TitForTat, "Tit For Tat"),
    ("Evolved FSM 16", WinStayLoseShift, "Win-Stay Lose-Shift"),
    ("Tit For Tat", Alternator, "Alternator"),
    ("Second by Tester", Grudger, "Grudger"),
]


def _seconds_per_match(run_once: Callable[[int], object], matches: int, first_seed: int) -> float:
    # CPU time of this process: other jobs on a shared machine do not inflate it
    start = time.process_time()
    for i in range(matches):
        run_once(first_seed + i)
    return (time.process_time() - start) / matches


def axelrod_runner(axl_a: object, axl_b: object, turns: int) -> Callable[[int], object]:
    """One axelrod match per call: a fresh Match (its cache never helps), play, score."""
    import axelrod

    def once(seed: int) -> object:
        match = axelrod.Match((axl_a, axl_b), turns=turns, seed=seed)
        match.play()
        return match.final_score_per_turn()

    return once


def powergame_runner(a: Player, b: Player, turns: int, summary: bool) -> Callable[[int], object]:
    """One powergame match per call, then its summary (scores, cooperation, power
    figures) or, like for like with axelrod, only the scores per round."""
    game = Game(rounds=turns)

    def once(seed: int) -> object:
        result = play_match(game, a, b, seed)
        return result.summary() if summary else result.scores_per_round

    return once


def compare(
    label: str, theirs: Callable[[int], object], ours: Callable[[int], object], args: Settings
) -> float:
    """Alternate the two sides ``repeats`` times; print median rounds/s and the median
    of the per-repeat ratios; return that ratio."""
    theirs(0), ours(0)  # warm up: first-call imports and caches
    rates_theirs, rates_ours, ratios = [], [], []
    for repeat in range(args.repeats):
        seed = 1 + repeat * args.matches
        axl_s = _seconds_per_match(theirs, args.matches, seed)
        our_s = _seconds_per_match(ours, args.matches, seed)
        rates_theirs.append(args.turns / axl_s)
        rates_ours.append(args.turns / our_s)
        ratios.append(axl_s / our_s)
    ratio = statistics.median(ratios)
    print(
        f"  {label:<48} axelrod {statistics.median(rates_theirs):>9,.0f} r/s"
        f"  powergame {statistics.median(rates_ours):>9,.0f} r/s  ratio {ratio:5.2f}"
    )
    return ratio


def cold_start_seconds(runs: int) -> float:
    """Median wall time of ``powergame --help`` in a fresh process."""
    command = [str(Path(sys.executable).with_name("powergame")), "--help"]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


@dataclass(frozen=True)
class Settings:
    turns: int
    matches: int
    repeats: int


def _summarise(group: str, ratios: list[float]) -> None:
    reached = sum(r >= 1.5 for r in ratios)
    print(
        f"  {group}: median ratio {statistics.median(ratios):.2f}, min {min(ratios):.2f}, "
        f"{reached}/{len(ratios)} pairs at >= 1.5x"
    )


@click.command()
@click.option("--turns", default=200, show_default=True, help="Rounds per match.")
@click.option("--matches", default=20, show_default=True, help="Matches per timing.")
@click.option("--repeats", default=5, show_default=True, help="Timings per figure (median taken).")
@click.option(
    "--summary/--scores-only",
    default=True,
    show_default=True,
    help="Time play_match plus .summary() (power figures too), or plus the scores per round only.",
)
@click.option("--cold-start-runs", default=7, show_default=True, help="Runs of `powergame --help`.")
def main(turns: int, matches: int, repeats: int, summary: bool, cold_start_runs: int) -> None:
    """Print rounds/s of axelrod.Match and of play_match per pair, and the ratios."""
    args = Settings(turns, matches, repeats)
    side = "play_match + summary()" if summary else "play_match + scores_per_round"
    print(f"turns={turns} matches={matches} repeats={repeats}; powergame side: {side}; CPU time, medians")
    print("native powergame strategies vs axelrod's own classes:")
    native_ratios = []
    for native_a, native_b, name_a, name_b in NATIVE_PAIRS:
        axl_a, axl_b = (AxelrodPlayer(name).axelrod_class() for name in (name_a, name_b))
        theirs = axelrod_runner(axl_a, axl_b, turns)
        ours = powergame_runner(native_a(), native_b(), turns, summary)
        native_ratios.append(compare(f"{name_a} vs {name_b}", theirs, ours, args))
    _summarise("native", native_ratios)

    print("bridged axelrod strategies (AxelrodPlayer) vs axelrod.Match:")
    bridged_ratios = []
    for name_a, name_b in BRIDGED_PAIRS:
        a, b = AxelrodPlayer(name_a), AxelrodPlayer(name_b)
        theirs = axelrod_runner(a.axelrod_class(), b.axelrod_class(), turns)
        ours = powergame_runner(a, b, turns, summary)
        bridged_ratios.append(compare(f"{name_a} vs {name_b}", theirs, ours, args))
    _summarise("bridged", bridged_ratios)

    print("mixed: a bridged strategy against a native powergame player:")
    mixed_ratios = []
    for name_a, native_b, twin_b in MIXED_PAIRS:
        a = AxelrodPlayer(name_a)
        theirs = axelrod_runner(a.axelrod_class(), AxelrodPlayer(twin_b).axelrod_class(), turns)
        ours = powergame_runner(a, native_b(), turns, summary)
        mixed_ratios.append(compare(f"{name_a} vs native {native_b.name}", theirs, ours, args))
    _summarise("mixed", mixed_ratios)

    if cold_start_runs:
        print(f"cold start of `powergame --help`: median {cold_start_seconds(cold_start_runs):.3f} s (wall)")


if __name__ == "__main__":
    main()
