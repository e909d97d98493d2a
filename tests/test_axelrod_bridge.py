"""The axelrod bridge: finding strategies, what a bridged player declares and sees,
pickling, seeding and play against wrapped partners."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

axl = pytest.importorskip("axelrod")

from powergame import Action, C, Game, ParameterError, Player, StagePayoffs, UnknownStrategyError  # noqa: E402
from powergame.axelrod_bridge import (  # noqa: E402
    AxelrodPlayer,
    axelrod_strategy_names,
    find_axelrod_strategy,
)
from powergame.engine import play_match  # noqa: E402
from powergame.player import check_classifier  # noqa: E402


# --- finding strategies -------------------------------------------------------------------
@pytest.mark.parametrize(
    "spelling",
    ["Tit For Tat", "TitForTat", "tit for tat", "tit-for-tat", "  TIT_FOR_TAT ", "axelrod:Tit For Tat"],
)
def test_find_accepts_display_and_class_names_ignoring_case_and_punctuation(spelling: str) -> None:
    assert find_axelrod_strategy(spelling) is axl.TitForTat


def test_find_by_class_name_when_it_differs_from_the_display_name() -> None:
    assert find_axelrod_strategy("WinStayLoseShift") is axl.WinStayLoseShift
    assert find_axelrod_strategy("Win-Stay Lose-Shift") is axl.WinStayLoseShift
    assert find_axelrod_strategy("Golden") is axl.Golden  # display name "$\phi$"


def test_cheater_is_refused_with_the_reason() -> None:
    with pytest.raises(ParameterError, match="Darwin.*(inspects|changes) its opponent"):
        find_axelrod_strategy("Darwin")


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(UnknownStrategyError) as info:
        find_axelrod_strategy("Tit For Tatt")
    assert "axelrod:Tit For Tat" in info.value.suggestions
    assert 1 <= len(info.value.suggestions) <= 3


def test_unknown_name_far_from_everything_has_no_suggestion() -> None:
    with pytest.raises(UnknownStrategyError) as info:
        find_axelrod_strategy("qqqqqqqqqqqqqqqqqqqq")
    assert info.value.suggestions == []


def test_names_are_the_ordinary_strategies_only() -> None:
    names = axelrod_strategy_names()
    assert len(names) == len(axl.strategies)
    assert "Tit For Tat" in names and "Grudger" in names
    assert "Darwin" not in names
    assert len(set(names)) == len(names)


# --- what a bridged player declares ---------------------------------------------------------
def test_name_and_classifier() -> None:
    player = AxelrodPlayer("Tit For Tat")
    assert player.name == "axelrod:Tit For Tat"
    assert player.classifier == {
        "family": "neutral",
        "memory_depth": 1,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }
    assert check_classifier(player.classifier) is None


def test_classifier_of_infinite_memory_and_stochastic_strategies() -> None:
    assert AxelrodPlayer("Grudger").classifier["memory_depth"] == float("inf")
    assert AxelrodPlayer("Random").classifier["stochastic"] is True
    assert check_classifier(AxelrodPlayer("Random").classifier) is None


def test_init_kwargs_reach_axelrod() -> None:
    player = AxelrodPlayer("Random", p=0.0)
    result = play_match(Game(rounds=20), player, AxelrodPlayer("Cooperator"), seed=1)
    assert result.actions_a == "D" * 20


def test_bad_init_kwargs_name_the_strategy() -> None:
    with pytest.raises(ParameterError, match="Tit For Tat"):
        AxelrodPlayer("Tit For Tat", nonsense=3)


def test_never_leaves_and_stakes_one() -> None:
    result = play_match(Game(rounds=30), AxelrodPlayer("Defector"), AxelrodPlayer("Cooperator"), seed=0)
    assert result.left_by is None and result.rounds_together == 30
    assert set(result.stakes_a) == {1.0} and set(result.stakes_b) == {1.0}


def test_pickles_to_a_player_that_plays_the_same() -> None:
    player = AxelrodPlayer("Go By Majority", memory_depth=3)
    clone = pickle.loads(pickle.dumps(player))
    assert clone.name == player.name and clone.classifier == player.classifier
    first = play_match(Game(rounds=25), player, AxelrodPlayer("Alternator"), seed=4)
    second = play_match(Game(rounds=25), clone, AxelrodPlayer("Alternator"), seed=4)
    assert first.actions_a == second.actions_a


def test_pickling_keeps_a_name_given_after_construction() -> None:
    player = AxelrodPlayer("Tit For Tat")
    player.name = "axelrod:TFT as shown"
    assert pickle.loads(pickle.dumps(player)).name == "axelrod:TFT as shown"


# --- what a bridged player sees -------------------------------------------------------------
def test_match_attributes_follow_axelrod_with_own_matrix() -> None:
    game = Game(
        payoffs=(StagePayoffs(4, 0, 6, 1), StagePayoffs(3, -1, 5, 0)),
        outside_options=(1.0, 2.0),
        rounds=7,
        noise=0.1,
    )
    a, b = AxelrodPlayer("Tit For Tat"), AxelrodPlayer("Tit For Tat")
    play_match(game, a, b, seed=0)
    attrs_a = a.axelrod_player.match_attributes
    attrs_b = b.axelrod_player.match_attributes
    assert attrs_a["length"] == 7 and attrs_a["noise"] == 0.1
    # axelrod's RPST() is (R, P, S, T)
    assert attrs_a["game"].RPST() == (4, 1, 0, 6)
    assert attrs_b["game"].RPST() == (3, 0, -1, 5)


def test_game_attribute_follows_the_role_when_a_player_is_reused() -> None:
    game = Game(payoffs=(StagePayoffs(4, 0, 6, 1), StagePayoffs(3, -1, 5, 0)), rounds=3)
    player = AxelrodPlayer("Tit For Tat")
    play_match(game, player, AxelrodPlayer("Cooperator"), seed=0)
    assert player.axelrod_player.match_attributes["game"].RPST() == (4, 1, 0, 6)
    play_match(game, AxelrodPlayer("Cooperator"), player, seed=0)
    assert player.axelrod_player.match_attributes["game"].RPST() == (3, 0, -1, 5)


def test_length_is_infinite_under_continuation() -> None:
    a = AxelrodPlayer("Tit For Tat")
    play_match(Game(rounds=None, continuation=0.9), a, AxelrodPlayer("Cooperator"), seed=0)
    assert a.axelrod_player.match_attributes["length"] == float("inf")


def test_length_aware_strategy_defects_at_the_end() -> None:
    # BackStabber forgives a cooperator everything but defects in the last two rounds of a
    # match whose length it is told.
    result = play_match(Game(rounds=10), AxelrodPlayer("BackStabber"), AxelrodPlayer("Cooperator"), seed=0)
    assert result.actions_a == "CCCCCCCCDD"


def test_history_of_the_axelrod_player_is_the_played_one_with_noise() -> None:
    a, b = AxelrodPlayer("Tit For Tat"), AxelrodPlayer("Alternator")
    result = play_match(Game(rounds=40, noise=0.2), a, b, seed=11)
    # tit for tat copies what B played (after noise) the round before, so its intended
    # move in round t + 1 is B's played move in round t
    assert result.intended_a[1:] == result.actions_b[:-1]
    # the axelrod histories lag by at most the last round (synced at the next call)
    assert "".join(map(str, a.axelrod_player.history))[:39] == result.actions_a[:39]


def test_stochastic_players_are_seeded_from_the_match_seed() -> None:
    def run(seed: int) -> str:
        return play_match(
            Game(rounds=60), AxelrodPlayer("Random"), AxelrodPlayer("Random"), seed=seed
        ).actions_a

    assert run(5) == run(5)
    assert len({run(s) for s in range(4)}) > 1


def test_a_player_reused_across_matches_starts_fresh() -> None:
    grudger = AxelrodPlayer("Grudger")
    play_match(Game(rounds=10), grudger, AxelrodPlayer("Defector"), seed=0)
    again = play_match(Game(rounds=10), grudger, AxelrodPlayer("Cooperator"), seed=0)
    assert again.actions_a == "C" * 10


# --- opponents that are not bridged ----------------------------------------------------------
class Copycat(Player):
    name = "copycat"

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else C


class SharingWrapper(Player):
    """A wrapper in the style the library uses: it shares the inner player's History."""

    name = "wrapped"

    def __init__(self, inner: Player) -> None:
        super().__init__()
        self.inner = inner

    def join_match(self, game: Game, role: int, seed: int) -> None:
        super().join_match(game, role, seed)
        self.inner.join_match(game, role, seed)
        self.history = self.inner.history

    def strategy(self, opponent: Player) -> Action:
        return self.inner.strategy(opponent)


