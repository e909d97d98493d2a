"""Each library strategy's defining behaviour against scripted partners: exact actions,
stakes, exit round and who left, written from the rule."""

from __future__ import annotations

import pytest
from strategy_helpers import Scripted, play

from powergame import Game, StagePayoffs
from powergame.strategies import (
    ExploitThenLeave,
    GenerousOutForTat,
    HitAndRun,
    HotAndCold,
    LeastInterest,
    Loyal,
    MemoryOne,
    OutForTat,
    Parasite,
    RaiseTheStakes,
    ReciprocalStakes,
    StartSmall,
    Threatener,
    TitForTatWithExitThreat,
    Voice,
)


def test_out_for_tat_cooperates_and_leaves_right_after_the_first_withholding() -> None:
    r = play(OutForTat(), Scripted("CCDC"), rounds=10)
    assert (r.actions_a, r.actions_b, r.exit_round, r.left_by) == ("CCC", "CCD", 3, "A")


def test_out_for_tat_stays_with_a_cooperator_to_the_horizon() -> None:
    r = play(OutForTat(), Scripted("C"), rounds=6)
    assert (r.actions_a, r.left_by) == ("CCCCCC", None)


def test_start_small_withholds_for_T_rounds_then_cooperates_on_the_path() -> None:
    r = play(StartSmall(T=2), Scripted("DDC"), rounds=6)
    assert (r.actions_a, r.left_by) == ("DDCCCC", None)


