"""The match engine: payoff accounting with exact numbers, exit, noise, errors, seeds."""

import pickle

import pytest
from scripted import Scripted

from powergame import C, D, Game, Player, StrategyError, play_match


def test_plain_prisoners_dilemma_scores():
    result = play_match(Game(rounds=4), Scripted("CCDD"), Scripted("CDCD"), seed=0)
    assert (result.actions_a, result.actions_b) == ("CCDD", "CDCD")
    # A: R + S + T + P = 3 + 0 + 5 + 1; B: R + T + S + P
    assert result.payoffs_a == (3, 0, 5, 1)
    assert result.payoffs_b == (3, 5, 0, 1)
    assert result.totals == (9, 9)
    assert result.scores_per_round == (2.25, 2.25)
    assert result.censored and result.left_by is None and result.exit_round is None


def test_stake_is_the_smaller_offer_and_the_rest_earns_the_outside_option():
    game = Game(rounds=2, outside_options=(2.0, 1.0))
    result = play_match(game, Scripted("CD", stakes=(0.5, 1.0)), Scripted("CC", stakes=(0.8, 0.25)), seed=0)
    assert result.stakes == (0.5, 0.25)
    # round 1, CC at s = 0.5: A 0.5*3 + 0.5*2 = 2.5; B 0.5*3 + 0.5*1 = 2.0
    # round 2, DC at s = 0.25: A 0.25*5 + 0.75*2 = 2.75; B 0.25*0 + 0.75*1 = 0.75
    assert result.payoffs_a == pytest.approx((2.5, 2.75))
    assert result.payoffs_b == pytest.approx((2.0, 0.75))
    assert result.mean_stake == pytest.approx(0.375)


def test_after_an_exit_each_earns_its_outside_option_and_the_leaver_pays_its_cost():
    game = Game(rounds=10, outside_options=(2.0, 0.5), exit_costs=(1.5, 4.0))
    result = play_match(game, Scripted("C", leave_at=3), Scripted("D"), seed=0)
    assert result.rounds_together == 3 and result.exit_round == 3 and result.left_by == "A"
    # A: 3 rounds of S = 0, then 7 rounds of v_A = 2, minus its exit cost 1.5
    # B: 3 rounds of T = 5, then 7 rounds of v_B = 0.5, pays nothing (it did not leave)
    assert result.totals == pytest.approx((0 + 7 * 2.0 - 1.5, 15 + 7 * 0.5))
    assert result.scores_per_round == pytest.approx((12.5 / 10, 18.5 / 10))
    assert not result.censored


def test_both_leaving_in_the_same_round_is_recorded_and_both_pay():
    game = Game(rounds=5, exit_costs=(1.0, 2.0), outside_options=(1.0, 1.0))
    result = play_match(game, Scripted("C", leave_at=2), Scripted("C", leave_at=2), seed=0)
    assert result.left_by == "both" and result.exit_round == 2
    assert result.totals == (6 + 3 - 1.0, 6 + 3 - 2.0)


def test_asymmetric_matrices_pay_each_partner_from_its_own_matrix():
    game = Game(rounds=4, payoffs=((3, 0, 5, 1), (10, -2, 12, 4)))
    result = play_match(game, Scripted("CCDD"), Scripted("CDCD"), seed=0)
    assert result.payoffs_a == (3, 0, 5, 1)
    assert result.payoffs_b == (10, 12, -2, 4)


def test_exit_is_final_no_strategy_is_asked_after_it():
    a, b = Scripted("C", leave_at=2), Scripted("C")
    result = play_match(Game(rounds=50), a, b, seed=0)
    assert result.rounds_together == 2
    assert a.calls == 2 and b.calls == 2
    assert len(a.history) == len(b.history) == 2


def test_noise_flips_actions_but_never_a_leave_or_a_stake():
    game = Game(rounds=6, noise=1.0)
    a = Scripted("C", stakes=(0.5,))
    b = Scripted("D")
    result = play_match(game, a, b, seed=0)
    assert (result.intended_a, result.intended_b) == ("CCCCCC", "DDDDDD")
    assert (result.actions_a, result.actions_b) == ("DDDDDD", "CCCCCC")
    assert result.stakes_a == (0.5,) * 6
    assert result.censored  # neither strategy leaves, whatever noise does


def test_histories_hold_played_actions_so_strategies_react_to_noise():
    class Mirror(Player):
        name = "Mirror"

        def strategy(self, opponent):
            return opponent.history[-1] if opponent.history else C

    result = play_match(Game(rounds=3, noise=1.0), Mirror(), Scripted("C"), seed=0)
    # B intends C, plays D (flipped); Mirror copies D, which noise flips to C.
    assert result.actions_b == "DDD"
    assert result.intended_a == "CDD" and result.actions_a == "DCC"


