"""Helpers for the strategy-library tests: a scripted partner, a player that runs a bare
state table, and a one-call match."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from powergame import Game, Player, play_match
from powergame.actions import actions_from_string
from powergame.result import MatchResult
from powergame.strategies import HotAndCold, MemoryOne, RaiseTheStakes, Voice
from powergame.testing.partners import ScriptedPartner


class Scripted(ScriptedPartner):
    """The kit's scripted partner, with its actions written as a string of C and D."""

    name = "Scripted"

    def __init__(self, actions: str = "C", stakes: Sequence[float] = (1.0,), leave_after: int | None = None):
        super().__init__(actions_from_string(actions), stakes, leave_after)


def play(
    player: Player, partner: Player, rounds: int = 10, game: Game | None = None, seed: int = 0
) -> MatchResult:
    """``player`` as A against ``partner`` as B."""
    return play_match(game if game is not None else Game(rounds=rounds), player, partner, seed=seed)


# Partners against which a strategy and the bare player of its state table must play alike.
TABLE_PARTNERS: list[Callable[[], Player]] = [
    lambda: Scripted("CCDCDDCC", stakes=(1.0, 0.5)),
    Voice,
    lambda: HotAndCold(hot=2, cold=2),
    lambda: MemoryOne(first=0.7, cc=0.8, cd=0.5, dc=0.6, dd=0.2),
    RaiseTheStakes,
]


def transcript(result: MatchResult) -> tuple[object, ...]:
    """What must agree between a strategy and its table: choices, plays, stakes, exit."""
    return (
        result.intended_a,
        result.actions_a,
        result.actions_b,
        result.stakes_a,
        result.exit_round,
        result.left_by,
    )
