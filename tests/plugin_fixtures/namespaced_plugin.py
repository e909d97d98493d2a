"""A plugin whose strategies live in the namespace 'fixturepkg', listed in STRATEGIES."""

from powergame import D, Player

NAMESPACE = "fixturepkg"


class Grudge(Player):
    """Withholds every round."""

    name = "Fixture Grudge"
    classifier = {
        "family": "withholding",
        "memory_depth": 0,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }

    def strategy(self, opponent):
        return D


class NotListed(Grudge):
    """Defined here but left out of STRATEGIES, so not registered."""

    name = "Fixture Not Listed"


STRATEGIES = [Grudge]
