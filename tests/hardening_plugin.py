"""Strategies for the hardening tests: one that never returns, one that is slow."""

import time

from powergame import C, Player

_CLASSIFIER = {
    "family": "neutral",
    "memory_depth": 0,
    "stochastic": False,
    "can_leave": False,
    "uses_outside_options": False,
}


class NeverReturns(Player):
    """Loops forever in round 3."""

    name = "Never Returns"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        while len(self.history) == 2:
            pass
        return C


class Slow(Player):
    """Takes 20 ms per move."""

    name = "Slow"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        time.sleep(0.02)
        return C
