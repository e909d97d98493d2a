"""Strategies that try to change the record of a match (the engine must refuse each)."""

from powergame import C, History, Player

_CLASSIFIER = {
    "family": "neutral",
    "memory_depth": 0,
    "stochastic": False,
    "can_leave": False,
    "uses_outside_options": False,
}


class AppendsOwn(Player):
    """Appends to its own history every round."""

    name = "Fixture Appends Own"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        self.history.append(C)
        return C


class ForgesPartner(Player):
    """Rewrites the partner's last move to C."""

    name = "Fixture Forges Partner"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        if opponent.history:
            opponent.history[-1] = C
        return C


class ReplacesPartner(Player):
    """Gives the partner a fresh, empty history."""

    name = "Fixture Replaces Partner"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        opponent.history = History()
        return C


class OffersForPartner(Player):
    """Adds a stake to the partner's record."""

    name = "Fixture Offers For Partner"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        opponent.history.stakes.append(0.5)
        return C


class Sneaks(Player):
    """Goes around the read-only face with list.append."""

    name = "Fixture Sneaks"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        list.append(self.history, C)
        return C
