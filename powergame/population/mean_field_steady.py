"""Steady states of a fixed population (no strategy change), solved directly.

A relationship between types a and b is the dyad chain of ``powergame.exact`` with the
pool's breakup folded in: from joint state j the couple plays, survives breakup with
1 - breakup, nobody leaves, and moves on. With M_ab that sub-stochastic matrix and v0 the
initial joint state, the expected rounds spent in each joint state are y_ab = v0 (I - M_ab)^-1,
so a relationship lasts L_ab = y_ab 1 rounds and pays a in total U_ab = y_ab (u - leave cost).

In a stationary pool, let s_a be the singles of type a at the start of a tick and
q = s / sum(s) the pool's mix. A share ``meet`` of them starts a relationship each tick, with
a partner of type b with chance q_b, and is away from the pool for L_ab - 1 further ticks:

    m_a = s_a (1 + meet * sum_b q_b (L_ab - 1))

for the type masses m. That is the whole problem: a fixed point in the T numbers s, solved
with a root finder (no simulation). Every figure follows by renewal-reward: per tick, type a
earns ((1 - meet) v_a + meet * sum_b q_b U_ab) s_a / m_a.

The **value of being single** is what a single agent of type a can expect per tick from
its future in the pool: searching, relationships, returning. Averaged over time it is the
same payoff per tick (by the renewal-reward theorem); with a discount factor delta per tick it
is the annuity (1 - delta) V_a of

    V_a = ((1 - meet) v_a + meet * sum_b q_b D_ab) / (1 - delta (1 - meet) - meet * sum_b q_b E_ab)

where D_ab is the relationship's discounted payoff and E_ab = E[delta^T] the discount until
it ends. Compared with v_a, it says what leaving is really worth to type a.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powergame.errors import ParameterError
from powergame.population.mean_field import MeanFieldPool, PoolModel

MAX_PAIR_CELLS = 1 << 24  # pairs x joint states^2 of chain matrices held at once


@dataclass(frozen=True)
class PairFigures:
    """Per ordered pair of types (a, b), from a's side: rounds together, a's total payoff
    (exit cost deducted), the chance that a leaves (alone or with b), that b alone leaves, and the
    expected rounds with outcome CC, one C, DD."""

    length: np.ndarray  # (T, T)
    payoff: np.ndarray
    leaves: np.ndarray
    left: np.ndarray
    cc: np.ndarray
    cd: np.ndarray
    dd: np.ndarray


@dataclass(frozen=True)
class SteadyState:
    """The stationary pool of a fixed population. Per-type arrays are indexed by
    type = strategy * n_classes + class (see ``by_strategy`` and ``by_class``)."""

    model: PoolModel
    type_mass: np.ndarray  # (T,)
    singles: np.ndarray  # (T,) single at the start (and end) of a tick
    share_coupled: float  # agents in a couple at the end of a tick
    share_coupled_at_play: float  # agents who play a round in a tick
    mean_length: float  # rounds per relationship begun
    payoff: np.ndarray  # (T,) mean payoff per agent and tick (also the undiscounted value of being single)
    in_couple_payoff: np.ndarray  # (T,) mean payoff per round played together
    leave_rate: np.ndarray  # (T,) relationships a type ends by leaving, per agent and tick
    left_rate: np.ndarray  # (T,) relationships its partners end by leaving, per agent and tick
    single_value: np.ndarray  # (T,) annuity value of being single (discounted if a discount is given)
    cc: float  # shares of couples that play CC, CD or DC, DD in a tick
    cd: float
    dd: float
    pairs: PairFigures

    def by_strategy(self, values: np.ndarray) -> np.ndarray:
        """A per-type figure averaged over each strategy's agents."""
        return _average(values, self.type_mass, self.model.n_strategies, self.model.n_classes, axis=1)

    def by_class(self, values: np.ndarray) -> np.ndarray:
        """A per-type figure averaged over each class's agents."""
        return _average(values, self.type_mass, self.model.n_strategies, self.model.n_classes, axis=0)

    @property
    def single_premium(self) -> np.ndarray:
        """single_value - v: what the pool adds to (or takes from) the exogenous outside option."""
        v = np.tile(np.asarray(self.model.outside_options), self.model.n_strategies)
        return self.single_value - v


def _average(values: np.ndarray, mass: np.ndarray, S: int, K: int, axis: int) -> np.ndarray:
    weights = mass.reshape(S, K)
    total = weights.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (values.reshape(S, K) * weights).sum(axis=axis) / total, np.nan)


