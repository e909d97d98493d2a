"""State tables of the exit wrappers: the product of the inner table and the rule's counter
plays exactly as the wrapper, in the Python, batch and exact engines."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategy_helpers import TABLE_PARTNERS, Scripted, play, transcript
from tables import TablePlayer, played_rows

from powergame import Game, Player, play_match
from powergame.batch import play_batch
from powergame.exact import exact_match
from powergame.strategies import (
    HotAndCold,
    LeastInterest,
    LeaveAfterRounds,
    LeaveAfterTotalWithholdings,
    LeaveAfterWithholdings,
    LeaveBelowOutsideOption,
    Loyal,
    MemoryOne,
    OutForTat,
    ReciprocalStakes,
    StartSmall,
    Voice,
)

INNERS = {
    "Voice": Voice,
    "Loyal": Loyal,
    "M1 CCDCD": lambda: MemoryOne(code="CCDCD"),
    "M1 DCLLC": lambda: MemoryOne(code="DCLLC"),
    "Out For Tat": OutForTat,
    "Start Small": lambda: StartSmall(T=2),
    "stochastic M1": lambda: MemoryOne(first=0.5, cc=0.9, cd=0.2, dc=0.7, dd=0.4, leave_cd=0.3, leave_dd=0.6),
}
RULES = {
    "in a row k=1": lambda p: LeaveAfterWithholdings(p, k=1),
    "in a row k=3": lambda p: LeaveAfterWithholdings(p, k=3),
    "total k=2": lambda p: LeaveAfterTotalWithholdings(p, k=2),
    "total k=4": lambda p: LeaveAfterTotalWithholdings(p, k=4),
    "rounds=1": lambda p: LeaveAfterRounds(p, rounds=1),
    "rounds=7": lambda p: LeaveAfterRounds(p, rounds=7),
    "nested": lambda p: LeaveAfterRounds(LeaveAfterTotalWithholdings(p, k=3), rounds=12),
    "nested twice": lambda p: LeaveAfterWithholdings(
        LeaveAfterRounds(LeaveAfterWithholdings(p, k=2), rounds=9), k=1
    ),
}


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
@pytest.mark.parametrize("inner", INNERS.values(), ids=list(INNERS))
def test_wrapper_plays_like_its_table(inner, rule) -> None:  # type: ignore[no-untyped-def]
    table = rule(inner()).state_table()
    assert table is not None
    game = Game(rounds=30, noise=0.1)
    for seed in range(3):
        for partner in TABLE_PARTNERS:
            native = play(rule(inner()), partner(), game=game, seed=seed)
            tabled = play(TablePlayer(table), partner(), game=game, seed=seed)
            assert transcript(native) == transcript(tabled)


def test_table_as_role_b_under_continuation() -> None:
    game = Game(rounds=None, continuation=0.95, noise=0.1)
    wrapped = lambda: LeaveAfterWithholdings(LeaveAfterRounds(Voice(), rounds=20), k=2)  # noqa: E731
    table = wrapped().state_table()
    assert table is not None
    for seed in range(5):
        native = play_match(game, MemoryOne(code="CCDCD"), wrapped(), seed=seed)
        tabled = play_match(game, MemoryOne(code="CCDCD"), TablePlayer(table), seed=seed)
        assert (native.actions_a, native.actions_b, native.exit_round, native.left_by) == (
            tabled.actions_a,
            tabled.actions_b,
            tabled.exit_round,
            tabled.left_by,
        )


@given(script=st.text(alphabet="CD", min_size=1, max_size=12), k=st.integers(1, 4))
@settings(max_examples=40, deadline=None)
def test_counters_follow_any_partner(script: str, k: int) -> None:
    game = Game(rounds=15)
    makers = (
        lambda: LeaveAfterWithholdings(Loyal(), k=k),
        lambda: LeaveAfterTotalWithholdings(Loyal(), k=k),
        lambda: LeaveAfterRounds(Loyal(), rounds=k + 2),
    )
    for make in makers:
        table = make().state_table()
        assert table is not None
        native = play(make(), Scripted(script), game=game)
        tabled = play(TablePlayer(table), Scripted(script), game=game)
        assert transcript(native) == transcript(tabled)


def test_product_sizes_and_counts_by_hand() -> None:
    # Loyal has one state; k = 3 withholdings in a row: counts 0, 1, 2.
    table = LeaveAfterWithholdings(Loyal(), k=3).state_table()
    assert table is not None and table.n_states == 3
    # From count 1: partner C (outcome CC) resets to 0; partner D (CD) moves to 2.
    assert table.transition[1][0] == (1.0, 0.0, 0.0)
    assert table.transition[1][1] == (0.0, 0.0, 1.0)
    # At count 2 a partner D is the third in a row: leave for sure; a C stays.
    assert table.leave[2] == (0.0, 1.0, 0.0, 1.0)
    # Total withholdings do not reset on C.
    total = LeaveAfterTotalWithholdings(Loyal(), k=3).state_table()
    assert total is not None and total.transition[1][0] == (0.0, 1.0, 0.0)
    # Voice (2 states) x 2 x 5 rounds.
    nested = LeaveAfterRounds(LeaveAfterWithholdings(Voice(), k=2), rounds=5).state_table()
    assert nested is not None and nested.n_states == 2 * 2 * 5


def test_inner_leave_combines_with_the_rule() -> None:
    # M1 with leave_cd = 0.3: P(leave) stays 0.3 while the rule holds, 1 when it fires.
    inner = MemoryOne(first=1, cc=1, cd=1, dc=1, dd=1, leave_cd=0.3)
    inner_table = inner.state_table()
    assert inner_table is not None
    table = LeaveAfterWithholdings(inner, k=2).state_table()
    assert table is not None
    start = table.initial_state
    assert start == inner_table.initial_state * 2
    assert table.leave[start][1] == pytest.approx(0.3)  # first partner D: inner only
    assert table.leave[start + 1][1] == 1.0  # second in a row: the rule


def test_no_table_without_a_finite_form() -> None:
    assert LeaveBelowOutsideOption(Loyal(), window=2).state_table() is None
    assert LeaveAfterWithholdings(ReciprocalStakes(), k=2).state_table() is None
    assert LeaveAfterRounds(LeaveBelowOutsideOption(Voice()), rounds=3).state_table() is None
    # Least Interest has a table once it knows the game; so does its wrapper.
    wrapped = LeaveAfterRounds(LeastInterest(), rounds=4)
    assert wrapped.state_table() is None
    game = Game(rounds=20, noise=0.1, outside_options=(2.0, 0.0))
    wrapped.join_match(game, 0, 0)
    table = wrapped.state_table()
    assert table is not None
    native = play(LeaveAfterRounds(LeastInterest(), rounds=4), Voice(), game=game, seed=3)
    tabled = play(TablePlayer(table), Voice(), game=game, seed=3)
    assert transcript(native) == transcript(tabled)


def test_batch_equals_play_match_for_a_wrapped_pair() -> None:
    game = Game(rounds=25, outside_options=(1.0, 0.5), exit_costs=(0.5, 0.25))
    make_a = lambda: LeaveAfterWithholdings(MemoryOne(code="CCDCD"), k=2)  # noqa: E731
    make_b = lambda: LeaveAfterTotalWithholdings(HotAndCold(hot=2, cold=1), k=5)  # noqa: E731
    table_a, table_b = make_a().state_table(), make_b().state_table()
    assert table_a is not None and table_b is not None
    seeds = list(range(4))
    names = make_a().name, make_b().name
    batch = play_batch(game, table_a, table_b, seeds, keep_actions=True)
    python = played_rows(game, make_a, make_b, seeds)
    assert batch.rows(*names, with_actions=True) == python
    assert python[0]["left_by"] is not None  # the pair does end: the rule is exercised


def _exact(game: Game, a: Player, b: Player):  # type: ignore[no-untyped-def]
    table_a, table_b = a.state_table(), b.state_table()
    assert table_a is not None and table_b is not None
    return exact_match(game, table_a, table_b)


def test_exact_fixed_term_by_hand() -> None:
    # Loyal | Leave After Rounds(3) vs Loyal: three rounds of R = 3, then A leaves for sure.
    game = Game(rounds=10, outside_options=(1.0, 0.5), exit_costs=(0.5, 0.25))
    r = _exact(game, LeaveAfterRounds(Loyal(), rounds=3), Loyal())
    assert r.rounds_together == pytest.approx(3.0)
    assert (r.p_left_a, r.p_left_b, r.p_left_both, r.p_censored) == pytest.approx((1, 0, 0, 0))
    assert r.total_a == pytest.approx(3 * 3 + 7 * 1.0 - 0.5)
    assert r.total_b == pytest.approx(3 * 3 + 7 * 0.5)
    assert r.survival[:5] == pytest.approx((1, 1, 1, 0, 0))


def test_exact_first_withholding_under_noise_by_hand() -> None:
    # Loyal | Leave After Withholdings(1) vs Loyal: B's C turns into D with prob e each
    # round, and A leaves after the first. P(together after t rounds) = (1 - e)^t.
    e, n = 0.1, 10
    game = Game(rounds=n, noise=e)
    r = _exact(game, LeaveAfterWithholdings(Loyal(), k=1), Loyal())
    assert r.rounds_together == pytest.approx(sum((1 - e) ** t for t in range(n)))
    assert r.p_censored == pytest.approx((1 - e) ** n)
    assert r.p_left_a == pytest.approx(1 - (1 - e) ** n)
    assert r.p_left_b == 0.0
    assert r.survival[3] == pytest.approx((1 - e) ** 3)
    assert math.isclose(sum(r.survival[:n]), r.rounds_together)
