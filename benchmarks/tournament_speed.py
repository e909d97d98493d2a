"""End-to-end tournament speed: powergame vs axelrod.Tournament on the same tournament.

The tournament: axelrod's 10 basic strategies, 200 turns, R repetitions, self-play, no
noise, nobody can leave. Timed per group (median of --repeats runs, interleaved), each
from the players to the analysis:

- powergame, library strategies: the tabled strategies a user would name for the basic
  ones (Loyal, Parasite, Voice and memory-one codes such as ``M1(code=CDDCC)``), played
  by the batch engine; ``run_tournament`` in memory (its summary includes the headline
  analysis) plus ``analysis.ranking`` and ``analysis.summary_table``;
- powergame, ad-hoc native players (no state table): the same through the Python engine,
  with 1 and 2 processes;
- powergame via the ``axelrod:`` bridge names (axelrod's own strategy code each round);
- axelrod: ``Tournament(...).play(progress_bar=False)``, which also writes the
  interactions to a temporary file and builds the ResultSet (its analysis), with
  processes=1 and with its own multiprocessing (``processes=2``).

Before timing, every pairing of the library strategies and of the native players is
checked against ``axelrod.Match``: the same moves and the same score per turn.
Usage: ``python benchmarks/tournament_speed.py [--repetitions R] [--repeats K]``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from powergame.actions import Action
from powergame.game import Game
from powergame.player import Player
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

C, D = Action.C, Action.D
# axelrod's basic strategies and the library strategy that plays each of them (memory-one
# code: first move, then the move after CC, CD, DC, DD, own action first).
LIBRARY = {
    "Alternator": "M1(code=CDDCC)",
    "Anti Tit For Tat": "M1(code=CDCDC)",
    "Bully": "M1(code=DDCDC)",
    "Cooperator": "Loyal",
    "Cycler DC": "M1(code=DDDCC)",
    "Defector": "Parasite",
    "Suspicious Tit For Tat": "M1(code=DCDCD)",
    "Tit For Tat": "Voice",
    "Win-Shift Lose-Stay": "M1(code=DDCCD)",
    "Win-Stay Lose-Shift": "M1(code=CCDDC)",
}
BASIC = [
    "Alternator",
    "Anti Tit For Tat",
    "Bully",
    "Cooperator",
    "Cycler DC",
    "Defector",
    "Suspicious Tit For Tat",
    "Tit For Tat",
    "Win-Shift Lose-Stay",
    "Win-Stay Lose-Shift",
]


def _moves(rule: Callable[[Player, Player], Action], label: str) -> type[Player]:
    classifier = {
        "family": "neutral",
        "memory_depth": 1,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }
    return type(label, (Player,), {"name": label, "classifier": classifier, "strategy": rule})


def _last(player: Player) -> Action | None:
    return player.history[-1] if player.history else None


def _wsls(first: Action, stay_on_win: bool) -> Callable[[Player, Player], Action]:
    def rule(self: Player, opponent: Player) -> Action:
        if not self.history:
            return first
        won = opponent.history[-1] is C
        keep = won if stay_on_win else not won
        return self.history[-1] if keep else self.history[-1].flip()

    return rule


NATIVE: dict[str, type[Player]] = {
    "Alternator": _moves(lambda s, o: C if len(s.history) % 2 == 0 else D, "Alternator"),
    "Anti Tit For Tat": _moves(lambda s, o: C if _last(o) in (None, D) else D, "Anti Tit For Tat"),
    "Bully": _moves(lambda s, o: D if _last(o) in (None, C) else C, "Bully"),
    "Cooperator": _moves(lambda s, o: C, "Cooperator"),
    "Cycler DC": _moves(lambda s, o: D if len(s.history) % 2 == 0 else C, "Cycler DC"),
    "Defector": _moves(lambda s, o: D, "Defector"),
    "Suspicious Tit For Tat": _moves(
        lambda s, o: D if _last(o) in (None, D) else C, "Suspicious Tit For Tat"
    ),
    "Tit For Tat": _moves(lambda s, o: C if _last(o) in (None, C) else D, "Tit For Tat"),
    "Win-Shift Lose-Stay": _moves(_wsls(D, stay_on_win=False), "Win-Shift Lose-Stay"),
    "Win-Stay Lose-Shift": _moves(_wsls(C, stay_on_win=True), "Win-Stay Lose-Shift"),
}


@dataclass(frozen=True)
class _Entry:
    name: str
    classifier: dict[str, Any]


class NativeRegistry:
    def get(self, name: str) -> _Entry:
        return _Entry(name, NATIVE[name].classifier)

    def create(self, name: str) -> Player:
        return NATIVE[name]()


def native_loader(plugins: tuple[str, ...]) -> NativeRegistry:
    return NativeRegistry()


def powergame_once(repetitions: int, processes: int, names: list[str], loader: Any = None) -> float:
    from powergame.tournaments import analysis

    spec = TournamentSpec(
        name="bench", strategies=tuple(names), game=Game(rounds=200), repetitions=repetitions
    )
    start = time.perf_counter()
    kwargs = {"registry_loader": loader} if loader is not None else {}
    result = run_tournament(spec, None, processes=processes, **kwargs)
    analysis.ranking(result.matches)
    analysis.summary_table(result.matches)
    return time.perf_counter() - start


def axelrod_once(repetitions: int, processes: int) -> float:
    import axelrod as axl

    players = [s() for s in axl.basic_strategies]
    start = time.perf_counter()
    tournament = axl.Tournament(players, turns=200, repetitions=repetitions, seed=1)
    tournament.play(progress_bar=False, processes=processes)
    return time.perf_counter() - start


def axelrod_matches() -> dict[tuple[str, str], tuple[str, str, float, float]]:
    """Per pairing of the basic strategies (self-play included): both move strings and
    the score per turn of each side, from ``axelrod.Match``."""
    import axelrod as axl

    by_name = {s.name: s for s in axl.basic_strategies}
    found = {}
    for i, name_a in enumerate(BASIC):
        for name_b in BASIC[i:]:
            match = axl.Match((by_name[name_a](), by_name[name_b]()), turns=200)
            moves = match.play()
            score_a, score_b = match.final_score_per_turn()
            found[(name_a, name_b)] = (
                "".join(str(a) for a, _ in moves),
                "".join(str(b) for _, b in moves),
                score_a,
                score_b,
            )
    return found


def check_against_axelrod(names: dict[str, str], loader: Any = None) -> tuple[int, list[str]]:
    """Play each pairing once with powergame (``names`` maps a basic strategy to the
    powergame name) and compare moves and scores per turn with axelrod's; returns the
    number of pairings checked and the ones that differ."""
    spec = TournamentSpec(
        name="check", strategies=tuple(names[n] for n in BASIC), game=Game(rounds=200), repetitions=1
    )
    kwargs = {"registry_loader": loader} if loader is not None else {}
    table = run_tournament(spec, None, **kwargs).matches
    basic_of = {powergame: basic for basic, powergame in names.items()}
    expected = axelrod_matches()
    differing = []
    for row in table.itertuples():
        key = (basic_of[row.strategy_a], basic_of[row.strategy_b])
        moves_a, moves_b, score_a, score_b = expected[key]
        same = (row.actions_a, row.actions_b) == (moves_a, moves_b)
        if not (same and math.isclose(row.score_a, score_a) and math.isclose(row.score_b, score_b)):
            differing.append(f"{key[0]} vs {key[1]}")
    return len(table), differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    reps, repeats = args.repetitions, args.repeats
    import axelrod  # noqa: F401  (imported before timing: the import alone takes seconds)

    assert sorted(NATIVE) == sorted(BASIC) == sorted(LIBRARY)
    print("check against axelrod.Match (200 turns, every pairing once):")
    for label, names, loader in (
        ("library strategies", LIBRARY, None),
        ("native players", {n: n for n in BASIC}, native_loader),
    ):
        checked, differing = check_against_axelrod(names, loader)
        verdict = "same moves and scores" if not differing else "DIFFER: " + ", ".join(differing)
        print(f"  {label:<20} {checked} pairings: {verdict}")
    library = [LIBRARY[n] for n in BASIC]
    timed = [
        ("powergame library strategies, 1 process", lambda: powergame_once(reps, 1, library)),
        ("powergame library strategies, 2 processes", lambda: powergame_once(reps, 2, library)),
        ("powergame native players, 1 process", lambda: powergame_once(reps, 1, BASIC, native_loader)),
        ("powergame native players, 2 processes", lambda: powergame_once(reps, 2, BASIC, native_loader)),
        (
            "powergame axelrod: bridge, 1 process",
            lambda: powergame_once(reps, 1, [f"axelrod:{n}" for n in BASIC]),
        ),
        ("axelrod.Tournament, 1 process", lambda: axelrod_once(reps, 1)),
        ("axelrod.Tournament, 2 processes", lambda: axelrod_once(reps, 2)),
    ]
    # Repeats are interleaved (every group once per round), so that a change in the load of
    # the machine during the run falls on every group alike.
    samples: dict[str, list[float]] = {label: [] for label, _ in timed}
    for _ in range(repeats):
        for label, run in timed:
            samples[label].append(run())
    rows = [(label, statistics.median(samples[label])) for label, _ in timed]
    axelrod_1 = dict(rows)["axelrod.Tournament, 1 process"]
    matches = 55 * reps
    print(f"basic strategies, 200 turns, {reps} repetitions ({matches} matches); medians of {repeats} runs")
    for label, seconds in rows:
        print(f"  {label:<44} {seconds:7.3f} s   axelrod(1)/this = {axelrod_1 / seconds:6.2f}x")


if __name__ == "__main__":
    main()