def pair_figures(pool: MeanFieldPool, discount: float = 1.0) -> tuple[PairFigures, np.ndarray, np.ndarray]:
    """Every ordered pair's relationship figures, plus (discounted payoff, E[discount^T])
    per pair for ``discount`` < 1 (both equal to the undiscounted ones when it is 1)."""
    model = pool.model
    T, J = pool.n_types, pool.n_slots
    if T * T * J * J > MAX_PAIR_CELLS:
        raise ParameterError(
            "steady state",
            f"{T} types x {J} joint states",
            f"the pair chains would hold {T * T * J * J} cells (at most {MAX_PAIR_CELLS}); run the dynamics instead",
        )
    survive = 1.0 - model.breakup
    M = survive * pool.slot_move.reshape(T * T, J, J)
    start = np.zeros((T * T, J))
    start[:, 0] = 1.0
    p = pool.slot_outcome.reshape(T * T, J, 4)
    u = pool.slot_payoff.reshape(T * T, J)
    leave_a = pool.slot_leave.reshape(T * T, J) * survive
    partner_only = pool.slot_partner_only.reshape(T * T, J) * survive
    cost = leave_a * np.repeat(pool.k, T)[:, None]

    eye = np.eye(J)
    visits = np.linalg.solve(np.transpose(eye - M, (0, 2, 1)), start[..., None])[..., 0]  # (P, J)
    figures = PairFigures(
        length=visits.sum(-1).reshape(T, T),
        payoff=(visits * (u - cost)).sum(-1).reshape(T, T),
        leaves=(visits * leave_a).sum(-1).reshape(T, T),
        left=(visits * partner_only).sum(-1).reshape(T, T),
        cc=(visits * p[..., 0]).sum(-1).reshape(T, T),
        cd=(visits * (p[..., 1] + p[..., 2])).sum(-1).reshape(T, T),
        dd=(visits * p[..., 3]).sum(-1).reshape(T, T),
    )
    if discount == 1.0:
        return figures, figures.payoff, np.ones((T, T))
    discounted = np.linalg.solve(np.transpose(eye - discount * M, (0, 2, 1)), start[..., None])[..., 0]
    ends = 1.0 - M.sum(-1)  # chance the relationship ends after a round in j
    payoff = (discounted * (u - cost)).sum(-1).reshape(T, T)
    horizon = discount * (discounted * ends).sum(-1).reshape(T, T)
    return figures, payoff, horizon


def steady_state(model: PoolModel, discount: float = 1.0) -> SteadyState:
    """The stationary pool of ``model`` (which must have no strategy change); the value of
    being single is discounted with ``discount`` per tick when it is below 1."""
    if model.change is not None:
        raise ParameterError(
            "change", model.change, "a steady state needs a fixed population (change = none)"
        )
    if not 0.0 < discount <= 1.0:
        raise ParameterError("discount", discount, "must be in (0, 1]")
    from scipy.optimize import root

    pool = MeanFieldPool(model)
    pairs, discounted_pay, ends = pair_figures(pool, discount)
    mass = pool.initial_state().singles  # type masses: the population is fixed
    meet = model.meet
    extra = pairs.length - 1.0

    def residual(s: np.ndarray) -> np.ndarray:
        q = s / s.sum()
        return s * (1.0 + meet * (extra @ q)) - mass

    guess = mass / (1.0 + meet * (extra @ mass))
    solution = root(residual, guess, method="hybr", tol=1e-14)
    singles = np.clip(solution.x, 0.0, None)
    if not solution.success and np.abs(residual(singles)).max() > 1e-10:
        raise ParameterError("steady state", solution.message, "the fixed point was not found")
    q = singles / singles.sum()
    flow = meet * singles  # relationships begun per tick, by type
    length = pairs.length @ q
    with np.errstate(invalid="ignore", divide="ignore"):
        payoff = np.where(
            mass > 0, ((1 - meet) * singles * pool.v + flow * (pairs.payoff @ q)) / mass, np.nan
        )
        in_couple = np.where(length > 0, (pairs.payoff @ q) / length, np.nan)  # exit costs deducted
    rounds = flow @ length
    if discount == 1.0:
        value = payoff
    else:
        numerator = (1 - meet) * pool.v + meet * (discounted_pay @ q)
        denominator = 1.0 - discount * (1 - meet) - meet * (ends @ q)
        value = (1 - discount) * numerator / denominator
    share_coupled = 1.0 - singles.sum() / mass.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        leave_rate = np.where(mass > 0, flow * (pairs.leaves @ q) / mass, np.nan)
        left_rate = np.where(mass > 0, flow * (pairs.left @ q) / mass, np.nan)
    return SteadyState(
        model=model,
        type_mass=mass,
        singles=singles,
        share_coupled=float(share_coupled),
        share_coupled_at_play=float((mass.sum() - (1 - meet) * singles.sum()) / mass.sum()),
        mean_length=float(rounds / flow.sum()) if flow.sum() > 0 else float("nan"),
        payoff=payoff,
        in_couple_payoff=in_couple,
        leave_rate=leave_rate,
        left_rate=left_rate,
        single_value=value,
        cc=float(flow @ (pairs.cc @ q) / rounds) if rounds > 0 else float("nan"),
        cd=float(flow @ (pairs.cd @ q) / rounds) if rounds > 0 else float("nan"),
        dd=float(flow @ (pairs.dd @ q) / rounds) if rounds > 0 else float("nan"),
        pairs=pairs,
    )
