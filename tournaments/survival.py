"""How long relationships last: Kaplan-Meier curves and the log-rank test.

A relationship's duration is its number of rounds together. A relationship nobody left
is right-censored at its horizon: we only know it would have lasted at least that long.
Estimates come from ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData`` (product-limit
estimator) and the comparison from ``scipy.stats.logrank``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

Durations = Sequence[float] | npt.ArrayLike
Flags = Sequence[bool] | npt.ArrayLike

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
    from scipy import stats

    times = np.asarray(durations, dtype=float)
    flags = np.asarray(censored, dtype=bool)
    if times.size == 0:
        return pd.DataFrame(columns=SURVIVAL_COLUMNS)
    if not flags.all():
        curve = stats.ecdf(censored_data(times, flags)).sf
        grid = curve.quantiles
        estimate = curve.probabilities
        with warnings.catch_warnings():
            # scipy warns where the interval formula is undefined (S = 0 or 1); handled below.
            warnings.simplefilter("ignore", RuntimeWarning)
            interval = curve.confidence_interval(confidence_level=confidence, method="log-log")
        low = np.where(np.isnan(interval.low.probabilities), estimate, interval.low.probabilities)
        high = np.where(np.isnan(interval.high.probabilities), estimate, interval.high.probabilities)
    else:
        # Nobody left: the curve is flat at 1 (ecdf has nothing to estimate).
        grid = np.unique(times)
        estimate = low = high = np.ones(grid.size)
    at_risk = np.array([(times >= t).sum() for t in grid])
    events = np.array([((times == t) & ~flags).sum() for t in grid])
    table = pd.DataFrame(
        {
            "time": grid,
            "survival": estimate,
            "ci_low": low,
            "ci_high": high,
            "at_risk": at_risk,
            "events": events,
        }
    )
    start = pd.DataFrame(
        {
            "time": [0.0],
            "survival": [1.0],
            "ci_low": [1.0],
            "ci_high": [1.0],
            "at_risk": [times.size],
            "events": [0],
        }
    )
    return pd.concat([start, table], ignore_index=True)


def survival_at(curve: pd.DataFrame, t: float) -> float:
    """S(t) read off a curve from ``kaplan_meier`` (right-continuous step function)."""
    rows = curve[curve["time"] <= t]
    return float(rows["survival"].iloc[-1]) if len(rows) else 1.0


def median_survival(curve: pd.DataFrame) -> float | None:
    """The first time at which S(t) <= 0.5, or None when the curve never gets there."""
    below = curve[curve["survival"] <= 0.5]
    return float(below["time"].iloc[0]) if len(below) else None


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
    from scipy import stats

    flags_a = np.asarray(censored_a, dtype=bool)
    flags_b = np.asarray(censored_b, dtype=bool)
    exits_a, exits_b = int((~flags_a).sum()), int((~flags_b).sum())
    statistic = p_value = None
    if flags_a.size and flags_b.size and exits_a + exits_b > 0:
        with np.errstate(invalid="ignore", divide="ignore"):
            result = stats.logrank(censored_data(durations_a, flags_a), censored_data(durations_b, flags_b))
        if np.isfinite(result.statistic):
            statistic, p_value = float(result.statistic), float(result.pvalue)
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
