"""The built-in strategy library, registered through the powergame.strategies entry point.

``STRATEGIES`` lists every Player class of the library, the exit wrappers included (they
have ``is_wrapper = True``), found in the library's modules. Some rules are known under several names; each is registered
once and lists the other names in its ``aliases`` attribute (see ``ALIASES``).
"""

from __future__ import annotations

from powergame.player import Player

from . import exit_rules, hirschman, loner, memory_one, trust, withholding
from .exit_rules import (
    LeaveAfterRounds,
    LeaveAfterTotalWithholdings,
    LeaveAfterWithholdings,
    LeaveBelowOutsideOption,
)
from .hirschman import Loyal, Voice
from .loner import Loner
from .memory_one import MemoryOne, memory_one_codes, memory_one_players
from .trust import (
    GenerousOutForTat,
    OutForTat,
    RaiseTheStakes,
    ReciprocalStakes,
    StartSmall,
    TitForTatWithExitThreat,
)
from .withholding import (
    ExploitThenLeave,
    HitAndRun,
    HotAndCold,
    LeastInterest,
    Parasite,
    Threatener,
)

# Every strategy class defined in these modules, in their order: adding a class to a module
# adds it to the library.
_MODULES = (trust, withholding, hirschman, loner, memory_one, exit_rules)
STRATEGIES: list[type[Player]] = [
    obj
    for module in _MODULES
    for obj in vars(module).values()
    if isinstance(obj, type)
    and issubclass(obj, Player)
    and obj.__module__ == module.__name__
    and "name" in vars(obj)
]

# Other names of a library strategy -> its registered name.
ALIASES: dict[str, str] = {alias: cls.name for cls in STRATEGIES for alias in getattr(cls, "aliases", ())}

__all__ = [
    "ALIASES",
    "STRATEGIES",
    "ExploitThenLeave",
    "Loner",
    "GenerousOutForTat",
    "HitAndRun",
    "HotAndCold",
    "LeastInterest",
    "LeaveAfterRounds",
    "LeaveAfterTotalWithholdings",
    "LeaveAfterWithholdings",
    "LeaveBelowOutsideOption",
    "Loyal",
    "MemoryOne",
    "OutForTat",
    "Parasite",
    "RaiseTheStakes",
    "ReciprocalStakes",
    "StartSmall",
    "Threatener",
    "TitForTatWithExitThreat",
    "Voice",
    "memory_one_codes",
    "memory_one_players",
]
