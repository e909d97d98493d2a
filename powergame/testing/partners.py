"""Partners with fixed behaviour, used to probe a strategy: a scripted partner replays
given actions, stakes and a leave round; the unconditional cooperator always plays C."""

from __future__ import annotations

from collections.abc import Sequence

from powergame.actions import Action
from powergame.player import Player

NEUTRAL_NON_LEAVING = {
    "family": "neutral",
    "memory_depth": 0,
    "stochastic": False,
    "can_leave": False,
    "uses_outside_options": False,
}


class ScriptedPartner(Player):
    """Replays ``actions`` and ``stakes`` round by round (the last entry repeats once the
    script runs out) and leaves after round ``leave_after`` (None: never)."""

    name = "Scripted partner"
    classifier = {**NEUTRAL_NON_LEAVING, "memory_depth": float("inf"), "can_leave": True}

    def __init__(
        self,
        actions: Sequence[Action],
        stakes: Sequence[float] = (1.0,),
        leave_after: int | None = None,
    ) -> None:
        super().__init__()
        self.script_actions = tuple(actions) or (Action.C,)
        self.script_stakes = tuple(stakes) or (1.0,)
        self.leave_after = leave_after

    def _at(self, script: tuple, offset: int = 0):  # type: ignore[no-untyped-def]
        index = len(self.history) - offset
        return script[min(index, len(script) - 1)]

    def strategy(self, opponent: Player) -> Action:
        return self._at(self.script_actions)  # type: ignore[no-any-return]

    def stake(self, opponent: Player) -> float:
        return self._at(self.script_stakes)  # type: ignore[no-any-return]

    def leave(self, opponent: Player) -> bool:
        return self.leave_after is not None and len(self.history) >= self.leave_after


class UnconditionalCooperator(Player):
    """Always C, always stake 1, never leaves: the partner of the withholding claim."""

    name = "Unconditional cooperator"
    classifier = dict(NEUTRAL_NON_LEAVING)

    def strategy(self, opponent: Player) -> Action:
        return Action.C
