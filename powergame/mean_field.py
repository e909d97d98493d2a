"""Mean-field pool dynamics: an infinite, well-mixed population, advanced tick by tick.

The population is a mass of agents (total 1). An agent's *type* is its strategy (a
``StateTable``) and its outside-option class (value v and exit cost k). The state is

- ``singles[t]``: the mass of single agents of type t, and
- ``couples[a, b, i, j]``: the mass of agents of type a in table state i whose partner is of
  type b in table state j. Every couple appears twice, once from each side, so an agent's
  figures are read along the first two axes and the number of couples is half the sum.

One tick applies the pool's rules in their documented order, to masses instead of agents:

1. meet: a share ``meet`` of every single type looks for a partner; lookers pair at random,
   so a looker of type a finds a partner of type b with chance singles[b] / singles.sum();
   new couples start in their tables' initial states;
2. every couple plays one round (with execution noise); unmatched singles earn v;
3. exogenous breakup: a share ``breakup`` of the couples splits (no exit cost);
4. strategy change (``DeathBirth``, ``Revision``, ``Generations``, or None);
5. leave decisions of the remaining couples, from the tables; whoever leaves pays its exit
   cost; both partners become single; the others move to their next table states.

Because the chain of a couple is linear in its mass, the only non-linear term is the
meeting in step 1; everything else is the dyad chain of ``powergame.exact`` run on masses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from powergame.errors import ParameterError
from powergame.game import DEFAULT_PAYOFFS, StagePayoffs
from powergame.state_table import StateTable

_SWAP = np.array([0, 2, 1, 3])  # outcome seen by one partner -> the same outcome seen by the other
TOLERANCE = 1e-9  # shares must sum to 1 within this


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
    earned this tick."""

    prob_revision: float
    prob_experimentation: float = 0.0
    neighbours: tuple[tuple[float, ...], ...] | None = None


@dataclass(frozen=True)
class Generations:
    """Every ``every`` ticks, a discrete replicator step: each strategy's share is
    multiplied by its mean payoff per agent and tick over the generation, then renormalised
    (with ``mutation`` by ``mutation_matrix``, default uniform); every couple dissolves and
    the next generation starts single. Outside-option classes stay with the nodes."""

    every: int
    mutation: float = 0.0
    mutation_matrix: tuple[tuple[float, ...], ...] | None = None


StrategyChange = DeathBirth | Revision | Generations | None


@dataclass(frozen=True)
class PoolModel:
    """Plain parameters of a well-mixed pool (no names, no files).

    ``tables[s]`` is strategy s's table, ``initial_shares[s]`` its share at tick 0.
    ``outside_options[c]`` and ``class_shares[c]`` describe the outside-option classes
    (independent of the strategy at tick 0); ``exit_costs[c]`` is the one-off cost a
    member of class c pays when it leaves (default 0). Payoffs, noise and stakes are those
    of ``powergame.game.Game``; v also fills the unstaked part of a round."""

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
        if isinstance(self.change, (DeathBirth, Revision, Generations)):
            lowest = min(*self.payoffs.as_tuple(), *self.outside_options)
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
    elif isinstance(change, Generations):
        if isinstance(change.every, bool) or not isinstance(change.every, int) or change.every < 1:
            raise ParameterError("every", change.every, "must be a whole number of ticks >= 1")
        _probability("mutation", change.mutation)
        _stochastic("mutation_matrix", change.mutation_matrix, size)
    else:
        raise ParameterError("change", change, "must be DeathBirth, Revision, Generations or None")


@dataclass
class PoolState:
    """Masses at the start of a tick (see the module docstring); ``age`` is, per couple
    cell, the mass times the rounds already played; ``generation_payoff`` and
    ``generation_mass`` accumulate payoff and agent-ticks per type within a generation."""

    tick: int
    singles: np.ndarray  # (T,)
    couples: np.ndarray  # (T, T, n, n)
    age: np.ndarray  # (T, T, n, n)
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


