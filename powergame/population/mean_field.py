"""Mean-field pool dynamics: an infinite, well-mixed population, advanced tick by tick.

The population is a mass of agents (total 1). An agent's *type* is its strategy (a
``StateTable``) and its outside-option class (value v and exit cost k). The state is

- ``singles[t]``: the mass of single agents of type t, and
- ``couples[a, b, k]``: the mass of agents of type a whose partner is of type b, the two
  tables being in the pair's joint state number k (its *slots*: only the joint states
  (state of a, state of b) the couple can reach are kept, the first round in slot 0).
  Every couple appears twice, once from each side, so an agent's figures are read along
  the first two axes and the number of couples is half the sum.

One tick applies the pool's rules in their documented order, to masses instead of agents:

1. meet: a share ``meet`` of every single type looks for a partner; lookers pair at random,
   so a looker of type a finds a partner of type b with chance singles[b] / singles.sum();
   new couples start in their tables' initial states;
2. every couple plays one round (with execution noise); unmatched singles earn v;
3. exogenous breakup: a share ``breakup`` of the couples splits (no exit cost);
4. strategy change (``DeathBirth``, ``Revision``, ``Imitation``, ``Generations``, or None);
5. leave decisions of the remaining couples, from the tables; whoever leaves pays its exit
   cost; both partners become single; the others move to their next table states.

Because the chain of a couple is linear in its mass, the only non-linear terms are the
meeting in step 1 and selection in step 4; everything else is the dyad chain of
``powergame.exact`` run on masses. Imitation reads each agent's own payoff, so under it a
couple's round is kept outcome by outcome (``outcome_payoff``, ``outcome_move``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from powergame import kernel
from powergame.errors import ParameterError
from powergame.game import DEFAULT_PAYOFFS, StagePayoffs
from powergame.state_table import StateTable, check_pool_stakes

_SWAP = np.array(kernel.AS_SEEN_BY_B)  # outcome seen by one partner -> the same outcome seen by the other
TOLERANCE = 1e-9  # shares must sum to 1 within this
MAX_CHUNK_CELLS = 1 << 22  # cells of per-pair reachability products built at once


@dataclass(frozen=True)
class DeathBirth:
    """Each agent dies with probability 1 / ``expected_life`` per tick; its node gets a
    single newborn of the same outside-option class whose strategy is that of a parent
    drawn with probability proportional to this tick's payoff (over the whole population),
    changed with probability ``mutation`` by ``mutation_matrix`` (row: the parent's
    strategy; default: uniform over all strategies). A dead agent's partner becomes single."""

    expected_life: float
    mutation: float = 0.0
    mutation_matrix: tuple[tuple[float, ...], ...] | None = None


@dataclass(frozen=True)
class Revision:
    """Each agent whose couple was broken exogenously this tick revises with probability
    ``prob_revision``: with probability ``prob_experimentation`` it moves by
    ``neighbours`` (row: its own strategy; e.g. one gene of a memory-one code changed),
    else it adopts a strategy with probability proportional to the total payoff its users
    earned this tick. The adopted strategy is then, with probability ``mutation``, moved
    by ``mutation_matrix`` (default uniform)."""

    prob_revision: float
    prob_experimentation: float = 0.0
    neighbours: tuple[tuple[float, ...], ...] | None = None
    mutation: float = 0.0
    mutation_matrix: tuple[tuple[float, ...], ...] | None = None


@dataclass(frozen=True)
class Generations:
    """Every ``every`` ticks, at step 4, a discrete replicator step: each strategy's share
    is multiplied by its mean payoff per agent and tick over the generation, then
    renormalised (with ``mutation`` by ``mutation_matrix``, default uniform); every couple
    ends (no leave decisions that tick) and the next generation starts single.
    Outside-option classes stay with the nodes."""

    every: int
    mutation: float = 0.0
    mutation_matrix: tuple[tuple[float, ...], ...] | None = None


@dataclass(frozen=True)
class Imitation:
    """Each agent, with probability ``prob_revision``, compares itself with a uniformly
    random other agent j and adopts j's strategy with probability
    1 / (1 + exp(-``beta`` (pi_j - pi_i))), this tick's payoffs (pairwise comparison, the
    Fermi rule); the adopted strategy is then, with probability ``mutation``, moved by
    ``mutation_matrix`` (default uniform). An agent whose strategy changes loses its
    couple; its partner becomes single. Outside-option classes stay with the nodes."""

    prob_revision: float = 1.0
    beta: float = 1.0
    mutation: float = 0.0
    mutation_matrix: tuple[tuple[float, ...], ...] | None = None


StrategyChange = DeathBirth | Revision | Imitation | Generations | None


