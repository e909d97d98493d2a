"""Solving a group of stacked chains: visits to each state, then every figure."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from powergame.exact.chains import _Chain
from powergame.exact.curves import _CurveGroup
from powergame.exact.paths import _path_series, _path_visits_discounted, _path_visits_fixed, _trace
from powergame.exact.series import _curve_length, _per_round_weights
from powergame.exact.tables import _MIRRORED
from powergame.exact.walk import _PowerWalk, _visits_discounted
from powergame.game import Game

PerState = (
    dict[str, np.ndarray] | np.ndarray
)  # by name, or stacked (N, figures in PER_STATE order, S); see _expect


def _solve(game: Game, chain: _Chain, ids: np.ndarray) -> tuple[dict[str, np.ndarray], _CurveGroup]:
    """The figures of every pair of a group (pairs ``ids``) and its survival curves."""
    return _solve_with(game, chain.figures, chain, ids)


def _solve_with(
    game: Game, per_state: PerState, chain: _Chain, ids: np.ndarray
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


def _solve_mirrored(
    game: Game,
    per_state: PerState,
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
    visits[swapped] = visits[swapped][:, _MIRRORED]
    if weighted is not None:
        weighted = weighted[rows]
        weighted[swapped] = weighted[swapped][:, _MIRRORED]
    return _figures(game, per_state, visits, weighted), _CurveGroup(
        ids, curves.length, rows_of=(curves, rows), trim=curves.trim
    )


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


def _expect(per_state: PerState, visits: np.ndarray, names: tuple[str, ...] = PER_STATE) -> list[np.ndarray]:
    """sum_s visits[n, s] per_state[name][n, s] for each name, (N,) each: for a few pairs
    (or figures given stacked) in one contraction of the stacked figures, for many without
    the stacking copy."""
    if isinstance(per_state, np.ndarray):
        assert names == PER_STATE[: len(names)], "stacked figures are read by position"
        sums = list(np.einsum("nfs,ns->fn", per_state[:, : len(names)], visits))
        if len(sums) < len(names):  # stacked figures may stop before the stake, then 1 in every state
            sums.append(visits.sum(axis=1))
        return sums
    if len(visits) < 256:
        return list(np.einsum("nfs,ns->fn", np.stack([per_state[name] for name in names], axis=1), visits))
    return [np.einsum("ns,ns->n", per_state[name], visits) for name in names]


def _figures(
    game: Game, per_state: PerState, visits: np.ndarray, weighted: np.ndarray | None
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
