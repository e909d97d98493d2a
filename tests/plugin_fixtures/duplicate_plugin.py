"""Registers a name that good_plugin.py already uses (spelled differently) and a fresh one."""

from powergame import C, Player

_CLASSIFIER = {
    "family": "neutral",
    "memory_depth": 0,
    "stochastic": False,
    "can_leave": False,
    "uses_outside_options": False,
}


class Clash(Player):
    """Same name as good_plugin's, up to case and punctuation."""

    name = "fixture always-cooperate"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        return C


class Fresh(Player):
    """A name nobody else uses."""

    name = "Fixture Fresh"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        return C
