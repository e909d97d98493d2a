"""Engine invariants over drawn games and partners (powergame.testing.invariants)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from powergame.actions import Action
from powergame.engine import play_match
from powergame.game import Game, StagePayoffs
from powergame.testing import invariants
from powergame.testing.partners import ScriptedPartner
from powergame.testing.strategies import games, matches, registered_players, scripted_partners

FAST = settings(max_examples=60, deadline=None)
seeds = st.integers(0, 2**32)
STAYERS = registered_players(can_leave=False)


@FAST
@given(matches())
def test_every_result_keeps_the_accounting_identity_exit_finality_and_bounds(result):
    invariants.check_result_invariants(result)


@FAST
@given(games(noise=True), scripted_partners(can_leave=False), scripted_partners(can_leave=False), seeds)
def test_noise_never_makes_non_leaving_partners_separate(game, a, b, seed):
    invariants.check_no_leave_from_noise(game, lambda: a, lambda: b, seed)


@FAST
@given(games(), scripted_partners(), scripted_partners(), seeds)
def test_same_seed_same_result_and_pickle_round_trip(game, a, b, seed):
    invariants.check_reproducible(game, lambda: a, lambda: b, seed)


def test_accounting_identity_by_hand():
    # A: C C then leaves after round 2; B: D C. Stakes A 0.5 then 1, B 1 then 1.
    # Round 1 (s = 0.5): A gets 0.5*S_A + 0.5*v_A = 0.5*0 + 0.5*2 = 1; B gets 0.5*5 + 0.5*1 = 3.
    # Round 2 (s = 1):   A gets R = 3; B gets R = 3.
    # Horizon 5: 3 more rounds at v. A: 1 + 3 + 3*2 - k_A(0.5) = 9.5; B: 3 + 3 + 3*1 = 9.
    game = Game(outside_options=(2.0, 1.0), exit_costs=(0.5, 0.25), rounds=5)
    a = ScriptedPartner([Action.C, Action.C], [0.5, 1.0], leave_after=2)
    b = ScriptedPartner([Action.D, Action.C], [1.0, 1.0])
    result = play_match(game, a, b, seed=1)
    assert invariants.expected_totals(result) == (9.5, 9.0)
    invariants.check_result_invariants(result)


def test_the_invariants_can_fail():
    game = Game(rounds=3)
    result = play_match(game, ScriptedPartner([Action.C]), ScriptedPartner([Action.C]), seed=0)
    forged = result.__class__(**{**result.__dict__, "payoffs_a": (3.0, 3.0, 4.0)})
    try:
        invariants.check_payoff_accounting(forged)
    except AssertionError as exc:
        assert "accounting identity gives 9.0" in str(exc)
    else:
        raise AssertionError("a forged payoff went unnoticed")
    cut = result.__class__(**{**result.__dict__, "actions_a": "CC"})
    try:
        invariants.check_exit_final(cut)
    except AssertionError:
        pass
    else:
        raise AssertionError("a truncated transcript went unnoticed")


def test_score_bounds_from_the_matrices():
    game = Game(payoffs=(StagePayoffs(4, -1, 6, 0), StagePayoffs()), outside_options=(7.0, 0.5))
    assert invariants.score_bounds(game, 0) == (-1.0, 7.0)
    assert invariants.score_bounds(game, 1) == (0.0, 5.0)


@settings(max_examples=40, deadline=None)
@given(matches(registered_players(), games(max_rounds=15)))
def test_library_matches_keep_the_invariants(result):
    invariants.check_result_invariants(result)


@settings(max_examples=30, deadline=None)
@given(games(max_rounds=15, noise=True), st.data(), seeds)
def test_noise_never_separates_library_strategies_that_cannot_leave(game, data, seed):
    a, b = data.draw(STAYERS), data.draw(STAYERS)
    invariants.check_no_leave_from_noise(game, lambda: a, lambda: b, seed)
