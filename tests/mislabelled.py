"""Strategies whose classifiers lie, one lie per property of the battery, plus an honest
control. Each docstring says which claim is false and why."""

from __future__ import annotations

from typing import Any

from powergame.actions import Action
from powergame.player import Player

C, D = Action.C, Action.D


def honest(**changes: Any) -> dict[str, Any]:
    """The classifier of Tit for Tat (memory 1, deterministic, never leaves), with changes."""
    base: dict[str, Any] = {
        "family": "neutral",
        "memory_depth": 1,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }
    base.update(changes)
    return base


class HonestTitForTat(Player):
    """Control: every claim is true (trust-building: C first, copies; never raises a stake)."""

    name = "Honest Tit for Tat"
    classifier = honest(family="trust-building")

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else C


class SecretLeaver(HonestTitForTat):
    """Claims can_leave = False, but walks out after a partner's D."""

    name = "Secret Leaver"
    classifier = honest()

    def leave(self, opponent: Player) -> bool:
        return opponent.history[-1] is D


class FirstRoundGrudge(HonestTitForTat):
    """Claims memory_depth = 1, but answers the partner's round-1 move forever."""

    name = "First Round Grudge"
    classifier = honest()

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[0] if opponent.history else C


class SecretCoinFlipper(HonestTitForTat):
    """Claims stochastic = False, but uses its random generator."""

    name = "Secret Coin Flipper"
    classifier = honest()

    def strategy(self, opponent: Player) -> Action:
        return C if self.rng.random() < 0.5 else D


class FalseFriend(HonestTitForTat):
    """Claims trust-building, but withholds in round 2 after cooperating in round 1."""

    name = "False Friend"
    classifier = honest(family="trust-building", memory_depth=float("inf"))

    def strategy(self, opponent: Player) -> Action:
        return D if len(self.history) == 1 else C


class StakeRaiser(HonestTitForTat):
    """Claims trust-building, but doubles its stake after every round, withheld or not."""

    name = "Stake Raiser"
    classifier = honest(family="trust-building", memory_depth=float("inf"))

    def stake(self, opponent: Player) -> float:
        return min(1.0, 0.125 * 2 ** len(self.history))


class PushoverWithholder(HonestTitForTat):
    """Claims withholding, but never withholds against a cooperator."""

    name = "Pushover Withholder"
    classifier = honest(family="withholding")


class OverStaker(HonestTitForTat):
    """Offers a stake of 1.5 (stakes must be in (0, 1])."""

    name = "Over Staker"
    classifier = honest(memory_depth=0)

    def stake(self, opponent: Player) -> float:
        return 1.5


class HistoryForger(HonestTitForTat):
    """Rewrites the partner's last move to C."""

    name = "History Forger"
    classifier = honest()

    def strategy(self, opponent: Player) -> Action:
        if opponent.history:
            opponent.history[-1] = C
        return C


class Crasher(HonestTitForTat):
    """Raises once the partner has withheld twice."""

    name = "Crasher"
    classifier = honest(memory_depth=float("inf"))

    def strategy(self, opponent: Player) -> Action:
        if opponent.history.count(D) >= 2:
            raise RuntimeError("cannot cope")
        return C


# strategy -> the only property it must fail (all the others must pass)
EXPECTED_FAILURE: dict[type[Player], str | None] = {
    HonestTitForTat: None,
    SecretLeaver: "can_leave",
    FirstRoundGrudge: "memory_depth",
    SecretCoinFlipper: "deterministic",
    FalseFriend: "family",
    StakeRaiser: "family",
    PushoverWithholder: "family",
    OverStaker: "stakes",
    HistoryForger: "no-mutation",
    Crasher: "valid",
}


class ForgivingWalker(HonestTitForTat):
    """Control for stochastic memory: truly memory 1, draws a random number only after a
    partner's D (so two histories with different numbers of D shift a shared generator)."""

    name = "Forgiving Walker"
    classifier = honest(stochastic=True, can_leave=True)

    def leave(self, opponent: Player) -> bool:
        return opponent.history[-1] is D and self.rng.random() < 0.5


EXPECTED_FAILURE[ForgivingWalker] = None
