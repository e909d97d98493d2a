"""End-to-end tournament speed: powergame vs axelrod.Tournament on the same tournament.

The tournament: axelrod's 10 basic strategies, 200 turns, R repetitions, self-play, no
noise, nobody can leave. Timed per side (median of --repeats runs):

- powergame: ``run_tournament`` (in memory, so no files) with native players that play
  exactly the basic strategies, plus the analysis (``analysis.ranking`` and
  ``analysis.summary_table``);
- axelrod: ``Tournament(...).play(progress_bar=False)``, which also writes the
  interactions to a temporary file and builds the ResultSet (its analysis), with
  processes=1 and with its own multiprocessing (``processes=2``).

Also times powergame with ``--processes 2`` and the same tournament via the ``axelrod:``
bridge names. Usage: ``python benchmarks/tournament_speed.py [--repetitions R] [--repeats K]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from powergame.actions import Action
from powergame.game import Game
from powergame.player import Player
from tournaments.round_robin import run_tournament
from tournaments.spec import TournamentSpec

C, D = Action.C, Action.D
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
    from tournaments import analysis

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


def median_time(run: Callable[[], float], repeats: int) -> float:
    return statistics.median(run() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    reps, repeats = args.repetitions, args.repeats
    import axelrod  # noqa: F401  (imported before timing: the import alone takes seconds)

    assert sorted(NATIVE) == sorted(BASIC)
    native = median_time(lambda: powergame_once(reps, 1, BASIC, native_loader), repeats)
    native_2 = median_time(lambda: powergame_once(reps, 2, BASIC, native_loader), repeats)
    bridged = median_time(lambda: powergame_once(reps, 1, [f"axelrod:{n}" for n in BASIC]), repeats)
    axl_1 = median_time(lambda: axelrod_once(reps, 1), repeats)
    axl_2 = median_time(lambda: axelrod_once(reps, 2), repeats)
    matches = 55 * reps
    print(f"basic strategies, 200 turns, {reps} repetitions ({matches} matches); medians of {repeats} runs")
    rows = [
        ("powergame native players, 1 process", native),
        ("powergame native players, 2 processes", native_2),
        ("powergame axelrod: bridge, 1 process", bridged),
        ("axelrod.Tournament, 1 process", axl_1),
        ("axelrod.Tournament, 2 processes", axl_2),
    ]
    for label, seconds in rows:
        print(f"  {label:<40} {seconds:7.3f} s   axelrod(1)/this = {axl_1 / seconds:5.2f}x")


if __name__ == "__main__":
    main()
