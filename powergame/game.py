"""The exit game: stage payoffs, outside options, exit costs, horizon and noise.

One round, for partner i with stake s = min(x_A, x_B)::

    u_i = s * pi_i(a_i, a_j) + (1 - s) * v_i

where pi_i is i's own stage matrix (R_i, S_i, T_i, P_i) and v_i its outside option.
After an exit each partner earns v_i for every remaining round of the horizon and the
leaver pays its one-off exit cost k_i.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from powergame import kernel
from powergame.actions import Action
from powergame.errors import ParameterError

ROLES = ("A", "B")


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, value, "must be a finite number")
    if not math.isfinite(value):
        raise ParameterError(name, value, "must be a finite number (not NaN or infinite)")
    return float(value)


def _pair(name: str, value: object) -> tuple[Any, Any]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    raise ParameterError(name, value, "must be a pair (value for A, value for B)")


@dataclass(frozen=True)
class StagePayoffs:
    """One partner's stage matrix: R (both C), S (I cooperate, you withhold),
    T (I withhold, you cooperate), P (both withhold)."""

    R: float = 3.0
    S: float = 0.0
    T: float = 5.0
    P: float = 1.0

    def __post_init__(self) -> None:
        for letter in "RSTP":
            object.__setattr__(self, letter, _finite(f"payoff {letter}", getattr(self, letter)))

    def payoff(self, own: Action, partner: Action) -> float:
        """pi(own, partner)."""
        if own is Action.C:
            return self.R if partner is Action.C else self.S
        return self.T if partner is Action.C else self.P

    def as_tuple(self) -> tuple[float, float, float, float]:
        """(R, S, T, P)."""
        return (self.R, self.S, self.T, self.P)

    @classmethod
    def parse(cls, text: str) -> StagePayoffs:
        """``"3,0,5,1"`` -> StagePayoffs(R=3, S=0, T=5, P=1)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise ParameterError("payoffs", text, "must be four numbers R,S,T,P such as 3,0,5,1")
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise ParameterError("payoffs", text, "must be four numbers R,S,T,P such as 3,0,5,1") from None
        return cls(*numbers)


DEFAULT_PAYOFFS = StagePayoffs()
DEFAULT_ROUNDS = 200


