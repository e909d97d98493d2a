"""Exact survival curves end at a fixed horizon with the chance of lasting (censored), not 0."""

import pytest

from powergame.tournaments.analysis import exact_curve


def test_a_fixed_horizon_curve_ends_with_the_chance_nobody_left():
    # n = 3; curve P(T > t) for t = 0, 1, 2; nobody left by round 3 with chance 0.5 and 0.
    curves = [[1.0, 1.0, 0.5], [1.0, 0.0, 0.0]]
    table = exact_curve(curves, lasted=[0.5, 0.0])
    assert list(table["time"]) == [0, 1, 2, 3]
    assert list(table["survival"]) == pytest.approx([1.0, 0.5, 0.25, 0.25])
    # expected exits per round: 1 in round 1, 0.5 in round 2, 0 in round 3
    assert list(table["events"]) == pytest.approx([0.0, 1.0, 0.5, 0.0])


def test_without_a_fixed_end_the_curve_drops_to_zero_one_step_past_its_end():
    table = exact_curve([[1.0, 0.5, 0.25]])
    assert list(table["survival"]) == pytest.approx([1.0, 0.5, 0.25, 0.0])
