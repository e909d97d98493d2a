"""The per-match figures tournaments store from ``MatchResult.summary()`` follow their
definitions (mean stake, mutual cooperation, scores from totals) on any transcript."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from powergame.game import Game
from powergame.result import MatchResult


@st.composite
def results(draw: st.DrawFn) -> MatchResult:
    rounds = draw(st.integers(0, 30))
    horizon = rounds + draw(st.integers(0 if rounds else 1, 5))
    actions = st.text(alphabet="CD", min_size=rounds, max_size=rounds)
    stakes = st.lists(st.sampled_from([1.0, 0.5, 0.25, 1.0]), min_size=rounds, max_size=rounds)
    payoffs = st.lists(st.sampled_from([0.0, 1.0, 3.0, 5.0, 2.5]), min_size=rounds, max_size=rounds)
    left = draw(st.sampled_from([None, "A", "B", "both"])) if rounds < horizon else None
    actions_a, actions_b = draw(actions), draw(actions)
    return MatchResult(
        player_a="a",
        player_b="b",
        game=Game(rounds=horizon, outside_options=(draw(st.sampled_from([0.0, 1.5])), 0.5)),
        seed=0,
        horizon=horizon,
        actions_a=actions_a,
        actions_b=actions_b,
        intended_a=actions_a,
        intended_b=actions_b,
        stakes_a=tuple(draw(stakes)),
        stakes_b=tuple(draw(stakes)),
        payoffs_a=tuple(draw(payoffs)),
        payoffs_b=tuple(draw(payoffs)),
        left_by=left,
        exit_round=rounds if left else None,
    )


@settings(max_examples=150, deadline=None)
@given(results())
def test_summary_figures_follow_their_definitions(result: MatchResult) -> None:
    summary = result.summary()
    n = len(result.actions_a)
    both_c = sum(1 for a, b in zip(result.actions_a, result.actions_b) if a == b == "C")
    stakes = [min(a, b) for a, b in zip(result.stakes_a, result.stakes_b)]
    assert summary["mutual_cooperation"] == (both_c / n if n else 0.0)
    assert summary["mean_stake"] == (sum(stakes) / n if n else 0.0)
    assert summary["score_a"] == summary["total_a"] / result.horizon
    assert summary["score_b"] == summary["total_b"] / result.horizon
    assert summary["structural_dependence_a"] == 3.0 - result.game.outside_options[0]


def test_full_stakes_average_to_exactly_one() -> None:
    # 0.1 offered once: mean of min stakes over 3 rounds = (1 + 0.1 + 1) / 3.
    base = dict(player_a="a", player_b="b", game=Game(rounds=3), seed=0, horizon=3)
    plays = dict(actions_a="CCD", actions_b="CDD", intended_a="CCD", intended_b="CDD")
    payoffs = dict(payoffs_a=(3.0, 0.0, 1.0), payoffs_b=(3.0, 5.0, 1.0), left_by=None, exit_round=None)
    full = MatchResult(**base, **plays, stakes_a=(1.0,) * 3, stakes_b=(1.0,) * 3, **payoffs)
    mixed = MatchResult(**base, **plays, stakes_a=(1.0, 0.1, 1.0), stakes_b=(1.0,) * 3, **payoffs)
    assert full.mean_stake == 1.0 and full.mutual_cooperation_rate == 1 / 3
    assert mixed.mean_stake == (1.0 + 0.1 + 1.0) / 3
