"""The built-in strategy library, registered through the powergame.strategies entry point.

``STRATEGIES`` lists every Player class of the library, the exit wrappers included (they
have ``is_wrapper = True``). Some rules are known under several names; each is registered
once and lists the other names in its ``aliases`` attribute (see ``ALIASES``).
"""

from __future__ import annotations

from powergame.player import Player

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

STRATEGIES: list[type[Player]] = [
    # trust-building
    OutForTat,
    StartSmall,
    RaiseTheStakes,
    GenerousOutForTat,
    TitForTatWithExitThreat,
    ReciprocalStakes,
    # withholding
    Parasite,
    HitAndRun,
    LeastInterest,
    ExploitThenLeave,
    HotAndCold,
    Threatener,
    # Hirschman's loyalty and voice (exit is Out For Tat)
    Loyal,
    Voice,
    # opting out
    Loner,
    # memory-one with leave
    MemoryOne,
    # exit rules (wrappers)
    LeaveAfterWithholdings,
    LeaveAfterTotalWithholdings,
    LeaveBelowOutsideOption,
    LeaveAfterRounds,
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
