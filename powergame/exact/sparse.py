"""Large joint chains as sparse matrices, one pair at a time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from powergame.exact.chains import _joint_figures
from powergame.exact.curves import _CurveGroup
from powergame.exact.limits import MAX_SPARSE_NONZEROS, _refuse
from powergame.exact.series import _curve_length, _per_round_weights
from powergame.exact.solve import _figures
from powergame.exact.tables import _TableArrays
from powergame.game import Game


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
