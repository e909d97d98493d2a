"""Withholding strategies: each withholds against an unconditional cooperator at some
round (Least Interest only in a game where it holds the power)."""

from __future__ import annotations

from typing import Any

from powergame.actions import Action
from powergame.names import instance_name
from powergame.player import Player
from powergame.power import structural_dependence
from powergame.state_table import StateTable

from ._common import classifier, number_in, stake_ladder, whole_number
from ._ladder import LadderClimber, next_rung

C, D = Action.C, Action.D
OUTCOMES = ((C, C), (C, D), (D, C), (D, D))


class Parasite(Player):
    """Parasite: always withhold, never leave — it lives off whoever stays.

    Always Defect (Axelrod 1984, The Evolution of Cooperation) in a game with exit; the
    defector that exit strategies are meant to shake off (Aktipis 2004, J. Theor. Biol.
    231:249). Memory-one code DDDDD.
    """

    name = "Parasite"
    classifier = classifier("withholding", 0)

    def strategy(self, opponent: Player) -> Action:
        return D

    def state_table(self) -> StateTable:
        return StateTable.deterministic([0], [1.0], [[0, 0, 0, 0]], [[0, 0, 0, 0]])


class HitAndRun(Player):
    """Hit and Run (d0): withhold in the first round and leave right after it.

    The d_0 strategy of Fujiwara-Greve & Okuno-Fujiwara 2009 (Rev. Econ. Stud. 76:993),
    the "hit and run" defector of voluntarily separable games (Izquierdo, Izquierdo &
    Vega-Redondo 2014, J. Econ. Dyn. Control 46:91, strategy DL). Memory-one code DLLLL.
    """

    name = "Hit And Run"
    aliases = ("d0",)
    classifier = classifier("withholding", 0, can_leave=True)

    def strategy(self, opponent: Player) -> Action:
        return D

    def leave(self, opponent: Player) -> bool:
        return True

    def state_table(self) -> StateTable:
        return StateTable.deterministic([0], [1.0], [[1, 1, 1, 1]], [[0, 0, 0, 0]])


class LeastInterest(Player):
    """Least Interest: withhold while it is the least-dependent partner (its structural
    dependence D_i = R_i - v_i is the smaller of the two), cooperate otherwise; never leave.

    The principle of least interest (Waller 1938, The Family: A Dynamic Interpretation;
    Sprecher, Schmeeckle & Felmlee 2006, J. Fam. Issues 27:1255): whoever wants the
    relationship less can dictate its terms. In a symmetric game it is Loyal. Its state
    table depends on the game, so ``state_table()`` is None until it has joined a match.
    """

    name = "Least Interest"
    classifier = classifier("withholding", 0, uses_outside_options=True)

    def holds_power(self) -> bool:
        """Its own D_i is strictly smaller than the partner's."""
        game = self._game()
        return structural_dependence(game, self.role) < structural_dependence(game, 1 - self.role)

    def strategy(self, opponent: Player) -> Action:
        return D if self.holds_power() else C

    def state_table(self) -> StateTable | None:
        if self.game is None:
            return None
        return StateTable.deterministic(
            [0 if self.holds_power() else 1], [1.0], [[0, 0, 0, 0]], [[0, 0, 0, 0]]
        )


