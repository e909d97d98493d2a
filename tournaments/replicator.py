"""Replicator dynamics on a payoff matrix: shares of strategies over generations.

- Discrete (Axelrod 1984, the "ecological tournament"): each generation a strategy's share
  is multiplied by its fitness, its mean score against the current population, and the
  shares renormalised: x_i' = x_i f_i / sum_k x_k f_k with f = m x. Fitness must be
  non-negative; when some payoff is negative, every payoff is shifted up by one constant so
  the smallest is 0 (reported as ``shift``), which moves no rest point.
- Continuous: dx_i/dt = x_i (f_i - x.f), integrated over ``generations`` time units.
- Two populations (asymmetric games): the A-role shares x and the B-role shares y evolve
  on the bimatrix, A's fitness a y, B's fitness b^T x.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from powergame.errors import ParameterError

SHARE_TOLERANCE = 1e-6
SURVIVOR_SHARE = 0.01  # a strategy "survives" with at least this share at the end
CONVERGED_SHARE = 0.99  # a population "converges to" a strategy holding this much
SETTLED_STEP = 1e-6  # no share moved more than this in the last generation


@dataclass(frozen=True)
class Trajectory:
    """Shares per generation (rows: generation 0..G, columns: strategies)."""

    strategies: tuple[str, ...]
    shares: np.ndarray
    continuous: bool
    shift: float = 0.0

    @property
    def final(self) -> np.ndarray:
        return self.shares[-1]

    def survivors(self, threshold: float = SURVIVOR_SHARE) -> list[tuple[str, float]]:
        """(strategy, final share) for every share at least ``threshold``, largest first."""
        order = np.argsort(-self.final, kind="stable")
        return [(self.strategies[i], float(self.final[i])) for i in order if self.final[i] >= threshold]

    def converged_to(self, threshold: float = CONVERGED_SHARE) -> str | None:
        """The strategy holding at least ``threshold`` of the population at the end, if any."""
        top = int(np.argmax(self.final))
        return self.strategies[top] if self.final[top] >= threshold else None

    @property
    def settled(self) -> bool:
        """True when no share moved more than ``SETTLED_STEP`` in the last generation."""
        if len(self.shares) < 2:
            return False
        return bool(np.abs(self.shares[-1] - self.shares[-2]).max() <= SETTLED_STEP)

    def winner(self) -> str:
        """The strategy with the largest final share (first in order on a tie)."""
        return self.strategies[int(np.argmax(self.final))]


def check_shares(shares: Sequence[float] | np.ndarray, size: int, name: str = "shares") -> np.ndarray:
    """``shares`` as an array of ``size`` non-negative numbers summing to 1 (ParameterError
    otherwise)."""
    x = np.asarray(shares, dtype=float)
    if x.shape != (size,):
        raise ParameterError(
            name, np.atleast_1d(x).tolist(), f"must give one share for each of the {size} strategies"
        )
    if not np.isfinite(x).all() or (x < 0).any():
        raise ParameterError(name, x.tolist(), "must be numbers >= 0")
    total = float(x.sum())
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ParameterError(name, f"shares summing to {total:.6g}", "shares must sum to 1")
    return x / total


def check_generations(generations: int) -> int:
    if isinstance(generations, bool) or not isinstance(generations, (int, np.integer)) or generations < 1:
        raise ParameterError("--generations", generations, "must be a whole number >= 1")
    return int(generations)


def fitness_shift(*matrices: np.ndarray) -> float:
    """0 when no payoff is negative, else the constant that makes the smallest one 0."""
    low = min(float(np.min(m)) for m in matrices)
    return 0.0 if low >= 0 else -low


def _renormalise(x: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """x / sum(x); the previous shares when everyone present earns 0 (nothing to select on)."""
    total = x.sum()
    return x / total if total > 0 else previous


def discrete(
    m: np.ndarray, generations: int, start: np.ndarray | None = None, strategies: Sequence[str] = ()
) -> Trajectory:
    """Axelrod's discrete replicator on the square matrix ``m`` (one population)."""
    generations = check_generations(generations)
    n = m.shape[0]
    x = check_shares(start, n) if start is not None else np.full(n, 1.0 / n)
    shift = fitness_shift(m)
    fit = m + shift
    out = np.empty((generations + 1, n))
    out[0] = x
    for g in range(1, generations + 1):
        x = _renormalise(x * (fit @ x), x)
        out[g] = x
    return Trajectory(_names(strategies, n), out, continuous=False, shift=shift)


