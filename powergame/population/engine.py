"""The population engine: N agents on a graph, a relationship market, a strategy-change rule.

One tick (docs/populations.md): (1) singles meet; (2) every couple plays one round of the
exit game, singles earn their outside option; (3) exogenous breakup; (4) strategy change;
(5) leave decisions of the remaining couples, leavers pay their exit cost.

The engine knows no strategy names and no spec file: it takes the strategies as stacked
state tables (``TableStrategies``, vectorised over agents) or as player factories
(``PlayerStrategies``, a Python loop over couples), a graph, the initial strategy index
of each agent, the outside options and a seed. Every tick draws from its own random
stream, derived from (seed, tick), so a run resumed from a checkpoint equals an
uninterrupted one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from powergame import kernel
from powergame.errors import ParameterError
from powergame.population.graph import Adjacency
from powergame.population.matching import meet
from powergame.population.tables import SWAP, StackedTables

HOW = ("leave", "breakup", "death", "change", "declined")
LEAVE, BREAKUP, DEATH, CHANGE, DECLINED = range(5)
ENDED_BY = ("", "a", "b", "both")  # how ended_by codes 0..3 read; 0: nobody left
RULES = ("none", "death-birth", "revision", "imitation", "generations")
_TICK_STREAM = 1  # SeedSequence spawn key of the tick streams (0 is for the set-up)
RELATIONSHIP_FIELDS = (
    "relationship",
    "node_a",
    "node_b",
    "strategy_a",
    "strategy_b",
    "outside_a",
    "outside_b",
    "start",
    "end",
    "how",
    "ended_by",
    "length",
    "payoff_a",
    "payoff_b",
)


@dataclass(frozen=True)
class Market:
    """The game every couple plays and how couples form and break: the stage matrix
    (R, S, T, P), the exit cost, execution noise, P(a single seeks) and P(breakup)."""

    payoffs: tuple[float, float, float, float] = (3.0, 0.0, 5.0, 1.0)
    exit_cost: float = 0.0
    noise: float = 0.0
    meet: float = 1.0
    breakup: float = 0.0

    def __post_init__(self) -> None:
        for name in ("noise", "meet", "breakup"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ParameterError(name, p, "must be a probability in [0, 1]")
        if not self.exit_cost >= 0.0:
            raise ParameterError("exit_cost", self.exit_cost, "must be >= 0")


@dataclass(frozen=True)
class ChangeRule:
    """How strategies change (docs/populations.md, "Strategy change")."""

    rule: str = "none"
    expected_life: float = 100.0
    pool: str = "population"
    prob_revision: float = 1.0
    prob_experimentation: float = 0.0
    beta: float = 1.0
    generation: int = 100
    mutation: float = 0.0
    mutation_kind: str = "uniform"

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ParameterError("rule", self.rule, f"must be one of {', '.join(RULES)}")
        if not self.expected_life >= 1.0:
            raise ParameterError("expected_life", self.expected_life, "must be >= 1")
        for name in ("prob_revision", "prob_experimentation", "mutation"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ParameterError(name, p, "must be a probability in [0, 1]")
        if self.pool not in ("population", "neighbours"):
            raise ParameterError("pool", self.pool, "must be population or neighbours")
        if self.mutation_kind not in ("uniform", "one_gene"):
            raise ParameterError("mutation_kind", self.mutation_kind, "must be uniform or one_gene")
        if self.generation < 1:
            raise ParameterError("generation", self.generation, "must be a whole number >= 1")


class Strategies(Protocol):
    """What the engine asks of the strategies; ``TableStrategies`` and
    ``PlayerStrategies`` implement it."""

    n_strategies: int

    def begin(self, pop: Population, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """New couples (a[i], b[i]) start; True where one partner declines to enter."""
        ...

    def act(
        self, pop: Population, a: np.ndarray, b: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Intended actions (True = D) of both partners and their stake offers (None: all 1)."""
        ...

    def observe(
        self,
        pop: Population,
        a: np.ndarray,
        b: np.ndarray,
        d_a: np.ndarray,
        d_b: np.ndarray,
        x_a: np.ndarray | None,
        x_b: np.ndarray | None,
    ) -> None:
        """The played actions (after noise) and the stakes offered this round."""
        ...

    def leave(
        self, pop: Population, a: np.ndarray, b: np.ndarray, outcome: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Leave decisions after this round's outcome (seen by a); those who stay move on."""
        ...

    def forget(self, a: np.ndarray, b: np.ndarray) -> None:
        """The relationships of the couples (a[i], b[i]) are over."""
        ...


class TableStrategies:
    """Strategies with state tables, run as arrays: no Python loop over agents.

    Table k of ``tables`` is strategy k's, unless ``variants`` is given: then a strategy
    that reads the outside options has one table per pair of them, and
    ``variants[s, i, j]`` is the table strategy s plays with its own v = ``values[i]``
    against a partner with v = ``values[j]`` (``values`` sorted, holding every agent's v)."""

    def __init__(
        self,
        tables: StackedTables,
        n_agents: int,
        variants: np.ndarray | None = None,
        values: np.ndarray | None = None,
    ) -> None:
        self.tables = tables
        self.variants = variants
        self.values = values
        self.n_strategies = int(tables.initial.size if variants is None else variants.shape[0])
        self.state = np.zeros(n_agents, dtype=np.int64)
        self.table_of = np.zeros(n_agents, dtype=np.int64)  # the table each agent plays now

    def begin(self, pop: Population, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.variants is None or self.values is None:
            ta, tb = pop.strategy[a], pop.strategy[b]
        else:
            va = np.searchsorted(self.values, pop.outside[a])
            vb = np.searchsorted(self.values, pop.outside[b])
            ta = self.variants[pop.strategy[a], va, vb]
            tb = self.variants[pop.strategy[b], vb, va]
        self.table_of[a], self.table_of[b] = ta, tb
        self.state[a] = self.tables.initial[ta]
        self.state[b] = self.tables.initial[tb]
        return np.zeros(a.size, dtype=bool)

    def act(
        self, pop: Population, a: np.ndarray, b: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        t = self.tables
        sa, sb = self.state[a], self.state[b]
        if t.deterministic_actions:
            d_a, d_b = t.defects[sa], t.defects[sb]
        else:
            d_a = rng.random(a.size) >= t.cooperate[sa]
            d_b = rng.random(b.size) >= t.cooperate[sb]
        if t.full_stakes:
            return d_a, d_b, None, None
        return d_a, d_b, t.stake[sa], t.stake[sb]

    def observe(self, *args: Any) -> None:
        return None

    def leave(
        self, pop: Population, a: np.ndarray, b: np.ndarray, outcome: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        t = self.tables
        ob = SWAP[outcome]
        ia, ib = 4 * self.state[a] + outcome, 4 * self.state[b] + ob
        if t.deterministic_leave and t.cumulative is None:
            # one gather gives both: the next state, or -1 for leave
            na, nb = t.next_or_leave[ia], t.next_or_leave[ib]
            la, lb = na < 0, nb < 0
            stay = ~(la | lb)
            self.state[a[stay]] = na[stay]
            self.state[b[stay]] = nb[stay]
            return la, lb
        if t.deterministic_leave:
            la, lb = t.leaves[ia], t.leaves[ib]
        else:
            la = rng.random(a.size) < t.leave[ia]
            lb = rng.random(b.size) < t.leave[ib]
        stay = ~(la | lb)
        a, b, outcome, ob = a[stay], b[stay], outcome[stay], ob[stay]
        self.state[a] = t.next_states(self.state[a], outcome, self.table_of[a], rng)
        self.state[b] = t.next_states(self.state[b], ob, self.table_of[b], rng)
        return la, lb

    def forget(self, a: np.ndarray, b: np.ndarray) -> None:
        return None


@dataclass
class TickFigures:
    """What a recorded tick reports (see docs/populations.md, Results)."""

    tick: int
    coupled: float
    cc: float
    cd: float
    dd: float
    separated: float
    mean_age: float
    mean_payoff: float
    new_couple_payoff: float
    counts: np.ndarray  # agents per strategy (strategies as played this tick)
    payoff_sums: np.ndarray  # their payoffs summed


class Population:
    """The state of a population run; ``step()`` plays one tick. Pickles (a checkpoint)."""

    def __init__(
        self,
        strategies: Strategies,
        graph: Adjacency,
        initial: np.ndarray,
        outside: np.ndarray,
        market: Market,
        change: ChangeRule,
        seed: int,
        *,
        outside_by_strategy: np.ndarray | None = None,
        gene_neighbours: np.ndarray | None = None,
        record_relationships: bool = True,
    ) -> None:
        n = graph.n
        if n < 2:
            raise ParameterError("size", n, "must be a whole number >= 2")
        initial = np.asarray(initial, dtype=np.int64)
        k = strategies.n_strategies
        if initial.shape != (n,) or initial.min() < 0 or initial.max() >= k:
            raise ParameterError(
                "initial", initial.shape, f"must give each of the {n} agents a strategy 0..{k - 1}"
            )
        outside = np.asarray(outside, dtype=float)
        if outside.shape != (n,) or not np.all(np.isfinite(outside)):
            raise ParameterError("outside", outside.shape, f"must be {n} finite numbers")
        uses_genes = change.mutation_kind == "one_gene" or (
            change.rule == "revision" and change.prob_experimentation > 0
        )
        if (
            change.rule != "none"
            and uses_genes
            and (gene_neighbours is None or gene_neighbours.shape[0] != k)
        ):
            raise ParameterError(
                "gene_neighbours", None, f"one-gene changes need a ({k}, m) array of neighbours"
            )
        self.strategies = strategies
        self.graph = graph
        self.market = market
        self.change = change
        self.seed = seed
        self.n = n
        self.tick = 0
        self.strategy = initial.copy()
        self.outside = outside.copy()
        self.outside_by_strategy = outside_by_strategy
        if outside_by_strategy is not None:
            self.outside = np.asarray(outside_by_strategy, dtype=float)[self.strategy]
        self.gene_neighbours = gene_neighbours
        self.record_relationships = record_relationships
        self.partner = np.full(n, -1, dtype=np.int64)
        # a relationship's figures live at its lower node a (entries at b are stale)
        self.rel_id = np.full(n, -1, dtype=np.int64)
        self.rel_start = np.zeros(n, dtype=np.int64)
        self.rel_pay_a = np.zeros(n)
        self.rel_pay_b = np.zeros(n)
        self.payoff = np.zeros(n)
        self.generation_payoff = np.zeros(k)
        self.next_relationship = 0
        self.ended: list[dict[str, np.ndarray]] = []
        self._index = np.arange(n)
        self._separated = 0
        self._payoffs = np.asarray(market.payoffs, dtype=float)
        self._payoffs_seen_by_b = self._payoffs[SWAP]
        # no payoff of a tick exceeds this: a round pays a stake-weighted mix of a stage
        # payoff and the outside option, a single its outside option
        options = (
            self.outside if outside_by_strategy is None else np.asarray(outside_by_strategy, dtype=float)
        )
        self.weight_bound = max(0.0, float(self._payoffs.max()), float(options.max()))
        key = np.random.SeedSequence(seed, spawn_key=(_TICK_STREAM,)).generate_state(4, np.uint64)
        self._key = [int(x) for x in key]
        self._bitgen = np.random.PCG64(0)
        self._rng = np.random.Generator(self._bitgen)

    # --- one tick --------------------------------------------------------------------
    def rng_for(self, tick: int) -> np.random.Generator:
        """The random stream of one tick, a function of (seed, tick) only: a PCG64 whose
        state is the SplitMix64 hash of the run's key and the tick."""
        k0, k1, k2, k3 = self._key
        high, low = _splitmix64(k0 ^ tick), _splitmix64(k1 ^ (tick * _GOLDEN & _MASK64))
        self._bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": (high << 64) | low, "inc": ((k2 << 64) | k3) | 1},
            "has_uint32": 0,
            "uinteger": 0,
        }
        return self._rng

    def step(self, record: bool = False) -> TickFigures | None:
        """Play one tick; with ``record`` return its figures."""
        from powergame.population import change as change_rules

        t = self.tick + 1
        rng = self.rng_for(t)
        self._separated = 0
        # (1) meet
        new_a, new_b = meet(self.graph, self.partner, self.market.meet, rng)
        if new_a.size:
            self._begin(new_a, new_b, t)
        # (2) play
        a = np.flatnonzero(self.partner > self._index)
        b = self.partner[a]
        payoff = self.outside.copy()
        outcome = self._play(a, b, payoff, rng)
        self.payoff = payoff
        played = self.strategy.copy() if record else self.strategy
        if self.change.rule == "generations":  # a generation's payoffs, for its replicator step
            k = self.strategies.n_strategies
            self.generation_payoff += np.bincount(self.strategy, weights=np.maximum(payoff, 0.0), minlength=k)
        # (3) exogenous breakup
        broken = _EMPTY
        if self.market.breakup > 0.0 and a.size:
            hit = rng.choice(a.size, rng.binomial(a.size, self.market.breakup), replace=False)
            hit.sort()
            self._end(a[hit], b[hit], BREAKUP, np.zeros(hit.size, dtype=np.int8), t)
            broken = np.concatenate((a[hit], b[hit]))
        # (4) strategy change
        change_rules.apply(self, t, rng, broken)
        # (5) leave
        if a.size:
            still = np.flatnonzero(self.partner[a] == b)
            ra, rb, ro = a[still], b[still], outcome[still]
            la, lb = self.strategies.leave(self, ra, rb, ro, rng)
            quit_ = la | lb
            if quit_.any():
                cost = self.market.exit_cost
                if cost:
                    payoff[ra[la]] -= cost
                    payoff[rb[lb]] -= cost
                    self.rel_pay_a[ra[la]] -= cost
                    self.rel_pay_b[ra[lb]] -= cost
                by = (la.astype(np.int8) + 2 * lb.astype(np.int8))[quit_]
                self._end(ra[quit_], rb[quit_], LEAVE, by, t)
        self.tick = t
        if not record:
            return None
        return self._figures(t, outcome, payoff, played, a, b)

    def _play(self, a: np.ndarray, b: np.ndarray, payoff: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One round for every couple; fills ``payoff``; returns each couple's outcome seen by a."""
        if a.size == 0:
            return np.zeros(0, dtype=np.uint8)
        d_a, d_b, x_a, x_b = self.strategies.act(self, a, b, rng)
        noise = self.market.noise
        if noise:  # each of the 2C actions flips with probability noise: a binomial count, placed at random
            both = np.concatenate((d_a, d_b))
            flips = rng.choice(both.size, rng.binomial(both.size, noise), replace=False)
            both[flips] = ~both[flips]
            d_a, d_b = both[: a.size], both[a.size :]
        self.strategies.observe(self, a, b, d_a, d_b, x_a, x_b)
        outcome = kernel.outcome_index(d_a.view(np.uint8), d_b.view(np.uint8))  # CC, CD, DC, DD = 0..3
        pay_a = self._payoffs[outcome]
        pay_b = self._payoffs_seen_by_b[outcome]
        if x_a is not None and x_b is not None:
            s = np.minimum(x_a, x_b)
            pay_a = kernel.round_payoff(s, pay_a, self.outside[a])
            pay_b = kernel.round_payoff(s, pay_b, self.outside[b])
        payoff[a] = pay_a
        payoff[b] = pay_b
        self.rel_pay_a[a] += pay_a
        self.rel_pay_b[a] += pay_b
        return outcome

    def _begin(self, a: np.ndarray, b: np.ndarray, t: int) -> None:
        self.partner[a] = b
        self.partner[b] = a
        ids = self.next_relationship + np.arange(a.size)
        self.next_relationship += a.size
        self.rel_id[a] = ids
        self.rel_start[a] = t
        self.rel_pay_a[a] = 0.0
        self.rel_pay_b[a] = 0.0
        declined = self.strategies.begin(self, a, b)
        if declined.any():
            self._end(a[declined], b[declined], DECLINED, np.zeros(int(declined.sum()), dtype=np.int8), t)

    def _end(self, a: np.ndarray, b: np.ndarray, how: int, by: np.ndarray, t: int) -> None:
        """End the couples (a[i], b[i]), a < b: record them and make both single."""
        if a.size == 0:
            return
        if self.record_relationships:
            self.ended.append(self._rows(a, b, t, how, by))
        self.partner[a] = -1
        self.partner[b] = -1
        self._separated += 2 * a.size
        self.strategies.forget(a, b)

    def _rows(
        self, a: np.ndarray, b: np.ndarray, t: int | None, how: int, by: np.ndarray
    ) -> dict[str, np.ndarray]:
        # a and b are never views of the engine's arrays, and fancy indexing copies
        m = a.size
        now = self.tick if t is None else t
        return {
            "relationship": self.rel_id[a],
            "node_a": a,
            "node_b": b,
            "strategy_a": self.strategy[a],
            "strategy_b": self.strategy[b],
            "outside_a": self.outside[a],
            "outside_b": self.outside[b],
            "start": self.rel_start[a],
            "end": np.full(m, -1 if t is None else t, dtype=np.int64),
            "how": np.full(m, how, dtype=np.int8),
            "ended_by": np.asarray(by, dtype=np.int8),
            # a couple plays every tick from the one it formed in: no round counter is kept
            "length": np.zeros(m, dtype=np.int64) if how == DECLINED else now - self.rel_start[a] + 1,
            "payoff_a": self.rel_pay_a[a],
            "payoff_b": self.rel_pay_b[a],
        }

    def end_couples_of(self, agents: np.ndarray, how: int, t: int) -> None:
        """End the relationships of those of ``agents`` who are in a couple; ended_by
        says which partner(s) it was about."""
        coupled = agents[self.partner[agents] >= 0]
        if coupled.size == 0:
            return
        other = self.partner[coupled]
        a_side = coupled < other
        # each couple once, keyed by its a; ended_by adds 1 if a is among ``agents``, 2 if b is
        keys = np.concatenate((coupled[a_side], other[~a_side]))
        codes = np.concatenate(
            (np.ones(int(a_side.sum()), np.int8), np.full(int((~a_side).sum()), 2, np.int8))
        )
        order = np.argsort(keys, kind="stable")
        keys, codes = keys[order], codes[order]
        first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        a = keys[first]
        b = self.partner[a]
        by = np.add.reduceat(codes, first).astype(np.int8)
        self._end(a, b, how, by, t)

    def set_strategies(self, agents: np.ndarray, new: np.ndarray) -> None:
        """Give single ``agents`` new strategies (and their outside options if by strategy)."""
        self.strategy[agents] = new
        if self.outside_by_strategy is not None:
            self.outside[agents] = self.outside_by_strategy[new]

    # --- reading ---------------------------------------------------------------------
    def _figures(
        self,
        t: int,
        outcome: np.ndarray,
        payoff: np.ndarray,
        played: np.ndarray,
        a: np.ndarray,
        b: np.ndarray,
    ) -> TickFigures:
        coupled = self.partner >= 0
        n_couples = max(outcome.size, 1)
        counts = np.bincount(outcome, minlength=4) if outcome.size else np.zeros(4, dtype=np.int64)
        ages = t - self.rel_start[self.partner > self._index] + 1
        new = self.rel_start[a] == t  # couples that formed this tick and played (a couple that
        # declined never reached the round, so it is not among a)
        fresh = np.concatenate((a[new], b[new]))
        k = self.strategies.n_strategies
        return TickFigures(
            tick=t,
            coupled=float(coupled.mean()),
            cc=counts[0] / n_couples,
            cd=(counts[1] + counts[2]) / n_couples,
            dd=counts[3] / n_couples,
            separated=self._separated / self.n,
            mean_age=float(ages.mean()) if ages.size else math.nan,
            mean_payoff=float(payoff.mean()),
            new_couple_payoff=float(payoff[fresh].mean()) if fresh.size else math.nan,
            counts=np.bincount(played, minlength=k),
            payoff_sums=np.bincount(played, weights=payoff, minlength=k),
        )

    def take_relationships(self) -> dict[str, np.ndarray]:
        """The relationships that ended since the last call (columns of RELATIONSHIP_FIELDS)."""
        rows, self.ended = self.ended, []
        return _concat(rows)

    def open_relationships(self) -> dict[str, np.ndarray]:
        """The relationships still on (censored), with ``end`` -1."""
        a = np.flatnonzero(self.partner > self._index)
        return self._rows(a, self.partner[a], None, -1, np.zeros(a.size, dtype=np.int8))


_EMPTY = np.zeros(0, dtype=np.int64)
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _splitmix64(x: int) -> int:
    """SplitMix64's output function of x + golden ratio: a well-mixed 64-bit hash."""
    z = (x + _GOLDEN) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _concat(rows: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not rows:
        dtypes = {"how": np.int8, "ended_by": np.int8, "outside_a": float, "outside_b": float}
        dtypes.update(payoff_a=float, payoff_b=float)
        return {f: np.zeros(0, dtype=dtypes.get(f, np.int64)) for f in RELATIONSHIP_FIELDS}
    return {f: np.concatenate([r[f] for r in rows]) for f in RELATIONSHIP_FIELDS}
