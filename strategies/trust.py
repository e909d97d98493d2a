"""Trust-building strategies: cooperate with cooperators, protect themselves by leaving,
by retaliating or by keeping the stake small until trust is earned."""

from __future__ import annotations

from typing import Any

from powergame.actions import Action
from powergame.names import instance_name
from powergame.player import Player
from powergame.state_table import StateTable
from powergame.streams import LEAVE

from ._common import (
    classifier,
    number_in,
    stake_ladder,
    whole_number,
)
from ._ladder import LadderClimber, next_rung

C, D = Action.C, Action.D
OUTCOMES = ((C, C), (C, D), (D, C), (D, D))  # own action first: the state-table order


class OutForTat(Player):
    """Out-for-Tat: cooperate; stay after the partner's C, leave after its first D.

    The same rule has several names in the literature and is registered once, under this
    name (``aliases`` lists the others): Out-for-Tat (Joyce, Kennison, Densmore, Guerin,
    Barr, Charles & Thompson 2006, "My way or the highway", JASSS 9(2):4); CSL, "cooperate,
    stay if the partner cooperated, leave if not" (Izquierdo, Izquierdo & Vega-Redondo 2010,
    J. Theor. Biol. 267:76; 2014, J. Econ. Dyn. Control 46:91); CONCO, the conditional
    cooperator (Schüssler 1989, "Exit threats and cooperation under anonymity", J. Conflict
    Resolut. 33:728); Walk Away (Aktipis 2004, J. Theor. Biol. 231:249); Grim Exit
    (Fujiwara-Greve & Okuno-Fujiwara 2009, Rev. Econ. Stud. 76:993); and Hirschman's Exit
    (Hirschman 1970, Exit, Voice, and Loyalty). In a match of two partners they differ in
    no decision: each cooperates every round and leaves right after the partner's first
    withholding. Memory-one code CCLCL.
    """

    name = "Out For Tat"
    aliases = ("CSL", "CONCO", "Grim Exit", "Walk Away", "Exit")
    classifier = classifier("trust-building", 1, can_leave=True)

    def strategy(self, opponent: Player) -> Action:
        return C

    def leave(self, opponent: Player) -> bool:
        return opponent.history[-1] is D

    def state_table(self) -> StateTable:
        return StateTable.deterministic(
            cooperate=[1], stake=[1.0], leave=[[0, 1, 0, 1]], next_state=[[0, 0, 0, 0]]
        )


class StartSmall(Player):
    """Start Small c_T: withhold for the first T rounds while staying, then cooperate for
    good; leave as soon as a round's actions leave the path (D, D) x T, then (C, C).

    Fujiwara-Greve & Okuno-Fujiwara 2009, "Voluntarily separable repeated prisoner's
    dilemma", Rev. Econ. Stud. 76:993 (the c_T strategies); the idea of starting small is
    from Kranton 1996 (J. Law Econ. Organ. 12:214) and Watson 1999 (J. Econ. Theory 85:52).
    The path is checked on the played actions of both partners, as in the paper: a
    withholding by either side after the probation, or a cooperation by either side
    during it, ends the relationship. T = 0 is Out-for-Tat with exit also on its own D.
    """

    name = "Start Small"
    classifier = classifier("trust-building", 1, can_leave=True)

    def __init__(self, T: int = 1) -> None:
        self.T = whole_number("T", T, 0)
        super().__init__()
        self.name = instance_name(type(self).name, {"T": self.T}, {"T": 1})
        self.classifier = classifier("trust-building", max(self.T, 1), can_leave=True)

    def strategy(self, opponent: Player) -> Action:
        return D if len(self.history) < self.T else C

    def leave(self, opponent: Player) -> bool:
        expected = D if len(self.history) <= self.T else C
        return self.history[-1] is not expected or opponent.history[-1] is not expected

    def state_table(self) -> StateTable:
        # States 0..T-1: probation rounds 1..T; state T: the cooperative phase.
        t = self.T
        cooperate = [0] * t + [1]
        leave = [[1, 1, 1, 0] for _ in range(t)] + [[0, 1, 1, 1]]
        next_state = [[0, 0, 0, s + 1] for s in range(t)] + [[t, t, t, t]]
        return StateTable.deterministic(cooperate, [1.0] * (t + 1), leave, next_state)


class RaiseTheStakes(Player):
    """Raise the Stakes: always cooperate; offer a small stake first and raise it by
    ``step`` after each round of mutual cooperation, up to 1; fall back to the first stake
    after the partner withholds; keep it after one's own (noisy) withholding.

    Roberts & Sherratt 1998, "Development of cooperative relationships through increasing
    investment", Nature 394:175. The round's stake is the smaller offer, so a partner who
    raises more slowly keeps the risk at its own level. Never leaves.

    Adapted to a game with separate actions and stakes: here the partner's cooperation is
    what counts as "matching", and a withholding resets the offer. In the original (with
    investment as the only move) the investor raises only when the partner's last investment
    matched its own and otherwise copies the partner's last investment; Reciprocal Stakes
    follows the partner's offer in that spirit.
    """

    name = "Raise The Stakes"
    classifier = classifier("trust-building", float("inf"))
    _defaults: dict[str, Any] = {"start": 0.1, "step": 0.1}

    def __init__(self, start: float = 0.1, step: float = 0.1) -> None:
        self.start = number_in("start", start, 0.0, 1.0, True, "must be a stake in (0, 1]")
        self.step = number_in("step", step, 0.0, 1.0, True, "must be in (0, 1]")
        self.rungs = stake_ladder(self.start, self.step)
        super().__init__()
        self.name = instance_name(type(self).name, {"start": start, "step": step}, self._defaults)
        self._climber = LadderClimber(len(self.rungs) - 1)

    def reset(self) -> None:
        super().reset()
        self._climber = LadderClimber(len(self.rungs) - 1)

    def stake(self, opponent: Player) -> float:
        return self.rungs[self._climber.catch_up(self.history, opponent.history, len(self.history))]

    def strategy(self, opponent: Player) -> Action:
        return C

    def state_table(self) -> StateTable:
        top = len(self.rungs) - 1
        next_state = [[next_rung(r, own, partner, top) for own, partner in OUTCOMES] for r in range(top + 1)]
        return StateTable.deterministic([1] * (top + 1), self.rungs, [[0, 0, 0, 0]] * (top + 1), next_state)


