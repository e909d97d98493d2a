"""Exact expectations for many pairs of state tables at once: ``exact_many``.

The same chain and the same figures as ``powergame.exact.exact_match``, computed with
stacked numpy arrays instead of one pair per call, so that a whole round robin of tabled
strategies is solved in a few numpy passes.

Two reductions make it fast:

- **Lumping.** When a table's next state depends only on the round's outcome, not on the
  state it was in (every memory-one table), the joint state at the start of round t >= 2
  is distributed as a function of round t-1's outcome alone. The chain then has at most
  five states: "first round" and "after outcome CC, CD, DC, DD" (A's view), whatever the
  tables' sizes. Each per-round figure is the expectation over that distribution.
- **Single paths.** When every state has at most one successor (deterministic tables, no
  noise; leave probabilities may be anything) the distribution over states is a point mass
  times the chance of still being together, so a round costs a gather instead of a
  vector-matrix product.

Other pairs use the full joint chain, stacked by its number of states.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import power
from powergame.exact import (
    MAX_SURVIVAL_LENGTH,
    SURVIVAL_FLOOR,
    ExactResult,
    _per_round_weights,
    _series_length,
)
from powergame.game import Game
from powergame.state_table import StateTable

_SWAP = np.array([0, 2, 1, 3])  # outcome seen by A -> the same outcome seen by B
MAX_CELLS = 1 << 23  # pairs x rounds of survival curve held at once (64 MB of floats)
FIGURES = (
    "rounds_together",
    "p_left_a",
    "p_left_b",
    "p_left_both",
    "total_a",
    "total_b",
    "score_a",
    "score_b",
    "cooperation_a",
    "cooperation_b",
    "mutual_cooperation",
    "mean_stake",
    "realized_dependence_a",
    "realized_dependence_b",
)


@dataclass(frozen=True)
class ExactBatch:
    """Expected outcomes of many pairs, column by column (entry i is pair i).

    Every array in ``figures`` has one entry per pair, with the meaning of the
    ``ExactResult`` field of the same name; ``survival[i, :survival_length[i]]`` is pair
    i's curve P(T > t), t = 0, 1, ... (zero beyond its length)."""

    game: Game
    player_a: tuple[str, ...]
    player_b: tuple[str, ...]
    figures: dict[str, np.ndarray]
    survival: np.ndarray  # (pairs, longest curve)
    survival_length: np.ndarray  # (pairs,)

    def __len__(self) -> int:
        return len(self.player_a)

    def __getattr__(self, name: str) -> np.ndarray:
        figures = self.__dict__.get("figures", {})
        if name in figures:
            return figures[name]
        if name == "p_censored":
            return 1.0 - figures["p_left_a"] - figures["p_left_b"] - figures["p_left_both"]
        raise AttributeError(name)

    def survival_curve(self, index: int) -> np.ndarray:
        """Pair ``index``'s survival curve P(T > t), t = 0, 1, ..."""
        return self.survival[index, : self.survival_length[index]]

    def result(self, index: int) -> ExactResult:
        """Pair ``index`` as an ``ExactResult`` (what ``exact_match`` returns for it)."""
        values = {name: float(self.figures[name][index]) for name in FIGURES}
        values["p_censored"] = 1.0 - values["p_left_a"] - values["p_left_b"] - values["p_left_both"]
        return ExactResult(
            player_a=self.player_a[index],
            player_b=self.player_b[index],
            game=self.game,
            expected_horizon=self.game.expected_horizon,
            survival=tuple(self.survival_curve(index).tolist()),
            **values,
        )

    def results(self) -> list[ExactResult]:
        return [self.result(i) for i in range(len(self))]

    def rows(self) -> Iterator[dict[str, Any]]:
        """The ``ExactResult.summary()`` dict of every pair, in order."""
        game = self.game
        constant = {
            "seed": None,
            "horizon": game.expected_horizon,
            "left_by": None,
            "exit_round": None,
            "structural_dependence_a": power.structural_dependence(game, 0),
            "structural_dependence_b": power.structural_dependence(game, 1),
            "power_index": power.power_index(game),
            "least_interest": power.least_interest_partner(game),
            "power_shifts": None,
            "power_share_a": None,
            "power_share_b": None,
        }
        columns = {name: self.figures[name].tolist() for name in FIGURES}
        censored = self.p_censored.tolist()
        for i in range(len(self)):
            row: dict[str, Any] = {"player_a": self.player_a[i], "player_b": self.player_b[i]}
            row.update(constant)
            row.update({name: values[i] for name, values in columns.items()})
            row["censored"] = censored[i]
            yield row


