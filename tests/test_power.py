"""Power measures on hand-computed cases."""

import pytest
from scripted import Scripted

from powergame import Game, play_match
from powergame.power import (
    count_power_shifts,
    least_interest_partner,
    power_holders,
    power_index,
    power_shares,
    structural_dependence,
)


def test_structural_dependence_and_power_index():
    game = Game(outside_options=(2.0, 0.5))
    assert structural_dependence(game, 0) == 1.0  # R_A - v_A = 3 - 2
    assert structural_dependence(game, 1) == 2.5  # 3 - 0.5
    assert power_index(game) == pytest.approx(1.5 / 3.5)  # (D_B - D_A) / (|D_A| + |D_B|)
    assert least_interest_partner(game) == "A"
    assert power_index(game.swapped()) == pytest.approx(-1.5 / 3.5)
    assert least_interest_partner(game.swapped()) == "B"


def test_power_index_is_zero_when_both_dependences_are_zero_and_bounded_otherwise():
    assert power_index(Game(outside_options=(3.0, 3.0))) == 0.0
    assert least_interest_partner(Game()) is None
    # D_A = 3 - 5 = -2 (A prefers its alternative), D_B = 3: P_A = 5 / 5 = 1
    assert power_index(Game(outside_options=(5.0, 0.0))) == 1.0


def test_realized_power_holder_per_round_and_shifts():
    game = Game(rounds=3, outside_options=(2.0, 0.5))
    result = play_match(game, Scripted("CDC"), Scripted("CCD"), seed=0)
    # A earns 3, 5, 0 and B 3, 0, 5.
    # t=1: d_A = 3 - 2 = 1,       d_B = 3 - 0.5 = 2.5   -> A
    # t=2: d_A = 4 - 2 = 2,       d_B = 1.5 - 0.5 = 1   -> B
    # t=3: d_A = 8/3 - 2 = 0.67,  d_B = 8/3 - 0.5 = 2.17 -> A
    assert result.power_holders == "ABA"
    assert result.power_shifts == 2
    assert result.power_shares == pytest.approx((2 / 3, 1 / 3))
    assert result.realized_dependence == pytest.approx((8 / 3 - 2, 8 / 3 - 0.5))


def test_ties_hold_no_one_and_do_not_count_as_shifts():
    assert power_holders([3, 1], [3, 1], 0.0, 0.0) == "=="
    assert count_power_shifts("A=B") == 1
    assert count_power_shifts("A==A") == 0
    assert count_power_shifts("==") == 0
    assert power_shares("A=B=") == (0.25, 0.25)
    assert power_shares("") == (0.0, 0.0)


def test_no_power_figures_before_any_round():
    result = play_match(Game(rounds=5), Scripted("C"), Scripted("C"), seed=0)
    assert result.power_holders == "====="
    assert result.power_shifts == 0