class ExploitThenLeave(Player):
    """Exploit-then-Leave: climb the stakes like Raise the Stakes (cooperate, offer
    ``start``, add ``step`` after each mutual cooperation, back to ``start`` after the
    partner withholds); on the first round its offer reaches ``threshold``, withhold, and
    leave right after that round.

    The trust-abusing mutant that Raise the Stakes must resist (Roberts & Sherratt 1998,
    Nature 394:175): patient cooperation while little is at risk, defection once the stake
    is worth taking. Defined here.
    """

    name = "Exploit Then Leave"
    classifier = classifier("withholding", float("inf"), can_leave=True)
    _defaults: dict[str, Any] = {"start": 0.1, "step": 0.1, "threshold": 1.0}

    def __init__(self, start: float = 0.1, step: float = 0.1, threshold: float = 1.0) -> None:
        self.start = number_in("start", start, 0.0, 1.0, True, "must be a stake in (0, 1]")
        self.step = number_in("step", step, 0.0, 1.0, True, "must be in (0, 1]")
        self.threshold = number_in("threshold", threshold, 0.0, 1.0, True, "must be a stake in (0, 1]")
        ladder = stake_ladder(self.start, self.step)
        # The rungs up to the first one at or above the threshold: that one is the strike.
        self.strike = next(i for i, x in enumerate(ladder) if x >= self.threshold - 1e-12)
        self.rungs = ladder[: self.strike + 1]
        super().__init__()
        params = {"start": start, "step": step, "threshold": threshold}
        self.name = instance_name(type(self).name, params, self._defaults)
        self._climber = LadderClimber(self.strike)

    def reset(self) -> None:
        super().reset()
        self._climber = LadderClimber(self.strike)

    def _rung(self, opponent: Player, rounds: int) -> int:
        return self._climber.catch_up(self.history, opponent.history, rounds)

    def stake(self, opponent: Player) -> float:
        return self.rungs[self._rung(opponent, len(self.history))]

    def strategy(self, opponent: Player) -> Action:
        return D if self._rung(opponent, len(self.history)) == self.strike else C

    def leave(self, opponent: Player) -> bool:
        return self._rung(opponent, len(self.history) - 1) == self.strike

    def state_table(self) -> StateTable:
        top = self.strike
        cooperate = [1] * top + [0]
        leave = [[0, 0, 0, 0]] * top + [[1, 1, 1, 1]]
        next_state = [[next_rung(r, own, partner, top) for own, partner in OUTCOMES] for r in range(top + 1)]
        return StateTable.deterministic(cooperate, self.rungs, leave, next_state)


class HotAndCold(Player):
    """Hot and Cold: cooperate for ``hot`` rounds, withhold for ``cold`` rounds, and again,
    whatever the partner does; never leave.

    Intermittent reinforcement, the pattern that makes abusive relationships hard to
    leave (Dutton & Painter 1981, "Traumatic bonding", Victimology 6:139). Defined here.
    """

    name = "Hot And Cold"
    classifier = classifier("withholding", float("inf"))

    def __init__(self, hot: int = 3, cold: int = 1) -> None:
        self.hot = whole_number("hot", hot, 1)
        self.cold = whole_number("cold", cold, 1)
        super().__init__()
        self.name = instance_name(type(self).name, {"hot": hot, "cold": cold}, {"hot": 3, "cold": 1})

    def strategy(self, opponent: Player) -> Action:
        return C if len(self.history) % (self.hot + self.cold) < self.hot else D

    def state_table(self) -> StateTable:
        period = self.hot + self.cold
        cooperate = [1 if s < self.hot else 0 for s in range(period)]
        next_state = [[(s + 1) % period] * 4 for s in range(period)]
        return StateTable.deterministic(cooperate, [1.0] * period, [[0, 0, 0, 0]] * period, next_state)


class Threatener(Player):
    """Threatener: always withhold, and leave if the partner retaliates (withholds in the
    round after the Threatener withheld).

    Coercion by exit threat: the partner is to accept exploitation or lose the
    relationship (Hirschman 1970, Exit, Voice, and Loyalty, on the power of the exit
    threat; Schüssler 1989, J. Conflict Resolut. 33:728). Defined here.
    """

    name = "Threatener"
    classifier = classifier("withholding", 2, can_leave=True)

    def strategy(self, opponent: Player) -> Action:
        return D

    def leave(self, opponent: Player) -> bool:
        return len(self.history) >= 2 and self.history[-2] is D and opponent.history[-1] is D

    def state_table(self) -> StateTable:
        # State 0: it did not withhold last round (or it is round 1); state 1: it did.
        return StateTable.deterministic(
            cooperate=[0, 0],
            stake=[1.0, 1.0],
            leave=[[0, 0, 0, 0], [0, 1, 0, 1]],
            next_state=[[0, 0, 1, 1], [0, 0, 1, 1]],
        )