def exact_many(
    game: Game,
    pairs: Sequence[tuple[StateTable, StateTable]],
    names: Sequence[tuple[str, str]] | None = None,
) -> ExactBatch:
    """``exact_match(game, a, b)`` for every (a, b) in ``pairs`` (a plays role A), as one
    ``ExactBatch``; ``names`` gives the players' names (default "A", "B")."""
    count = len(pairs)
    if names is None:
        names = [("A", "B")] * count
    tables = _TableIndex()
    index_a = tables.add_all([a for a, _ in pairs])
    index_b = tables.add_all([b for _, b in pairs])
    arrays = tables.arrays()
    size_a, size_b = arrays.size[index_a], arrays.size[index_b]
    lumpable = arrays.lumpable[index_a] & arrays.lumpable[index_b]
    simple = lumpable & arrays.full_stake[index_a] & arrays.full_stake[index_b]

    # Groups of pairs whose chains stack: (kind, n_A, n_B); lumped chains of tables that
    # always stake everything are built from per-table parts, whatever the tables' sizes.
    groups: list[tuple[str, np.ndarray, int, int]] = []
    if simple.any():
        groups.append(("simple", np.nonzero(simple)[0], 0, 0))
    for kind, chosen in (("lumped", lumpable & ~simple), ("joint", ~lumpable)):
        for n_a, n_b in sorted(set(zip(size_a[chosen].tolist(), size_b[chosen].tolist()))):
            groups.append((kind, np.nonzero(chosen & (size_a == n_a) & (size_b == n_b))[0], n_a, n_b))

    figures = {name: np.empty(count) for name in FIGURES}
    curves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (pair ids, curves, lengths)
    step = max(1, MAX_CELLS // max(1, _curve_length(game)))
    parts = arrays.lumped_parts(game.noise) if simple.any() else None
    for kind, members, n_a, n_b in groups:
        for start in range(0, len(members), step):
            ids = members[start : start + step]
            if kind == "simple":
                assert parts is not None
                chain = _simple_lumped_chain(game, parts, index_a[ids], index_b[ids])
            else:
                side_a = arrays.side(index_a[ids], n_a)
                side_b = arrays.side(index_b[ids], n_b, as_partner=True)
                chain = (
                    _lumped_chain(game, side_a, side_b)
                    if kind == "lumped"
                    else _joint_chain(game, side_a, side_b)
                )
            solved, curve, lengths = _solve(game, chain)
            for name in FIGURES:
                figures[name][ids] = solved[name]
            curves.append((ids, curve, lengths))

    if len(curves) == 1 and len(curves[0][0]) == count:  # one group in pair order: no copy
        survival, survival_length = curves[0][1], curves[0][2]
    else:
        survival = np.zeros((count, max((c.shape[1] for _, c, _ in curves), default=0)))
        survival_length = np.zeros(count, dtype=np.intp)
        for ids, curve, lengths in curves:
            survival[ids, : curve.shape[1]] = curve
            survival_length[ids] = lengths
    return ExactBatch(
        game=game,
        player_a=tuple(a for a, _ in names),
        player_b=tuple(b for _, b in names),
        figures=figures,
        survival=survival,
        survival_length=survival_length,
    )


# --- the tables as arrays ------------------------------------------------------------------
@dataclass(frozen=True)
class _Side:
    """One side's tables for a group of pairs, stacked: (pairs, states, ...)."""

    cooperate: np.ndarray  # (N, n)
    stake: np.ndarray  # (N, n)
    leave: np.ndarray  # (N, n, 4), by A's view of the outcome
    transition: np.ndarray  # (N, n, 4, n), by A's view of the outcome
    initial: np.ndarray  # (N,)


@dataclass(frozen=True)
class _TableArrays:
    size: np.ndarray
    lumpable: np.ndarray
    full_stake: np.ndarray
    tables: list[StateTable]
    cache: dict[int, tuple[np.ndarray, ...]]

    def side(self, indices: np.ndarray, n: int, as_partner: bool = False) -> _Side:
        unique, inverse = np.unique(indices, return_inverse=True)
        parts = [self._arrays(int(u)) for u in unique]
        stacked = [np.stack([p[k] for p in parts])[inverse] for k in range(5)]
        cooperate, stake, leave, transition, initial = stacked
        if as_partner:  # index outcomes by A's view
            leave, transition = leave[:, :, _SWAP], transition[:, :, _SWAP, :]
        return _Side(cooperate, stake, leave, transition, initial.astype(np.intp))

    def lumped_parts(self, noise: float) -> tuple[np.ndarray, ...]:
        """Per lumpable table, (tables, 5, 4) arrays of ``_side_by_outcome`` in role A and in
        role B: (acts as A, leaves as A, acts as B, leaves as B); zeros for other tables."""
        found = [np.zeros((len(self.tables), 5, 4)) for _ in range(4)]
        for n in np.unique(self.size[self.lumpable]).tolist():
            members = np.nonzero(self.lumpable & (self.size == n))[0]
            for partner, (acts, leaves) in ((False, found[:2]), (True, found[2:])):
                own_acts, own_leaves, _ = _side_by_outcome(self.side(members, n, partner), noise, partner)
                acts[members], leaves[members] = own_acts, own_leaves
        return tuple(found)

    def _arrays(self, index: int) -> tuple[np.ndarray, ...]:
        if index not in self.cache:
            table = self.tables[index]
            self.cache[index] = (
                np.array(table.cooperate),
                np.array(table.stake),
                np.array(table.leave),
                np.array(table.transition),
                np.array(table.initial_state),
            )
        return self.cache[index]


class _TableIndex:
    """Distinct tables (by identity) of a call, numbered in order of appearance."""

    def __init__(self) -> None:
        self.by_id: dict[int, int] = {}
        self.tables: list[StateTable] = []

    def add_all(self, tables: list[StateTable]) -> np.ndarray:
        keys = list(map(id, tables))
        for key, table in zip(keys, tables):
            if key not in self.by_id:
                self.by_id[key] = len(self.tables)
                self.tables.append(table)
        return np.array(list(map(self.by_id.__getitem__, keys)), dtype=np.intp)

    def arrays(self) -> _TableArrays:
        size = np.array([t.n_states for t in self.tables], dtype=np.intp)
        # Lumpable: the next-state distribution after each outcome is the same in every state.
        lumpable = np.array(
            [all(row == t.transition[0] for row in t.transition) for t in self.tables], dtype=bool
        )
        full_stake = np.array([all(x == 1.0 for x in t.stake) for t in self.tables], dtype=bool)
        return _TableArrays(size=size, lumpable=lumpable, full_stake=full_stake, tables=self.tables, cache={})


# --- the chain -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Chain:
    """Stacked chains of one group: Q (N, S, S), the start state (N,), per-state figures (N, S)."""

    Q: np.ndarray
    start: np.ndarray
    figures: dict[str, np.ndarray]


def _chain(game: Game, a: _Side, b: _Side, lumped: bool) -> _Chain:
    return _lumped_chain(game, a, b) if lumped else _joint_chain(game, a, b)


def _played_cooperation(side: _Side, noise: float) -> np.ndarray:
    p = side.cooperate
    return p * (1 - noise) + (1 - p) * noise if noise else p


def _joint_chain(game: Game, a: _Side, b: _Side) -> _Chain:
    """The chain over joint states j = state_A * n_B + state_B (``markov_chain`` stacked)."""
    pa, pb = _played_cooperation(a, game.noise), _played_cooperation(b, game.noise)  # (N, nA), (N, nB)
    pa4, pb4 = pa[:, :, None, None], pb[:, None, :, None]
    # P(outcome | joint state), (N, nA, nB, 4): CC, CD, DC, DD by A's view
    p_outcome = np.concatenate([pa4 * pb4, pa4 * (1 - pb4), (1 - pa4) * pb4, (1 - pa4) * (1 - pb4)], axis=-1)
    leave_a, leave_b = a.leave[:, :, None, :], b.leave[:, None, :, :]
    stay = p_outcome * (1 - leave_a) * (1 - leave_b)
    stake = np.minimum(a.stake[:, :, None], b.stake[:, None, :])
    v_a, v_b = game.outside_options
    stage_a, stage_b = _stages(game)
    joint = {
        "payoff_a": stake * (p_outcome @ stage_a) + (1 - stake) * v_a,
        "payoff_b": stake * (p_outcome @ stage_b) + (1 - stake) * v_b,
        "ends_by_a": (p_outcome * leave_a * (1 - leave_b)).sum(-1),
        "ends_by_b": (p_outcome * (1 - leave_a) * leave_b).sum(-1),
        "ends_by_both": (p_outcome * leave_a * leave_b).sum(-1),
        "cooperates_a": np.broadcast_to(pa[:, :, None], stake.shape),
        "cooperates_b": np.broadcast_to(pb[:, None, :], stake.shape),
        "mutual": pa[:, :, None] * pb[:, None, :],
        "stake": stake,
    }
    count, n_a, n_b = stake.shape
    Q = np.einsum("nabo,naoc,nbod->nabcd", stay, a.transition, b.transition).reshape(count, n_a * n_b, -1)
    figures = {key: np.ascontiguousarray(value).reshape(count, -1) for key, value in joint.items()}
    return _Chain(Q=Q, start=a.initial * n_b + b.initial, figures=figures)


def _stages(game: Game) -> tuple[np.ndarray, np.ndarray]:
    """Both stage matrices indexed by A's view of the outcome."""
    return np.array(game.payoff_table(0)), np.array(game.payoff_table(1))[_SWAP]


def _lumped_chain(game: Game, a: _Side, b: _Side) -> _Chain:
    """The five-state chain of two lumpable tables: 0 = first round, 1 + o = after outcome o.

    In a lumped state each side's table state has its own distribution (the two are
    independent), and for a fixed outcome every chance factorizes into an A part and a B
    part, so each figure is a product of two per-side expectations."""
    acts_a, leaves_a, dist_a = _side_by_outcome(a, game.noise, partner=False)
    acts_b, leaves_b, dist_b = _side_by_outcome(b, game.noise, partner=True)
    if (a.stake == 1.0).all() and (b.stake == 1.0).all():
        return _assemble_lumped(game, acts_a, leaves_a, acts_b, leaves_b)
    stage_a, stage_b = _stages(game)
    v_a, v_b = game.outside_options
    joint_stake = np.minimum(a.stake[:, :, None], b.stake[:, None, :])  # (N, nA, nB)
    pa, pb = _played_cooperation(a, game.noise), _played_cooperation(b, game.noise)
    act_a = np.stack([pa, pa, 1 - pa, 1 - pa], axis=-1)  # (N, nA, 4)
    act_b = np.stack([pb, 1 - pb, pb, 1 - pb], axis=-1)
    stake = np.einsum("nla,nab,nlb->nl", dist_a, joint_stake, dist_b)
    staked = np.einsum("nla,nao,nab,nbo,nlb->nlo", dist_a, act_a, joint_stake, act_b, dist_b)
    payoff_a = staked @ stage_a + (1 - stake) * v_a
    payoff_b = staked @ stage_b + (1 - stake) * v_b
    return _assemble_lumped(game, acts_a, leaves_a, acts_b, leaves_b, stake, payoff_a, payoff_b)


def _simple_lumped_chain(
    game: Game, parts: tuple[np.ndarray, ...], index_a: np.ndarray, index_b: np.ndarray
) -> _Chain:
    """The lumped chain of tables that always stake everything, from per-table parts."""
    acts_a, leaves_a, acts_b, leaves_b = parts
    return _assemble_lumped(game, acts_a[index_a], leaves_a[index_a], acts_b[index_b], leaves_b[index_b])


def _assemble_lumped(
    game: Game,
    acts_a: np.ndarray,
    leaves_a: np.ndarray,
    acts_b: np.ndarray,
    leaves_b: np.ndarray,
    stake: np.ndarray | None = None,
    payoff_a: np.ndarray | None = None,
    payoff_b: np.ndarray | None = None,
) -> _Chain:
    """The five-state chain from each side's (N, 5, 4) chances (see ``_side_by_outcome``);
    without ``stake`` every round stakes everything."""
    count = len(acts_a)
    stays_a, stays_b = acts_a - leaves_a, acts_b - leaves_b
    Q = np.zeros((count, 5, 5))
    Q[:, :, 1:] = stays_a * stays_b
    cooperates_a, cooperates_b = acts_a[:, :, 0], acts_b[:, :, 0]  # each side's part of CC is its C
    if stake is None or payoff_a is None or payoff_b is None:
        stage_a, stage_b = _stages(game)
        p_outcome = acts_a * acts_b
        stake = np.ones((count, 5))
        payoff_a, payoff_b = p_outcome @ stage_a, p_outcome @ stage_b
    figures = {
        "payoff_a": payoff_a,
        "payoff_b": payoff_b,
        "ends_by_a": (leaves_a * stays_b).sum(-1),
        "ends_by_b": (stays_a * leaves_b).sum(-1),
        "ends_by_both": (leaves_a * leaves_b).sum(-1),
        "cooperates_a": cooperates_a,
        "cooperates_b": cooperates_b,
        "mutual": cooperates_a * cooperates_b,
        "stake": stake,
    }
    return _Chain(Q=Q, start=np.zeros(count, dtype=np.intp), figures=figures)


def _side_by_outcome(side: _Side, noise: float, partner: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each lumped state and outcome o (A's view), (N, 5, 4): the chance that this side
    plays its part of o, and that it does and then leaves; plus the lumped states'
    distributions over the side's table states (N, 5, n)."""
    count, n = side.cooperate.shape
    dist = np.zeros((count, 5, n))
    dist[np.arange(count), 0, side.initial] = 1.0
    dist[:, 1:, :] = side.transition[:, 0, :, :]  # the same in every state: lumpable
    p = _played_cooperation(side, noise)
    own_c = (0, 2) if partner else (0, 1)  # outcomes in which this side played C
    act = np.stack([p if o in own_c else 1 - p for o in range(4)], axis=-1)  # (N, n, 4)
    return dist @ act, dist @ (act * side.leave), dist


# --- solving -------------------------------------------------------------------------------
def _curve_length(game: Game) -> int:
    if game.continuation is None:
        assert game.rounds is not None
        return min(game.rounds, MAX_SURVIVAL_LENGTH)
    return _series_length(game.continuation)


def _solve(game: Game, chain: _Chain) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The figures of every pair of a group, its survival curves and their lengths."""
    count, states, _ = chain.Q.shape
    length = _curve_length(game)
    w = game.continuation
    weights = None if w is None else _per_round_weights(w, length)
    single_path = bool((np.count_nonzero(chain.Q, axis=2) <= 1).all())
    walk = _walk_single_path if single_path else _walk_distribution
    visits, weighted, mass = walk(chain, length, weights)  # (N, S), (N, S) or None, (length, N)

    if w is None:
        assert game.rounds is not None
        if game.rounds > length:
            visits = _visits_fixed(chain, game.rounds)
        curve = mass.T
    else:
        visits = _visits_discounted(chain, w)
        curve = mass.T * w ** np.arange(length)
    lengths = _curve_lengths(curve, w is not None)

    fig = chain.figures
    v_a, v_b = game.outside_options
    k_a, k_b = game.exit_costs
    horizon = game.expected_horizon

    def expect(values: np.ndarray, over: np.ndarray | None = None) -> np.ndarray:
        return np.einsum("ns,ns->n", visits if over is None else over, values)

    together = expect(np.ones((count, states)))
    ends_a, ends_b, ends_both = (
        expect(fig["ends_by_a"]),
        expect(fig["ends_by_b"]),
        expect(fig["ends_by_both"]),
    )
    excess_a = fig["payoff_a"] - v_a - k_a * (fig["ends_by_a"] + fig["ends_by_both"])
    excess_b = fig["payoff_b"] - v_b - k_b * (fig["ends_by_b"] + fig["ends_by_both"])
    total_a = horizon * v_a + expect(excess_a)
    total_b = horizon * v_b + expect(excess_b)
    if w is None:
        score_a, score_b = total_a / horizon, total_b / horizon
    else:
        assert weighted is not None
        score_a = v_a + expect(excess_a, weighted)
        score_b = v_b + expect(excess_b, weighted)
    in_relationship_a = expect(fig["payoff_a"])
    in_relationship_b = expect(fig["payoff_b"])
    solved = {
        "rounds_together": together,
        "p_left_a": ends_a,
        "p_left_b": ends_b,
        "p_left_both": ends_both,
        "total_a": total_a,
        "total_b": total_b,
        "score_a": score_a,
        "score_b": score_b,
        "cooperation_a": expect(fig["cooperates_a"]) / together,
        "cooperation_b": expect(fig["cooperates_b"]) / together,
        "mutual_cooperation": expect(fig["mutual"]) / together,
        "mean_stake": expect(fig["stake"]) / together,
        "realized_dependence_a": in_relationship_a / together - v_a,
        "realized_dependence_b": in_relationship_b / together - v_b,
    }
    return solved, curve, lengths


def _curve_lengths(curve: np.ndarray, trim: bool) -> np.ndarray:
    """Full length for a fixed horizon; under continuation up to the last value above the floor."""
    count, length = curve.shape
    if not trim:
        return np.full(count, length, dtype=np.intp)
    above = curve >= SURVIVAL_FLOOR
    last = length - 1 - np.argmax(above[:, ::-1], axis=1)
    return np.where(above.any(axis=1), last + 1, 0).astype(np.intp)


def _walk_distribution(
    chain: _Chain, length: int, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """mu_t = v0 Q^(t-1) round by round: sum of mu_t, sum of weights_t mu_t and mu_t . 1."""
    count, states, _ = chain.Q.shape
    q_by_state = np.ascontiguousarray(chain.Q.transpose(1, 2, 0))  # (S, S, N)
    mu = np.zeros((states, count))
    mu[chain.start, np.arange(count)] = 1.0
    visits = np.zeros((states, count))
    weighted = None if weights is None else np.zeros((states, count))
    mass = np.empty((length, count))
    for t in range(length):
        mass[t] = mu.sum(axis=0)
        visits += mu
        if weighted is not None:
            assert weights is not None
            weighted += weights[t] * mu
        following = mu[0] * q_by_state[0]
        for j in range(1, states):
            following += mu[j] * q_by_state[j]
        mu = following
    return visits.T, None if weighted is None else weighted.T, mass


def _walk_single_path(
    chain: _Chain, length: int, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """The same as ``_walk_distribution`` when each state has at most one successor: the
    distribution is the chance to be together times a point mass on one state."""
    count, states, _ = chain.Q.shape
    offset = np.arange(count) * states
    successor = (np.argmax(chain.Q, axis=2) + offset[:, None]).ravel()
    chance = chain.Q.max(axis=2).ravel()
    mass = np.empty((length, count))
    visited = np.empty((length, count), dtype=np.intp)
    mass[0] = 1.0
    visited[0] = chain.start + offset
    chance_now = np.empty(count)
    for t in range(1, length):
        np.take(chance, visited[t - 1], out=chance_now)
        np.multiply(mass[t - 1], chance_now, out=mass[t])
        np.take(successor, visited[t - 1], out=visited[t])
    flat_states, flat_mass = visited.ravel(), mass.ravel()
    visits = np.bincount(flat_states, weights=flat_mass, minlength=count * states).reshape(count, states)
    weighted = None
    if weights is not None:
        by_round = (mass * weights[:, None]).ravel()
        weighted = np.bincount(flat_states, weights=by_round, minlength=count * states).reshape(count, states)
    return visits, weighted, mass


def _visits_fixed(chain: _Chain, rounds: int) -> np.ndarray:
    """v0 (I + Q + ... + Q^(rounds-1)) by binary doubling of (Q^k, sum_{t<k} Q^t)."""
    count, states, _ = chain.Q.shape
    identity = np.broadcast_to(np.eye(states), chain.Q.shape)
    power_k, sum_k = chain.Q.copy(), identity.copy()  # k = 1
    total_power, total_sum = identity.copy(), np.zeros_like(chain.Q)  # k = 0
    remaining = rounds
    while remaining:
        if remaining & 1:
            total_sum = total_sum + total_power @ sum_k
            total_power = total_power @ power_k
        remaining >>= 1
        if remaining:
            sum_k = sum_k + power_k @ sum_k
            power_k = power_k @ power_k
    return total_sum[np.arange(count), chain.start]


def _visits_discounted(chain: _Chain, w: float) -> np.ndarray:
    """v0 (I - wQ)^(-1) for every chain."""
    count, states, _ = chain.Q.shape
    start = np.zeros((count, states, 1))
    start[np.arange(count), chain.start, 0] = 1.0
    system = np.eye(states) - w * chain.Q
    return np.linalg.solve(system.transpose(0, 2, 1), start)[..., 0]
