"""The Loner (Hauert et al. 2002): never enters, takes its outside option."""

import pytest
from strategy_helpers import Scripted

from powergame import Game, play_match
from powergame.registry import load_registry


def test_loner_never_plays_a_round_whoever_the_partner():
    registry = load_registry(env=False)
    game = Game(rounds=7, outside_options=(1.5, 0.25), exit_costs=(2.0, 2.0))
    for partner in ("Out For Tat", "Parasite", "Loyal", "Loner"):
        result = play_match(game, registry.create("Loner"), registry.create(partner), seed=1)
        assert result.rounds_together == 0 and result.exit_round == 0
        assert result.left_by == ("both" if partner == "Loner" else "A")
        assert result.totals == pytest.approx((7 * 1.5, 7 * 0.25))


def test_loner_as_partner_b_and_has_no_state_table():
    registry = load_registry(env=False)
    loner = registry.create("Loner")
    assert loner.state_table() is None
    result = play_match(Game(rounds=4), Scripted("C"), loner, seed=0)
    assert result.left_by == "B" and result.totals == (0.0, 0.0)
