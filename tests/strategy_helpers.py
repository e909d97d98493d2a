"""Helpers for the strategy-library tests: a scripted partner, a player that runs a bare
state table, and a one-call match."""

from __future__ import annotations

from collections.abc import Sequence

from powergame import Action, Game, Player, play_match
from powergame.actions import actions_from_string
from powergame.result import MatchResult
from powergame.state_table import StateTable, StateTablePlayer


class Scripted(Player):
    """Replays ``actions`` (a string of C and D) and ``stakes``, the last entry repeating
    once the script runs out, and leaves after round ``leave_after`` (None: never)."""

    name = "Scripted"
    classifier = {
        "family": "neutral",
        "memory_depth": float("inf"),
        "stochastic": False,
        "can_leave": True,
        "uses_outside_options": False,
    }

    def __init__(self, actions: str = "C", stakes: Sequence[float] = (1.0,), leave_after: int | None = None):
        super().__init__()
        self.script = actions_from_string(actions)
        self.script_stakes = tuple(stakes)
        self.leave_after = leave_after

    def _at(self, script: Sequence) -> object:  # type: ignore[type-arg]
        return script[min(len(self.history), len(script) - 1)]

    def strategy(self, opponent: Player) -> Action:
        return self._at(self.script)  # type: ignore[return-value]

    def stake(self, opponent: Player) -> float:
        return self._at(self.script_stakes)  # type: ignore[return-value]

    def leave(self, opponent: Player) -> bool:
        return self.leave_after is not None and len(self.history) >= self.leave_after


class TablePlayer(StateTablePlayer):
    """A plain player that follows a given state table."""

    name = "Table"

    def __init__(self, table: StateTable) -> None:
        self.table = table
        super().__init__()


def play(
    player: Player, partner: Player, rounds: int = 10, game: Game | None = None, seed: int = 0
) -> MatchResult:
    """``player`` as A against ``partner`` as B."""
    return play_match(game if game is not None else Game(rounds=rounds), player, partner, seed=seed)
