"""The batch engine against the Python engine (same figures) and the exact chain (same means)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables import (
    ALWAYS_COOPERATE,
    CODES,
    HIT_AND_RUN,
    OUT_FOR_TAT,
    STAKED_TFT,
    TIT_FOR_TAT,
    games,
    memory_one,
    memory_one_code,
    python_rows,
    within_sampling_error,
)

from powergame import Game, ParameterError
from powergame.batch import _chunks, play_batch
from powergame.exact import exact_match


@given(
    games,
    st.one_of(st.sampled_from(CODES).map(memory_one_code), st.just(STAKED_TFT)),
    st.sampled_from(CODES).map(memory_one_code),
    st.lists(st.integers(0, 2**40), min_size=1, max_size=8),
    st.integers(1, 8),
)
@settings(max_examples=60)
def test_deterministic_pairs_match_the_python_engine_exactly(game, table_a, table_b, seeds, chunk_size):
    batch = play_batch(game, table_a, table_b, seeds, chunk_size=chunk_size, keep_actions=True)
    assert batch.rows("a", "b", with_actions=True) == python_rows(game, table_a, table_b, seeds)


def test_stakes_and_exit_match_the_python_engine():
    game = Game(outside_options=(1.5, 0.5), exit_costs=(1.0, 0.25), rounds=40)
    seeds = list(range(6))
    for pair in [(STAKED_TFT, memory_one_code("CDCDD")), (memory_one_code("DCDCD"), STAKED_TFT)]:
        batch = play_batch(game, *pair, seeds, keep_actions=True)
        assert batch.rows("a", "b", with_actions=True) == python_rows(game, *pair, seeds)


def test_out_for_tat_against_hit_and_run_by_hand():
    game = Game(outside_options=(1.0, 2.0), exit_costs=(0.5, 0.25), rounds=10)
    batch = play_batch(game, OUT_FOR_TAT, HIT_AND_RUN, [1, 2, 3])
    # Round 1: C against D, both leave; then 9 rounds of the outside option, minus the cost.
    assert batch.left_by.tolist() == [3, 3, 3]
    assert batch.total_a.tolist() == [0 + 9 * 1.0 - 0.5] * 3
    assert batch.total_b.tolist() == [5 + 9 * 2.0 - 0.25] * 3


def test_chunks_bound_the_cells_and_do_not_change_deterministic_results():
    horizons = np.array([5, 50, 7, 7, 200, 3, 3, 3, 90])
    for start, stop in _chunks(horizons, chunk_size=4, max_cells=120):
        assert stop - start <= 4
        assert stop - start == 1 or (stop - start) * horizons[start:stop].max() <= 120
    game = Game(continuation=0.9, rounds=None)
    whole = play_batch(game, TIT_FOR_TAT, memory_one_code("CDLCD"), range(50)).rows("a", "b")
    assert (
        play_batch(game, TIT_FOR_TAT, memory_one_code("CDLCD"), range(50), chunk_size=7).rows("a", "b")
        == whole
    )


def test_stochastic_results_are_a_function_of_the_seeds():
    game = Game(rounds=30, noise=0.1)
    table = memory_one(0.5, (0.9, 0.2, 0.7, 0.1), (0.0, 0.1, 0.0, 0.2))
    first = play_batch(game, table, TIT_FOR_TAT, range(100)).rows("a", "b")
    assert play_batch(game, table, TIT_FOR_TAT, range(100)).rows("a", "b") == first
    assert play_batch(game, table, TIT_FOR_TAT, range(1, 101)).rows("a", "b") != first


STOCHASTIC_A = memory_one(0.8, (0.9, 0.2, 0.7, 0.3), (0.0, 0.15, 0.0, 0.3))
STOCHASTIC_B = memory_one(1.0, (0.95, 0.1, 0.8, 0.4), (0.05, 0.1, 0.0, 0.2))
GAMES = [
    Game(rounds=20, noise=0.05, outside_options=(1.0, 0.5), exit_costs=(0.5, 1.0)),
    Game(rounds=None, continuation=0.85, noise=0.05, outside_options=(1.0, 0.5), exit_costs=(0.5, 1.0)),
]


@pytest.mark.parametrize("game", GAMES)
def test_stochastic_pairs_agree_with_the_exact_chain_and_the_python_engine(game):
    exact = exact_match(game, STOCHASTIC_A, STOCHASTIC_B)
    batch = play_batch(game, STOCHASTIC_A, STOCHASTIC_B, range(20_000))
    python = python_rows(game, STOCHASTIC_A, STOCHASTIC_B, range(1500))
    for key in ("score_a", "score_b", "total_a", "rounds_together"):
        assert within_sampling_error(getattr(batch, key), getattr(exact, key)), key
        assert within_sampling_error(np.array([row[key] for row in python]), getattr(exact, key)), key
    assert within_sampling_error(batch.censored.astype(float), exact.p_censored)
    assert within_sampling_error((batch.left_by == 1).astype(float), exact.p_left_a)


def test_the_agreement_check_catches_a_different_engine():
    # A table whose P(C) after CC is 0.1 lower stands in for an engine that got it wrong.
    altered = memory_one(0.8, (0.8, 0.2, 0.7, 0.3), (0.0, 0.15, 0.0, 0.3))
    game = GAMES[0]
    exact = exact_match(game, STOCHASTIC_A, STOCHASTIC_B)
    batch = play_batch(game, altered, STOCHASTIC_B, range(20_000))
    assert not within_sampling_error(batch.score_b, exact.score_b)


def test_bad_arguments_name_the_value():
    with pytest.raises(ParameterError, match="chunk_size"):
        play_batch(Game(), TIT_FOR_TAT, TIT_FOR_TAT, [1], chunk_size=0)
    with pytest.raises(ParameterError, match="seed"):
        play_batch(Game(), TIT_FOR_TAT, TIT_FOR_TAT, [-1])
    with pytest.raises(ParameterError, match="with_actions"):
        play_batch(Game(), TIT_FOR_TAT, TIT_FOR_TAT, [1]).rows("a", "b", with_actions=True)


def test_counters_stay_exact_when_a_chunk_ends_early():
    # Both always cooperate and leave at random: every round together is mutual
    # cooperation, however a chunk's matches end (left, or reached their horizon first).
    game = Game(rounds=None, continuation=0.93)
    fickle = memory_one(1.0, (1, 1, 1, 1), (0.2, 0.2, 0.2, 0.2))
    for chunk_size in (1, 2, 3, 64):
        batch = play_batch(game, fickle, ALWAYS_COOPERATE, range(300), chunk_size=chunk_size)
        assert batch.cooperation_a.tolist() == [1.0] * 300
        assert batch.mutual_cooperation.tolist() == [1.0] * 300
        assert batch.mean_stake.tolist() == [1.0] * 300


@pytest.mark.parametrize("stochastic_side", [0, 1])
def test_one_random_partner_agrees_with_the_exact_chain(stochastic_side):
    # Without noise a deterministic partner draws nothing: only the other one's choices
    # and leaves are random.
    game = Game(rounds=20, outside_options=(1.0, 0.5))
    pair = (STOCHASTIC_A, TIT_FOR_TAT) if stochastic_side == 0 else (TIT_FOR_TAT, STOCHASTIC_B)
    exact = exact_match(game, *pair)
    batch = play_batch(game, *pair, range(20_000))
    for key in ("score_a", "score_b", "rounds_together"):
        assert within_sampling_error(getattr(batch, key), getattr(exact, key)), key
    assert within_sampling_error(batch.censored.astype(float), exact.p_censored)
    # The chain's cooperation is expected C rounds over expected rounds together.
    rounds = batch.rounds_together
    for side in ("a", "b"):
        played_c = getattr(batch, f"cooperation_{side}") * rounds
        ratio = played_c.sum() / rounds.sum()
        assert abs(ratio - getattr(exact, f"cooperation_{side}")) < 0.01, side


@given(
    st.integers(1, 40),
    st.integers(1, 6),
    st.sampled_from([(0.0, 0.0), (1.0, 1.0), (0.5, 1.5), (1 / 3, 0.25)]),
    st.data(),
)
@settings(max_examples=150)
def test_power_figures_of_arrays_match_the_round_by_round_reading(rounds, count, options, data):
    # Payoffs from a few values so that ties (exact and within rounding) are frequent, and
    # matches that end early: every figure as power.power_holders reads it round by round.
    from powergame import power
    from powergame.batch import _power_figures

    values = st.sampled_from([0.0, 0.1, 0.2, 0.3, 1.0, 1 / 3, 3.0, 5.0])
    payoffs = np.array(data.draw(st.lists(values, min_size=2 * rounds * count, max_size=2 * rounds * count)))
    payoffs = payoffs.reshape(rounds, count, 2)
    together = np.array(data.draw(st.lists(st.integers(0, rounds), min_size=count, max_size=count)))
    sums = np.zeros((rounds, count), dtype=complex)
    for t in range(rounds):  # the running sums in round order, as both engines add them
        sums[t] = (sums[t - 1] if t else 0) + (payoffs[t, :, 0] + 1j * payoffs[t, :, 1])
    v_a, v_b = options
    shifts, held_a, held_b = _power_figures(sums.real, sums.imag, together, v_a, v_b, 5.0)
    for j in range(count):
        n = int(together[j])
        holders = power.power_holders(list(payoffs[:n, j, 0]), list(payoffs[:n, j, 1]), v_a, v_b)
        assert shifts[j] == power.count_power_shifts(holders)
        assert (held_a[j], held_b[j]) == (holders.count("A"), holders.count("B"))


@given(
    st.integers(1, 40),
    st.integers(1, 6),
    st.sampled_from([(0.0, 0.0), (1.0, 1.0), (2.0, -1.0)]),
    st.sampled_from([1, 7, 1 << 17]),
    st.sampled_from([1, 1 << 20]),
    st.sampled_from([0, 1 << 16]),
    st.data(),
)
@settings(max_examples=200, deadline=None)
def test_whole_number_payoffs_give_the_round_by_round_figures_in_integers(
    rounds, count, options, cells, row_by_row, longest, data
):
    # Payoffs by f of a few whole numbers (ties frequent), random f per round, matches that
    # end early, blocks of rows as small as one cell, the holder in office carried row by
    # row or filled by doubling, words with the counters (a layout for these rounds) and
    # without (for 2^16 rounds): sums and power figures as power.power_holders reads them
    # round by round from the float payoffs, counters as the outcomes add up.
    from powergame import power
    from powergame.batch import holders, integral
    from powergame.batch.counters import _OUTCOME_COUNTS

    sizes = st.integers(-3, 5)
    payoff_a = np.array(data.draw(st.lists(sizes, min_size=6, max_size=6)), dtype=float)
    payoff_b = np.array(data.draw(st.lists(sizes, min_size=6, max_size=6)), dtype=float)
    recorded = np.array(
        data.draw(st.lists(st.integers(0, 5), min_size=rounds * count, max_size=rounds * count)),
        dtype=np.intp,
    ).reshape(rounds, count)
    together = np.array(data.draw(st.lists(st.integers(0, rounds), min_size=count, max_size=count)))
    v_a, v_b = options
    tables = integral._WholeTables.of(payoff_a, payoff_b, v_a, v_b)
    assert tables is not None
    counts = np.array([*_OUTCOME_COUNTS, 0, 0])  # f 4 and 5: an ended state, counting nothing
    layout = tables.layout(longest or rounds, counts)
    assert layout is not None
    assert layout[2] > 0 or longest  # a few rounds: the words hold the counters
    old = holders._POWER_CELLS, integral._ROW_BY_ROW
    integral._POWER_CELLS, integral._ROW_BY_ROW = cells, row_by_row
    try:
        sum_a, sum_b, shifts, held_a, held_b, counters = integral._whole_figures(
            *layout, tables.low, recorded, together
        )
    finally:
        integral._POWER_CELLS, integral._ROW_BY_ROW = old
    for j in range(count):
        n = int(together[j])
        column_a, column_b = list(payoff_a[recorded[:, j]]), list(payoff_b[recorded[:, j]])
        holders_j = power.power_holders(column_a[:n], column_b[:n], v_a, v_b)
        assert shifts[j] == power.count_power_shifts(holders_j)
        assert (held_a[j], held_b[j]) == (holders_j.count("A"), holders_j.count("B"))
        assert (sum_a[j], sum_b[j]) == (sum(column_a), sum(column_b))
        if counters is not None:
            assert counters[j] == counts[recorded[:, j]].sum()


def test_integer_figures_only_for_whole_numbers_in_range():
    from powergame.batch.integral import _WholeTables

    whole = np.array([3.0, 0.0, 5.0, 1.0])
    assert _WholeTables.of(whole, whole, 0.5, 0.0) is None
    assert _WholeTables.of(whole + 0.25, whole, 0.0, 0.0) is None
    assert _WholeTables.of(whole * 2.0**29, whole, 0.0, 0.0) is None
    tables = _WholeTables.of(whole, whole[::-1], 1.0, 2.0)
    assert tables is not None
    assert tables.delta.tolist() == [3 - 1 + 1, 0 - 5 + 1, 5 - 0 + 1, 1 - 3 + 1]
    assert (tables.low, tables.spread, tables.step, tables.magnitude) == (0, 5, 6, 5)
    # 200 rounds: sums below 1,000 < 2^10, D below 1,200 < 2^11: fields 10, 10 and 11 bits
    # 200 rounds: sums below 1,000 < 2^10, D below 1,200 < 2^11, counters below 2^8: fields
    # of 8, 8, 8, 10, 10 and 11 bits (61 at most)
    counts = np.array([1 + (1 << 21) + (1 << 42), 1, 1 << 21, 0])  # CC, CD, DC, DD
    words, bits, base = tables.layout(200, counts)
    assert (bits, base) == (10, 24)
    sums = [3 + (1 << 10) + (3 << 20), (5 << 10) - (4 << 20), 5 + (6 << 20), 1 + (3 << 10) - (1 << 20)]
    counted = [1 + (1 << 8) + (1 << 16), 1, 1 << 8, 0]
    assert words.tolist() == [(s << 24) + c for s, c in zip(sums, counted)]
    # 2^15 rounds: no room for the counters (3 x 16 bits beside 18, 18 and 18): not held
    words, bits, base = tables.layout(1 << 15, counts)
    assert (bits, base) == (18, 0)
    # D's field no longer fits beside two sums of 25 bits; rounds x 4 x 5 >= 2^29
    assert tables.layout(1 << 22, counts) is None
    assert tables.layout((1 << 29) // 20, counts) is None


def _unmix64(z: int) -> int:
    """The inverse of ``streams.mix64`` (each xorshift and odd product undone)."""
    from powergame import streams

    def unshift(x: int, k: int) -> int:
        y = x
        for _ in range(64 // k + 1):
            y = x ^ (y >> k)
        return y

    z = unshift(z, 31)
    z = (z * pow(streams._M2, -1, 1 << 64)) & streams.MASK64
    z = unshift(z, 27)
    z = (z * pow(streams._M1, -1, 1 << 64)) & streams.MASK64
    return unshift(z, 30)


@pytest.mark.parametrize("role", [0, 1])
def test_a_sure_choice_holds_against_the_largest_uniform(role):
    # The uniform 2^32 - 1 is at or above every threshold the engine compares in uint32; a
    # sure cooperation (threshold 2^32) must still cooperate: a key whose round-1 CHOICE draw
    # is all ones for the sure partner, the other partner random.
    from powergame import streams
    from powergame.batch.program import _Program

    assert _unmix64(streams.mix64(0x0123456789ABCDEF)) == 0x0123456789ABCDEF
    draw = 0xFFFFFFFF_00000000 | 0x12345678 if role else 0x12345678_00000000 | 0xFFFFFFFF
    key = (_unmix64(draw) - int(streams.offset(1, streams.CHOICE))) & streams.MASK64
    assert streams.uniform32(key, 1, streams.CHOICE, role) == (1 << 32) - 1
    sure, random = memory_one(1.0, (1, 1, 1, 1)), memory_one(0.5, (0.5, 0.5, 0.5, 0.5))
    pair = (sure, random) if role == 0 else (random, sure)
    game = Game(rounds=3)
    program, starts, ends = _Program.of(game, [pair])
    played = program.play(game, np.array([key], dtype=np.uint64), starts, ends, np.array([3]), False)
    assert played["cooperation_a" if role == 0 else "cooperation_b"].tolist() == [1.0]