class GenerousOutForTat(Player):
    """Generous Out-for-Tat: always cooperate; after a partner's withholding, forgive it
    (stay) with probability ``generosity``, else leave; leave for sure after two
    withholdings in a row.

    Out-for-Tat (Joyce et al. 2006) made forgiving in the way Generous Tit for Tat forgives
    (Nowak & Sigmund 1992, "Tit for tat in heterogeneous populations", Nature 355:250), so
    that one noisy withholding need not end a good relationship. Defined here.
    """

    name = "Generous Out For Tat"
    classifier = classifier("trust-building", 2, stochastic=True, can_leave=True)

    def __init__(self, generosity: float = 0.3) -> None:
        self.generosity = number_in(
            "generosity", generosity, 0.0, 1.0, False, "must be a probability in [0, 1]"
        )
        super().__init__()
        self.name = instance_name(type(self).name, {"generosity": generosity}, {"generosity": 0.3})
        self.classifier = classifier(
            "trust-building", 2, stochastic=0.0 < self.generosity < 1.0, can_leave=True
        )

    def strategy(self, opponent: Player) -> Action:
        return C

    def leave(self, opponent: Player) -> bool:
        if opponent.history[-1] is C:
            return False
        if len(opponent.history) >= 2 and opponent.history[-2] is D:
            return True
        return self.chance(1.0 - self.generosity, LEAVE)

    def state_table(self) -> StateTable:
        # State 0: the partner's last action was C (or nothing yet); state 1: it was D.
        p = 1.0 - self.generosity
        return StateTable.deterministic(
            cooperate=[1, 1],
            stake=[1.0, 1.0],
            leave=[[0, p, 0, p], [0, 1, 0, 1]],
            next_state=[[0, 1, 0, 1], [0, 1, 0, 1]],
        )


class TitForTatWithExitThreat(Player):
    """Tit for Tat with an exit threat: cooperate first, then copy the partner's last
    action (retaliate first); leave after ``k`` withholdings by the partner in a row.

    Tit for Tat (Rapoport; Axelrod 1984, The Evolution of Cooperation) with voice first and
    exit when voice fails (Hirschman 1970, Exit, Voice, and Loyalty). Defined here.
    """

    name = "Tit For Tat With Exit Threat"
    classifier = classifier("trust-building", 3, can_leave=True)

    def __init__(self, k: int = 3) -> None:
        self.k = whole_number("k", k, 1)
        super().__init__()
        self.name = instance_name(type(self).name, {"k": self.k}, {"k": 3})
        self.classifier = classifier("trust-building", self.k, can_leave=True)

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else C

    def leave(self, opponent: Player) -> bool:
        tail = opponent.history[-self.k :]
        return len(tail) == self.k and all(a is D for a in tail)

    def state_table(self) -> StateTable:
        # State j: the partner has withheld in the last j rounds in a row (j < k).
        k = self.k
        cooperate = [1] + [0] * (k - 1)
        leave = [[0, 1 if j + 1 == k else 0, 0, 1 if j + 1 == k else 0] for j in range(k)]
        next_state = [[0, min(j + 1, k - 1), 0, min(j + 1, k - 1)] for j in range(k)]
        return StateTable.deterministic(cooperate, [1.0] * k, leave, next_state)


class ReciprocalStakes(Player):
    """Reciprocal Stakes: always cooperate; offer ``start`` first, then the stake the
    partner offered last round, except that after a partner's withholding it never offers
    more than it did in that round.

    The matching half of Roberts & Sherratt's Raise the Stakes (1998, Nature 394:175): the
    stake follows the partner's, so trust is extended exactly as fast as it is returned.
    Defined here. Never leaves. Its stake depends on the partner's offers (any number in
    (0, 1]), so it has no state table.
    """

    name = "Reciprocal Stakes"
    # After a withholding it reads its own last offer, which follows from earlier rounds:
    # the chain of such rounds is unbounded.
    classifier = classifier("trust-building", float("inf"))

    def __init__(self, start: float = 0.5) -> None:
        self.start = number_in("start", start, 0.0, 1.0, True, "must be a stake in (0, 1]")
        super().__init__()
        self.name = instance_name(type(self).name, {"start": start}, {"start": 0.5})

    def stake(self, opponent: Player) -> float:
        if not opponent.history:
            return self.start
        partner_stake = opponent.history.stakes[-1]
        if opponent.history[-1] is D:
            return min(partner_stake, self.history.stakes[-1])
        return partner_stake

    def strategy(self, opponent: Player) -> Action:
        return C
