"""The payoff matrix of a tournament: mean score per round of the horizon for each
(strategy as A, strategy as B), with standard errors, from the per-match table.

Conventions (docs/dynamics.md): ``a[i, j]`` is what strategy i earns as A against
strategy j as B, ``b[i, j]`` what strategy j earns as B against strategy i as A (the
bimatrix (a, b), rows the A role, columns the B role). Simulated results give each cell's
standard error (standard deviation of the per-match scores over the root of their number;
NaN for a single match); exact results give expectations, standard error 0.

When the game is symmetric a round robin plays each pair of strategies in one role
assignment only; the other assignment is then filled by swapping the roles (``mirrored``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from powergame.errors import ParameterError

from .storage import MATCHES_FILE

NEEDED_COLUMNS = ("strategy_a", "strategy_b", "score_a", "score_b")


@dataclass(frozen=True)
class Payoffs:
    """The bimatrix of a tournament (see the module docstring)."""

    strategies: tuple[str, ...]
    a: np.ndarray
    b: np.ndarray
    se_a: np.ndarray
    se_b: np.ndarray
    samples: np.ndarray  # matches behind each cell (of the role assignment it came from)
    mirrored: np.ndarray  # True where the cell was filled from the other role assignment
    se_self: np.ndarray  # standard error of self-play's mean score over both sides, per strategy
    exact: bool
    families: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return len(self.strategies)

    @property
    def noise_known(self) -> bool:
        """True when every cell has a standard error (0 for exact results)."""
        return bool(np.isfinite(self.se_a).all() and np.isfinite(self.se_b).all())

    @property
    def noisy(self) -> bool:
        """True when some payoff carries sampling error (simulated results)."""
        return not self.exact

    def symmetric(self) -> np.ndarray:
        """The one-population game: each individual plays either role with chance 1/2, so
        ``m[i, j] = (a[i, j] + b[j, i]) / 2``, i's mean score per round against j."""
        return (self.a + self.b.T) / 2.0

    def symmetric_se(self) -> np.ndarray:
        """Standard errors of ``symmetric()``: the two roles' errors combined as independent,
        as one (the same matches) where a cell is mirrored, and self-play's own."""
        independent = np.sqrt(self.se_a**2 + self.se_b.T**2) / 2.0
        same_matches = np.where(self.mirrored, self.se_a, self.se_b.T)
        se = np.where(self.mirrored | self.mirrored.T, same_matches, independent)
        np.fill_diagonal(se, self.se_self)
        return se

    def perturbed(self, rng: np.random.Generator) -> Payoffs:
        """One draw of the payoffs within their sampling error (independent normal errors of
        the measured cells; a mirrored cell moves with its source). Exact payoffs are returned
        unchanged."""
        if self.exact:
            return self
        base_a = self.a + np.nan_to_num(self.se_a) * rng.standard_normal(self.a.shape)
        base_b = self.b + np.nan_to_num(self.se_b) * rng.standard_normal(self.b.shape)
        new_a = np.where(self.mirrored, base_b.T, base_a)
        new_b = np.where(self.mirrored, base_a.T, base_b)
        return replace(self, a=new_a, b=new_b)

    def table(self) -> pd.DataFrame:
        """The long form: one row per (strategy_a, strategy_b) with both scores and errors."""
        n = self.size
        rows_a = np.repeat(np.arange(n), n)
        rows_b = np.tile(np.arange(n), n)
        names = np.array(self.strategies, dtype=object)
        return pd.DataFrame(
            {
                "strategy_a": names[rows_a],
                "strategy_b": names[rows_b],
                "score_a": self.a.ravel(),
                "se_a": self.se_a.ravel(),
                "score_b": self.b.ravel(),
                "se_b": self.se_b.ravel(),
                "matches": self.samples.ravel(),
                "mirrored": self.mirrored.ravel(),
            }
        )