class MeanFieldPool:
    """The mean-field dynamics of a ``PoolModel``: ``initial_state``, ``step``, ``run``,
    ``survival``."""

    def __init__(self, model: PoolModel) -> None:
        self.model = model
        S, K = model.n_strategies, model.n_classes
        self.n_types = T = S * K
        self.strategy_of = np.repeat(np.arange(S), K)
        self.class_of = np.tile(np.arange(K), S)
        n = max(table.n_states for table in model.tables)
        self.n_states = n
        coop = np.zeros((S, n))
        stake = np.ones((S, n))
        leave = np.zeros((S, n, 4))
        trans = np.zeros((S, n, 4, n))
        init = np.zeros(S, dtype=np.intp)
        for s, table in enumerate(model.tables):
            m = table.n_states
            coop[s, :m] = table.cooperate
            stake[s, :m] = table.stake
            leave[s, :m] = table.leave
            trans[s, :m, :, :m] = table.transition
            trans[s, m:, :, 0] = 1.0  # padding states are never reached
            init[s] = table.initial_state
        e = model.noise
        played = coop * (1 - e) + (1 - coop) * e
        by_type = self.strategy_of
        pa = played[by_type][:, None, :, None]  # (T, 1, n, 1)
        pb = played[by_type][None, :, None, :]  # (1, T, 1, n)
        self.p_outcome = np.stack([pa * pb, pa * (1 - pb), (1 - pa) * pb, (1 - pa) * (1 - pb)], axis=-1)
        self.p_outcome = np.broadcast_to(self.p_outcome, (T, T, n, n, 4)).copy()
        st = stake[by_type]
        pair_stake = np.minimum(st[:, None, :, None], st[None, :, None, :])  # (T, T, n, n)
        self.v = np.asarray(model.outside_options)[self.class_of]
        self.k = np.asarray(model.exit_costs)[self.class_of]
        stage = np.asarray(model.payoffs.as_tuple())  # R, S, T, P by own view: CC, CD, DC, DD
        self.payoff = (
            pair_stake[..., None] * stage + (1 - pair_stake[..., None]) * self.v[:, None, None, None, None]
        )  # (T, T, n, n, 4) the first agent's payoff by outcome
        la = leave[by_type][:, None, :, None, :]  # (T, 1, n, 1, 4)
        lb = leave[by_type][:, :, _SWAP][None, :, None, :, :]  # (1, T, 1, n, 4) by the first agent's view
        self.leave_a = np.broadcast_to(la, (T, T, n, n, 4))
        self.leave_b = np.broadcast_to(lb, (T, T, n, n, 4))
        self.stay = (1 - la) * (1 - lb)
        self.trans = trans[by_type]  # (T, n, 4, n)
        self.trans_swapped = trans[by_type][:, :, _SWAP, :]  # the partner's move, by the first agent's view
        self.init = init[by_type]

    # --- state ------------------------------------------------------------------------
    def initial_state(self) -> PoolState:
        """Everybody single; type masses are strategy share times class share."""
        model = self.model
        mass = np.outer(model.initial_shares, model.class_shares).ravel()
        T, n = self.n_types, self.n_states
        zeros = np.zeros((T, T, n, n))
        return PoolState(0, mass, zeros, zeros.copy(), np.zeros(T), np.zeros(T))

    def type_mass(self, state: PoolState) -> np.ndarray:
        """Agents of each type, single or coupled."""
        return state.singles + state.couples.sum(axis=(1, 2, 3))

    def strategy_shares(self, state: PoolState) -> np.ndarray:
        return np.bincount(self.strategy_of, self.type_mass(state), minlength=self.model.n_strategies)

    # --- one tick -----------------------------------------------------------------------
    def step(self, state: PoolState) -> tuple[PoolState, TickFigures]:
        """Advance one tick; the input state is not changed."""
        model = self.model
        T = self.n_types
        singles = state.singles.copy()
        couples = state.couples.copy()
        age = state.age.copy()

        # 1. meet
        pool = singles.sum()
        new_pairs = np.zeros((T, T))
        if pool > 0 and model.meet > 0:
            looking = model.meet * singles
            new_pairs = np.outer(looking, singles / pool)
            rows, cols = np.arange(T)[:, None], np.arange(T)[None, :]
            couples[rows, cols, self.init[:, None], self.init[None, :]] += new_pairs
            singles = singles - looking
        mass_at_play = singles + couples.sum(axis=(1, 2, 3))

        # 2. play
        played = couples[..., None] * self.p_outcome  # (T, T, n, n, 4)
        aged = (age + couples)[..., None] * self.p_outcome
        in_couples = couples.sum()
        round_pay = (played * self.payoff).sum(axis=(1, 2, 3, 4))
        pay = round_pay + singles * self.v
        new_mass = new_pairs.sum()
        new_pay = float("nan")
        if new_mass > 0:
            rows, cols = np.arange(T)[:, None], np.arange(T)[None, :]
            first = self.p_outcome[rows, cols, self.init[:, None], self.init[None, :]]  # (T, T, 4)
            first_pay = self.payoff[rows, cols, self.init[:, None], self.init[None, :]]
            new_pay = float((new_pairs[..., None] * first * first_pay).sum() / new_mass)
        outcome = played.sum(axis=(0, 1, 2, 3))
        if in_couples > 0:
            cc, cd, dd = (
                outcome[0] / in_couples,
                (outcome[1] + outcome[2]) / in_couples,
                outcome[3] / in_couples,
            )
        else:
            cc = cd = dd = float("nan")

        # 3. exogenous breakup
        broken = np.zeros(T)
        if model.breakup > 0:
            broken = model.breakup * played.sum(axis=(1, 2, 3, 4))
            played = played * (1 - model.breakup)
            aged = aged * (1 - model.breakup)
            singles = singles + broken

        # 4. strategy change
        change = model.change
        dissolve = False
        if isinstance(change, DeathBirth):
            d = 1.0 / change.expected_life
            widowed = d * (1 - d) * played.sum(axis=(1, 2, 3, 4))
            alive_mass = singles + played.sum(axis=(1, 2, 3, 4))
            played = played * (1 - d) ** 2
            aged = aged * (1 - d) ** 2
            births = self._offspring(pay, mass_at_play, change.mutation, change.mutation_matrix)
            deaths_by_class = np.bincount(self.class_of, d * alive_mass, minlength=model.n_classes)
            singles = singles * (1 - d) + widowed + births[self.strategy_of] * deaths_by_class[self.class_of]
        elif isinstance(change, Revision) and change.prob_revision > 0:
            revising = change.prob_revision * broken
            singles = singles - revising
            imitation = self._offspring(pay, mass_at_play, 0.0, None)
            singles += self._redistribute(revising * (1 - change.prob_experimentation), imitation)
            if change.prob_experimentation > 0:
                moves = self._matrix(change.neighbours)
                by_strategy = np.zeros((model.n_strategies, model.n_classes))
                np.add.at(
                    by_strategy, (self.strategy_of, self.class_of), revising * change.prob_experimentation
                )
                moved = moves.T @ by_strategy  # (S, K)
                singles += moved[self.strategy_of, self.class_of]
        elif isinstance(change, Generations):
            dissolve = (state.tick + 1) % change.every == 0

        # 5. leave (and pay), or move on
        leaves_a = played * self.leave_a
        cost = (leaves_a.sum(axis=(1, 2, 3)) * self.k[:, None]).sum(axis=1)
        pay = pay - cost
        staying = played * self.stay
        leaving_mass = played.sum(axis=(1, 2, 3, 4)) - staying.sum(axis=(1, 2, 3, 4))
        singles = singles + leaving_mass
        couples = self._move(staying)
        age = self._move(aged * self.stay)

        generation_payoff = state.generation_payoff + pay
        generation_mass = state.generation_mass + mass_at_play
        if dissolve:
            assert isinstance(change, Generations)
            singles, generation_payoff, generation_mass = self._replicate(
                change, singles + couples.sum(axis=(1, 2, 3)), generation_payoff, generation_mass
            )
            couples = np.zeros_like(couples)
            age = np.zeros_like(age)

        total = singles.sum() + couples.sum()
        left = couples.sum()
        new_state = PoolState(state.tick + 1, singles, couples, age, generation_payoff, generation_mass)
        S = model.n_strategies
        strategy_mass = np.bincount(self.strategy_of, mass_at_play, minlength=S)
        strategy_pay = np.bincount(self.strategy_of, pay, minlength=S)
        with np.errstate(invalid="ignore", divide="ignore"):
            payoff = np.where(strategy_mass > 0, strategy_pay / strategy_mass, np.nan)
        figures = TickFigures(
            tick=state.tick,
            shares=self.strategy_shares(new_state) / total,
            share_coupled=float(left / total),
            cc=float(cc),
            cd=float(cd),
            dd=float(dd),
            separated=float((in_couples - left) / total),
            mean_age=float(age.sum() / left) if left > 0 else float("nan"),
            payoff=payoff,
            new_couples=float(new_mass / total),
            new_couple_payoff=new_pay,
            new_pairs=new_pairs,
        )
        return new_state, figures

    def _move(self, staying: np.ndarray) -> np.ndarray:
        """Masses after the remaining couples take their tables' transitions."""
        half = np.einsum("ABabo,Aaoc->ABbco", staying, self.trans, optimize=True)
        return np.einsum("ABbco,Bbod->ABcd", half, self.trans_swapped, optimize=True)

    def _matrix(self, matrix: tuple[tuple[float, ...], ...] | None) -> np.ndarray:
        S = self.model.n_strategies
        return np.full((S, S), 1.0 / S) if matrix is None else np.asarray(matrix, dtype=float)

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

    def _redistribute(self, mass: np.ndarray, distribution: np.ndarray) -> np.ndarray:
        """``mass`` (per type) re-drawn over strategies by ``distribution``, class kept."""
        by_class = np.bincount(self.class_of, mass, minlength=self.model.n_classes)
        return distribution[self.strategy_of] * by_class[self.class_of]

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
            current, figures = self.step(current)
            if (number + 1) % record_every == 0 or number == ticks - 1:
                records.append(figures)
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
        _, figures = self.step(state)
        pairs = figures.new_pairs
        if pairs.sum() <= 0:
            raise ParameterError("start_tick", start_tick, "no relationship begins at that tick")
        T, n = self.n_types, self.n_states
        cohort = np.zeros((T, T, n, n))
        rows, cols = np.arange(T)[:, None], np.arange(T)[None, :]
        cohort[rows, cols, self.init[:, None], self.init[None, :]] = pairs / pairs.sum()
        change = self.model.change
        death = 1.0 / change.expected_life if isinstance(change, DeathBirth) else 0.0
        curve = [1.0]
        for t in range(length):
            tick = start_tick + t
            if isinstance(change, Generations) and (tick + 1) % change.every == 0:
                curve.extend([0.0] * (length - t))
                break
            played = cohort[..., None] * self.p_outcome
            played *= (1 - self.model.breakup) * (1 - death) ** 2
            cohort = self._move(played * self.stay)
            curve.append(float(cohort.sum()))
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
