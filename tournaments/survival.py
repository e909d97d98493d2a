"""How long relationships last: Kaplan-Meier curves and the log-rank test.

A relationship's duration is its number of rounds together. A relationship nobody left
is right-censored at its horizon: we only know it would have lasted at least that long.
The product-limit estimator, its log-log interval and the log-rank statistic are computed
here with numpy, as ``scipy.stats.ecdf`` and ``scipy.stats.logrank`` compute them (the
tests compare both), so that a run's summary does not import scipy.stats.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .distributions import normal_quantile, normal_two_sided_p

Durations = Sequence[float] | npt.ArrayLike
Flags = Sequence[bool] | npt.ArrayLike

if TYPE_CHECKING:
    import pandas as pd

SURVIVAL_COLUMNS = ["time", "survival", "ci_low", "ci_high", "at_risk", "events"]


def censored_data(durations: Durations, censored: Flags) -> Any:
    """A ``scipy.stats.CensoredData`` of durations, right-censored where ``censored``."""
    from scipy import stats

    times = np.asarray(durations, dtype=float)
    flags = np.asarray(censored, dtype=bool)
    return stats.CensoredData(uncensored=times[~flags], right=times[flags])


def kaplan_meier(durations: Durations, censored: Flags, confidence: float = 0.95) -> pd.DataFrame:
    """The Kaplan-Meier survival curve S(t) = P(duration > t) as a step table.

    One row per distinct observed time plus a first row at t = 0 (S = 1): ``time``,
    ``survival``, the pointwise ``ci_low``/``ci_high`` (log-log interval at
    ``confidence``; where it is undefined, e.g. once S = 0, the bound equals the
    estimate), ``at_risk`` (relationships still together just before ``time``) and
    ``events`` (exits at ``time``). Empty input gives an empty table.
    """
    import pandas as pd

    columns = kaplan_meier_columns(durations, censored, confidence)
    if columns is None:
        return pd.DataFrame(columns=SURVIVAL_COLUMNS)
    return pd.DataFrame(columns)


def kaplan_meier_columns(
    durations: Durations, censored: Flags, confidence: float | None = 0.95
) -> dict[str, np.ndarray] | None:
    """``kaplan_meier``'s table as numpy columns (None for empty input); without a
    ``confidence`` the interval columns are left out."""
    times = _times(durations)
    flags = np.asarray(censored, dtype=bool)
    if times.size == 0:
        return None
    grid, at_risk, events = _risk_table(times, flags)
    if not flags.all():
        estimate = np.cumprod((at_risk - events) / at_risk)
        if confidence is not None:
            low, high = _log_log_interval(estimate, at_risk, events, confidence)
            # where the interval is undefined (S = 0 or 1) the bounds are the estimate
            low = np.where(np.isnan(low), estimate, low)
            high = np.where(np.isnan(high), estimate, high)
    else:
        # Nobody left: the curve is flat at 1 (nothing to estimate).
        estimate = low = high = np.ones(grid.size)
    columns = {
        "time": np.concatenate([[0.0], grid]),
        "survival": np.concatenate([[1.0], estimate]),
    }
    if confidence is not None:
        columns["ci_low"] = np.concatenate([[1.0], low])
        columns["ci_high"] = np.concatenate([[1.0], high])
    columns["at_risk"] = np.concatenate([[times.size], at_risk]).astype(np.int64)
    columns["events"] = np.concatenate([[0], events]).astype(np.int64)
    return columns


def _times(durations: Durations) -> np.ndarray:
    """Durations as numpy: signed integers (rounds) as they are, unsigned ones as int64 when
    they fit (numpy before 2.2.4 does not count unsigned integers with ``bincount``),
    anything else as floats."""
    times = np.asarray(durations)
    if times.dtype.kind == "i":
        return times
    if times.dtype.kind == "u" and (not len(times) or int(times.max()) < 2**63):
        return times.astype(np.int64)
    return np.asarray(times, dtype=float)


def _rounds(times: np.ndarray) -> int | None:
    """For integer durations that are rounds (not negative, fewer than a few per
    relationship): the longest, so that they are counted per round; else None."""
    if times.dtype.kind != "i" or not len(times):
        return None
    low, top = int(times.min()), int(times.max())
    return top if low >= 0 and top <= 4 * len(times) + 1024 else None


def _risk_table(times: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct observed times, how many were still together just before each (at
    risk) and how many left at each (events)."""
    top = _rounds(times)
    if top is not None:  # counted per round: no index per relationship
        counts = np.bincount(times, minlength=top + 1)
        lasted = np.bincount(times[flags], minlength=top + 1)
        present = counts > 0
        at_risk = counts[present][::-1].cumsum()[::-1]
        return np.flatnonzero(present).astype(float), at_risk, (counts - lasted)[present]
    grid, index = _distinct_times(np.asarray(times, dtype=float))
    counts = np.bincount(index, minlength=grid.size)
    events = np.bincount(index, weights=~flags, minlength=grid.size).astype(np.int64)
    at_risk = counts[::-1].cumsum()[::-1]
    return grid, at_risk, events


