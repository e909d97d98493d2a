"""The stake ladder shared by Raise the Stakes and Exploit-then-Leave: up one rung after
mutual cooperation, back to the bottom after the partner withholds, unchanged after the
player's own (noisy) withholding against a cooperator."""

from __future__ import annotations

from powergame.actions import Action
from powergame.player import History


def next_rung(rung: int, own: Action, partner: Action, top: int) -> int:
    """The rung after a round with these played actions."""
    if partner is Action.D:
        return 0
    if own is Action.C:
        return min(rung + 1, top)
    return rung


class LadderClimber:
    """Follows the rung through a match, reading each finished round once."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.rung = 0
        self.rounds_read = 0

    def catch_up(self, own: History, partner: History, rounds: int) -> int:
        """The rung after the first ``rounds`` rounds of the histories."""
        while self.rounds_read < rounds:
            t = self.rounds_read
            self.rung = next_rung(self.rung, own[t], partner[t], self.top)
            self.rounds_read += 1
        return self.rung