@dataclass(frozen=True)
class PoolModel:
    """Plain parameters of a well-mixed pool (no names, no files).

    ``tables[s]`` is strategy s's table, ``initial_shares[s]`` its share at tick 0.
    ``outside_options[c]`` and ``class_shares[c]`` describe the outside-option classes
    (independent of the strategy at tick 0); ``exit_costs[c]`` is the one-off cost a
    member of class c pays when it leaves (default 0). Payoffs, noise and stakes are those
    of ``powergame.game.Game``; v also fills the unstaked part of a round.

    ``class_tables`` holds the tables of strategies that read the outside options: entry
    ((strategy, own class, partner class), table) replaces ``tables[strategy]`` against a
    partner of that class. ``outside_by_strategy`` gives v per strategy instead of per
    class (then there must be one class)."""

    tables: tuple[StateTable, ...]
    initial_shares: tuple[float, ...]
    outside_options: tuple[float, ...] = (0.0,)
    class_shares: tuple[float, ...] = (1.0,)
    exit_costs: tuple[float, ...] | None = None
    payoffs: StagePayoffs = DEFAULT_PAYOFFS
    noise: float = 0.0
    meet: float = 1.0
    breakup: float = 0.0
    change: StrategyChange = None
    names: tuple[str, ...] = field(default=())
    class_tables: tuple[tuple[tuple[int, int, int], StateTable], ...] = ()
    outside_by_strategy: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))
        if not self.tables:
            raise ParameterError("tables", self.tables, "needs at least one strategy")
        object.__setattr__(self, "initial_shares", _shares("initial_shares", self.initial_shares))
        object.__setattr__(self, "class_shares", _shares("class_shares", self.class_shares))
        if len(self.initial_shares) != len(self.tables):
            raise ParameterError(
                "initial_shares", self.initial_shares, f"needs one share per strategy ({len(self.tables)})"
            )
        object.__setattr__(self, "outside_options", tuple(float(v) for v in self.outside_options))
        if len(self.outside_options) != len(self.class_shares):
            raise ParameterError(
                "outside_options", self.outside_options, "needs one value per class (as class_shares)"
            )
        costs = self.exit_costs if self.exit_costs is not None else (0.0,) * len(self.class_shares)
        object.__setattr__(self, "exit_costs", tuple(float(k) for k in costs))
        if len(costs) != len(self.class_shares) or any(k < 0 for k in costs):
            raise ParameterError("exit_costs", self.exit_costs, "needs one value >= 0 per class")
        for name in ("noise", "meet", "breakup"):
            _probability(name, getattr(self, name))
        if not self.names:
            object.__setattr__(self, "names", tuple(f"S{s}" for s in range(len(self.tables))))
        elif len(self.names) != len(self.tables):
            raise ParameterError("names", self.names, "needs one name per strategy")
        _check_change(self.change, len(self.tables))
        object.__setattr__(self, "class_tables", tuple((tuple(k), t) for k, t in self.class_tables))
        for (strategy, own, partner), _ in self.class_tables:
            if not (
                0 <= strategy < len(self.tables)
                and 0 <= own < len(self.class_shares)
                and 0 <= partner < len(self.class_shares)
            ):
                raise ParameterError(
                    "class_tables", (strategy, own, partner), "must name a strategy and two classes"
                )
        check_pool_stakes((*self.tables, *(t for _, t in self.class_tables)))
        if self.outside_by_strategy is not None:
            values = tuple(float(v) for v in self.outside_by_strategy)
            if len(values) != len(self.tables) or len(self.class_shares) != 1:
                raise ParameterError(
                    "outside_by_strategy",
                    self.outside_by_strategy,
                    "needs one value per strategy and a single class",
                )
            object.__setattr__(self, "outside_by_strategy", values)
        if isinstance(self.change, (DeathBirth, Revision, Generations)):
            lowest = min(*self.payoffs.as_tuple(), *self.outside_options, *(self.outside_by_strategy or ()))
            if lowest < 0:
                raise ParameterError(
                    "payoffs", lowest, "payoff-proportional strategy change needs payoffs and v >= 0"
                )

    @property
    def n_strategies(self) -> int:
        return len(self.tables)

    @property
    def n_classes(self) -> int:
        return len(self.class_shares)


def _shares(name: str, shares: Sequence[float]) -> tuple[float, ...]:
    values = tuple(float(x) for x in shares)
    if not values or any(not 0.0 <= x <= 1.0 for x in values):
        raise ParameterError(name, shares, "must be shares in [0, 1]")
    if abs(sum(values) - 1.0) > TOLERANCE:
        raise ParameterError(name, shares, f"must sum to 1 (they sum to {sum(values):g})")
    return values