def from_matrix(matrix: np.ndarray | list[list[float]], strategies: list[str] | None = None) -> Payoffs:
    """Exact payoffs of a symmetric game given as a square matrix ``m[i, j]`` (i's payoff
    against j): ``a = m``, ``b = m.T``, no sampling error."""
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 1:
        raise ParameterError("payoff matrix", m.shape, "must be square, at least 1 x 1")
    return from_bimatrix(m, m.T, strategies)


def from_bimatrix(
    a: np.ndarray | list[list[float]], b: np.ndarray | list[list[float]], strategies: list[str] | None = None
) -> Payoffs:
    """Exact payoffs of a bimatrix game: ``a[i, j]`` to A playing i against B playing j,
    ``b[i, j]`` to B playing j against A playing i."""
    a_, b_ = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = a_.shape[0]
    if a_.shape != (n, n) or b_.shape != (n, n):
        raise ParameterError("payoff matrices", (a_.shape, b_.shape), "must be square and of one size")
    names = tuple(strategies) if strategies is not None else tuple(f"s{i}" for i in range(n))
    if len(names) != n:
        raise ParameterError("strategies", list(names), f"must name the {n} rows of the matrix")
    zeros = np.zeros((n, n))
    return Payoffs(
        strategies=names,
        a=a_,
        b=b_,
        se_a=zeros,
        se_b=zeros,
        samples=np.ones((n, n), dtype=np.int64),
        mirrored=np.zeros((n, n), dtype=bool),
        se_self=np.zeros(n),
        exact=True,
    )


def payoffs_from_matches(matches: pd.DataFrame) -> Payoffs:
    """The payoff matrix of a per-match table (simulated or exact)."""
    missing = [c for c in NEEDED_COLUMNS if c not in matches.columns]
    if missing:
        raise ParameterError(
            "matches",
            f"a table lacking {', '.join(missing)}",
            "a per-match table of `powergame run` (strategy_a, strategy_b, score_a, score_b)",
        )
    if matches.empty:
        raise ParameterError("matches", "an empty table", "at least one match")
    exact = "exact" in matches.columns and bool(matches["exact"].fillna(False).astype(bool).any())
    frame = pd.DataFrame(
        {
            "strategy_a": matches["strategy_a"].astype(str).to_numpy(),
            "strategy_b": matches["strategy_b"].astype(str).to_numpy(),
            "score_a": pd.to_numeric(matches["score_a"]).astype(float).to_numpy(),
            "score_b": pd.to_numeric(matches["score_b"]).astype(float).to_numpy(),
        }
    )
    names = _strategy_order(matches)
    index = {name: i for i, name in enumerate(names)}
    n = len(names)
    grouped = frame.groupby(["strategy_a", "strategy_b"], sort=False)
    stats = grouped.agg(
        mean_a=("score_a", "mean"),
        mean_b=("score_b", "mean"),
        sd_a=("score_a", "std"),
        sd_b=("score_b", "std"),
        count=("score_a", "size"),
    ).reset_index()
    rows = stats["strategy_a"].map(index).to_numpy()
    cols = stats["strategy_b"].map(index).to_numpy()
    a = np.full((n, n), np.nan)
    b = np.full((n, n), np.nan)
    se_a = np.full((n, n), np.nan)
    se_b = np.full((n, n), np.nan)
    samples = np.zeros((n, n), dtype=np.int64)
    counts = stats["count"].to_numpy()
    a[rows, cols] = stats["mean_a"].to_numpy()
    b[rows, cols] = stats["mean_b"].to_numpy()
    if exact:
        se_a[rows, cols] = 0.0
        se_b[rows, cols] = 0.0
    else:
        se_a[rows, cols] = stats["sd_a"].to_numpy() / np.sqrt(counts)
        se_b[rows, cols] = stats["sd_b"].to_numpy() / np.sqrt(counts)
    samples[rows, cols] = counts
    measured = samples > 0
    if not measured.diagonal().all():
        lacking = [names[i] for i in np.flatnonzero(~measured.diagonal())[:3]]
        raise ParameterError(
            "results",
            f"no self-play for {', '.join(lacking)}",
            "dynamics need every strategy against itself: run the spec with self_play = true",
        )
    mirrored = ~measured & measured.T
    absent = ~measured & ~measured.T
    if absent.any():
        i, j = np.argwhere(absent)[0]
        raise ParameterError(
            "results",
            f"no match between {names[i]} and {names[j]}",
            "dynamics need every pair of strategies to have met (a full round robin)",
        )
    a = np.where(mirrored, b.T, a)
    b_filled = np.where(mirrored, a.T, b)
    se_a, se_b = np.where(mirrored, se_b.T, se_a), np.where(mirrored, se_a.T, se_b)
    samples = np.where(mirrored, samples.T, samples)
    se_self = _self_play_se(frame, names, exact)
    return Payoffs(
        strategies=tuple(names),
        a=a,
        b=b_filled,
        se_a=se_a,
        se_b=se_b,
        samples=samples,
        mirrored=mirrored,
        se_self=se_self,
        exact=exact,
        families=_families(matches, names),
    )