def _distinct_times(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(times, return_inverse=True)``: by counting when the times are rounds
    (whole, not negative, fewer than a few per relationship), else by sorting."""
    if len(times) and not np.signbit(times).any():
        top = float(times.max())
        if top <= 4 * len(times) + 1024 and bool(np.all(times == np.floor(times))):
            rounds = times.astype(np.intp)
            present = np.bincount(rounds, minlength=int(top) + 1) > 0
            position = np.cumsum(present) - 1
            return np.flatnonzero(present).astype(float), position[rounds]
    grid, index = np.unique(times, return_inverse=True)
    return grid, index.reshape(-1)


def _log_log_interval(
    estimate: np.ndarray, at_risk: np.ndarray, events: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Greenwood's variance on the log(-log S) scale (NaN where undefined)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = 1 / np.log(estimate) ** 2 * np.cumsum(events / (at_risk * (at_risk - events)))
        spread = normal_quantile(0.5 + confidence / 2) * np.sqrt(variance)
        centre = np.log(-np.log(estimate))
        return np.exp(-np.exp(centre + spread)), np.exp(-np.exp(centre - spread))


def survival_at(curve: pd.DataFrame, t: float) -> float:
    """S(t) read off a curve from ``kaplan_meier`` (right-continuous step function)."""
    rows = curve[curve["time"] <= t]
    return float(rows["survival"].iloc[-1]) if len(rows) else 1.0


def median_survival(curve: pd.DataFrame) -> float | None:
    """The first time at which S(t) <= 0.5, or None when the curve never gets there."""
    below = curve[curve["survival"] <= 0.5]
    return float(below["time"].iloc[0]) if len(below) else None


def _log_rank_z(times_a: np.ndarray, flags_a: np.ndarray, times_b: np.ndarray, flags_b: np.ndarray) -> float:
    """(O_a - E_a) / sqrt(V) over the times at which someone left (scipy.stats.logrank's
    statistic); nan or inf when V is 0."""
    top_a, top_b = _rounds(times_a), _rounds(times_b)
    if top_a is not None and top_b is not None:  # counted per round: no joined copy, no sort
        size = max(top_a, top_b) + 1
        counts_a, counts_b = np.bincount(times_a, minlength=size), np.bincount(times_b, minlength=size)
        lasted = np.bincount(times_a[flags_a], minlength=size) + np.bincount(times_b[flags_b], minlength=size)
        counts = counts_a + counts_b
        present = counts > 0
        grid = np.flatnonzero(present).astype(float)
        at_risk = counts[present][::-1].cumsum()[::-1]
        events = (counts - lasted)[present]
        # at risk in group a just before each time: group a's durations at or after it
        at_risk_a = counts_a[::-1].cumsum()[::-1][present]
    else:
        times_a, times_b = np.asarray(times_a, dtype=float), np.asarray(times_b, dtype=float)
        grid, at_risk, events = _risk_table(
            np.concatenate([times_a, times_b]), np.concatenate([flags_a, flags_b])
        )
        sorted_a = np.sort(times_a)
        at_risk_a = sorted_a.size - np.searchsorted(sorted_a, grid, side="left")
    observed = events > 0
    grid, at_risk, events, at_risk_a = (
        grid[observed],
        at_risk[observed],
        events[observed],
        at_risk_a[observed],
    )
    at_risk_b = at_risk - at_risk_a
    several = at_risk > 1
    spread = _product(at_risk_a, at_risk_b, events, at_risk - events)
    variance = np.sum(spread[several] / _product(at_risk, at_risk, at_risk - 1)[several])
    expected_a = np.sum(at_risk_a * (events / at_risk))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((int((~flags_a).sum()) - expected_a) / np.sqrt(variance))


def _product(*factors: np.ndarray) -> np.ndarray:
    """The product of integer arrays, as floats: the integer product rounded once where it
    fits in 64 bits (the figures of earlier releases), the product of the floats where it
    does not (from about 100,000 relationships at risk, which an int64 product wraps)."""
    whole = functools.reduce(np.multiply, factors)
    approximate = functools.reduce(np.multiply, [np.asarray(factor, dtype=float) for factor in factors])
    found: np.ndarray = np.where(np.abs(approximate) < 2.0**62, whole, approximate)
    return found


@dataclass(frozen=True)
class LogRankResult:
    """A log-rank comparison of two groups of durations: the statistic z = (O_a - E_a) /
    sqrt(V) (standard normal under equal survival; positive when group a has more exits
    than expected, i.e. its relationships end sooner), its two-sided p-value and the group
    sizes and exits."""

    group_a: str
    group_b: str
    statistic: float | None
    p_value: float | None
    size_a: int
    size_b: int
    exits_a: int
    exits_b: int

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready data."""
        return {
            "group_a": self.group_a,
            "group_b": self.group_b,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "size_a": self.size_a,
            "size_b": self.size_b,
            "exits_a": self.exits_a,
            "exits_b": self.exits_b,
        }


def log_rank(
    durations_a: Durations,
    censored_a: Flags,
    durations_b: Durations,
    censored_b: Flags,
    names: tuple[str, str] = ("a", "b"),
) -> LogRankResult:
    """Log-rank test of equal survival between two groups (two-sided).

    The statistic and p-value are None when the test is undefined: a group is empty,
    nobody in either group left (no exit to compare), or the statistic has no variance
    (e.g. every relationship of both groups ended in the same round).
    """
    flags_a = np.asarray(censored_a, dtype=bool)
    flags_b = np.asarray(censored_b, dtype=bool)
    exits_a, exits_b = int((~flags_a).sum()), int((~flags_b).sum())
    statistic = p_value = None
    if flags_a.size and flags_b.size and exits_a + exits_b > 0:
        z = _log_rank_z(_times(durations_a), flags_a, _times(durations_b), flags_b)
        if math.isfinite(z):
            statistic, p_value = z, normal_two_sided_p(z)
    return LogRankResult(
        group_a=names[0],
        group_b=names[1],
        statistic=statistic,
        p_value=p_value,
        size_a=int(flags_a.size),
        size_b=int(flags_b.size),
        exits_a=exits_a,
        exits_b=exits_b,
    )