@dataclass(frozen=True)
class Game:
    """Everything about a match that is not a strategy.

    ``payoffs``, ``outside_options`` and ``exit_costs`` are pairs (partner A, partner B);
    asymmetric values are first class. The horizon is either a fixed number of
    ``rounds`` or a ``continuation`` probability w (the match then lasts a geometric
    number of rounds with mean 1 / (1 - w), drawn once per match); give one of the two
    (neither: ``DEFAULT_ROUNDS`` rounds). ``noise`` is the
    probability that each action is flipped on execution.
    """

    payoffs: tuple[StagePayoffs, StagePayoffs] = (DEFAULT_PAYOFFS, DEFAULT_PAYOFFS)
    outside_options: tuple[float, float] = (0.0, 0.0)
    exit_costs: tuple[float, float] = (0.0, 0.0)
    rounds: int | None = None  # None: DEFAULT_ROUNDS, unless a continuation is given
    continuation: float | None = None
    noise: float = 0.0

    def __post_init__(self) -> None:
        pa, pb = _pair("payoffs", self.payoffs)
        pay = tuple(p if isinstance(p, StagePayoffs) else _stage(p) for p in (pa, pb))
        object.__setattr__(self, "payoffs", pay)
        va, vb = _pair("outside_options", self.outside_options)
        object.__setattr__(
            self, "outside_options", (_finite("outside option A", va), _finite("outside option B", vb))
        )
        ka, kb = _pair("exit_costs", self.exit_costs)
        costs = (_finite("exit cost A", ka), _finite("exit cost B", kb))
        for role, cost in zip(ROLES, costs):
            if cost < 0:
                raise ParameterError(f"exit cost {role}", cost, "must be >= 0")
        object.__setattr__(self, "exit_costs", costs)
        noise = _finite("noise", self.noise)
        if not 0.0 <= noise <= 1.0:
            raise ParameterError("noise", self.noise, "must be a probability in [0, 1]")
        object.__setattr__(self, "noise", noise)
        if self.continuation is not None:
            if self.rounds is not None:
                raise ParameterError("rounds", self.rounds, "give rounds or continuation, not both")
            w = _finite("continuation", self.continuation)
            if not 0.0 <= w < 1.0:
                raise ParameterError("continuation", self.continuation, "must be in [0, 1)")
            object.__setattr__(self, "continuation", w)
        else:
            if self.rounds is None:
                object.__setattr__(self, "rounds", DEFAULT_ROUNDS)
            if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < 1:
                raise ParameterError("rounds", self.rounds, "must be a whole number >= 1")

    # --- the model's formulas -------------------------------------------------------
    def stage_payoff(self, role: int, own: Action, partner: Action) -> float:
        """pi_i(a_i, a_j) for partner ``role`` (0 = A, 1 = B)."""
        return self.payoffs[role].payoff(own, partner)

    def round_payoff(self, role: int, stake: float, own: Action, partner: Action) -> float:
        """u_i = s * pi_i(a_i, a_j) + (1 - s) * v_i."""
        return kernel.round_payoff(stake, self.stage_payoff(role, own, partner), self.outside_options[role])

    def payoff_table(self, role: int) -> tuple[float, float, float, float]:
        """pi_i indexed by outcome CC, CD, DC, DD (own action first)."""
        p = self.payoffs[role]
        return (p.R, p.S, p.T, p.P)

    def draw_horizon(self, uniform: float) -> int:
        """The match length n: ``rounds``, or 1 + Geometric under continuation w
        (P(n > k) = w^k), drawn from one uniform number in [0, 1)."""
        if self.continuation is None:
            assert self.rounds is not None
            return self.rounds
        w = self.continuation
        if w == 0.0:
            return 1
        return 1 + int(math.floor(math.log1p(-uniform) / math.log(w)))

    @property
    def expected_horizon(self) -> float:
        """E[n]: ``rounds``, or 1 / (1 - w)."""
        if self.continuation is None:
            assert self.rounds is not None
            return float(self.rounds)
        return 1.0 / (1.0 - self.continuation)

    @property
    def is_symmetric(self) -> bool:
        """Both partners have the same matrix, outside option and exit cost."""
        return (
            self.payoffs[0] == self.payoffs[1]
            and self.outside_options[0] == self.outside_options[1]
            and self.exit_costs[0] == self.exit_costs[1]
        )

    def swapped(self) -> Game:
        """The same game with the roles of A and B exchanged."""
        return Game(
            payoffs=(self.payoffs[1], self.payoffs[0]),
            outside_options=(self.outside_options[1], self.outside_options[0]),
            exit_costs=(self.exit_costs[1], self.exit_costs[0]),
            rounds=self.rounds,
            continuation=self.continuation,
            noise=self.noise,
        )

    # --- plain data -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description; ``Game.from_dict`` reverses it."""
        return {
            "payoffs": [list(p.as_tuple()) for p in self.payoffs],
            "outside_options": list(self.outside_options),
            "exit_costs": list(self.exit_costs),
            "rounds": self.rounds,
            "continuation": self.continuation,
            "noise": self.noise,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Game:
        """Inverse of ``to_dict``."""
        allowed = {"payoffs", "outside_options", "exit_costs", "rounds", "continuation", "noise"}
        unknown = set(data) - allowed
        if unknown:
            raise ParameterError(
                "game key", sorted(unknown)[0], f"allowed keys: {', '.join(sorted(allowed))}"
            )
        kwargs = dict(data)
        if "payoffs" in kwargs:
            kwargs["payoffs"] = tuple(_stage(p) for p in _pair("payoffs", kwargs["payoffs"]))
        for key in ("outside_options", "exit_costs"):
            if key in kwargs:
                kwargs[key] = tuple(_pair(key, kwargs[key]))
        return cls(**kwargs)


def _stage(value: object) -> StagePayoffs:
    if isinstance(value, StagePayoffs):
        return value
    if isinstance(value, str):
        return StagePayoffs.parse(value)
    if isinstance(value, (list, tuple)) and len(value) == 4:
        return StagePayoffs(*value)
    raise ParameterError("payoffs", value, "must be four numbers R,S,T,P such as (3, 0, 5, 1)")
