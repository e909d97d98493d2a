"""``exact_many``: many pairs at once, grouped by the kind of chain they make."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

import numpy as np

from powergame.exact.batch import FIGURES, ExactBatch
from powergame.exact.chains import (
    _Chain,
    _joint_chain,
    _lumped_chain,
    _outcome_path_chain,
    _simple_lumped_figures,
    _simple_lumped_q,
)
from powergame.exact.curves import _CurveGroup
from powergame.exact.limits import (
    MAX_CELLS,
    MAX_DENSE_STATES,
    MAX_JOINT_STATES,
    MAX_MATRIX_CELLS,
    _refuse,
)
from powergame.exact.series import _curve_length
from powergame.exact.solve import _solve, _solve_mirrored
from powergame.exact.sparse import _solve_sparse
from powergame.exact.tables import _table_arrays, _TableArrays
from powergame.game import Game
from powergame.state_table import StateTable, check_stakes_fit


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
    arrays, index_a, index_b = _table_arrays(pairs, game.noise)
    unit, full = arrays.unit_stakes_only, arrays.full_stake
    misfit = (unit[index_a] & ~full[index_b]) | (unit[index_b] & ~full[index_a])
    if misfit.any():  # the pair-by-pair check, on the first pair that fails it
        check_stakes_fit(*pairs[int(np.argmax(misfit))])
    size_a, size_b = arrays.size[index_a], arrays.size[index_b]
    lumpable = arrays.lumpable[index_a] & arrays.lumpable[index_b]
    simple = lumpable & arrays.full_stake[index_a] & arrays.full_stake[index_b]

    certain = (
        simple & arrays.certain[index_a] & arrays.certain[index_b]
    )  # actions certain in every lumped state

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
            solved, curves = _solve_group(game, kind, arrays, ids, index_a[ids], index_b[ids], names)
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
        paths = _outcome_path_chain(game, arrays.parts, pair_a, pair_b)
        return _solve_mirrored(game, paths.figures, paths.take, ids, pair_a, pair_b)
    if kind == "simple":
        parts = arrays.parts

        def transitions(rows: np.ndarray) -> _Chain:
            Q = _simple_lumped_q(parts, pair_a[rows], pair_b[rows])
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