def _strategy_order(matches: pd.DataFrame) -> list[str]:
    """Strategies in the order they first appear (the spec's order for a round robin)."""
    seen: dict[str, None] = {}
    for a, b in zip(matches["strategy_a"].astype(str), matches["strategy_b"].astype(str)):
        seen.setdefault(a)
        seen.setdefault(b)
    return list(seen)


def _self_play_se(frame: pd.DataFrame, names: list[str], exact: bool) -> np.ndarray:
    if exact:
        return np.zeros(len(names))
    own = frame[frame["strategy_a"] == frame["strategy_b"]]
    both = (own["score_a"] + own["score_b"]) / 2.0
    grouped = both.groupby(own["strategy_a"])
    se = grouped.std() / np.sqrt(grouped.size())
    return se.reindex(names).to_numpy(dtype=float)


def _families(matches: pd.DataFrame, names: list[str]) -> tuple[str, ...]:
    if "family_a" not in matches.columns or "family_b" not in matches.columns:
        return ()
    family: dict[str, str] = {}
    for side in ("a", "b"):
        for name, fam in zip(matches[f"strategy_{side}"].astype(str), matches[f"family_{side}"].astype(str)):
            family.setdefault(name, fam)
    return tuple(family.get(name, "neutral") for name in names)


def load_payoffs(folder: str | os.PathLike[str]) -> Payoffs:
    """The payoff matrix of a results folder written by ``powergame run`` (reads only the
    columns it needs). A folder of another kind is a ParameterError saying so."""
    import pyarrow.parquet as pq

    path = Path(folder)
    if not path.is_dir():
        raise ParameterError(
            "results folder", str(folder), "must be an existing folder written by `powergame run`"
        )
    file = path / MATCHES_FILE
    if not file.is_file():
        raise ParameterError(
            "results folder",
            str(folder),
            f"must hold {MATCHES_FILE} (the per-match table of a finished `powergame run`)",
        )
    try:
        present = set(pq.read_schema(file).names)
    except (OSError, ValueError) as exc:
        raise ParameterError(
            "results folder", str(folder), f"must hold a readable {MATCHES_FILE} ({type(exc).__name__})"
        ) from None
    missing = [c for c in NEEDED_COLUMNS if c not in present]
    if missing:
        raise ParameterError(
            "results folder",
            str(folder),
            f"holds results of another kind (its {MATCHES_FILE} has no {', '.join(missing)}); "
            "dynamics need the round-robin results of `powergame run`",
        )
    wanted = list(NEEDED_COLUMNS) + [c for c in ("family_a", "family_b", "exact") if c in present]
    frame = pq.read_table(file, columns=wanted).to_pandas()
    return payoffs_from_matches(frame)