def test_bridged_against_a_wrapped_native_plays_as_against_the_native() -> None:
    plain = play_match(Game(rounds=50), AxelrodPlayer("Adaptive"), Copycat(), seed=2)
    wrapped = play_match(Game(rounds=50), AxelrodPlayer("Adaptive"), SharingWrapper(Copycat()), seed=2)
    assert (plain.actions_a, plain.actions_b) == (wrapped.actions_a, wrapped.actions_b)


def test_wrapped_bridged_player_plays_as_the_bare_one() -> None:
    bare = play_match(Game(rounds=50), AxelrodPlayer("Evolved FSM 16"), AxelrodPlayer("Gradual"), seed=2)
    wrapped = play_match(
        Game(rounds=50), SharingWrapper(AxelrodPlayer("Evolved FSM 16")), AxelrodPlayer("Gradual"), seed=2
    )
    assert (bare.actions_a, bare.actions_b) == (wrapped.actions_a, wrapped.actions_b)


def test_alternating_opponents_for_one_bridged_player() -> None:
    tft = AxelrodPlayer("Tit For Tat")
    first = play_match(Game(rounds=6), tft, Copycat(), seed=0)
    second = play_match(Game(rounds=6), tft, AxelrodPlayer("Defector"), seed=0)
    third = play_match(Game(rounds=6), Copycat(), tft, seed=0)
    assert first.actions_a == "CCCCCC"
    assert second.actions_a == "CDDDDD"
    assert third.actions_b == "CCCCCC"


# --- start-up cost ---------------------------------------------------------------------------
def test_importing_the_bridge_does_not_import_axelrod() -> None:
    code = "import sys, powergame.axelrod_bridge; print('axelrod' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
