"""Bridged axelrod strategies play exactly what axelrod.Match plays.

With no leaving, stakes 1, the default payoffs (3, 0, 5, 1) and no noise, the moves and
per-turn scores of a pair of deterministic ordinary axelrod strategies must equal
axelrod.Match's for the same number of turns. axelrod itself is the oracle.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

axl = pytest.importorskip("axelrod")

from powergame import Action, C, D, Game, Player, play_match  # noqa: E402
from powergame.axelrod_bridge import AxelrodPlayer  # noqa: E402

TURNS = 60

# Short memory, long/infinite memory, tournament entries, finite-state machines,
# lookup tables, length-aware and meta strategies.
PAIRS = [
    ("Tit For Tat", "Alternator"),
    ("Tit For Tat", "Defector"),
    ("Grudger", "Alternator"),
    ("Grudger", "Suspicious Tit For Tat"),
    ("Win-Stay Lose-Shift", "Defector"),
    ("Win-Stay Lose-Shift", "Tit For 2 Tats"),
    ("Adaptive", "Tit For Tat"),
    ("Adaptive", "Second by Colbert"),
    ("Second by Gladstein", "Cycler CCD"),
    ("Second by Tester", "Tit For Tat"),
    ("Second by Tester", "Grudger"),
    ("Second by GraaskampKatzen", "Alternator"),
    ("Second by Grofman", "Cycler DDC"),
    ("Second by Mikkelson", "Second by RichardHufford"),
    ("Second by Rowsam", "Second by Borufsen"),
    ("Second by Weiner", "Second by White"),
    ("First by Davis", "Second by Yamachi"),
    ("First by Downing", "Alternator"),
    ("First by Tideman and Chieruzzi", "First by Shubik"),
    ("First by Nydegger", "Cycler CCCD"),
    ("First by Stein and Rapoport", "Tit For Tat"),
    ("Evolved FSM 16", "Tit For Tat"),
    ("Evolved FSM 16", "Evolved FSM 4"),
    ("Evolved FSM 6", "Alternator"),
    ("TF1", "TF2"),
    ("TF3", "Grudger"),
    ("Fortress3", "Fortress4"),
    ("Predator", "Pun1"),
    ("Thumper", "Evolved FSM 16 Noise 05"),
    ("EvolvedLookerUp2_2_2", "Cycler CCCCCD"),
    ("Meta Hunter", "Tit For Tat"),
    ("Evolved ANN 5", "Go By Majority"),
    ("Gradual", "Cycler CCD"),
    ("Original Gradual", "Hard Prober"),
    ("Prober 4", "Forgiving Tit For Tat"),
    ("Detective", "Tricky Cooperator"),
    ("BackStabber", "DoubleCrosser"),
    ("Hard Go By Majority 10", "Alternator"),
    ("ThueMorse", "Spiteful Tit For Tat"),
    ("DBS", "Alternator Hunter"),
    ("Omega TFT", "Cycle Hunter"),
    ("Meta Winner Deterministic", "Tit For Tat"),
    ("Limited Retaliate", "Retaliate 3"),
    ("Second by Tideman and Chieruzzi", "Meta Hunter Aggressive"),
]


def _axelrod_match(name_a: str, name_b: str, turns: int) -> tuple[str, str, list[tuple[float, float]]]:
    a = AxelrodPlayer(name_a).axelrod_class()
    b = AxelrodPlayer(name_b).axelrod_class()
    match = axl.Match((a, b), turns=turns, seed=0)
    plays = match.play()
    moves_a = "".join(str(x) for x, _ in plays)
    moves_b = "".join(str(y) for _, y in plays)
    return moves_a, moves_b, [(float(x), float(y)) for x, y in match.scores()]


def _deterministic(name: str) -> bool:
    return not AxelrodPlayer(name).classifier["stochastic"]


@pytest.mark.parametrize(("name_a", "name_b"), PAIRS, ids=[f"{a}-vs-{b}" for a, b in PAIRS])
def test_bridged_pair_plays_like_axelrod_match(name_a: str, name_b: str) -> None:
    assert _deterministic(name_a) and _deterministic(name_b), "the requirement covers deterministic pairs"
    moves_a, moves_b, scores = _axelrod_match(name_a, name_b, TURNS)
    result = play_match(Game(rounds=TURNS), AxelrodPlayer(name_a), AxelrodPlayer(name_b), seed=7)
    assert result.actions_a == moves_a
    assert result.actions_b == moves_b
    assert list(zip(result.payoffs_a, result.payoffs_b)) == scores
    assert result.totals == (sum(s for s, _ in scores), sum(s for _, s in scores))


class NativeTitForTat(Player):
    """Tit for tat written against powergame's API only."""

    name = "native TFT"

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else C


class NativeDefectThenCopy(Player):
    """Withhold once, then copy the partner (suspicious tit for tat)."""

    name = "native STFT"

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else D


NATIVE_OPPONENTS = [
    "Adaptive",
    "Second by Tester",
    "Evolved FSM 16",
    "Gradual",
    "Evolved ANN 5",
    "First by Davis",
]


@pytest.mark.parametrize("name", NATIVE_OPPONENTS)
@pytest.mark.parametrize(
    ("native", "axelrod_twin"),
    [(NativeTitForTat, "Tit For Tat"), (NativeDefectThenCopy, "Suspicious Tit For Tat")],
    ids=["TFT", "STFT"],
)
def test_bridged_strategy_against_native_player(name: str, native: type[Player], axelrod_twin: str) -> None:
    moves_a, moves_b, scores = _axelrod_match(name, axelrod_twin, TURNS)
    result = play_match(Game(rounds=TURNS), AxelrodPlayer(name), native(), seed=3)
    assert (result.actions_a, result.actions_b) == (moves_a, moves_b)
    assert list(zip(result.payoffs_a, result.payoffs_b)) == scores
    # and with the roles exchanged
    swapped = play_match(Game(rounds=TURNS), native(), AxelrodPlayer(name), seed=3)
    assert (swapped.actions_a, swapped.actions_b) == (moves_b, moves_a)


DETERMINISTIC = sorted(
    cls.name
    for cls in axl.strategies
    if not cls.classifier["stochastic"] and not cls.classifier["long_run_time"]
)


@settings(max_examples=25, deadline=None)
@given(
    name_a=st.sampled_from(DETERMINISTIC),
    name_b=st.sampled_from(DETERMINISTIC),
    turns=st.integers(min_value=1, max_value=40),
)
def test_any_deterministic_pair_plays_like_axelrod_match(name_a: str, name_b: str, turns: int) -> None:
    if not (_deterministic(name_a) and _deterministic(name_b)):
        return  # the class says deterministic but an instance with defaults may not be
    moves_a, moves_b, scores = _axelrod_match(name_a, name_b, turns)
    result = play_match(Game(rounds=turns), AxelrodPlayer(name_a), AxelrodPlayer(name_b), seed=0)
    assert (result.actions_a, result.actions_b) == (moves_a, moves_b)
    assert list(zip(result.payoffs_a, result.payoffs_b)) == scores
