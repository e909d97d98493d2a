"""The Game: validation of every parameter, the round payoff formula, horizons."""

import math
import pickle

import pytest

from powergame import C, D, Game, ParameterError, StagePayoffs


def test_default_game_is_the_symmetric_prisoners_dilemma():
    game = Game()
    assert game.payoffs[0].as_tuple() == (3, 0, 5, 1) == game.payoffs[1].as_tuple()
    assert game.outside_options == (0.0, 0.0)
    assert game.rounds == 200 and game.continuation is None and game.noise == 0.0
    assert game.is_symmetric


def test_a_continuation_alone_replaces_the_default_rounds():
    game = Game(continuation=0.9)
    assert game.rounds is None and game.continuation == 0.9
    assert Game.from_dict({"continuation": 0.5}) == Game(rounds=None, continuation=0.5)


def test_round_payoff_mixes_stage_payoff_and_outside_option_by_stake():
    game = Game(payoffs=((3, 0, 5, 1), (4, -1, 6, 2)), outside_options=(2.0, 0.5))
    # u_A = 0.25 * T_A + 0.75 * v_A = 0.25 * 5 + 1.5
    assert game.round_payoff(0, 0.25, D, C) == pytest.approx(2.75)
    # u_B = 0.25 * S_B + 0.75 * v_B = -0.25 + 0.375
    assert game.round_payoff(1, 0.25, C, D) == pytest.approx(0.125)
    assert game.round_payoff(1, 1.0, D, D) == 2.0
    assert game.payoff_table(1) == (4, -1, 6, 2)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"noise": 1.5}, "noise"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"rounds": 0}, "rounds"),
        ({"rounds": 2.5}, "rounds"),
        ({"rounds": None, "continuation": 1.0}, "continuation"),
        ({"rounds": None, "continuation": -0.2}, "continuation"),
        ({"rounds": 10, "continuation": 0.9}, "rounds"),
        ({"payoffs": ((3, 0, float("inf"), 1), (3, 0, 5, 1))}, "payoff T"),
        ({"payoffs": ((float("nan"), 0, 5, 1), (3, 0, 5, 1))}, "payoff R"),
        ({"outside_options": (float("nan"), 0)}, "outside option A"),
        ({"exit_costs": (0, -1)}, "exit cost B"),
        ({"exit_costs": (0,)}, "exit_costs"),
    ],
)
def test_bad_parameters_name_the_parameter_value_and_what_is_allowed(kwargs, name):
    with pytest.raises(ParameterError) as info:
        Game(**kwargs)
    message = str(info.value)
    assert message.startswith(name), message
    assert "allowed" in message
    assert "\n" not in message


def test_stage_payoffs_parse():
    assert StagePayoffs.parse("4, 0, 6, 2").as_tuple() == (4, 0, 6, 2)
    with pytest.raises(ParameterError, match="R,S,T,P"):
        StagePayoffs.parse("1,2,3")
    with pytest.raises(ParameterError, match="R,S,T,P"):
        StagePayoffs.parse("a,b,c,d")


def test_fixed_horizon_ignores_the_random_draw():
    assert Game(rounds=7).draw_horizon(0.999) == 7


def test_continuation_horizon_is_geometric_by_inverse_transform():
    w = 0.5
    game = Game(rounds=None, continuation=w)
    # P(n > k) = w^k: n = 1 exactly when 1 - u > w, i.e. u < 0.5
    assert game.draw_horizon(0.0) == 1
    assert game.draw_horizon(0.49) == 1
    assert game.draw_horizon(0.51) == 2
    assert game.draw_horizon(0.76) == 3  # 1 - u = 0.24 in (0.125, 0.25]
    assert game.expected_horizon == 2.0
    assert Game(rounds=None, continuation=0.0).draw_horizon(0.99) == 1


def test_swapped_exchanges_roles():
    game = Game(payoffs=((3, 0, 5, 1), (4, 0, 6, 2)), outside_options=(2, 1), exit_costs=(0.5, 0))
    swapped = game.swapped()
    assert swapped.payoffs[0].as_tuple() == (4, 0, 6, 2)
    assert swapped.outside_options == (1, 2) and swapped.exit_costs == (0, 0.5)
    assert swapped.swapped() == game


def test_game_round_trips_through_plain_data_and_pickle():
    game = Game(payoffs=((3, 0, 5, 1), (4, 0, 6, 2)), outside_options=(2, 1), rounds=None, continuation=0.9)
    assert Game.from_dict(game.to_dict()) == game
    assert pickle.loads(pickle.dumps(game)) == game
    with pytest.raises(ParameterError, match="allowed keys"):
        Game.from_dict({"rounds": 3, "turns": 4})


def test_expected_horizon_of_fixed_game():
    assert math.isclose(Game(rounds=12).expected_horizon, 12.0)
