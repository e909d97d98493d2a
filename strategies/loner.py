"""Opting out: the loner, who never enters a relationship."""

from __future__ import annotations

from powergame.actions import Action
from powergame.player import Player

from ._common import classifier


class Loner(Player):
    """Loner: never enters a relationship and takes its outside option sigma = v every round.

    The loners of the optional public goods and prisoner's dilemma games (Hauert, De Monte,
    Hofbauer & Sigmund 2002, "Volunteering as Red Queen mechanism for cooperation in public
    goods games", Science 296:1129; Batali & Kitcher 1995 "opting out"). Against any partner
    no round is played: both earn their outside options for the whole horizon and nobody pays
    an exit cost. It never withholds, so it makes no family claim.
    """

    name = "Loner"
    classifier = classifier("neutral", 0, can_leave=True, uses_outside_options=False)

    def enters(self, opponent: Player) -> bool:
        return False

    def strategy(self, opponent: Player) -> Action:
        return Action.D  # never asked in a match: a loner plays no round
