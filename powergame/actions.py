"""The two moves of the stage game: C (cooperate) and D (withhold)."""

from __future__ import annotations

from enum import Enum


class Action(Enum):
    """A partner's move in one round: ``C`` cooperates, ``D`` withholds."""

    C = 0
    D = 1

    def flip(self) -> Action:
        """The other action (what execution noise turns this one into)."""
        return Action.D if self is Action.C else Action.C

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name

    @classmethod
    def from_char(cls, char: str) -> Action:
        """``"C"`` or ``"D"`` (any case) to an action."""
        try:
            return cls[char.upper()]
        except KeyError:
            raise ValueError(f"action {char!r} is not allowed: use 'C' or 'D'") from None


C = Action.C
D = Action.D


def actions_from_string(text: str) -> list[Action]:
    """``"CCD"`` -> ``[C, C, D]``: a compact way to script transcripts."""
    return [Action.from_char(ch) for ch in text]
