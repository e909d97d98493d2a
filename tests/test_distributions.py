"""The analysis's own statistics (no scipy.stats at run time) against published values and
against scipy.stats."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame.tournaments.distributions import t_cdf, t_quantile
from powergame.tournaments.survival import kaplan_meier, log_rank


# Student's t critical values from the standard table (e.g. NIST/SEMATECH e-Handbook
# 1.3.6.7.2): upper-tail probability 0.025 and 0.005.
@pytest.mark.parametrize(
    ("probability", "dof", "expected"),
    [
        (0.975, 1, 12.706),
        (0.975, 2, 4.303),
        (0.975, 5, 2.571),
        (0.975, 9, 2.262),
        (0.975, 30, 2.042),
        (0.975, 100, 1.984),
        (0.995, 4, 4.604),
        (0.995, 20, 2.845),
        (0.975, 1000, 1.962),
    ],
)
def test_t_quantile_matches_the_table(probability: float, dof: int, expected: float) -> None:
    assert round(t_quantile(probability, dof), 3) == expected
    assert t_quantile(1 - probability, dof) == -t_quantile(probability, dof)


@given(st.floats(0.51, 0.9999), st.integers(1, 400))
def test_t_quantile_agrees_with_scipy(probability: float, dof: int) -> None:
    from scipy import stats

    assert math.isclose(t_quantile(probability, dof), stats.t.ppf(probability, dof), rel_tol=1e-9)
    assert math.isclose(t_cdf(t_quantile(probability, dof), dof), probability, rel_tol=1e-9) or dof >= 200


durations = st.lists(st.tuples(st.integers(1, 12), st.booleans()), min_size=1, max_size=40)


@given(durations)
@settings(max_examples=80)
def test_kaplan_meier_agrees_with_scipy_ecdf(sample: list[tuple[int, bool]]) -> None:
    from scipy import stats

    times = np.array([t for t, _ in sample], dtype=float)
    flags = np.array([c for _, c in sample])
    curve = kaplan_meier(times, flags)
    assert curve["at_risk"].tolist()[1:] == [int((times >= t).sum()) for t in curve["time"][1:]]
    if flags.all():
        assert (curve["survival"] == 1.0).all()
        return
    sf = stats.ecdf(stats.CensoredData(uncensored=times[~flags], right=times[flags])).sf
    assert np.allclose(curve["time"][1:], sf.quantiles)
    assert np.allclose(curve["survival"][1:], sf.probabilities, rtol=1e-12, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = sf.confidence_interval(confidence_level=0.95, method="log-log")
    for ours, theirs in (("ci_low", interval.low), ("ci_high", interval.high)):
        expected = np.where(np.isnan(theirs.probabilities), sf.probabilities, theirs.probabilities)
        assert np.allclose(curve[ours][1:], expected, rtol=1e-9, atol=1e-12)


@given(durations, durations)
@settings(max_examples=80)
def test_log_rank_agrees_with_scipy(first: list[tuple[int, bool]], second: list[tuple[int, bool]]) -> None:
    from scipy import stats

    times_a, flags_a = np.array([t for t, _ in first], float), np.array([c for _, c in first])
    times_b, flags_b = np.array([t for t, _ in second], float), np.array([c for _, c in second])
    ours = log_rank(times_a, flags_a, times_b, flags_b)
    if flags_a.all() and flags_b.all():
        assert ours.statistic is None
        return
    with np.errstate(invalid="ignore", divide="ignore"):
        theirs = stats.logrank(
            stats.CensoredData(uncensored=times_a[~flags_a], right=times_a[flags_a]),
            stats.CensoredData(uncensored=times_b[~flags_b], right=times_b[flags_b]),
        )
    if not np.isfinite(theirs.statistic):
        assert ours.statistic is None
        return
    assert ours.statistic is not None and ours.p_value is not None
    assert math.isclose(ours.statistic, theirs.statistic, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(ours.p_value, theirs.pvalue, rel_tol=1e-9, abs_tol=1e-12)
