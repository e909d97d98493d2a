"""Small strategies and a registry stand-in for the tournament tests (no library needed).

The strategies are chosen so match outcomes can be worked out by hand.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from powergame.actions import Action
from powergame.errors import UnknownStrategyError
from powergame.player import Player

C, D = Action.C, Action.D


def _classifier(family: str, can_leave: bool = False, stochastic: bool = False) -> dict[str, Any]:
    return {
        "family": family,
        "memory_depth": 1,
        "stochastic": stochastic,
        "can_leave": can_leave,
        "uses_outside_options": False,
    }


class AlwaysC(Player):
    name = "Always C"
    classifier = _classifier("trust-building")

    def strategy(self, opponent: Player) -> Action:
        return C


class AlwaysD(Player):
    name = "Always D"
    classifier = _classifier("withholding")

    def strategy(self, opponent: Player) -> Action:
        return D


class WalkAway(Player):
    """Cooperate; leave right after the partner's first D."""

    name = "Walk Away"
    classifier = _classifier("trust-building", can_leave=True)

    def strategy(self, opponent: Player) -> Action:
        return C

    def leave(self, opponent: Player) -> bool:
        return opponent.history[-1] is D


class Coin(Player):
    """C or D with probability 1/2 each, from the engine-seeded rng."""

    name = "Coin"
    classifier = _classifier("neutral", stochastic=True)

    def strategy(self, opponent: Player) -> Action:
        return C if self.rng.random() < 0.5 else D


class Dawdler(Player):
    """Always C, slowly (1 ms a round): gives a test time to interrupt a run."""

    name = "Dawdler"
    classifier = _classifier("trust-building")

    def strategy(self, opponent: Player) -> Action:
        time.sleep(0.001)
        return C


@dataclass(frozen=True)
class Entry:
    name: str
    factory: type[Player]
    classifier: dict[str, Any]
    source: str = "tests"
    doc: str = ""


class FakeRegistry:
    """``get`` and ``create`` over the classes above, like ``powergame.registry``."""

    def __init__(self) -> None:
        self._entries = {cls.name: Entry(cls.name, cls, cls.classifier) for cls in (*ALL, Dawdler)}

    def get(self, name: str) -> Entry:
        if name not in self._entries:
            raise UnknownStrategyError(name, [])
        return self._entries[name]

    def create(self, name: str) -> Player:
        return self.get(name).factory()


ALL = (AlwaysC, AlwaysD, WalkAway, Coin)
NAMES = tuple(cls.name for cls in ALL)


def fake_loader(plugins: tuple[str, ...]) -> FakeRegistry:
    """A registry loader (picklable: a module-level function) for ``run_tournament``."""
    return FakeRegistry()
