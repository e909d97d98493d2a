"""Strategies that break the rules during a match (the engine reports them)."""

from powergame import C, Player

_CLASSIFIER = {
    "family": "neutral",
    "memory_depth": 0,
    "stochastic": False,
    "can_leave": True,
    "uses_outside_options": False,
}


class BadAction(Player):
    """Returns a string instead of an action in round 3."""

    name = "Fixture Bad Action"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        return "X" if len(self.history) == 2 else C


class Crashes(Player):
    """Raises inside leave() in round 2."""

    name = "Fixture Crashes"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        return C

    def leave(self, opponent):
        if len(self.history) == 2:
            raise ZeroDivisionError("fixture bug")
        return False