def test_same_seed_same_result_and_results_pickle():
    class Coin(Player):
        name = "Coin"
        classifier = {**Player.classifier, "stochastic": True}

        def strategy(self, opponent):
            return C if self.rng.random() < 0.5 else D

    game = Game(rounds=None, continuation=0.95, noise=0.1)
    first = play_match(game, Coin(), Coin(), seed=123)
    again = play_match(game, Coin(), Coin(), seed=123)
    other = play_match(game, Coin(), Coin(), seed=124)
    assert first == again
    assert first != other
    assert pickle.loads(pickle.dumps(first)) == first


def test_seed_none_draws_a_seed_that_reproduces_the_match():
    game = Game(rounds=None, continuation=0.9, noise=0.2)
    first = play_match(game, Scripted("CD"), Scripted("DDC"), seed=None)
    assert play_match(game, Scripted("CD"), Scripted("DDC"), seed=first.seed) == first


@pytest.mark.parametrize(
    ("player", "fragment"),
    [
        (Scripted("C", stakes=(1.5,)), "stake returned 1.5"),
        (Scripted("C", stakes=(0.0,)), "stake returned 0.0"),
    ],
)
def test_bad_stakes_are_reported_with_strategy_round_and_value(player, fragment):
    with pytest.raises(StrategyError, match=fragment) as info:
        play_match(Game(rounds=3), player, Scripted("C"), seed=0)
    assert info.value.round_number == 1 and info.value.strategy == "Scripted"


def test_bad_action_bad_leave_and_exceptions_are_reported():
    class Says(Player):
        def __init__(self, action=C, leave=False, boom_at=None):
            super().__init__()
            self.action, self.leave_value, self.boom_at = action, leave, boom_at
            self.name = "Says"

        def strategy(self, opponent):
            if self.boom_at is not None and len(self.history) + 1 == self.boom_at:
                raise ZeroDivisionError("oops")
            return self.action

        def leave(self, opponent):
            return self.leave_value

    with pytest.raises(
        StrategyError, match=r"round 1: strategy returned the text 'C'; return the action C or D"
    ):
        play_match(Game(rounds=3), Says(action="C"), Scripted("C"), seed=0)
    with pytest.raises(StrategyError, match=r"round 1: leave returned 1, allowed: True or False"):
        play_match(Game(rounds=3), Scripted("C"), Says(leave=1), seed=0)
    with pytest.raises(StrategyError, match=r"'Says' in round 3: raised ZeroDivisionError: oops"):
        play_match(Game(rounds=5), Scripted("C"), Says(boom_at=3), seed=0)


def test_a_player_knows_its_role_the_game_and_both_outside_options():
    seen = {}

    class Reader(Player):
        name = "Reader"

        def strategy(self, opponent):
            seen[self.role_name] = (self.own_outside_option, self.partner_outside_option, self.match_length)
            return C

    play_match(Game(rounds=3, outside_options=(2.5, 1.0)), Reader(), Reader(), seed=0)
    assert seen == {"A": (2.5, 1.0, 3), "B": (1.0, 2.5, 3)}


def test_the_same_instance_cannot_play_both_roles():
    player = Scripted("C")
    with pytest.raises(ValueError, match="distinct"):
        play_match(Game(rounds=3), player, player, seed=0)


class Declines(Player):
    name = "Declines"

    def __init__(self, answer=False):
        super().__init__()
        self.answer = answer

    def enters(self, opponent):
        return self.answer

    def strategy(self, opponent):
        raise AssertionError("a player who declined is never asked to play")


def test_a_partner_who_declines_to_enter_leaves_both_with_their_outside_options_and_no_cost():
    game = Game(rounds=10, outside_options=(2.0, 0.5), exit_costs=(3.0, 4.0))
    partner = Scripted("C")
    result = play_match(game, partner, Declines(), seed=0)
    assert (result.left_by, result.exit_round, result.rounds_together) == ("B", 0, 0)
    assert partner.calls == 0
    assert result.totals == (20.0, 5.0)  # n * v_i, no exit cost for declining
    assert not result.censored
    both = play_match(game, Declines(), Declines(), seed=0)
    assert both.left_by == "both" and both.totals == (20.0, 5.0)


def test_enters_must_answer_true_or_false():
    with pytest.raises(StrategyError, match=r"'Declines' in round 0: enters returned 'no'"):
        play_match(Game(rounds=3), Scripted("C"), Declines(answer="no"), seed=0)
