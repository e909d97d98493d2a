"""The property kit can fail: each mislabelled strategy is caught by its property and only
by it; counterexamples are readable; hand-made histories drive the harness exactly."""

from __future__ import annotations

import pytest
from mislabelled import (
    EXPECTED_FAILURE,
    FalseFriend,
    FirstRoundGrudge,
    HonestTitForTat,
    OverStaker,
    SecretLeaver,
)

from powergame.actions import Action, actions_from_string
from powergame.game import Game
from powergame.testing import (
    QUICK,
    Profile,
    Script,
    check_all,
    check_can_leave,
    check_memory_depth,
    drive,
    run_battery,
    withholding_games,
)
from powergame.testing.battery import FAIL, NOT_CLAIMED, PASS

C, D = Action.C, Action.D
SMALL = Profile("test", max_examples=25, max_rounds=8, withholding_rounds=20, withholding_seeds=2)


@pytest.mark.parametrize("cls", list(EXPECTED_FAILURE), ids=lambda cls: cls.name)
def test_each_mislabelled_strategy_fails_exactly_its_property(cls):
    verdicts = run_battery(cls, SMALL)
    failed = [v.property for v in verdicts if v.status == FAIL]
    expected = EXPECTED_FAILURE[cls]
    assert failed == ([] if expected is None else [expected]), [v.message for v in verdicts if v.message]


def test_claims_not_made_are_not_checked():
    status = {v.property: v.status for v in run_battery(HonestTitForTat, SMALL)}
    # Tit for Tat makes every claim: memory 1, deterministic, never leaves, trust-building
    assert status == {
        "valid": PASS,
        "stakes": PASS,
        "no-mutation": PASS,
        "can_leave": PASS,
        "memory_depth": PASS,
        "deterministic": PASS,
        "family": PASS,
    }
    # a strategy that leaves and says so makes no can_leave claim

    class AdmittedLeaver(SecretLeaver):
        name = "Admitted Leaver"
        classifier = {**SecretLeaver.classifier, "can_leave": True}

    assert {v.property: v.status for v in run_battery(AdmittedLeaver, SMALL)}["can_leave"] == NOT_CLAIMED
    check_can_leave(AdmittedLeaver, SMALL)  # returns: nothing claimed


def test_counterexample_names_the_claim_the_game_and_the_round():
    with pytest.raises(AssertionError) as caught:
        check_can_leave(SecretLeaver, SMALL)
    message = str(caught.value)
    assert message.startswith("claim: can_leave = False\nbroken: leave() returned True after round ")
    assert "game: payoffs R,S,T,P = " in message
    assert "LEAVES  <--" in message
    # shrunk: the partner withholds in the one round shown before the leave
    rows = [line for line in message.splitlines() if line.strip()[:1].isdigit()]
    assert len(rows) == 1 and rows[0].split("|")[2].split()[-1] == "D"


def test_memory_counterexample_shows_two_histories_with_a_common_last_round():
    with pytest.raises(AssertionError) as caught:
        check_memory_depth(FirstRoundGrudge, SMALL)
    message = str(caught.value)
    assert "history 1:" in message and "history 2:" in message
    assert "agree in their last" in message


def test_check_all_lists_every_failure():
    class TwoLies(OverStaker):
        name = "Two Lies"
        classifier = {**OverStaker.classifier, "family": "withholding"}

    with pytest.raises(AssertionError) as caught:
        check_all(TwoLies, profile=SMALL)
    message = str(caught.value)
    assert message.startswith("'Two Lies' fails 2 properties:")
    assert "[stakes]" in message and "[family]" in message


def test_check_all_passes_silently_on_an_honest_strategy():
    assert check_all(HonestTitForTat, profile=SMALL) is None


def test_bad_classifier_is_one_failure():
    class NoFamily(HonestTitForTat):
        name = "No Family"
        classifier = {k: v for k, v in HonestTitForTat.classifier.items() if k != "family"}

    verdicts = run_battery(NoFamily, SMALL)
    assert [(v.property, v.status) for v in verdicts] == [("classifier", FAIL)]
    assert "lacks 'family'" in verdicts[0].message


def test_harness_forces_own_played_actions_and_records_choices():
    # Tit for Tat against partner D C, its own played moves forced to D D:
    # round 1 it chooses C (played D by "noise"), round 2 it copies the partner's D,
    # round 3 (probe) copies the partner's C.
    script = Script(tuple(actions_from_string("DC")), (1.0, 0.5), tuple(actions_from_string("DD")))
    run = drive(HonestTitForTat, Game(rounds=3, noise=0.1), 0, 7, script)
    assert [(d.action, d.played, d.leave) for d in run.decisions] == [
        (C, D, False),
        (D, D, False),
        (C, None, None),
    ]
    assert [d.partner_stake for d in run.decisions[:2]] == [1.0, 0.5]


def test_harness_stops_at_a_leave_like_the_engine():
    script = Script(tuple(actions_from_string("CDCC")), (1.0,) * 4)
    run = drive(SecretLeaver, Game(rounds=5), 1, 0, script)
    assert run.left and len(run.decisions) == 2 and run.decisions[-1].leave is True


def test_trust_building_admits_start_small_probation():
    class StartSmallTwo(HonestTitForTat):
        """Withholds for 2 rounds while staying, then Tit for Tat."""

        name = "Start Small 2"
        classifier = {**HonestTitForTat.classifier, "memory_depth": float("inf")}

        def strategy(self, opponent):
            return D if len(self.history) < 2 else opponent.history[-1]

    assert {v.property: v.status for v in run_battery(StartSmallTwo, SMALL)}["family"] == PASS
    assert FalseFriend.classifier["family"] == "trust-building"


def test_withholding_games_cover_both_directions_of_dependence():
    games = withholding_games(10)
    assert [g.outside_options for g in games] == [(0.0, 0.0), (2.0, 0.0), (0.0, 2.0)]
    assert all(g.rounds == 10 and g.noise == 0 for g in games)


def test_quick_profile_is_the_default_and_small():
    assert QUICK.max_examples <= 50 and QUICK.max_rounds <= 12
