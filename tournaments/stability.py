"""Stability read-outs on a payoff matrix: Nash, strict Nash and evolutionarily stable
strategies (Maynard Smith 1982), strict Nash pairs of the bimatrix (the evolutionarily
stable states of two populations, Selten 1980), and strategies no single mutant beats in a
finite population (Nowak, Sasaki, Taylor & Fudenberg 2004).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOLERANCE = 1e-9  # payoffs closer than this (relative to the largest) count as equal


def _tolerance(*matrices: np.ndarray) -> float:
    scale = max(1.0, *(float(np.max(np.abs(m))) for m in matrices))
    return TOLERANCE * scale


def symmetric_stability(m: np.ndarray) -> pd.DataFrame:
    """Per strategy i of the symmetric game m: ``nash`` (m[i,i] >= m[j,i] for every j),
    ``strict_nash`` (> for every j != i) and ``ess`` (for every j != i: m[i,i] > m[j,i], or
    m[i,i] == m[j,i] and m[i,j] > m[j,j])."""
    m = np.asarray(m, dtype=float)
    tol = _tolerance(m)
    own = np.diag(m)
    # gain[i, j]: what a j-mutant earns against i beyond what i earns against itself
    gain = m.T - own[:, None]
    others = ~np.eye(len(own), dtype=bool)
    nash = (gain <= tol).all(axis=1)
    strict = ((gain < -tol) | ~others).all(axis=1)
    second = m - own[None, :]  # second[i, j] = m[i, j] - m[j, j]
    tie = np.abs(gain) <= tol
    ess = (((gain < -tol) | (tie & (second > tol))) | ~others).all(axis=1)
    return pd.DataFrame({"nash": nash, "strict_nash": strict, "ess": ess})


def strict_nash_pairs(a: np.ndarray, b: np.ndarray) -> list[tuple[int, int]]:
    """(i, j) where A playing i and B playing j is a strict Nash equilibrium of the
    bimatrix: i is A's unique best answer to j and j is B's unique best answer to i."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    tol = _tolerance(a, b)
    n = a.shape[0]
    if n == 1:
        return [(0, 0)]
    best_row = np.argmax(a, axis=0)  # A's best answer to each column j
    sorted_a = np.sort(a, axis=0)
    row_unique = sorted_a[-1] - sorted_a[-2] > tol
    best_col = np.argmax(b, axis=1)  # B's best answer to each row i
    sorted_b = np.sort(b, axis=1)
    col_unique = sorted_b[:, -1] - sorted_b[:, -2] > tol
    return [
        (int(best_row[j]), j)
        for j in range(n)
        if row_unique[j] and col_unique[best_row[j]] and best_col[best_row[j]] == j
    ]


def unbeatable(rho: np.ndarray, population_size: int) -> np.ndarray:
    """[i]: no single mutant of any other strategy fixes in an i-population more often than
    a neutral one (rho[i, j] <= 1/N for every j != i)."""
    others = ~np.eye(rho.shape[0], dtype=bool)
    neutral = (1.0 + TOLERANCE) / population_size  # a neutral mutant's 1/N, up to rounding
    return np.asarray(((rho <= neutral) | ~others).all(axis=1))
