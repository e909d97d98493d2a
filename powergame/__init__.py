"""powergame: repeated cooperation games in which either partner may leave.

The public API: ``Game`` (the model), ``Player`` (subclass it to write a strategy),
``play_match`` (the engine) and ``MatchResult`` (its record).
"""

from typing import TYPE_CHECKING, Any

from powergame.actions import Action, C, D
from powergame.errors import ParameterError, PluginError, PowerGameError, StrategyError, UnknownStrategyError
from powergame.exit_rule import ExitRule
from powergame.game import Game, StagePayoffs
from powergame.player import History, Player
from powergame.result import MatchResult
from powergame.state_table import StateTable, StateTablePlayer

if TYPE_CHECKING:
    from powergame.engine import play_match

__all__ = [
    "Action",
    "C",
    "D",
    "ExitRule",
    "Game",
    "History",
    "MatchResult",
    "ParameterError",
    "Player",
    "PluginError",
    "PowerGameError",
    "StagePayoffs",
    "StateTable",
    "StateTablePlayer",
    "StrategyError",
    "UnknownStrategyError",
    "play_match",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The engine is imported on first use: a tournament played by the batch or the exact
    # engine never runs it, and importing it costs a whole run some 20 ms.
    if name == "play_match":
        from powergame.engine import play_match

        return play_match
    raise AttributeError(f"module 'powergame' has no attribute {name!r}")
