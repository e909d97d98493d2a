"""Finite populations: fixation probabilities by the exact formulas, and the stationary
distribution over monomorphic populations when mutations are rare.

A population of N plays the symmetric game m (m[i, j]: i's payoff against j), everybody
against everybody else (no self-interaction). With k mutants j among N - k residents i:

    pi_j(k) = ((k - 1) m[j, j] + (N - k) m[j, i]) / (N - 1)
    pi_i(k) = (k m[i, j] + (N - k - 1) m[i, i]) / (N - 1)

Both processes are birth-death chains in k, so a single mutant fixes with probability

    rho[i, j] = 1 / (1 + sum_{l=1}^{N-1} prod_{k=1}^{l} T-(k) / T+(k))

(Nowak 2006, Evolutionary Dynamics, ch. 6; Traulsen, Nowak & Pacheco 2006), where

- Moran (frequency dependent, Nowak, Sasaki, Taylor & Fudenberg 2004): fitness
  f = 1 - w + w pi, T-/T+ = f_i(k) / f_j(k);
- pairwise comparison (Fermi, Traulsen et al. 2006): imitation with probability
  1 / (1 + exp(-beta (pi_model - pi_focal))), T-/T+ = exp(-beta (pi_j(k) - pi_i(k))).

(Moran with exponential fitness exp(beta pi) has the same ratio T-/T+ as Fermi, hence the
same fixation probabilities; the linear fitness gives the second, different process.)

Every (resident, mutant) pair at once: arrays of shape (residents, mutants, N - 1), summed
in log space (no overflow for strong selection).
"""

from __future__ import annotations

import math

import numpy as np

from powergame.errors import ParameterError

CHUNK_CELLS = 4_000_000  # floats per block of the (residents, mutants, N - 1) arrays


def check_population_size(population_size: int) -> int:
    if (
        isinstance(population_size, bool)
        or not isinstance(population_size, (int, np.integer))
        or population_size < 2
    ):
        raise ParameterError("--population-size", population_size, "must be a whole number >= 2")
    return int(population_size)


def check_beta(beta: float) -> float:
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not math.isfinite(beta) or beta < 0:
        raise ParameterError("--beta", beta, "must be a number >= 0 (0: neutral drift)")
    return float(beta)


def default_moran_w(m: np.ndarray) -> float:
    """w = 1 (fitness = payoff, as in the discrete replicator) when every payoff is positive;
    otherwise the w that keeps every fitness at least 1/2."""
    low = float(np.min(m))
    return 1.0 if low > 0 else 1.0 / (2.0 * (1.0 - low))


def check_moran_w(w: float, m: np.ndarray) -> float:
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or not 0 <= w <= 1:
        raise ParameterError("--moran-w", w, "must be a number in [0, 1]")
    low = float(np.min(m))
    if 1.0 - w + w * low <= 0:
        raise ParameterError(
            "--moran-w",
            w,
            f"makes a fitness 1 - w + w*payoff <= 0 (smallest payoff {low:.4g}); use w < {1.0 / (1.0 - low):.4g}",
        )
    return float(w)


def _payoffs(m: np.ndarray, rows: slice, population_size: int) -> tuple[np.ndarray, np.ndarray]:
    """pi_mutant and pi_resident for residents ``rows``, every mutant, k = 1..N-1."""
    n_pop = population_size
    k = np.arange(1, n_pop, dtype=float)
    diag = np.diag(m)
    m_ij = m[rows, :][:, :, None]  # resident i against mutant j
    m_ji = m.T[rows, :][:, :, None]  # mutant j against resident i
    m_ii = diag[rows][:, None, None]
    m_jj = diag[None, :, None]
    mutant = ((k - 1) * m_jj + (n_pop - k) * m_ji) / (n_pop - 1)
    resident = (k * m_ij + (n_pop - k - 1) * m_ii) / (n_pop - 1)
    return mutant, resident


