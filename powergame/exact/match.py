"""``exact_match``: one pair, the one-pair case of ``exact_many``."""

from __future__ import annotations

from powergame.errors import ParameterError
from powergame.exact.many import exact_many
from powergame.exact.result import ExactResult
from powergame.game import Game
from powergame.state_table import StateTable


def exact_match(
    game: Game, table_a: StateTable, table_b: StateTable, player_a: str = "A", player_b: str = "B"
) -> ExactResult:
    """The expected outcome of ``table_a`` (role A) against ``table_b`` under ``game``:
    the one-pair case of ``exact_many``."""
    for role, table in (("table_a", table_a), ("table_b", table_b)):
        if not isinstance(table, StateTable):
            raise ParameterError(
                role,
                type(table).__name__,
                "must be a StateTable (from player.state_table()); a player without one can only be simulated",
            )
    return exact_many(game, [(table_a, table_b)], [(player_a, player_b)]).result(0)