def _padded(table: StateTable, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """A table's arrays with unused states n_states..n-1 (never reached) added."""
    m = table.n_states
    coop, stake = np.zeros(n), np.ones(n)
    leave, trans = np.zeros((n, 4)), np.zeros((n, 4, n))
    coop[:m], stake[:m], leave[:m] = table.cooperate, table.stake, table.leave
    trans[:m, :, :m] = table.transition
    trans[m:, :, 0] = 1.0
    return coop, stake, leave, trans, table.initial_state


def _probability(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ParameterError(name, value, "must be a probability in [0, 1]")


def _stochastic(name: str, matrix: tuple[tuple[float, ...], ...] | None, size: int) -> None:
    if matrix is None:
        return
    array = np.asarray(matrix, dtype=float)
    if array.shape != (size, size) or (array < 0).any() or not np.allclose(array.sum(axis=1), 1.0):
        raise ParameterError(
            name, "matrix", f"must be {size} x {size} with rows of probabilities summing to 1"
        )


def _check_change(change: StrategyChange, size: int) -> None:
    if change is None:
        return
    if isinstance(change, DeathBirth):
        if not change.expected_life >= 1:
            raise ParameterError("expected_life", change.expected_life, "must be >= 1")
        _probability("mutation", change.mutation)
        _stochastic("mutation_matrix", change.mutation_matrix, size)
    elif isinstance(change, Revision):
        _probability("prob_revision", change.prob_revision)
        _probability("prob_experimentation", change.prob_experimentation)
        _stochastic("neighbours", change.neighbours, size)
        _probability("mutation", change.mutation)
        _stochastic("mutation_matrix", change.mutation_matrix, size)
    elif isinstance(change, Imitation):
        _probability("prob_revision", change.prob_revision)
        if isinstance(change.beta, bool) or not isinstance(change.beta, (int, float)) or not change.beta >= 0:
            raise ParameterError("beta", change.beta, "must be a number >= 0")
        _probability("mutation", change.mutation)
        _stochastic("mutation_matrix", change.mutation_matrix, size)
    elif isinstance(change, Generations):
        if isinstance(change.every, bool) or not isinstance(change.every, int) or change.every < 1:
            raise ParameterError("every", change.every, "must be a whole number of ticks >= 1")
        _probability("mutation", change.mutation)
        _stochastic("mutation_matrix", change.mutation_matrix, size)
    else:
        raise ParameterError("change", change, "must be DeathBirth, Revision, Imitation, Generations or None")


@dataclass
class PoolState:
    """Masses at the start of a tick (see the module docstring); ``age`` is, per couple
    cell, the mass times the rounds already played; ``generation_payoff`` and
    ``generation_mass`` accumulate payoff and agent-ticks per type within a generation."""

    tick: int
    singles: np.ndarray  # (T,)
    couples: np.ndarray  # (T, T, slots)
    age: np.ndarray  # (T, T, slots)
    generation_payoff: np.ndarray  # (T,)
    generation_mass: np.ndarray  # (T,)

    def copy(self) -> PoolState:
        return PoolState(
            self.tick,
            self.singles.copy(),
            self.couples.copy(),
            self.age.copy(),
            self.generation_payoff.copy(),
            self.generation_mass.copy(),
        )


@dataclass(frozen=True)
class TickFigures:
    """What one tick did. Shares and ``share_coupled`` are read at the end of the tick;
    outcome shares over the couples that played; payoffs per agent alive at play time,
    exit costs paid this tick included."""

    tick: int
    shares: np.ndarray  # (S,) strategy shares
    share_coupled: float
    cc: float
    cd: float
    dd: float
    separated: float  # share of agents whose relationship ended this tick
    mean_age: float  # rounds played by the couples left at the end of the tick
    payoff: np.ndarray  # (S,) mean payoff per agent of each strategy (nan if extinct)
    new_couples: float  # share of agents who started a relationship this tick
    new_couple_payoff: float  # their mean payoff this tick (nan if none)
    new_pairs: np.ndarray  # (T, T) agent mass of type a that met type b this tick
    played_shares: np.ndarray  # (S,) strategy shares during the round (before strategy change)


class MeanFieldPool:
    """The mean-field dynamics of a ``PoolModel``: ``initial_state``, ``step``, ``run``,
    ``survival``. With ``ages=False`` the couples' ages are not followed (a third less
    work per tick): ``PoolState.age`` stays 0 and ``TickFigures.mean_age`` is nan; every
    other figure is the same."""

    def __init__(self, model: PoolModel, ages: bool = True) -> None:
        self.model = model
        self.ages = ages
        S, K = model.n_strategies, model.n_classes
        self.n_types = T = S * K
        self.strategy_of = np.repeat(np.arange(S), K)
        self.class_of = np.tile(np.arange(K), S)
        override = dict(model.class_tables)
        n = max(table.n_states for table in (*model.tables, *override.values()))
        self.n_states = n
        # Per ordered pair of types (a, b): the table a plays against b, padded to n states.
        per_strategy = [_padded(table, n) for table in model.tables]
        strategy = self.strategy_of[:, None]
        coop = np.stack([x[0] for x in per_strategy])[strategy].repeat(T, axis=1)  # (T, T, n)
        stake = np.stack([x[1] for x in per_strategy])[strategy].repeat(T, axis=1)
        leave = np.stack([x[2] for x in per_strategy])[strategy].repeat(T, axis=1)
        trans = np.stack([x[3] for x in per_strategy])[strategy].repeat(T, axis=1)
        init = np.array([x[4] for x in per_strategy])[strategy].repeat(T, axis=1)
        for (s, own, partner), table in override.items():
            rows = np.flatnonzero((self.strategy_of == s) & (self.class_of == own))
            cols = np.flatnonzero(self.class_of == partner)
            where = np.ix_(rows, cols)
            coop[where], stake[where], leave[where], trans[where], init[where] = _padded(table, n)
        e = model.noise
        played = kernel.played_cooperation(coop, e)  # (T, T, n): a's P(C) against b
        pa = played[:, :, :, None]
        pb = played.transpose(1, 0, 2)[:, :, None, :]  # b's P(C) against a
        p_outcome = np.stack([pa * pb, pa * (1 - pb), (1 - pa) * pb, (1 - pa) * (1 - pb)], axis=-1)
        pair_stake = np.minimum(stake[:, :, :, None], stake.transpose(1, 0, 2)[:, :, None, :])  # (T, T, n, n)
        if model.outside_by_strategy is not None:
            self.v = np.asarray(model.outside_by_strategy, dtype=float)[self.strategy_of]
        else:
            self.v = np.asarray(model.outside_options)[self.class_of]
        self.k = np.asarray(model.exit_costs)[self.class_of]
        stage = np.asarray(model.payoffs.as_tuple())  # R, S, T, P by own view: CC, CD, DC, DD
        # (T, T, n, n, 4) the first agent's payoff by outcome
        payoff = kernel.round_payoff(pair_stake[..., None], stage, self.v[:, None, None, None, None])
        la = leave[:, :, :, None, :]  # (T, T, n, 1, 4)
        lb = leave.transpose(1, 0, 2, 3)[:, :, None, :, :][..., _SWAP]  # (T, T, 1, n, 4) by a's view
        partner_trans = trans.transpose(1, 0, 2, 3, 4)[:, :, :, _SWAP, :]  # b's next state, by a's view
        self._compress(p_outcome, payoff, la, lb, trans, partner_trans, init)
        if isinstance(model.change, Imitation):
            # imitation reads each agent's own payoff, so the round is kept outcome by outcome
            partner_payoff = kernel.round_payoff(
                pair_stake[..., None], stage[_SWAP], self.v[None, :, None, None, None]
            )
            self._compress_outcomes(p_outcome, payoff, partner_payoff, la, lb, trans, partner_trans)
        self._prepare_tick()

    def _prepare_tick(self) -> None:
        """What every tick reads, laid out once: the round's figures as rows per type (a
        couple's cells are contiguous), the move as a sparse matrix (a slot leads to at most
        one slot per outcome, so most of the (slots x slots) blocks are zeros) and the
        strategy-change matrices as arrays."""
        from scipy import sparse

        T, J = self.n_types, self.n_slots
        self._payoff_rows = self.slot_payoff.reshape(T, T * J)
        self._leave_rows = self.slot_leave.reshape(T, T * J)
        outcome = self.slot_outcome.reshape(T * T * J, 4)
        # CC, one C (CD or DC: a couple counts once from each side), DD
        self._outcome_columns = np.ascontiguousarray(
            np.stack([outcome[:, 0], outcome[:, 1] + outcome[:, 2], outcome[:, 3]])
        )
        self._has_exit_cost = bool(self.k.any())
        pair, source, target = np.nonzero(self.slot_move.reshape(T * T, J, J))
        self._move_matrix = sparse.csr_matrix(
            (
                self.slot_move.reshape(T * T, J, J)[pair, source, target],
                (pair * J + target, pair * J + source),
            ),
            shape=(T * T * J, T * T * J),
        )
        self._matrices: dict[int, np.ndarray] = {}

    # --- state ------------------------------------------------------------------------
    def initial_state(self) -> PoolState:
        """Everybody single; type masses are strategy share times class share."""
        model = self.model
        mass = np.outer(model.initial_shares, model.class_shares).ravel()
        T, J = self.n_types, self.n_slots
        zeros = np.zeros((T, T, J))
        return PoolState(0, mass, zeros, zeros.copy(), np.zeros(T), np.zeros(T))

    def type_mass(self, state: PoolState) -> np.ndarray:
        """Agents of each type, single or coupled."""
        return state.singles + state.couples.reshape(self.n_types, -1).sum(axis=1)

    def strategy_shares(self, state: PoolState) -> np.ndarray:
        return np.bincount(self.strategy_of, self.type_mass(state), minlength=self.model.n_strategies)

    # --- one tick -----------------------------------------------------------------------
    def _compress(
        self,
        p: np.ndarray,
        pay: np.ndarray,
        leave_a: np.ndarray,
        leave_b: np.ndarray,
        trans: np.ndarray,
        partner: np.ndarray,
        init: np.ndarray,
    ) -> None:
        """Keep, per pair, only the joint states a couple can reach (its *slots*; slot 0 is
        the first round) and the per-slot figures of one round: outcome chances, a's
        payoff, who leaves, and ``slot_move`` (together again next round, in which slot).
        Memory-one pairs have at most 5 slots whatever their tables' sizes."""
        T, n = self.n_types, self.n_states
        P = T * T
        stay = (1 - leave_a) * (1 - leave_b)
        go = (p * stay).reshape(P, n, n, 4)  # outcome o and nobody leaves, from joint state (a, b)
        own_next = trans.reshape(P, n, 4, n)  # a's next state after outcome o (a's view)
        partner_next = partner.reshape(P, n, 4, n)  # b's next state, same outcome
        start_joint = (init * n + init.T).ravel()
        reached = self._reachable(go, own_next, partner_next, start_joint)
        reached[np.arange(P), start_joint] = False
        J = 1 + int(reached.sum(axis=1).max())
        slots = np.zeros((P, J), dtype=np.intp)
        mask = np.zeros((P, J))
        slots[:, 0], mask[:, 0] = start_joint, 1.0
        count = reached.sum(axis=1)
        rank = np.cumsum(reached, axis=1) - 1  # a reached state's place among its pair's others
        pair, joint = np.nonzero(reached)
        slots[pair, 1 + rank[pair, joint]] = joint
        mask[:, 1:] = np.arange(1, J)[None, :] <= count[:, None]
        self._slots, self._mask = slots, mask
        move = self._slot_moves(go, own_next, partner_next).sum(axis=-1)  # (P, J, J)
        index = np.arange(P)[:, None]
        outcome = p.reshape(P, n * n, 4)[index, slots] * mask[..., None]
        payoff = pay.reshape(P, n * n, 4)[index, slots]
        la = np.broadcast_to(leave_a, p.shape).reshape(P, n * n, 4)[index, slots]
        lb = np.broadcast_to(leave_b, p.shape).reshape(P, n * n, 4)[index, slots]
        self.n_slots = J
        self.slot_outcome = outcome.reshape(T, T, J, 4)  # P(outcome CC, CD, DC, DD | slot), a's view
        self.slot_payoff = (outcome * payoff).sum(-1).reshape(T, T, J)  # a's expected payoff
        self.slot_leave = (outcome * la).sum(-1).reshape(T, T, J)  # P(a leaves)
        self.slot_partner_only = (outcome * lb * (1 - la)).sum(-1).reshape(T, T, J)  # P(only b leaves)
        self.slot_move = move.reshape(T, T, J, J)  # nobody leaves; the couple goes on in slot k
        self.first_payoff = np.ascontiguousarray(self.slot_payoff[:, :, 0])

    @staticmethod
    def _reachable(
        go: np.ndarray, own_next: np.ndarray, partner_next: np.ndarray, start_joint: np.ndarray
    ) -> np.ndarray:
        """(pairs, n * n): the joint states each pair's couple can be in, from its start,
        grown outcome by outcome (a's next states x frontier x b's next states, per pair)."""
        P, n = go.shape[0], go.shape[1]
        # contiguous (pairs, outcome, n, n) blocks: the products below copy nothing
        can_go = np.ascontiguousarray((go > 0).transpose(0, 3, 1, 2), dtype=float)  # (P, o, a, b)
        own_step = np.ascontiguousarray((own_next > 0).transpose(0, 2, 3, 1), dtype=float)  # (P, o, c, a)
        partner_step = np.ascontiguousarray(
            (partner_next > 0).transpose(0, 2, 1, 3), dtype=float
        )  # (P, o, b, d)
        reached = np.zeros((P, n, n))
        reached.reshape(P, n * n)[np.arange(P), start_joint] = 1.0
        chunk = max(1, MAX_CHUNK_CELLS // (4 * n**3))
        for first in range(0, P, chunk):
            part = slice(first, first + chunk)
            frontier = reached[part]
            while True:
                moving = frontier[:, None] * can_go[part]  # (p, o, a, b)
                grown = np.maximum(frontier, (own_step[part] @ moving @ partner_step[part]).max(axis=1) > 0)
                if (grown == frontier).all():
                    break
                frontier = grown
            reached[part] = frontier
        return reached.reshape(P, n * n) > 0

    def _slot_moves(self, go: np.ndarray, own_next: np.ndarray, partner_next: np.ndarray) -> np.ndarray:
        """(pairs, slots, slots, 4): from slot j, outcome o with nobody leaving, then slot k
        (zero outside a pair's slots)."""
        n, slots, mask = self.n_states, self._slots, self._mask
        index = np.arange(go.shape[0])[:, None, None]
        own, other = slots // n, slots % n  # each slot's states of a and b
        chance = go[index[..., 0], own, other]  # (P, J, 4)
        # advanced indices around a slice come first: (P, J, K, 4)
        own_to = own_next[index, own[:, :, None], :, own[:, None, :]]
        partner_to = partner_next[index, other[:, :, None], :, other[:, None, :]]
        moves = chance[:, :, None, :] * own_to * partner_to
        return moves * (mask[:, :, None] * mask[:, None, :])[..., None]

    def _compress_outcomes(
        self,
        p: np.ndarray,
        pay: np.ndarray,
        partner_pay: np.ndarray,
        leave_a: np.ndarray,
        leave_b: np.ndarray,
        trans: np.ndarray,
        partner: np.ndarray,
    ) -> None:
        """The per-slot figures of one round kept by outcome (a's view): each partner's
        payoff, whether a leaves, and the move (outcome chance times nobody leaving times
        the next slot), for rules that act on the outcome before the leave decisions."""
        T, n, J = self.n_types, self.n_states, self.n_slots
        P = T * T
        stay = (1 - leave_a) * (1 - leave_b)
        go = (p * stay).reshape(P, n, n, 4)
        move = self._slot_moves(go, trans.reshape(P, n, 4, n), partner.reshape(P, n, 4, n))
        index = np.arange(P)[:, None]
        slots = self._slots

        def by_slot(values: np.ndarray) -> np.ndarray:
            return np.broadcast_to(values, p.shape).reshape(P, n * n, 4)[index, slots].reshape(T, T, J, 4)

        self.outcome_payoff = by_slot(pay)  # a's payoff by slot and outcome
        self.outcome_partner_payoff = by_slot(partner_pay)  # b's payoff, same cells
        self.outcome_leave = by_slot(leave_a)  # a leaves after that outcome
        self.outcome_move = move.transpose(0, 1, 3, 2).reshape(T, T, J, 4, J)

    def step(self, state: PoolState) -> tuple[PoolState, TickFigures]:
        """Advance one tick; the input state is not changed."""
        new_state, figures, _ = self._step(state)
        assert figures is not None
        return new_state, figures

    def advance(self, state: PoolState) -> PoolState:
        """``step`` without the tick's figures (less work: the state only)."""
        return self._step(state, with_figures=False)[0]

    def _step(
        self, state: PoolState, with_figures: bool = True
    ) -> tuple[PoolState, TickFigures | None, np.ndarray | None]:
        """``step``, and under imitation the share of each (slot, outcome) cell that is
        still together before the leave decisions; no figures (None) unless ``with_figures``."""
        model = self.model
        T = self.n_types
        singles = state.singles.copy()
        couples = state.couples.copy()

        # 1. meet
        pool = singles.sum()
        new_pairs = np.zeros((T, T))
        if pool > 0 and model.meet > 0:
            looking = model.meet * singles
            new_pairs = np.outer(looking, self._partner_mix(singles, state))
            couples[:, :, 0] += new_pairs
            singles = singles - looking
        by_type = couples.reshape(T, -1).sum(axis=1)  # agents of each type in a couple
        mass_at_play = singles + by_type

        # 2. play
        singles_at_play = singles
        survive: np.ndarray | None = None  # (T, T, slots, 4): still together, by outcome
        in_couples = by_type.sum()
        pay = np.einsum("ij,ij->i", couples.reshape(T, -1), self._payoff_rows) + singles * self.v
        aged = state.age + couples if self.ages else state.age
        new_mass = new_pairs.sum()
        new_pay = cc = cd = dd = float("nan")
        if with_figures:
            if new_mass > 0:
                new_pay = float((new_pairs * self.first_payoff).sum() / new_mass)
            outcome = self._outcome_columns @ couples.reshape(-1)
            # shares of the outcomes' own total: the same as of in_couples, and still defined when a
            # tiny mass of couples underflows in the products
            played = outcome.sum()
            if played > 0:
                cc, cd, dd = (float(x) for x in outcome / played)
        kept = 1.0  # share of every couple still together before the leave decisions

        # 3. exogenous breakup
        broken = np.zeros(T)
        if model.breakup > 0:
            broken = model.breakup * by_type
            kept *= 1 - model.breakup
            singles = singles + broken

        # 4. strategy change
        change = model.change
        dissolve = False
        if isinstance(change, DeathBirth):
            d = 1.0 / change.expected_life
            widowed = d * (1 - d) * kept * by_type
            alive_mass = singles + kept * by_type
            kept *= (1 - d) ** 2
            births = self._offspring(pay, mass_at_play, change.mutation, change.mutation_matrix)
            deaths_by_class = np.bincount(self.class_of, d * alive_mass, minlength=model.n_classes)
            singles = singles * (1 - d) + widowed + births[self.strategy_of] * deaths_by_class[self.class_of]
        elif isinstance(change, Revision) and change.prob_revision > 0:
            revising = change.prob_revision * broken
            singles = singles - revising
            adopted = np.broadcast_to(
                self._offspring(pay, mass_at_play, 0.0, None), (model.n_strategies,) * 2
            )
            if change.prob_experimentation > 0:
                eps = change.prob_experimentation
                adopted = eps * self._matrix(change.neighbours) + (1 - eps) * adopted
            if change.mutation:
                mutation = change.mutation
                adopted = (1 - mutation) * adopted + mutation * adopted @ self._matrix(change.mutation_matrix)
            by_strategy = revising.reshape(model.n_strategies, model.n_classes)  # type = strategy * K + class
            moved = adopted.T @ by_strategy  # (S, K): row s of ``adopted`` is where a reviser of s goes
            singles = singles + moved.ravel()
        elif isinstance(change, Imitation) and change.prob_revision > 0:
            survive, singles = self._imitate(change, singles_at_play, couples, kept)
        elif isinstance(change, Generations) and (state.tick + 1) % change.every == 0:
            dissolve = True
            kept = 0.0  # every couple ends before the leave decisions

        # 5. leave (and pay), or move on
        generation_payoff = state.generation_payoff + pay  # a generation's selection ignores exit costs
        generation_mass = state.generation_mass + mass_at_play
        if survive is None:
            if self._has_exit_cost:
                pay = pay - kept * self.k * np.einsum("ij,ij->i", couples.reshape(T, -1), self._leave_rows)
                if new_mass > 0:
                    new_cost = (new_pairs * self.k[:, None] * self.slot_leave[:, :, 0]).sum() * kept
                    new_pay -= float(new_cost / new_mass)
            couples = self._move(couples)
            couples *= kept
            if self.ages:
                age = self._move(aged)
                age *= kept
            else:
                age = state.age
            coupled_after = couples.reshape(T, -1).sum(axis=1)
            singles = singles + kept * by_type - coupled_after
        else:
            together = self.slot_outcome * survive  # P(outcome, still together) per slot
            leaving = together * self.outcome_leave
            pay = pay - self.k * np.einsum("ABj,ABjo->A", couples, leaving)
            if new_mass > 0:
                new_cost = (new_pairs[..., None] * self.k[:, None, None] * leaving[:, :, 0]).sum()
                new_pay -= float(new_cost / new_mass)
            staying = np.einsum("ABj,ABjo->A", couples, together)
            couples = np.einsum("ABjo,ABjok->ABk", couples[..., None] * survive, self.outcome_move)
            if self.ages:
                age = np.einsum("ABjo,ABjok->ABk", aged[..., None] * survive, self.outcome_move)
            else:
                age = state.age
            coupled_after = couples.reshape(T, -1).sum(axis=1)
            singles = singles + staying - coupled_after

        if dissolve:
            assert isinstance(change, Generations)
            singles, generation_payoff, generation_mass = self._replicate(
                change, mass_at_play, generation_payoff, generation_mass
            )

        new_state = PoolState(state.tick + 1, singles, couples, age, generation_payoff, generation_mass)
        if not with_figures:
            return new_state, None, survive
        S = model.n_strategies
        left = coupled_after.sum()
        total = singles.sum() + left
        strategy_mass = np.bincount(self.strategy_of, mass_at_play, minlength=S)
        strategy_pay = np.bincount(self.strategy_of, pay, minlength=S)
        with np.errstate(invalid="ignore", divide="ignore"):
            payoff = np.where(strategy_mass > 0, strategy_pay / strategy_mass, np.nan)
        figures = TickFigures(
            tick=state.tick,
            shares=np.bincount(self.strategy_of, singles + coupled_after, minlength=S) / total,
            share_coupled=float(left / total),
            cc=cc,
            cd=cd,
            dd=dd,
            separated=float((in_couples - left) / total),
            mean_age=float(age.sum() / left) if left > 0 and self.ages else float("nan"),
            payoff=payoff,
            new_couples=float(new_mass / total),
            new_couple_payoff=new_pay,
            new_pairs=new_pairs,
            played_shares=strategy_mass / strategy_mass.sum(),
        )
        return new_state, figures, survive

    def _imitate(
        self, change: Imitation, singles: np.ndarray, couples: np.ndarray, kept: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pairwise comparison on this tick's payoffs. ``singles`` and ``couples`` are the
        masses that played (singles earn v); ``kept`` the share of couples not broken.
        Returns the share of each (slot, outcome) cell still together (neither partner
        changed and not broken) and the singles after the change, by type."""
        S, T = self.model.n_strategies, self.n_types
        own = self.strategy_of
        agents = couples[..., None] * self.slot_outcome  # (T, T, J, 4) a's mass by outcome
        values = np.concatenate([self.outcome_payoff.ravel(), self.outcome_partner_payoff.ravel(), self.v])
        levels, level_of = np.unique(np.round(values, 12), return_inverse=True)
        cells = agents.size
        level_a = level_of[:cells].reshape(agents.shape)
        level_b = level_of[cells : 2 * cells].reshape(agents.shape)
        level_single = level_of[2 * cells :]
        L = len(levels)
        # mass by (payoff level, type): who can be imitated, and who imitates
        by_level = np.bincount(
            (level_a * T + np.arange(T)[:, None, None, None]).ravel(), agents.ravel(), minlength=L * T
        ).reshape(L, T)
        by_level += np.bincount(level_single * T + np.arange(T), singles, minlength=L * T).reshape(L, T)
        models = np.zeros((L, S))
        np.add.at(models.T, own, by_level.T)  # (L, S): mass by payoff level and strategy
        with np.errstate(over="ignore"):
            fermi = 1.0 / (1.0 + np.exp(-change.beta * (levels[None, :] - levels[:, None])))
        adopt = change.prob_revision * (fermi @ models) / by_level.sum()  # (L, S): own level -> model
        if change.mutation:
            adopt = (1 - change.mutation) * adopt + change.mutation * adopt @ self._matrix(
                change.mutation_matrix
            )
        changes = adopt.sum(axis=1)[:, None] - adopt  # (L, S): P(change) at a level, of a strategy
        p_a = changes[level_a, own[:, None, None, None]]
        p_b = changes[level_b, own[None, :, None, None]]
        survive = kept * (1 - p_a) * (1 - p_b)
        # singles after: unchanged agents out of a couple keep their type, changers move
        single_stay = singles * (1 - changes[level_single, own])
        single_stay += (agents * (1 - p_a) * (1 - kept * (1 - p_b))).sum(axis=(1, 2, 3))
        K = self.model.n_classes
        by_class = np.zeros((L, K))
        np.add.at(by_class.T, self.class_of, by_level.T)
        arriving = adopt.T @ by_class  # (S, K): every adoption, own strategy included
        staying_put = (by_level * adopt[:, own]).sum(axis=0)  # adoptions of one's own strategy
        return survive, single_stay + arriving[own, self.class_of] - staying_put

    def _partner_mix(self, singles: np.ndarray, state: PoolState) -> np.ndarray:
        """Who a seeker meets, by type: seekers pair at random, and every type seeks with
        the same probability, so the mix of the singles."""
        return singles / singles.sum()

    def _move(self, masses: np.ndarray) -> np.ndarray:
        """(T, T, slots) masses after one round in which nobody leaves: next round's slots."""
        moved: np.ndarray = self._move_matrix @ masses.reshape(-1)
        return moved.reshape(masses.shape)

    def _matrix(self, matrix: tuple[tuple[float, ...], ...] | None) -> np.ndarray:
        """A strategy-change matrix as an array (uniform for None), converted once: the
        model is frozen, so the same tuple comes back every tick."""
        known = self._matrices.get(id(matrix))
        if known is None:
            S = self.model.n_strategies
            known = np.full((S, S), 1.0 / S) if matrix is None else np.asarray(matrix, dtype=float)
            self._matrices[id(matrix)] = known
        return known

    def _offspring(
        self,
        pay: np.ndarray,
        mass: np.ndarray,
        mutation: float,
        matrix: tuple[tuple[float, ...], ...] | None,
    ) -> np.ndarray:
        """The strategy of a parent drawn with probability proportional to payoff, then
        mutated: a distribution over strategies."""
        S = self.model.n_strategies
        weight = np.bincount(self.strategy_of, np.maximum(pay, 0.0), minlength=S)
        total = weight.sum()
        if total <= 0:  # nobody earned anything: parents drawn uniformly over agents
            weight = np.bincount(self.strategy_of, mass, minlength=S)
            total = weight.sum()
        parent = weight / total
        if mutation:
            parent = (1 - mutation) * parent + mutation * parent @ self._matrix(matrix)
        return parent

    def _replicate(
        self, change: Generations, mass: np.ndarray, payoff: np.ndarray, exposure: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        S = self.model.n_strategies
        strategy_mass = np.bincount(self.strategy_of, mass, minlength=S)
        strategy_pay = np.bincount(self.strategy_of, payoff, minlength=S)
        strategy_exposure = np.bincount(self.strategy_of, exposure, minlength=S)
        with np.errstate(invalid="ignore", divide="ignore"):
            fitness = np.where(strategy_exposure > 0, strategy_pay / strategy_exposure, 0.0)
        grown = strategy_mass * fitness
        shares = grown / grown.sum() if grown.sum() > 0 else strategy_mass / strategy_mass.sum()
        if change.mutation:
            shares = (1 - change.mutation) * shares + change.mutation * shares @ self._matrix(
                change.mutation_matrix
            )
        by_class = np.bincount(self.class_of, mass, minlength=self.model.n_classes)
        singles = shares[self.strategy_of] * by_class[self.class_of]
        return singles, np.zeros_like(payoff), np.zeros_like(exposure)

    # --- whole runs -----------------------------------------------------------------------
    def run(self, ticks: int, record_every: int = 1, state: PoolState | None = None) -> MeanFieldRun:
        """``ticks`` ticks from ``state`` (default: the initial state), recording every
        ``record_every`` ticks (and the last)."""
        if isinstance(ticks, bool) or not isinstance(ticks, int) or ticks < 0:
            raise ParameterError("ticks", ticks, "must be a whole number >= 0")
        if isinstance(record_every, bool) or not isinstance(record_every, int) or record_every < 1:
            raise ParameterError("record_every", record_every, "must be a whole number >= 1")
        current = self.initial_state() if state is None else state.copy()
        records: list[TickFigures] = []
        for number in range(ticks):
            if (number + 1) % record_every == 0 or number == ticks - 1:
                current, figures = self.step(current)
                records.append(figures)
            else:
                current = self.advance(current)
        return MeanFieldRun(self.model, tuple(records), current)

    def survival(self, start_tick: int, length: int) -> np.ndarray:
        """P(T > t), t = 0..length, for a relationship begun at tick ``start_tick`` (0 is
        the first tick), exactly: the mixture over the pairs that meet at that tick of
        each pair's chain (breakup, deaths, leaving; a generation's end dissolves all)."""
        if isinstance(start_tick, bool) or not isinstance(start_tick, int) or start_tick < 0:
            raise ParameterError("start_tick", start_tick, "must be a whole number >= 0")
        state = self.initial_state()
        for _ in range(start_tick):
            state, _ = self.step(state)
        if isinstance(self.model.change, Imitation) and self.model.change.prob_revision > 0:
            return self._imitation_survival(state, length)
        _, figures = self.step(state)
        return self.cohort_survival(figures.new_pairs, start_tick, length)

    def _imitation_survival(self, state: PoolState, length: int) -> np.ndarray:
        """Under imitation a couple's chance to go on depends on both partners' payoffs
        against the whole pool, tick by tick: the cohort is followed alongside the pool."""
        state, figures, survive = self._step(state)
        assert figures is not None
        pairs = figures.new_pairs
        if pairs.sum() <= 0:
            raise ParameterError("start_tick", state.tick - 1, "no relationship begins at that tick")
        cohort = np.zeros((self.n_types, self.n_types, self.n_slots))
        cohort[:, :, 0] = pairs / pairs.sum()
        curve = [1.0]
        for _ in range(length):
            assert survive is not None
            cohort = np.einsum("ABjo,ABjok->ABk", cohort[..., None] * survive, self.outcome_move)
            curve.append(float(cohort.sum()))
            state, _, survive = self._step(state)
        return np.asarray(curve)

    def cohort_survival(
        self, pairs: np.ndarray, start_tick: int, length: int, floor: float = 0.0
    ) -> np.ndarray:
        """P(T > t), t = 0..length, for the relationships begun at tick ``start_tick`` by
        ``pairs`` (the ``new_pairs`` of that tick's figures); it stops early once below
        ``floor``."""
        if isinstance(self.model.change, Imitation) and self.model.change.prob_revision > 0:
            raise ParameterError(
                "change", "imitation", "needs the pool's state: use survival(start_tick, length)"
            )
        if pairs.sum() <= 0:
            raise ParameterError("start_tick", start_tick, "no relationship begins at that tick")
        cohort = np.zeros((self.n_types, self.n_types, self.n_slots))
        cohort[:, :, 0] = pairs / pairs.sum()
        change = self.model.change
        death = 1.0 / change.expected_life if isinstance(change, DeathBirth) else 0.0
        kept = (1 - self.model.breakup) * (1 - death) ** 2
        curve = [1.0]
        for t in range(length):
            tick = start_tick + t
            if isinstance(change, Generations) and (tick + 1) % change.every == 0:
                curve.extend([0.0] * (length - t))
                break
            cohort = kept * self._move(cohort)
            curve.append(float(cohort.sum()))
            if curve[-1] < floor:
                break
        return np.asarray(curve)


@dataclass(frozen=True)
class MeanFieldRun:
    """A mean-field run: the recorded ticks and the final state."""

    model: PoolModel
    records: tuple[TickFigures, ...]
    final: PoolState

    def series(self) -> dict[str, Any]:
        """Columns of the time series: tick, share per strategy, share coupled, CC/CD/DD,
        separated, mean age, payoff per strategy, new couples and their payoff."""
        names = self.model.names
        columns: dict[str, Any] = {"tick": [r.tick + 1 for r in self.records]}
        for s, name in enumerate(names):
            columns[f"share:{name}"] = [float(r.shares[s]) for r in self.records]
        for key in (
            "share_coupled",
            "cc",
            "cd",
            "dd",
            "separated",
            "mean_age",
            "new_couples",
            "new_couple_payoff",
        ):
            columns[key] = [getattr(r, key) for r in self.records]
        for s, name in enumerate(names):
            columns[f"payoff:{name}"] = [float(r.payoff[s]) for r in self.records]
        return columns