@pytest.mark.parametrize(
    ("T", "partner", "actions", "exit_round"),
    [
        (2, "DC", "DD", 2),  # the partner cooperates during probation
        (2, "DDCD", "DDCC", 4),  # the partner withholds after probation
        (1, "C", "D", 1),  # against a cooperator: probation broken in round 1
        (0, "CCD", "CCC", 3),  # T = 0: cooperate from the start, leave on a D
    ],
)
def test_start_small_leaves_on_any_deviation_from_the_path(
    T: int, partner: str, actions: str, exit_round: int
) -> None:
    r = play(StartSmall(T=T), Scripted(partner), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == (actions, exit_round, "A")


def test_start_small_leaves_on_its_own_deviation_too() -> None:
    # Noise 1 flips every action: it intends D and plays C in round 1, off the (D, D) path.
    r = play(StartSmall(T=1), Scripted("C"), game=Game(rounds=5, noise=1.0))
    assert (r.intended_a, r.actions_a, r.actions_b, r.exit_round) == ("D", "C", "D", 1)


def test_raise_the_stakes_climbs_after_mutual_cooperation_and_falls_back_after_a_withholding() -> None:
    r = play(RaiseTheStakes(start=0.25, step=0.25), Scripted("CCDC"), rounds=8)
    assert r.actions_a == "CCCCCCCC"
    assert r.stakes_a == (0.25, 0.5, 0.75, 0.25, 0.5, 0.75, 1.0, 1.0)
    assert r.left_by is None


def test_raise_the_stakes_round_stake_is_capped_by_a_cautious_partner() -> None:
    r = play(RaiseTheStakes(start=0.5, step=0.5), Scripted("C", stakes=(0.2,)), rounds=3)
    assert r.stakes_a == (0.5, 1.0, 1.0)
    assert r.stakes == (0.2, 0.2, 0.2)


def test_generous_out_for_tat_without_generosity_is_out_for_tat() -> None:
    r = play(GenerousOutForTat(generosity=0.0), Scripted("CD"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("CC", 2, "A")


def test_generous_out_for_tat_forgives_single_withholdings_but_not_two_in_a_row() -> None:
    r = play(GenerousOutForTat(generosity=1.0), Scripted("CDCDDC"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("CCCCC", 5, "A")


def test_generous_out_for_tat_forgives_about_as_often_as_its_generosity() -> None:
    # P(stay after one D) = generosity = 0.3; over 400 seeds the count of stays is
    # Binomial(400, 0.3): mean 120, sd 9.2; 80..160 is more than 4 sd either side.
    stays = sum(
        play(GenerousOutForTat(), Scripted("DC"), rounds=2, seed=s).left_by is None for s in range(400)
    )
    assert 80 <= stays <= 160


def test_tit_for_tat_with_exit_threat_retaliates_then_leaves_after_k_in_a_row() -> None:
    r = play(TitForTatWithExitThreat(k=2), Scripted("CDCDDC"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("CCDCD", 5, "A")


def test_reciprocal_stakes_matches_the_partner_but_never_raises_after_a_withholding() -> None:
    partner = Scripted("CCDC", stakes=(0.8, 0.3, 1.0, 0.6))
    r = play(ReciprocalStakes(start=0.5), partner, rounds=5)
    # r2: partner's 0.8; r3: its 0.3; r4: it withheld at 1.0, so min(1.0, own 0.3); r5: its 0.6.
    assert r.stakes_a == (0.5, 0.8, 0.3, 0.3, 0.6)
    assert r.actions_a == "CCCCC"


def test_parasite_always_withholds_and_stays() -> None:
    r = play(Parasite(), Scripted("CDCD"), rounds=4)
    assert (r.actions_a, r.left_by) == ("DDDD", None)


def test_hit_and_run_withholds_once_and_leaves() -> None:
    r = play(HitAndRun(), Scripted("C"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("D", 1, "A")
    assert play(HitAndRun(), HitAndRun()).left_by == "both"


def test_least_interest_withholds_only_when_it_holds_structural_power() -> None:
    strong_a = Game(rounds=3, outside_options=(2.0, 0.0))  # D_A = 1 < D_B = 3
    assert play(LeastInterest(), Scripted("C"), game=strong_a).actions_a == "DDD"
    assert play(Scripted("C"), LeastInterest(), game=strong_a).actions_b == "CCC"
    assert play(LeastInterest(), Scripted("C"), rounds=3).actions_a == "CCC"  # equal D: no power
    # Power from the payoffs, not the outside options: R_A = 2 gives D_A = 2 < D_B = 3.
    low_r = Game(rounds=2, payoffs=(StagePayoffs(2, 0, 5, 1), StagePayoffs()))
    assert play(LeastInterest(), Scripted("C"), game=low_r).actions_a == "DD"


def test_exploit_then_leave_strikes_when_its_stake_reaches_the_threshold() -> None:
    r = play(ExploitThenLeave(start=0.5, step=0.25), Scripted("C"), rounds=10)
    assert (r.actions_a, r.stakes_a, r.exit_round, r.left_by) == ("CCD", (0.5, 0.75, 1.0), 3, "A")


def test_exploit_then_leave_restarts_its_climb_after_a_withholding() -> None:
    r = play(ExploitThenLeave(start=0.5, step=0.25), Scripted("CDC"), rounds=10)
    assert r.actions_a == "CCCCD"
    assert r.stakes_a == (0.5, 0.75, 0.5, 0.75, 1.0)
    assert r.exit_round == 5


def test_exploit_then_leave_with_a_lower_threshold_strikes_earlier() -> None:
    r = play(ExploitThenLeave(start=0.5, step=0.25, threshold=0.7), Scripted("C"), rounds=10)
    assert (r.actions_a, r.stakes_a, r.exit_round) == ("CD", (0.5, 0.75), 2)


def test_hot_and_cold_alternates_whatever_the_partner_does() -> None:
    assert play(HotAndCold(hot=2, cold=1), Scripted("D"), rounds=7).actions_a == "CCDCCDC"
    assert play(HotAndCold(), Scripted("C"), rounds=8).actions_a == "CCCDCCCD"


def test_threatener_leaves_when_the_partner_retaliates() -> None:
    r = play(Threatener(), Scripted("CCDC"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("DDD", 3, "A")


def test_threatener_does_not_count_a_first_round_withholding_as_retaliation() -> None:
    r = play(Threatener(), Scripted("D"), rounds=10)
    assert (r.actions_a, r.exit_round) == ("DD", 2)


def test_loyal_and_voice() -> None:
    assert play(Loyal(), Scripted("DDDD"), rounds=4).actions_a == "CCCC"
    r = play(Voice(), Scripted("DCDD"), rounds=5)
    assert (r.actions_a, r.left_by) == ("CDCDD", None)


def test_memory_one_code_follows_its_letters() -> None:
    # DCLLC: withhold first; after DD cooperate, after CC cooperate, leave after CD or DC.
    r = play(MemoryOne(code="DCLLC"), Scripted("DCCD"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("DCCC", 4, "A")


def test_memory_one_probabilities() -> None:
    # Leaves after CD with probability 1; cooperates after DD with probability 0 (so D).
    r = play(MemoryOne(dd=0.0, cd=0.0, leave_cd=1.0, first=0.0, dc=0.0), Scripted("DDC"), rounds=5)
    assert (r.actions_a, r.left_by) == ("DDDDD", None)
    r = play(MemoryOne(leave_cd=1.0), Scripted("CD"), rounds=5)
    assert (r.actions_a, r.exit_round) == ("CC", 2)
