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

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

from powergame import kernel, power
from powergame.errors import ParameterError
from powergame.exact import (
    MAX_DENSE_STATES,
    MAX_JOINT_STATES,
    MAX_SPARSE_NONZEROS,
    MAX_SURVIVAL_LENGTH,
    SURVIVAL_FLOOR,
    ExactResult,
    _per_round_weights,
    _series_length,
)
from powergame.game import Game
from powergame.state_table import StateTable, TableArrays

_SWAP = np.array(kernel.AS_SEEN_BY_B)  # outcome seen by A -> the same outcome seen by B
MAX_STAIRCASE = 4096  # longest step-function curve built by gathering rows of a table
MAX_MATRIX_CELLS = 1 << 24  # pairs x S x S of joint matrices held at once (128 MB of floats)
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
    i's curve P(T > t), t = 0, 1, ... (zero beyond its length).

    Survival curves are built when first asked for (``survival_curve``, ``survival``,
    ``result``): the figures do not need them, and for single-path chains they cost more
    than everything else together."""

    game: Game
    player_a: tuple[str, ...]
    player_b: tuple[str, ...]
    figures: dict[str, np.ndarray]
    curve_groups: tuple[_CurveGroup, ...] = ()  # where each pair's survival curve comes from

    def __len__(self) -> int:
        return len(self.player_a)

    # --- the figures, one array each (the fields of ExactResult of the same name) ---------
    @property
    def rounds_together(self) -> np.ndarray:
        return self.figures["rounds_together"]

    @property
    def p_left_a(self) -> np.ndarray:
        return self.figures["p_left_a"]

    @property
    def p_left_b(self) -> np.ndarray:
        return self.figures["p_left_b"]

    @property
    def p_left_both(self) -> np.ndarray:
        return self.figures["p_left_both"]

    @property
    def total_a(self) -> np.ndarray:
        return self.figures["total_a"]

    @property
    def total_b(self) -> np.ndarray:
        return self.figures["total_b"]

    @property
    def score_a(self) -> np.ndarray:
        return self.figures["score_a"]

    @property
    def score_b(self) -> np.ndarray:
        return self.figures["score_b"]

    @property
    def cooperation_a(self) -> np.ndarray:
        return self.figures["cooperation_a"]

    @property
    def cooperation_b(self) -> np.ndarray:
        return self.figures["cooperation_b"]

    @property
    def mutual_cooperation(self) -> np.ndarray:
        return self.figures["mutual_cooperation"]

    @property
    def mean_stake(self) -> np.ndarray:
        return self.figures["mean_stake"]

    @property
    def realized_dependence_a(self) -> np.ndarray:
        return self.figures["realized_dependence_a"]

    @property
    def realized_dependence_b(self) -> np.ndarray:
        return self.figures["realized_dependence_b"]

    @property
    def p_censored(self) -> np.ndarray:
        """P(nobody leaves before the horizon)."""
        return 1.0 - self.p_left_a - self.p_left_b - self.p_left_both

    @cached_property
    def survival(self) -> np.ndarray:
        """Every pair's curve, (pairs, longest curve), zero beyond each curve's length."""
        built = [(group.ids, *group.curves()) for group in self.curve_groups]
        if len(built) == 1 and len(built[0][0]) == len(self):  # one group in pair order: no copy
            return built[0][1]
        survival = np.zeros((len(self), max((curve.shape[1] for _, curve, _ in built), default=0)))
        for ids, curve, _ in built:
            survival[ids, : curve.shape[1]] = curve
        return survival

    @cached_property
    def survival_length(self) -> np.ndarray:
        """Each pair's curve length, (pairs,)."""
        lengths = np.zeros(len(self), dtype=np.intp)
        for group in self.curve_groups:
            lengths[group.ids] = group.curves()[1]
        return lengths

    @cached_property
    def _curve_place(self) -> tuple[np.ndarray, np.ndarray]:
        """For each pair, its group in ``curve_groups`` and its row in that group."""
        group_of = np.zeros(len(self), dtype=np.intp)
        row_of = np.zeros(len(self), dtype=np.intp)
        for number, group in enumerate(self.curve_groups):
            group_of[group.ids] = number
            row_of[group.ids] = np.arange(len(group.ids))
        return group_of, row_of

    def survival_curve(self, index: int) -> np.ndarray:
        """Pair ``index``'s survival curve P(T > t), t = 0, 1, ... (building its group's
        curves on the first call)."""
        if "survival" in self.__dict__:
            return self.survival[index, : self.survival_length[index]]
        if len(self.curve_groups) == 1 and len(self.curve_groups[0].ids) == len(self):
            curve, lengths = self.curve_groups[0].curves()
            return curve[index, : lengths[index]]
        group_of, row_of = self._curve_place
        curve, lengths = self.curve_groups[group_of[index]].curves()
        row = row_of[index]
        return curve[row, : lengths[row]]

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
    *,
    max_dense_states: int = MAX_DENSE_STATES,
) -> ExactBatch:
    """``exact_match(game, a, b)`` for every (a, b) in ``pairs`` (a plays role A), as one
    ``ExactBatch``; ``names`` gives the players' names (default "A", "B").

    A joint chain (pairs that do not lump) of more than ``max_dense_states`` states is
    solved as a sparse matrix, one pair at a time; one of more than ``MAX_JOINT_STATES``
    states, or with more than ``MAX_SPARSE_NONZEROS`` transitions, is refused."""
    count = len(pairs)
    arrays, index_a, index_b = _table_arrays(pairs)
    size_a, size_b = arrays.size[index_a], arrays.size[index_b]
    lumpable = arrays.lumpable[index_a] & arrays.lumpable[index_b]
    simple = lumpable & arrays.full_stake[index_a] & arrays.full_stake[index_b]

    parts = None
    certain = simple.copy()  # both sides' actions are certain in every lumped state
    if simple.any():
        parts, certain_tables = arrays.lumped_parts(game.noise)
        certain &= certain_tables[index_a] & certain_tables[index_b]

    # Groups of pairs whose chains stack: (kind, n_A, n_B); lumped chains of tables that
    # always stake everything are built from per-table parts, whatever the tables' sizes.
    groups: list[tuple[str, np.ndarray, int, int]] = []
    for kind, chosen in (("outcome", certain), ("simple", simple & ~certain)):
        if chosen.all():
            groups.append((kind, np.arange(count), 0, 0))
        elif chosen.any():
            groups.append((kind, np.nonzero(chosen)[0], 0, 0))
    for kind, chosen in (("lumped", lumpable & ~simple), ("joint", ~lumpable)):
        for n_a, n_b in sorted(set(zip(size_a[chosen].tolist(), size_b[chosen].tolist()))):
            groups.append((kind, np.nonzero(chosen & (size_a == n_a) & (size_b == n_b))[0], n_a, n_b))

    for number, (kind, members, n_a, n_b) in enumerate(groups):
        if kind == "joint" and n_a * n_b > max_dense_states:
            groups[number] = ("sparse", members, n_a, n_b)
            if n_a * n_b > MAX_JOINT_STATES:
                _refuse(f"{n_a} x {n_b} joint states", names, int(members[0]))

    figures = {name: np.empty(count) for name in FIGURES}
    curve_groups: list[_CurveGroup] = []
    curve_step = max(1, MAX_CELLS // max(1, _curve_length(game)))
    for kind, members, n_a, n_b in groups:
        step = curve_step
        if kind == "sparse":  # one pair at a time
            step = 1
        elif kind == "joint":  # dense (S x S) matrices per pair: keep a stack under MAX_MATRIX_CELLS
            step = min(step, max(1, MAX_MATRIX_CELLS // (n_a * n_b) ** 2))
        for start in range(0, len(members), step):
            ids = members[start : start + step]
            solved, curves = _solve_group(game, kind, arrays, parts, ids, index_a[ids], index_b[ids], names)
            _place(figures, solved, ids, count)
            curve_groups.append(curves)

    if names is None:
        player_a, player_b = ("A",) * count, ("B",) * count
    else:
        player_a, player_b = tuple(map(itemgetter(0), names)), tuple(map(itemgetter(1), names))
    return ExactBatch(
        game=game, player_a=player_a, player_b=player_b, figures=figures, curve_groups=tuple(curve_groups)
    )


def _solve_group(
    game: Game,
    kind: str,
    arrays: _TableArrays,
    parts: tuple[np.ndarray, ...] | None,
    ids: np.ndarray,
    pair_a: np.ndarray,
    pair_b: np.ndarray,
    names: Sequence[tuple[str, str]] | None,
) -> tuple[dict[str, np.ndarray], _CurveGroup]:
    """The figures and curves of the pairs ``ids`` (tables ``pair_a``, ``pair_b``), all of
    one kind: "outcome", "simple" (lumped, from per-table parts), "lumped", "joint" (of
    one size) or "sparse" (one pair)."""
    if kind == "sparse":
        return _solve_sparse(game, arrays, pair_a, pair_b, ids, names)
    if kind == "outcome":
        assert parts is not None
        paths = _outcome_path_chain(game, parts, pair_a, pair_b)
        return _solve_mirrored(game, paths.figures, paths.take, ids, pair_a, pair_b)
    if kind == "simple":
        assert parts is not None
        known = parts

        def transitions(rows: np.ndarray) -> _Chain:
            Q = _simple_lumped_q(known, pair_a[rows], pair_b[rows])
            return _Chain(Q=Q, start=np.zeros(len(rows), dtype=np.intp), figures={}, first_round_apart=True)

        per_state = _simple_lumped_figures(game, parts, pair_a, pair_b)
        return _solve_mirrored(game, per_state, transitions, ids, pair_a, pair_b)
    n_a, n_b = int(arrays.size[pair_a[0]]), int(arrays.size[pair_b[0]])
    side_a, side_b = arrays.side(pair_a, n_a), arrays.side(pair_b, n_b, as_partner=True)
    chain = _lumped_chain(game, side_a, side_b) if kind == "lumped" else _joint_chain(game, side_a, side_b)
    return _solve(game, chain, ids)


def _place(
    figures: dict[str, np.ndarray], solved: dict[str, np.ndarray], ids: np.ndarray, count: int
) -> None:
    """Write a group's figures into the columns of all pairs."""
    if len(ids) == count:  # one group of every pair, in order
        figures.update(solved)
    else:
        for name in FIGURES:
            figures[name][ids] = solved[name]


def _refuse(what: str, names: Sequence[tuple[str, str]] | None, first: int) -> None:
    who = f" ({names[first][0]} vs {names[first][1]})" if names is not None else ""
    raise ParameterError(
        "exact mode",
        f"{what}{who}",
        f"the joint chain may have at most {MAX_JOINT_STATES:,} states and {MAX_SPARSE_NONZEROS:,} "
        "transitions; simulate these strategies instead",
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
    """The distinct tables of a call, by their cached array forms (``StateTable.arrays``)."""

    size: np.ndarray
    lumpable: np.ndarray
    full_stake: np.ndarray
    forms: list[TableArrays]
    initial: np.ndarray
    cache: dict[int, tuple[np.ndarray, tuple[np.ndarray, ...]]]  # by number of states

    def side(self, indices: np.ndarray, n: int, as_partner: bool = False) -> _Side:
        """The tables ``indices`` (all of ``n`` states), stacked."""
        row_of, fields = self._of_size(n)
        rows = row_of[indices]
        cooperate, stake, leave, transition, initial = (field[rows] for field in fields)
        if as_partner:  # index outcomes by A's view
            leave, transition = leave[:, :, _SWAP], transition[:, :, _SWAP, :]
        return _Side(cooperate, stake, leave, transition, initial)

    def lumped_parts(self, noise: float) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Per table, (tables, 5, 4) arrays of ``_side_by_outcome`` in role A and in role B:
        (acts as A, leaves as A, acts as B, leaves as B), zeros for tables that are not
        lumpable; and per table whether its actions are certain (after noise) in every
        lumped state. Each table's parts are computed once per noise level and kept with it."""
        key = ("exact lumped parts", noise)
        forms = self.forms
        missing = [i for i in np.nonzero(self.lumpable)[0].tolist() if key not in forms[i].derived]
        if missing:
            missing_index = np.array(missing, dtype=np.intp)
            for n in np.unique(self.size[missing_index]).tolist():
                members = missing_index[self.size[missing_index] == n]
                found = []
                for partner in (False, True):
                    acts, leaves, _ = _side_by_outcome(self.side(members, n, partner), noise, partner)
                    found += [acts, leaves]
                computed = np.stack(found, axis=1)  # (members, 4, 5, 4)
                plays = computed[:, 0, :, 0]  # P(C) as A in each lumped state (the same as B)
                certain = ((plays == 0.0) | (plays == 1.0)).all(axis=1).tolist()
                for row, i in enumerate(members.tolist()):
                    forms[i].derived[key] = (computed[row], certain[row])
        zeros = (np.zeros((4, 5, 4)), False)
        found_parts = [form.derived.get(key, zeros) for form in forms]
        parts = np.stack([part for part, _ in found_parts], axis=1)
        certain_tables = np.array([certain for _, certain in found_parts], dtype=bool)
        return tuple(parts), certain_tables

    def _of_size(self, n: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Every table of ``n`` states stacked (cooperate, stake, leave, transition, initial
        state), and each table's row in them."""
        if n not in self.cache:
            members = np.nonzero(self.size == n)[0]
            forms = [self.forms[i] for i in members.tolist()]
            row_of = np.zeros(len(self.forms), dtype=np.intp)
            row_of[members] = np.arange(len(members))
            fields = (
                np.stack([form.cooperate for form in forms]),
                np.stack([form.stake for form in forms]),
                np.stack([form.leave for form in forms]),
                np.stack([form.transition for form in forms]),
                self.initial[members],
            )
            self.cache[n] = (row_of, fields)
        return self.cache[n]


def _table_arrays(
    pairs: Sequence[tuple[StateTable, StateTable]],
) -> tuple[_TableArrays, np.ndarray, np.ndarray]:
    """The distinct tables (by identity) of ``pairs`` as arrays, and the number of each
    pair's table A and table B among them."""
    count = len(pairs)
    flat = list(itertools.chain.from_iterable(pairs))
    if len(flat) != 2 * count:
        raise ParameterError("pairs", "an entry that is not two tables", "(table A, table B) for every pair")
    if count <= 8:  # a dictionary beats sorting for a few tables
        seen: dict[int, int] = {}
        number = np.array([seen.setdefault(id(table), len(seen)) for table in flat], dtype=np.intp)
        tables = list({id(table): table for table in flat}.values())
    else:
        keys = np.fromiter(map(id, flat), dtype=np.int64, count=2 * count)
        _, first_at, number = np.unique(keys, return_index=True, return_inverse=True)
        tables = [flat[i] for i in first_at.tolist()]
        number = number.reshape(-1).astype(np.intp)
    forms = [table.arrays for table in tables]
    arrays = _TableArrays(
        size=np.fromiter((len(form.cooperate) for form in forms), dtype=np.intp, count=len(forms)),
        lumpable=np.fromiter((form.lumpable for form in forms), dtype=bool, count=len(forms)),
        full_stake=np.fromiter((form.full_stake for form in forms), dtype=bool, count=len(forms)),
        forms=forms,
        initial=np.fromiter(map(_INITIAL, tables), dtype=np.intp, count=len(tables)),
        cache={},
    )
    return arrays, number[0::2], number[1::2]


_INITIAL = attrgetter("initial_state")


# --- the chain -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Chain:
    """Stacked chains of one group: Q (N, S, S), the start state (N,), per-state figures
    (N, S). Single-path chains may give, instead of Q, each state's only successor and the
    chance to go there (N, S)."""

    Q: np.ndarray | None
    start: np.ndarray
    figures: dict[str, np.ndarray]
    successor: np.ndarray | None = None
    chance: np.ndarray | None = None
    first_round_apart: bool = False  # state 0 is the start and is never entered again

    @property
    def states(self) -> int:
        if self.Q is not None:
            return self.Q.shape[1]
        assert self.successor is not None
        return self.successor.shape[1]

    def take(self, rows: np.ndarray) -> _Chain:
        """The chains ``rows`` without their figures."""
        return _Chain(
            Q=None if self.Q is None else self.Q[rows],
            start=self.start[rows],
            figures={},
            successor=None if self.successor is None else self.successor[rows],
            chance=None if self.chance is None else self.chance[rows],
            first_round_apart=self.first_round_apart,
        )

    @property
    def single_path(self) -> bool:
        """Every state has at most one successor."""
        return self.Q is None or bool((np.count_nonzero(self.Q, axis=2) <= 1).all())

    def transitions(self) -> np.ndarray:
        assert self.Q is not None, "a chain given by successors has no distribution to walk"
        return self.Q


def _played_cooperation(side: _Side, noise: float) -> np.ndarray:
    return kernel.played_cooperation(side.cooperate, noise)


def _joint_chain(game: Game, a: _Side, b: _Side) -> _Chain:
    """The chain over joint states j = state_A * n_B + state_B, stacked."""
    figures, stay = _joint_figures(game, a, b)
    count, n_a, n_b, _ = stay.shape
    Q = np.einsum("nabo,naoc,nbod->nabcd", stay, a.transition, b.transition).reshape(count, n_a * n_b, -1)
    return _Chain(Q=Q, start=a.initial * n_b + b.initial, figures=figures)


def _joint_figures(game: Game, a: _Side, b: _Side) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per joint state (N, n_A * n_B): the figures of a round played in it; and the chance
    of each outcome followed by nobody leaving (N, n_A, n_B, 4)."""
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
        "payoff_a": kernel.round_payoff(stake, p_outcome @ stage_a, v_a),
        "payoff_b": kernel.round_payoff(stake, p_outcome @ stage_b, v_b),
        "ends_by_a": (p_outcome * leave_a * (1 - leave_b)).sum(-1),
        "ends_by_b": (p_outcome * (1 - leave_a) * leave_b).sum(-1),
        "ends_by_both": (p_outcome * leave_a * leave_b).sum(-1),
        "cooperates_a": np.broadcast_to(pa[:, :, None], stake.shape),
        "cooperates_b": np.broadcast_to(pb[:, None, :], stake.shape),
        "mutual": pa[:, :, None] * pb[:, None, :],
        "stake": stake,
    }
    count = len(stake)
    return {key: np.ascontiguousarray(value).reshape(count, -1) for key, value in joint.items()}, stay


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


def _simple_lumped_figures(
    game: Game, parts: tuple[np.ndarray, ...], index_a: np.ndarray, index_b: np.ndarray
) -> dict[str, np.ndarray]:
    """The per-state figures (N, 5) of lumped chains of tables that always stake
    everything, from per-table parts: each is a sum over outcomes of an A part times a B
    part. When the pairs are about every combination of the tables (a round robin), the
    sums are taken once for every combination and gathered, else pair by pair."""
    acts_a, leaves_a, acts_b, leaves_b = parts
    stays_a, stays_b = acts_a - leaves_a, acts_b - leaves_b
    stage_a, stage_b = _stages(game)
    tables = len(acts_a)
    grid = tables * tables <= 4 * len(index_a)
    if grid:
        place = index_a * tables + index_b

        def summed(part_a: np.ndarray, part_b: np.ndarray) -> np.ndarray:
            return np.einsum("alo,blo->abl", part_a, part_b).reshape(-1, 5)[place]

        cooperates_a, cooperates_b = acts_a[index_a, :, 0], acts_b[index_b, :, 0]
    else:
        gathered = [x[index_a] for x in (acts_a, leaves_a, stays_a)] + [
            x[index_b] for x in (acts_b, leaves_b, stays_b)
        ]
        acts_a, leaves_a, stays_a, acts_b, leaves_b, stays_b = gathered

        def summed(part_a: np.ndarray, part_b: np.ndarray) -> np.ndarray:
            return np.einsum("nlo,nlo->nl", part_a, part_b)

        cooperates_a, cooperates_b = acts_a[:, :, 0], acts_b[:, :, 0]
    return {
        "payoff_a": summed(acts_a * stage_a, acts_b),
        "payoff_b": summed(acts_a, acts_b * stage_b),
        "ends_by_a": summed(leaves_a, stays_b),
        "ends_by_b": summed(stays_a, leaves_b),
        "ends_by_both": summed(leaves_a, leaves_b),
        "cooperates_a": cooperates_a,
        "cooperates_b": cooperates_b,
        "mutual": cooperates_a * cooperates_b,
        "stake": np.ones((len(index_a), 5)),
    }


def _simple_lumped_q(parts: tuple[np.ndarray, ...], index_a: np.ndarray, index_b: np.ndarray) -> np.ndarray:
    """Q (N, 5, 5) of the lumped chains of tables that always stake everything: from any
    state, to "after outcome o" with the chance that both play their part of o and stay."""
    acts_a, leaves_a, acts_b, leaves_b = parts
    Q = np.zeros((len(index_a), 5, 5))
    np.multiply((acts_a - leaves_a)[index_a], (acts_b - leaves_b)[index_b], out=Q[:, :, 1:])
    return Q


def _solve_mirrored(
    game: Game,
    per_state: dict[str, np.ndarray],
    transitions: Callable[[np.ndarray], _Chain],
    ids: np.ndarray,
    index_a: np.ndarray,
    index_b: np.ndarray,
) -> tuple[dict[str, np.ndarray], _CurveGroup]:
    """``_solve`` for lumped chains (per-state figures ``per_state``; ``transitions(rows)``
    gives the chains of those pairs, their figures not needed), walking each pair of tables
    once: the chain of (b, a) is the chain of (a, b) with the roles swapped (the same
    chances, after noise, to play and to leave; CD and DC exchanged), so when both orders
    are in the group, (b, a) takes the visits of (a, b) with its lumped states exchanged,
    and the same survival curve. Its payoffs still come from its own per-state figures:
    the game may treat A and B apart."""
    if len(ids) < 16:  # too few pairs to gain from looking for mirrors
        return _solve_with(game, per_state, transitions(np.arange(len(ids))), ids)
    rows, swapped = _mirrors(index_a, index_b)
    solved = np.nonzero(~swapped)[0]
    visits, weighted, curves = _visits(game, transitions(solved), ids[solved])
    if len(solved) == len(ids):
        return _figures(game, per_state, visits, weighted), curves
    visits = visits[rows]
    visits[swapped] = visits[swapped][:, _MIRRORED_STATES]
    if weighted is not None:
        weighted = weighted[rows]
        weighted[swapped] = weighted[swapped][:, _MIRRORED_STATES]
    return _figures(game, per_state, visits, weighted), _CurveGroup(
        ids, curves.length, rows_of=(curves, rows), trim=curves.trim
    )


def _outcome_path_chain(
    game: Game, parts: tuple[np.ndarray, ...], index_a: np.ndarray, index_b: np.ndarray
) -> _Chain:
    """``_simple_lumped_chain`` when both sides' actions are certain in every lumped state
    (after noise): each state has one outcome, so every figure is a gather by that
    outcome, and the only next state is "after that outcome"."""
    acts_a, leaves_a, acts_b, leaves_b = parts
    count = len(index_a)
    cooperates_a = np.ascontiguousarray(acts_a[:, :, 0]).take(index_a, axis=0)  # (N, 5) of 0 or 1
    cooperates_b = np.ascontiguousarray(acts_b[:, :, 0]).take(index_b, axis=0)
    outcome = (3.0 - 2.0 * cooperates_a - cooperates_b).astype(np.intp)
    where = outcome + np.arange(0, 20, 4)  # in a table's (5, 4) block
    leave_a = leaves_a.reshape(-1).take(where + (index_a * 20)[:, None])
    leave_b = leaves_b.reshape(-1).take(where + (index_b * 20)[:, None])
    stays_a, stays_b = 1.0 - leave_a, 1.0 - leave_b
    stage_a, stage_b = _stages(game)
    figures = {
        "payoff_a": stage_a.take(outcome),
        "payoff_b": stage_b.take(outcome),
        "ends_by_a": leave_a * stays_b,
        "ends_by_b": stays_a * leave_b,
        "ends_by_both": leave_a * leave_b,
        "cooperates_a": cooperates_a,
        "cooperates_b": cooperates_b,
        "mutual": cooperates_a * cooperates_b,
        "stake": np.ones((count, 5)),
    }
    start = np.zeros(count, dtype=np.intp)
    return _Chain(Q=None, start=start, figures=figures, successor=outcome + 1, chance=stays_a * stays_b)


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
    return _Chain(Q=Q, start=np.zeros(count, dtype=np.intp), figures=figures, first_round_apart=True)


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


def _solve(game: Game, chain: _Chain, ids: np.ndarray) -> tuple[dict[str, np.ndarray], _CurveGroup]:
    """The figures of every pair of a group (pairs ``ids``) and its survival curves."""
    return _solve_with(game, chain.figures, chain, ids)


def _solve_with(
    game: Game, per_state: dict[str, np.ndarray], chain: _Chain, ids: np.ndarray
) -> tuple[dict[str, np.ndarray], _CurveGroup]:
    """``_solve`` with the per-state figures given apart from the chain."""
    visits, weighted, curves = _visits(game, chain, ids)
    return _figures(game, per_state, visits, weighted), curves


def _visits(game: Game, chain: _Chain, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, _CurveGroup]:
    """Expected visits to each state (N, S), under continuation also the visits weighted by
    ``_per_round_weights`` (else None), and the survival curves of the pairs ``ids``.

    Per-state visits come in closed form: from the path's prefix and cycle for single-path
    chains, by matrix doubling or a linear solve otherwise. Under continuation E[total / n]
    needs every round's distribution, so those curves are built at once; under a fixed
    horizon they are built when first asked for."""
    w = game.continuation
    length = _curve_length(game)
    single_path = chain.single_path
    weighted = None
    if w is None:
        assert game.rounds is not None
        if single_path:
            paths = _trace(chain)
            visits = _path_visits_fixed(paths, game.rounds)
            curves = _CurveGroup(ids, length, paths=paths)
        else:
            walk = _PowerWalk(chain)
            visits = walk.visits(game.rounds)
            curves = _CurveGroup(ids, length, walk=walk)
    else:
        weights = _per_round_weights(w, length)
        discount = w ** np.arange(length)
        if single_path:
            paths = _trace(chain)
            visits = _path_visits_discounted(paths, w)
            weighted, mass = _path_series(paths, length, weights)
        else:
            visits = _visits_discounted(chain, w)
            walk = _PowerWalk(chain)
            weighted, mass = walk.series(length, weights), walk.survival(length)
        curves = _CurveGroup(ids, length, curve=mass * discount, trim=True)
    return visits, weighted, curves


# Lumped states: first round, after CC, CD, DC, DD (A's view); with the roles swapped the
# same round is seen as first round, after CC, DC, CD, DD.
_MIRRORED_STATES = np.array([0, 1, 3, 2, 4])


def _mirrors(index_a: np.ndarray, index_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For pairs of table numbers: which pairs (b, a) with a < b have their mirror (a, b)
    among the pairs (``swapped``), and each pair's row among the pairs that are not
    swapped (its own, or its mirror's)."""
    tables = int(max(index_a.max(), index_b.max())) + 1
    key, mirror = index_a * tables + index_b, index_b * tables + index_a
    order = np.argsort(key, kind="stable")
    at = np.minimum(np.searchsorted(key[order], mirror), len(key) - 1)
    partner = order[at]
    swapped = (key[partner] == mirror) & (index_a > index_b)
    row = np.cumsum(~swapped) - 1
    return np.where(swapped, row[partner], row), swapped


PER_STATE = (  # the per-state figures of a chain, in the order they are summed
    "payoff_a",
    "payoff_b",
    "ends_by_a",
    "ends_by_b",
    "ends_by_both",
    "cooperates_a",
    "cooperates_b",
    "mutual",
    "stake",
)


def _expect(
    per_state: dict[str, np.ndarray], visits: np.ndarray, names: tuple[str, ...] = PER_STATE
) -> list[np.ndarray]:
    """sum_s visits[n, s] per_state[name][n, s] for each name, (N,) each: for a few pairs
    in one contraction of the stacked figures, for many without the stacking copy."""
    if len(visits) < 256:
        return list(np.einsum("nfs,ns->fn", np.stack([per_state[name] for name in names], axis=1), visits))
    return [np.einsum("ns,ns->n", per_state[name], visits) for name in names]


def _figures(
    game: Game, per_state: dict[str, np.ndarray], visits: np.ndarray, weighted: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Every figure of ``FIGURES`` from the expected visits to each state (N, S) and, under
    continuation, the visits weighted by ``_per_round_weights``: every figure is a linear
    combination of the expected per-state figures, summed in one contraction."""
    v_a, v_b = game.outside_options
    k_a, k_b = game.exit_costs
    horizon = game.expected_horizon
    payoff_a, payoff_b, ends_a, ends_b, ends_both, coop_a, coop_b, mutual, stake = _expect(per_state, visits)
    together = visits.sum(axis=1)
    # Every round of the horizon earns v_i; a round together adds u_i - v_i; leaving costs k_i.
    excess_a = payoff_a - v_a * together - k_a * (ends_a + ends_both)
    excess_b = payoff_b - v_b * together - k_b * (ends_b + ends_both)
    total_a = horizon * v_a + excess_a
    total_b = horizon * v_b + excess_b
    if weighted is None:
        score_a, score_b = total_a / horizon, total_b / horizon
    else:
        w_payoff_a, w_payoff_b, w_ends_a, w_ends_b, w_ends_both = _expect(per_state, weighted, PER_STATE[:5])
        w_together = weighted.sum(axis=1)
        score_a = v_a + w_payoff_a - v_a * w_together - k_a * (w_ends_a + w_ends_both)
        score_b = v_b + w_payoff_b - v_b * w_together - k_b * (w_ends_b + w_ends_both)
    return {
        "rounds_together": together,
        "p_left_a": ends_a,
        "p_left_b": ends_b,
        "p_left_both": ends_both,
        "total_a": total_a,
        "total_b": total_b,
        "score_a": score_a,
        "score_b": score_b,
        "cooperation_a": coop_a / together,
        "cooperation_b": coop_b / together,
        "mutual_cooperation": mutual / together,
        "mean_stake": stake / together,
        "realized_dependence_a": payoff_a / together - v_a,
        "realized_dependence_b": payoff_b / together - v_b,
    }


class _CurveGroup:
    """The survival curves of the pairs ``ids`` (curves of ``length`` rounds), built once on
    first use from given curves, from single paths, from powers of Q (fixed horizons) or
    from rows of another group's curves."""

    def __init__(
        self,
        ids: np.ndarray,
        length: int,
        *,
        curve: np.ndarray | None = None,
        paths: _Paths | None = None,
        walk: _PowerWalk | None = None,
        rows_of: tuple[_CurveGroup, np.ndarray] | None = None,
        trim: bool = False,
    ) -> None:
        self.ids = ids
        self.length = length
        self.trim = trim
        self._sources = (curve, paths, walk)
        self._rows_of = rows_of  # rows of another group's curves
        self._built: tuple[np.ndarray, np.ndarray] | None = None

    def curves(self) -> tuple[np.ndarray, np.ndarray]:
        """(len(ids), length) curves P(T > t) and each curve's length."""
        if self._built is None and self._rows_of is not None:
            group, rows = self._rows_of
            self._built = group.curves_of(rows)
            self._rows_of = None
        if self._built is None:
            curve, paths, walk = self._sources
            if curve is None:
                if paths is not None:
                    curve = _path_curves(paths, self.length)
                else:
                    assert walk is not None
                    curve = walk.survival(self.length)
            self._built = (curve, _curve_lengths(curve, self.trim))
            self._sources = (None, None, None)
        return self._built

    def curves_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``curves()`` of the pairs ``rows`` of this group (rows may repeat), built for
        those rows directly when this group's own curves are not built yet."""
        curve, paths, walk = self._sources
        if self._built is not None or curve is not None:
            built, lengths = self.curves()
            return built[rows], lengths[rows]
        if paths is not None:
            states = len(paths.state)
            offset = (np.arange(len(rows)) * states)[None, :]
            chosen = _Paths(
                paths.state[:, rows] % states + offset,
                paths.mass[:, rows],
                paths.cycle_start[rows],
                paths.cycle_length[rows],
                paths.cycle_chance[rows],
            )
            built = _path_curves(chosen, self.length)
        else:
            assert walk is not None
            built = walk.survival(self.length, rows)
        return built, _curve_lengths(built, self.trim)


def _curve_lengths(curve: np.ndarray, trim: bool) -> np.ndarray:
    """Full length for a fixed horizon; under continuation up to the last value above the floor."""
    count, length = curve.shape
    if not trim:
        return np.full(count, length, dtype=np.intp)
    above = curve >= SURVIVAL_FLOOR
    last = length - 1 - np.argmax(above[:, ::-1], axis=1)
    return np.where(above.any(axis=1), last + 1, 0).astype(np.intp)


# --- single paths in closed form -----------------------------------------------------------
@dataclass(frozen=True)
class _Paths:
    """Chains in which every state has at most one successor (deterministic tables, no
    noise; leave chances may be anything), one per pair.

    With S states the path x_0, x_1, ... (x_t: the state of round t + 1) repeats within S
    steps: x_{t + L} = x_t for t >= M, with M + L <= S. Staying together through round t + 1
    has chance c(x_t), so the chance to reach round t + 1 is m_t = c(x_0) ... c(x_{t-1});
    past the prefix, m_{M + r + kL} = m_{M + r} rho^k, rho being the chance to stay
    through one turn of the cycle. Every sum over rounds is then a sum over the first
    M + L positions with geometric weights."""

    state: np.ndarray  # (S, N) x_p for positions p < S, as pair * S + state
    mass: np.ndarray  # (S, N) m_p
    cycle_start: np.ndarray  # (N,) M
    cycle_length: np.ndarray  # (N,) L
    cycle_chance: np.ndarray  # (N,) rho


def _trace(chain: _Chain) -> _Paths:
    """Each pair's path, prefix and cycle (2S gathers over all pairs)."""
    count, states = len(chain.start), chain.states
    offset = np.arange(count) * states
    if chain.successor is None or chain.chance is None:
        Q = chain.transitions()
        successor, chance = (np.argmax(Q, axis=2) + offset[:, None]).ravel(), Q.max(axis=2).ravel()
    else:
        successor, chance = (chain.successor + offset[:, None]).ravel(), chain.chance.ravel()
    visited = np.empty((2 * states + 1, count), dtype=np.intp)
    visited[0] = chain.start + offset
    for t in range(2 * states):
        np.take(successor, visited[t], out=visited[t + 1])
    # x_S lies on the cycle (S + 1 positions in S states hold a repeat), so its first
    # return is the cycle length; the cycle starts at the first t with x_t = x_{t + L}.
    cycle_length = 1 + np.argmax(visited[states + 1 :] == visited[states], axis=0)
    position = np.arange(states)[:, None]
    ahead = np.take_along_axis(visited, position + cycle_length, axis=0)
    cycle_start = np.argmax(visited[:states] == ahead, axis=0)
    stay = chance[visited[: 2 * states - 1]]  # c(x_t), t < 2S - 1
    mass = np.ones((states, count))
    mass[1:] = np.cumprod(stay[: states - 1], axis=0)
    in_cycle = np.take_along_axis(stay, position + cycle_start, axis=0)
    cycle_chance = np.where(position < cycle_length, in_cycle, 1.0).prod(axis=0)
    return _Paths(visited[:states], mass, cycle_start, cycle_length, cycle_chance)


def _by_state(paths: _Paths, weight: np.ndarray) -> np.ndarray:
    """Per-position weights (S, N) summed by state: (N, S)."""
    states, count = paths.state.shape
    return np.bincount(paths.state.ravel(), weight.ravel(), minlength=count * states).reshape(count, states)


def _path_visits_fixed(paths: _Paths, rounds: int) -> np.ndarray:
    """Expected rounds in each state over ``rounds`` rounds: position p of the cycle is
    the round t = p + kL for every k with t < rounds."""
    states = len(paths.state)
    position = np.arange(states)[:, None]
    start, length = paths.cycle_start, paths.cycle_length
    in_prefix = (position < start) & (position < rounds)
    in_cycle = (position >= start) & (position < start + length) & (position < rounds)
    turns = np.where(in_cycle, (rounds - position + length - 1) // length, 0)
    factor = np.where(in_prefix, 1.0, _geometric_sum(paths.cycle_chance, turns))
    return _by_state(paths, paths.mass * factor)


def _path_visits_discounted(paths: _Paths, w: float) -> np.ndarray:
    """Expected discounted rounds in each state: sum over t of w^t m_t."""
    states = len(paths.state)
    position = np.arange(states)[:, None]
    start, length = paths.cycle_start, paths.cycle_length
    per_turn = 1.0 / (1.0 - w**length * paths.cycle_chance)
    factor = np.where(position < start, 1.0, np.where(position < start + length, per_turn, 0.0))
    return _by_state(paths, paths.mass * w**position * factor)


def _geometric_sum(ratio: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """1 + ratio + ... + ratio^(terms - 1), accurate when ratio is close to 1."""
    gap = 1.0 - ratio
    if ((gap == 0.0) | (gap == 1.0)).all():  # certain stays and leaves: 1 + 1 + ... or 1 + 0 + ...
        return np.where(gap == 0.0, terms, np.minimum(terms, 1)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = -np.expm1(terms * np.log1p(-gap)) / gap
    return np.where(terms == 0, 0.0, np.where(gap == 0.0, terms, value))


def _path_positions(paths: _Paths, length: int) -> tuple[np.ndarray, np.ndarray]:
    """For rounds t < length, (N, length): the path position of round t + 1 and the
    number of completed turns of the cycle."""
    t = np.arange(length)
    start, cycle = paths.cycle_start[:, None], paths.cycle_length[:, None]
    turns = np.maximum(t - start, 0) // cycle
    return t - turns * cycle, turns


def _path_curves(paths: _Paths, length: int) -> np.ndarray:
    """m_t for t < length, (N, length)."""
    chance = paths.cycle_chance
    if np.isin(paths.mass, (0.0, 1.0)).all() and np.isin(chance, (0.0, 1.0)).all():
        # Together for the first T rounds, then never: a step at T (or none).
        start, cycle = paths.cycle_start, paths.cycle_length
        reached = np.where(np.arange(len(paths.mass))[:, None] < start + cycle, paths.mass, 0.0)
        exit_round = np.where(
            (chance == 1.0) & (reached.sum(axis=0) == start + cycle), length, reached.sum(axis=0)
        )
        if length > MAX_STAIRCASE or len(exit_round) < 64:
            return (np.arange(length) < exit_round[:, None]).astype(float)
        staircase = np.tri(length + 1, length, -1)  # row k: 1 for t < k (a gather beats comparing)
        return staircase.take(np.minimum(exit_round, length).astype(np.intp), axis=0)
    position, turns = _path_positions(paths, length)
    return np.take_along_axis(paths.mass.T, position, axis=1) * chance[:, None] ** turns


def _path_series(paths: _Paths, length: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Visits weighted by ``weights`` per round (N, S) and m_t for t < length (N, length)."""
    states, count = paths.state.shape
    position, _ = _path_positions(paths, length)
    mass = _path_curves(paths, length)
    state = np.take_along_axis(paths.state.T, position, axis=1)
    weighted = np.bincount(state.ravel(), (mass * weights).ravel(), minlength=count * states)
    return weighted.reshape(count, states), mass


# --- distributions by blocks of rounds ----------------------------------------------------
class _PowerWalk:
    """Row vectors x R^t of stacked chains: sums over rounds and survival curves.

    Arrays are laid out pair-major, (N, S, S) and (N, k, S), so that every product of the
    stacked small matrices is one batched ``matmul`` (for a single pair as for thousands).
    When the chain's first state is only the start (lumped chains), round 1 is taken apart
    and R is Q without that state: mu_1 = v0, mu_(t+2) = x R^t with x = Q[0, 1:].
    Otherwise x = v0 and R = Q."""

    def __init__(self, chain: _Chain) -> None:
        Q = chain.transitions()
        count, states, _ = Q.shape
        self.count, self.states = count, states
        self.skip = 1 if chain.first_round_apart else 0
        if self.skip:
            self.x = np.ascontiguousarray(Q[:, 0, 1:])
            R = np.ascontiguousarray(Q[:, 1:, 1:])
        else:
            self.x = np.zeros((count, states))
            self.x[np.arange(count), chain.start] = 1.0
            R = Q
        self.powers = [R]  # R^(2^i)
        self._rows: dict[int, tuple[int, int, np.ndarray]] = {}

    def power(self, i: int) -> np.ndarray:
        """R^(2^i), (N, S, S)."""
        while len(self.powers) <= i:
            last = self.powers[-1]
            self.powers.append(last @ last)
        return self.powers[i]

    def visits(self, rounds: int) -> np.ndarray:
        """Expected rounds in each state over ``rounds`` rounds, (N, S)."""
        summed = self._summed(rounds - self.skip) if rounds > self.skip else np.zeros_like(self.x)
        if self.skip:
            summed = np.concatenate([np.ones((self.count, 1)), summed], axis=1)
        return summed

    def _summed(self, terms: int) -> np.ndarray:
        """x (I + R + ... + R^(terms-1)), (N, S): the terms split into blocks of 2^b (b a
        set bit of ``terms``); a block starting at m sums to x R^m (I + R)(I + R^2)...
        (I + R^(2^(b-1))). The blocks' starts come first, then every block takes its
        factors together, one stacked product per factor."""
        bits = [bit for bit in range(terms.bit_length()) if terms >> bit & 1]
        blocks = np.empty((self.count, len(bits), self.x.shape[1]))  # x R^m of each block
        blocks[:, 0] = self.x
        for number, bit in enumerate(bits[:-1]):
            np.matmul(blocks[:, number : number + 1], self.power(bit), out=blocks[:, number + 1 : number + 2])
        for i in range(bits[-1]):
            first = next(
                k for k, bit in enumerate(bits) if bit > i
            )  # sizes increase: growing ones are a tail
            tail = blocks[:, first:]
            tail += tail @ self.power(i)
        return blocks.sum(axis=1)

    def _blocks(self, terms: int) -> tuple[int, int, np.ndarray]:
        """Blocks of B = 2^b terms for the terms x R^m, m < terms: (B, K = ceil(terms / B),
        the K rows x R^(kB) as (N, K, S), doubled from the powers R^(2^i)), kept for the
        next call with as many terms."""
        if terms not in self._rows:
            b = ((terms - 1).bit_length() + 1) // 2
            size = 1 << b
            turns = -(-terms // size)
            rows = np.empty((self.count, 1 << (turns - 1).bit_length(), self.x.shape[1]))
            rows[:, 0] = self.x
            done, i = 1, 0
            while done < turns:
                np.matmul(rows[:, :done], self.power(b + i), out=rows[:, done : 2 * done])
                done, i = 2 * done, i + 1
            self._rows[terms] = (size, turns, rows[:, :turns])
        return self._rows[terms]

    def series(self, rounds: int, weights: np.ndarray) -> np.ndarray:
        """sum_t weights_t mu_(t+1) over t < rounds, (N, S).

        With x R^(kB + j) = (x R^(kB)) R^j and Y_j = sum_k weights_(kB + j) x R^(kB), the
        sum is the polynomial sum_j Y_j R^j, evaluated by halving: terms Y_(2c) +
        Y_(2c+1) R^(2^i) merge level by level, one stacked product per level."""
        terms = rounds - self.skip
        if terms <= 0:
            coefficients = np.zeros((self.count, 1, self.x.shape[1]))
        else:
            size, turns, rows = self._blocks(terms)
            padded = np.zeros(turns * size)
            padded[:terms] = weights[self.skip : rounds]
            coefficients = padded.reshape(turns, size).T @ rows  # Y_j, (N, B, S)
        level = 0
        while coefficients.shape[1] > 1:
            coefficients = coefficients[:, 0::2] + coefficients[:, 1::2] @ self.power(level)
            level += 1
        summed = coefficients[:, 0]
        if self.skip:
            summed = np.concatenate([np.full((self.count, 1), weights[0]), summed], axis=1)
        return summed

    def survival(self, length: int, pairs: np.ndarray | None = None) -> np.ndarray:
        """P(T > t) = mu_(t+1) . 1 for t < length, (N, length): x R^(kB + j) 1 =
        (x R^(kB)) . (R^j 1), so the K x B values of a pair are one small matrix product of
        its rows (``_blocks``) and the B columns R^j 1 (doubled from the powers). The curve
        is a view into the products' array, shifted by one round when round 1 is apart.
        With ``pairs``, the curves of those pairs (numbers of the walk's pairs, which may
        repeat), in that order."""
        size, turns, rows = self._blocks(max(1, length - self.skip))
        columns = np.empty((self.count, self.x.shape[1], size))  # R^j 1
        columns[:, :, 0] = 1.0
        for i in range(size.bit_length() - 1):
            done = 1 << i
            np.matmul(self.power(i), columns[:, :, :done], out=columns[:, :, done : 2 * done])
        if pairs is not None:  # the curves of these pairs (rows may repeat), in their order
            rows, columns = rows[pairs], columns[pairs]
        count = len(rows)
        products = np.empty((count, turns + 1, size))
        np.matmul(rows, columns, out=products[:, 1:])
        products[:, 0, -1] = 1.0  # P(T > 0), just before the first product when round 1 is apart
        first = size - self.skip
        return products.reshape(count, -1)[:, first : first + length]


def _visits_discounted(chain: _Chain, w: float) -> np.ndarray:
    """v0 (I - wQ)^(-1) for every chain."""
    Q = chain.transitions()
    count, states, _ = Q.shape
    start = np.zeros((count, states, 1))
    start[np.arange(count), chain.start, 0] = 1.0
    system = np.eye(states) - w * Q
    return np.linalg.solve(system.transpose(0, 2, 1), start)[..., 0]


# --- large joint chains: sparse, one pair at a time ----------------------------------------
def _solve_sparse(
    game: Game,
    arrays: _TableArrays,
    index_a: np.ndarray,
    index_b: np.ndarray,
    ids: np.ndarray,
    names: Sequence[tuple[str, str]] | None,
) -> tuple[dict[str, np.ndarray], _CurveGroup]:
    """One pair's joint chain as a sparse matrix (scipy.sparse): Q is the sum over
    outcomes o of diag(P(o, nobody leaves | j)) (T_A[o] kron T_B[o]). The rounds are walked
    one by one, mu_(t+1) = mu_t Q (rounds x transitions of work; the walk stops once
    nobody is left together), for the survival curve, the sums over a fixed horizon and
    under continuation the E[total / n] series; under continuation the sums are
    v0 (I - wQ)^(-1) by a sparse LU factorization."""
    from scipy import sparse
    from scipy.sparse.linalg import splu

    n_a, n_b = int(arrays.size[index_a[0]]), int(arrays.size[index_b[0]])
    side_a = arrays.side(index_a, n_a)
    side_b = arrays.side(index_b, n_b, as_partner=True)
    moves_a = [sparse.csr_matrix(side_a.transition[0, :, o, :]) for o in range(4)]
    moves_b = [sparse.csr_matrix(side_b.transition[0, :, o, :]) for o in range(4)]
    if sum(a.nnz * b.nnz for a, b in zip(moves_a, moves_b)) > MAX_SPARSE_NONZEROS:
        _refuse(f"{n_a} x {n_b} joint states with dense transitions", names, int(ids[0]))
    per_state, stay = _joint_figures(game, side_a, side_b)
    states = n_a * n_b
    Q = sparse.csr_matrix((states, states))
    for o in range(4):
        Q = Q + sparse.diags(stay[0, :, :, o].ravel()) @ sparse.kron(moves_a[o], moves_b[o], format="csr")
    step = Q.T.tocsr()  # mu_(t+1) = step @ mu_t
    mu = np.zeros(states)
    mu[int(side_a.initial[0]) * n_b + int(side_b.initial[0])] = 1.0
    start = mu.copy()
    w = game.continuation
    length = _curve_length(game)
    rounds = length if w is not None else game.rounds
    assert rounds is not None
    weights = None if w is None else _per_round_weights(w, length)
    visits, weighted = np.zeros(states), np.zeros(states)
    mass = np.zeros(length)
    for t in range(rounds):
        together = mu.sum()
        if together == 0.0:
            break
        if t < length:
            mass[t] = together
        visits += mu
        if weights is not None:
            weighted += weights[t] * mu
        mu = step @ mu
    if w is not None:
        system = (sparse.identity(states, format="csc") - w * Q).T.tocsc()
        visits = splu(system).solve(start)
        mass *= w ** np.arange(length)
    solved = _figures(game, per_state, visits[None, :], None if weights is None else weighted[None, :])
    return solved, _CurveGroup(ids, length, curve=mass[None, :], trim=w is not None)
