"""powergame: repeated cooperation games in which either partner may leave.

The public API: ``Game`` (the model), ``Player`` (subclass it to write a strategy),
``play_match`` (the engine) and ``MatchResult`` (its record).
"""

from powergame.actions import Action, C, D
from powergame.engine import play_match
from powergame.errors import ParameterError, PluginError, PowerGameError, StrategyError, UnknownStrategyError
from powergame.exit_rule import ExitRule
from powergame.game import Game, StagePayoffs
from powergame.player import History, Player
from powergame.result import MatchResult
from powergame.state_table import StateTable, StateTablePlayer

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
