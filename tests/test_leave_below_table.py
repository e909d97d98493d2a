"""Leave Below Outside Option's state table: once the game is known, the table leaves and
moves exactly as the rule does at stake 1, in the Python, batch and exact engines; it is
refused where it cannot be exact (unknown game, partial stakes, too many states)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategy_helpers import Scripted
from tables import TablePlayer, played_rows

from powergame import Game, Player, play_match
from powergame.batch import play_batch
from powergame.errors import ParameterError
from powergame.exact import exact_match
from powergame.game import StagePayoffs
from powergame.play import Pairing, play
from powergame.population.mean_field import PoolModel
from powergame.state_table import StateTable
from powergame.strategies import (
    HotAndCold,
    LeaveAfterRounds,
    LeaveBelowOutsideOption,
    Loyal,
    MemoryOne,
    OutForTat,
    RaiseTheStakes,
    StartSmall,
    Voice,
)
from powergame.strategies.exit_rules import MAX_TABLE_STATES

INNERS = {
    "Loyal": Loyal,
    "Voice": Voice,
    "Out For Tat": OutForTat,
    "Start Small": lambda: StartSmall(T=2),
    "stochastic M1": lambda: MemoryOne(first=0.6, cc=0.9, cd=0.3, dc=0.7, dd=0.4, leave_cd=0.2, leave_dd=0.5),
}


def table_in(player: Player, game: Game, role: int) -> StateTable:
    player.join_match(game, role, 0)
    table = player.state_table()
    assert table is not None
    return table


def record(result) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    return (
        result.intended_a,
        result.intended_b,
        result.actions_a,
        result.actions_b,
        result.exit_round,
        result.left_by,
        {k: v for k, v in result.summary().items() if k not in ("player_a", "player_b")},
    )


payoff = st.integers(-2, 6).map(float)
stage = st.builds(StagePayoffs, payoff, payoff, payoff, payoff)
# v on and between the window means the payoffs can give (the rule's strict < decides there)
outside = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 4 / 3, 1.5, 2.0, 2.5, 3.0, 3.25, 5.0, 7.0])


@given(
    inner=st.sampled_from(sorted(INNERS)),
    window=st.integers(1, 4),
    stages=st.tuples(stage, stage),
    values=st.tuples(outside, outside),
    role=st.integers(0, 1),
    script=st.text(alphabet="CD", min_size=1, max_size=10),
    noise=st.sampled_from([0.0, 0.15]),
    seed=st.integers(0, 2**20),
)
@settings(max_examples=120, deadline=None)
def test_table_decides_as_the_rule_on_any_history(
    inner: str, window: int, stages, values, role: int, script: str, noise: float, seed: int
) -> None:  # type: ignore[no-untyped-def]
    game = Game(rounds=14, noise=noise, payoffs=stages, outside_options=values)

    def make() -> Player:
        return LeaveBelowOutsideOption(INNERS[inner](), window=window)

    player = make()
    player.join_match(game, role, 0)
    table = player.state_table()
    if table is None:  # refused only when the product of the two counters is too large
        inner, counter = player.inner.state_table(), player.rule_counter()
        assert inner is not None and counter is not None
        assert inner.n_states * counter[0] > MAX_TABLE_STATES
        return
    assert table.unit_stakes_only
    pairs = [(make(), TablePlayer(table))]
    results = []
    for player in pairs[0]:
        a, b = (player, Scripted(script)) if role == 0 else (Scripted(script), player)
        results.append(record(play_match(game, a, b, seed=seed)))
    assert results[0] == results[1]


def test_counts_and_leaves_by_hand() -> None:
    game = Game(outside_options=(0.5, 0.5))  # R, S, T, P = 3, 0, 5, 1
    # window 2, v = 0.5: a mean below 0.5 needs two payoffs summing below 1, i.e. S twice:
    # state 1 is "the last round paid S" (outcome CD), state 0 anything else.
    table = table_in(LeaveBelowOutsideOption(Loyal(), window=2), game, 0)
    assert table.n_states == 2 and table.initial_state == 0
    assert table.leave == ((0, 0, 0, 0), (0, 1, 0, 0))
    assert [row.index(1.0) for row in table.transition[0]] == [0, 1, 0, 0]
    # window 1: leave after any round paying below v; v = 1.5 leaves after S and P.
    one = table_in(LeaveBelowOutsideOption(Loyal(), window=1), Game(outside_options=(1.5, 0)), 0)
    assert one.n_states == 1 and one.leave == ((0, 1, 0, 1),)
    # v above T: the rule fires after the window's first full round, whatever happened.
    high = table_in(LeaveBelowOutsideOption(Loyal(), window=3), Game(outside_options=(6.0, 0)), 0)
    assert high.n_states == 3 and high.leave[2] == (1, 1, 1, 1) and high.leave[1] == (0, 0, 0, 0)
    # v at or below S: it never fires, and the table is Loyal's own.
    low = table_in(LeaveBelowOutsideOption(Loyal(), window=4), Game(outside_options=(0.0, 0)), 0)
    assert low.n_states == 1 and low.leave == ((0, 0, 0, 0),)
    # Role B reads its own v: (6, 0.5) makes B's rule the first example's.
    as_b = table_in(LeaveBelowOutsideOption(Loyal(), window=2), Game(outside_options=(6.0, 0.5)), 1)
    assert as_b.leave == table.leave


def test_no_table_where_it_cannot_be_exact() -> None:
    game = Game(outside_options=(2.0, 0.5))
    assert LeaveBelowOutsideOption(Loyal(), window=2).state_table() is None  # game unknown
    for player in (
        LeaveBelowOutsideOption(Loyal(), window=7),  # above MAX_WINDOW
        LeaveBelowOutsideOption(Loyal(), window=6),  # 1365 sequences merge to more than 256 states
        LeaveBelowOutsideOption(RaiseTheStakes(), window=2),  # stakes below 1
    ):
        player.join_match(game, 0, 0)
        assert player.state_table() is None
    nested = LeaveAfterRounds(LeaveBelowOutsideOption(Voice(), window=2), rounds=5)
    nested.join_match(game, 0, 0)
    outer = nested.state_table()
    assert outer is not None and outer.unit_stakes_only  # a wrapper around it keeps the mark


def test_engines_refuse_a_partner_below_stake_one() -> None:
    game = Game(rounds=20, outside_options=(2.0, 0.5))
    table = table_in(LeaveBelowOutsideOption(Loyal(), window=2), game, 0)
    staked = RaiseTheStakes().state_table()
    assert staked is not None and not staked.full_stakes
    with pytest.raises(ParameterError, match="stake 1"):
        exact_match(game, table, staked)
    with pytest.raises(ParameterError, match="stake 1"):
        play_batch(game, table, staked, [0, 1])
    with pytest.raises(ParameterError, match="stake 1"):
        PoolModel(tables=(table, staked), initial_shares=(0.5, 0.5))
    pairing = Pairing.of(game, lambda: LeaveBelowOutsideOption(Loyal(), window=2), RaiseTheStakes, [0, 1])
    with pytest.raises(ParameterError, match="engine"):
        play(game, [pairing], engine="batch")
    auto = play(game, [pairing]).to_pylist()  # the Python engine plays it
    python = [play_match(game, pairing.a.make(), pairing.b.make(), seed).summary() for seed in (0, 1)]
    assert [row["exit_round"] for row in auto] == [row["exit_round"] for row in python]


@pytest.mark.parametrize("inner", ["Voice", "stochastic M1"])
def test_batch_plays_every_seed_as_the_python_engine(inner: str) -> None:
    game = Game(rounds=30, noise=0.1, outside_options=(2.0, 1.0), exit_costs=(0.5, 0.0))
    make_a = lambda: LeaveBelowOutsideOption(INNERS[inner](), window=3)  # noqa: E731
    make_b = lambda: LeaveBelowOutsideOption(HotAndCold(hot=2, cold=1), window=2)  # noqa: E731
    table_a, table_b = table_in(make_a(), game, 0), table_in(make_b(), game, 1)
    seeds = list(range(40))
    batch = play_batch(game, table_a, table_b, seeds, keep_actions=True)
    python = played_rows(game, make_a, make_b, seeds)
    assert batch.rows(make_a().name, make_b().name, with_actions=True) == python
    assert {row["left_by"] for row in python} >= {"A", "B"}  # both rules fire in some match


def test_exact_by_hand_without_noise() -> None:
    # Loyal | LBOO(window=2) with v = 2 against Hot and Cold(1, 1): CC (3), CD (0), then
    # the mean 1.5 < 2 and A leaves after round 2; with v = 1.5 it stays all 10 rounds.
    n = 10
    for v, rounds, left in ((2.0, 2, 1.0), (1.5, n, 0.0)):
        game = Game(rounds=n, outside_options=(v, 0.5))
        table = table_in(LeaveBelowOutsideOption(Loyal(), window=2), game, 0)
        other = HotAndCold(hot=1, cold=1).state_table()
        result = exact_match(game, table, other)
        assert result.rounds_together == pytest.approx(rounds)
        assert result.p_left_a == pytest.approx(left)
        paid = [3.0, 0.0] * (rounds // 2)
        assert result.total_a == pytest.approx(sum(paid) + (n - rounds) * v)


def test_exact_within_sampling_error_of_the_batch_engine() -> None:
    game = Game(rounds=12, noise=0.1, outside_options=(1.5, 1.0))
    table_a = table_in(LeaveBelowOutsideOption(Voice(), window=3), game, 0)
    table_b = table_in(LeaveBelowOutsideOption(Loyal(), window=2), game, 1)
    exact = exact_match(game, table_a, table_b)
    seeds = list(range(20_000))
    rows = play_batch(game, table_a, table_b, seeds).rows("A", "B")
    lengths = [row["rounds_together"] for row in rows]
    mean = sum(lengths) / len(lengths)
    sd = (sum((x - mean) ** 2 for x in lengths) / (len(lengths) - 1)) ** 0.5
    assert abs(mean - exact.rounds_together) < 5 * sd / len(lengths) ** 0.5
    share_a = sum(row["left_by"] == "A" for row in rows) / len(rows)
    assert abs(share_a - exact.p_left_a) < 5 * (exact.p_left_a * (1 - exact.p_left_a) / len(rows)) ** 0.5
    assert 0.05 < exact.p_left_a < 0.95  # the rule is exercised


def test_an_exact_tournament_refuses_a_stake_1_table_against_a_lower_stake_before_writing(tmp_path) -> None:
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import TournamentSpec

    spec = TournamentSpec(
        name="stakes", strategies=("Raise The Stakes", "Voice | Leave Below Outside Option"), exact=True
    )
    with pytest.raises(ParameterError, match="Leave Below Outside Option against Raise The Stakes"):
        run_tournament(spec, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # Without the partner offering less, the same rule plays exactly.
    fine = TournamentSpec(name="unit", strategies=("Loyal", "Voice | Leave Below Outside Option"), exact=True)
    assert run_tournament(fine, out_dir=tmp_path / "fine", quiet=True).summary["counts"]["matches"] > 0