def _log_fixation(log_ratios: np.ndarray) -> np.ndarray:
    """log rho from log(T-/T+) per k (last axis): -log(1 + sum_l exp(sum_{k<=l} ...))."""
    partial = np.cumsum(log_ratios, axis=-1)
    top = np.maximum(partial.max(axis=-1), 0.0)
    total = np.exp(-top) + np.exp(partial - top[..., None]).sum(axis=-1)
    return -(top + np.log(total))


def fixation_probabilities(
    m: np.ndarray, population_size: int, process: str = "fermi", beta: float = 1.0, w: float | None = None
) -> np.ndarray:
    """rho[i, j]: the chance that one j-mutant takes over a population of N - 1 i's, for
    every pair (the diagonal is the neutral 1/N), under ``process`` "fermi" (intensity
    ``beta``) or "moran" (fitness 1 - w + w payoff; ``w`` default ``default_moran_w``)."""
    m = np.asarray(m, dtype=float)
    n_pop = check_population_size(population_size)
    if process == "fermi":
        beta = check_beta(beta)
    elif process == "moran":
        w = check_moran_w(default_moran_w(m) if w is None else w, m)
    else:
        raise ParameterError("process", process, "must be 'fermi' or 'moran'")
    n = m.shape[0]
    out = np.empty((n, n))
    block = max(1, CHUNK_CELLS // max(1, n * (n_pop - 1)))
    for start in range(0, n, block):
        rows = slice(start, min(n, start + block))
        mutant, resident = _payoffs(m, rows, n_pop)
        if process == "fermi":
            log_ratios = -beta * (mutant - resident)
        else:
            assert w is not None
            log_ratios = np.log1p(w * (resident - 1.0)) - np.log1p(w * (mutant - 1.0))
        out[rows] = np.exp(_log_fixation(log_ratios))
    np.fill_diagonal(out, 1.0 / n_pop)
    return out


def single_mutant_disadvantaged(m: np.ndarray, population_size: int) -> np.ndarray:
    """[i, j]: a single j-mutant earns less than the i-residents (pi_j(1) < pi_i(1), i.e.
    (N - 1) m[j, i] < m[i, j] + (N - 2) m[i, i]), the first condition of ESS_N (Nowak et al. 2004)."""
    m = np.asarray(m, dtype=float)
    n_pop = check_population_size(population_size)
    mutant = m.T
    resident = (m + (n_pop - 2) * np.diag(m)[:, None]) / (n_pop - 1)
    return np.asarray(mutant < resident)


def transition_matrix(rho: np.ndarray) -> np.ndarray:
    """The embedded chain over monomorphic populations with rare mutations (Fudenberg &
    Imhof 2006): from i, a mutant of one of the n - 1 other strategies (uniformly) arises
    and fixes with rho[i, j]; otherwise the population stays i."""
    n = rho.shape[0]
    if n == 1:
        return np.ones((1, 1))
    moves = rho / (n - 1)
    np.fill_diagonal(moves, 0.0)
    np.fill_diagonal(moves, 1.0 - moves.sum(axis=1))
    return moves


def stationary_distribution(rho: np.ndarray) -> np.ndarray:
    """The stationary distribution of ``transition_matrix(rho)``, by the
    Grassmann-Taksar-Heyman elimination (no subtractions, so tiny fixation probabilities
    keep their precision). ParameterError when the chain falls apart into parts (some
    probabilities underflowed to 0: selection too strong for this population size)."""
    n = rho.shape[0]
    if n == 1:
        return np.ones(1)
    p = rho / (n - 1)
    p = p.astype(float).copy()
    np.fill_diagonal(p, 0.0)
    for k in range(n - 1, 0, -1):
        out_below = p[k, :k].sum()
        if out_below <= 0:
            raise ParameterError(
                "fixation probabilities",
                "some 0 in floating point",
                "the rare-mutation chain then has no unique stationary distribution; "
                "use a smaller --beta (or --population-size)",
            )
        p[:k, k] /= out_below
        p[:k, :k] += np.outer(p[:k, k], p[k, :k])
    pi = np.zeros(n)
    pi[0] = 1.0
    for k in range(1, n):
        pi[k] = pi[:k] @ p[:k, k]
    return pi / pi.sum()