def continuous(
    m: np.ndarray, generations: int, start: np.ndarray | None = None, strategies: Sequence[str] = ()
) -> Trajectory:
    """The continuous replicator dx_i/dt = x_i ((m x)_i - x.m x), sampled at t = 0..generations."""
    from scipy.integrate import solve_ivp

    generations = check_generations(generations)
    n = m.shape[0]
    x0 = check_shares(start, n) if start is not None else np.full(n, 1.0 / n)

    def field(_t: float, x: np.ndarray) -> np.ndarray:
        f = m @ x
        return x * (f - x @ f)

    times = np.arange(generations + 1, dtype=float)
    solution = solve_ivp(field, (0.0, float(generations)), x0, t_eval=times, rtol=1e-8, atol=1e-11)
    shares = np.clip(solution.y.T, 0.0, None)
    shares /= shares.sum(axis=1, keepdims=True)
    return Trajectory(_names(strategies, n), shares, continuous=True)


def one_population(
    m: np.ndarray,
    generations: int,
    start: np.ndarray | None = None,
    strategies: Sequence[str] = (),
    is_continuous: bool = False,
) -> Trajectory:
    """The discrete or continuous replicator of one population."""
    run = continuous if is_continuous else discrete
    return run(m, generations, start, strategies)


def two_populations(
    a: np.ndarray,
    b: np.ndarray,
    generations: int,
    start_a: np.ndarray | None = None,
    start_b: np.ndarray | None = None,
    strategies: Sequence[str] = (),
    is_continuous: bool = False,
) -> tuple[Trajectory, Trajectory]:
    """The replicator of the A-role and the B-role populations on the bimatrix (a, b)."""
    generations = check_generations(generations)
    n = a.shape[0]
    x = check_shares(start_a, n, "A-role shares") if start_a is not None else np.full(n, 1.0 / n)
    y = check_shares(start_b, n, "B-role shares") if start_b is not None else np.full(n, 1.0 / n)
    names = _names(strategies, n)
    if is_continuous:
        from scipy.integrate import solve_ivp

        def field(_t: float, z: np.ndarray) -> np.ndarray:
            xs, ys = z[:n], z[n:]
            fa, fb = a @ ys, b.T @ xs
            return np.concatenate([xs * (fa - xs @ fa), ys * (fb - ys @ fb)])

        times = np.arange(generations + 1, dtype=float)
        solution = solve_ivp(
            field, (0.0, float(generations)), np.concatenate([x, y]), t_eval=times, rtol=1e-8, atol=1e-11
        )
        z = np.clip(solution.y.T, 0.0, None)
        xs_all, ys_all = z[:, :n], z[:, n:]
        xs_all /= xs_all.sum(axis=1, keepdims=True)
        ys_all /= ys_all.sum(axis=1, keepdims=True)
        return Trajectory(names, xs_all, True), Trajectory(names, ys_all, True)
    shift = fitness_shift(a, b)
    fa_m, fb_m = a + shift, (b + shift).T
    xs_all = np.empty((generations + 1, n))
    ys_all = np.empty((generations + 1, n))
    xs_all[0], ys_all[0] = x, y
    for g in range(1, generations + 1):
        x, y = _renormalise(x * (fa_m @ y), x), _renormalise(y * (fb_m @ x), y)
        xs_all[g], ys_all[g] = x, y
    return Trajectory(names, xs_all, False, shift), Trajectory(names, ys_all, False, shift)


def _names(strategies: Sequence[str], n: int) -> tuple[str, ...]:
    return tuple(strategies) if len(strategies) == n else tuple(f"s{i}" for i in range(n))
