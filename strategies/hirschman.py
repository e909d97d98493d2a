"""Hirschman's answers to a partner's withholding: loyalty and voice (exit is Out-for-Tat,
registered under that name with "Exit" among its aliases)."""

from __future__ import annotations

from powergame.actions import Action
from powergame.player import Player
from powergame.state_table import StateTable

from ._common import classifier

C, D = Action.C, Action.D


class Loyal(Player):
    """Loyal: always cooperate, never leave — accept the partner's withholding.

    Loyalty in Hirschman 1970 (Exit, Voice, and Loyalty, Harvard University Press); the
    loyalty response to dissatisfaction in close relationships (Rusbult, Zembrodt & Gunn
    1982, J. Pers. Soc. Psychol. 43:1230). Memory-one code CCCCC.
    """

    name = "Loyal"
    classifier = classifier("trust-building", 0)

    def strategy(self, opponent: Player) -> Action:
        return C

    def state_table(self) -> StateTable:
        return StateTable.deterministic([1], [1.0], [[0, 0, 0, 0]], [[0, 0, 0, 0]])


class Voice(Player):
    """Voice: fight for cooperation by retaliating — Tit for Tat, never leave.

    Voice in Hirschman 1970 (Exit, Voice, and Loyalty); played as Tit for Tat (Rapoport;
    Axelrod 1984, The Evolution of Cooperation): cooperate first, then copy the partner's
    last action. Memory-one code CCDCD.
    """

    name = "Voice"
    aliases = ("Tit For Tat", "TFT")
    classifier = classifier("trust-building", 1)

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else C

    def state_table(self) -> StateTable:
        # State 0: the partner's last action was C (or round 1); state 1: it was D.
        return StateTable.deterministic(
            cooperate=[1, 0], stake=[1.0, 1.0], leave=[[0, 0, 0, 0]] * 2, next_state=[[0, 1, 0, 1]] * 2
        )
