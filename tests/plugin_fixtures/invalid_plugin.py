"""One valid strategy next to a non-Player, a bad classifier and a nameless class."""

from powergame import C, Player


class NotAPlayer:
    name = "Fixture Not A Player"


class BadClassifier(Player):
    """Declares a family that does not exist."""

    name = "Fixture Bad Classifier"
    classifier = {
        "family": "chaotic",
        "memory_depth": 0,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }

    def strategy(self, opponent):
        return C


class Nameless(Player):
    def strategy(self, opponent):
        return C


class StillFine(Player):
    """Registered despite its neighbours."""

    name = "Fixture Still Fine"
    classifier = {
        "family": "neutral",
        "memory_depth": 0,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }

    def strategy(self, opponent):
        return C


STRATEGIES = [NotAPlayer, BadClassifier, Nameless, StillFine]
