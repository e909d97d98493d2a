"""The summary's fast paths against the general ones: grouped sums of many groups against
pandas, counting against ``np.unique``, and a per-match table's long table (text columns as
codes, columns as halves, sides paired by match) against its long form read back, which
takes the general path for every figure of the headline and the answer."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame import arrow_arrays
from powergame.tournaments import analysis, grouped, long_table, run_sums
from powergame.tournaments.answer import answer
from powergame.tournaments.round_robin import headline_tables
from powergame.tournaments.survival import _distinct_times

finite = st.floats(-1e6, 1e6)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_sums_of_many_similar_groups_are_pandas_groupby_s_to_the_last_bit(data):
    count = data.draw(st.integers(41, 80))  # many groups of a few values: the grid of groups
    sizes = data.draw(st.lists(st.integers(1, 12), min_size=count, max_size=count))
    codes = np.repeat(np.arange(count), sizes)
    np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).shuffle(codes)
    values = np.array(
        data.draw(st.lists(st.one_of(finite, st.just(np.nan)), min_size=len(codes), max_size=len(codes)))
    )
    expected = pd.Series(values).groupby(codes).sum().to_numpy()
    assert np.array_equal(grouped.group_sum(codes, values, count), expected)


def test_sums_of_one_long_and_many_short_groups_and_of_infinities_are_pandas_groupby_s():
    rng = np.random.default_rng(11)
    codes = np.concatenate([np.zeros(30, dtype=np.intp), np.arange(1, 1500)])  # not a dense grid
    rng.shuffle(codes)
    values = rng.normal(size=len(codes)) * 1e3
    expected = pd.Series(values).groupby(codes).sum().to_numpy()
    assert np.array_equal(grouped.group_sum(codes, values, 1500), expected)
    similar = np.repeat(np.arange(50), 9)  # the grid of groups: partial sums that overflow
    rng.shuffle(similar)
    for wild_values in ([1.7e308, 1.7e308, -1.7e308], [np.inf, 1.7e308, 1.7e308]):
        wild = rng.normal(size=len(similar))
        wild[np.flatnonzero(similar == similar[0])[:3]] = wild_values
        with np.errstate(invalid="ignore", over="ignore"):  # each group in table order
            expected = np.array([grouped.kahan(wild[similar == g].tolist()) for g in range(50)])
        with np.errstate(invalid="ignore", over="ignore"):
            found = grouped.group_sum(similar, wild, 50)
        assert np.array_equal(found, expected, equal_nan=True)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.one_of(st.integers(-3, 30).map(float), finite, st.sampled_from([np.nan, -0.0])),
        ),
        min_size=1,
        max_size=120,
    ),
    st.booleans(),
)
def test_medians_and_means_of_rounds_are_those_of_sorting_and_pandas(rows, whole):
    codes = np.array([g for g, _ in rows])
    values = np.array([v if not whole or np.isnan(v) or v == 0 else float(round(v)) % 40 for _, v in rows])
    medians = np.full(8, np.nan)  # each group's values sorted, ties in table order
    for group in range(8):
        mine = np.sort(values[(codes == group) & ~np.isnan(values)], kind="stable")
        if len(mine):
            medians[group] = (mine[(len(mine) - 1) // 2] + mine[len(mine) // 2]) / 2
    found = grouped.group_median(codes, values, 8)
    assert np.array_equal(found, medians, equal_nan=True)
    assert np.array_equal(np.signbit(found), np.signbit(medians))
    frame = pd.Series(values).groupby(codes)
    means = frame.mean().reindex(range(8)).to_numpy()
    assert np.array_equal(grouped.group_mean(codes, values, 8), means, equal_nan=True)
    numbers = np.nan_to_num(values).astype(np.int64)
    expected = pd.Series(numbers).groupby(codes).mean().reindex(range(8)).to_numpy()
    assert np.array_equal(grouped.group_mean(codes, numbers, 8), expected, equal_nan=True)


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-(2**40), 2**40)), min_size=1, max_size=80))
def test_sums_of_integers_and_flags_are_pandas_groupby_s(rows):
    codes = np.array([g for g, _ in rows])
    numbers = np.array([v for _, v in rows], dtype=np.int64)
    expected = pd.Series(numbers.astype(float)).groupby(codes).sum().reindex(range(7), fill_value=0.0)
    assert np.array_equal(grouped.group_sum(codes, numbers, 7), expected.to_numpy())
    flags = numbers % 2 == 0
    expected = pd.Series(flags.astype(float)).groupby(codes).sum().reindex(range(7), fill_value=0.0)
    assert np.array_equal(grouped.group_sum(codes, flags, 7), expected.to_numpy())


@given(st.one_of(st.lists(st.integers(-50, 50)), st.lists(st.integers(-(2**62), 2**62), max_size=20)))
def test_counting_distinct_integers_is_np_unique(values):
    array = np.array(values, dtype=np.int64)
    found, inverse = long_table.dense_unique(array)
    expected, expected_inverse = np.unique(array, return_inverse=True)
    assert np.array_equal(found, expected) and found.dtype == expected.dtype
    assert np.array_equal(inverse, expected_inverse.reshape(-1))


@given(st.lists(st.one_of(st.integers(0, 40).map(float), st.floats(allow_infinity=True), st.just(-0.0))))
def test_distinct_times_are_np_unique(values):
    times = np.array(values, dtype=float)
    grid, index = _distinct_times(times)
    expected, expected_index = np.unique(times, return_inverse=True)
    assert np.array_equal(grid, expected, equal_nan=True)
    assert np.array_equal(index, expected_index.reshape(-1))


# --- a per-match table's long table against its long form ------------------------------------
def per_match(data: st.DataObject) -> pd.DataFrame:
    """A random per-match table: a few strategies and families, any endings, scores that are
    not whole numbers, match ids in any order."""
    size = data.draw(st.integers(1, 40))
    strategies = {"Tit": "trust-building", "Grim": "withholding", "Alt": "neutral", "Zed": "withholding"}
    names = data.draw(st.lists(st.sampled_from(sorted(strategies)), min_size=2 * size, max_size=2 * size))
    ids = data.draw(st.permutations(range(size)))
    rows = []
    for i in range(size):
        a, b = names[2 * i], names[2 * i + 1]
        horizon = data.draw(st.integers(1, 6))
        left_by = data.draw(st.sampled_from(["A", "B", "both", None]))
        rounds = horizon if left_by is None else data.draw(st.integers(1, horizon))
        total_a, total_b = (data.draw(st.floats(0, 30)) for _ in range(2))
        rows.append(
            {
                "match_id": ids[i],
                "repetition": data.draw(st.integers(0, 3)),
                "strategy_a": a,
                "strategy_b": b,
                "family_a": strategies[a],
                "family_b": strategies[b],
                "horizon": horizon,
                "rounds_together": rounds,
                "left_by": left_by,
                "exit_round": None if left_by is None else rounds,
                "censored": left_by is None,
                "total_a": total_a,
                "total_b": total_b,
                "score_a": total_a / horizon,
                "score_b": total_b / horizon,
                "cooperation_a": data.draw(st.floats(0, 1)),
                "cooperation_b": data.draw(st.floats(0, 1)),
                "mutual_cooperation": 0.25,
                "mean_stake": 1.5,
                "power_index": data.draw(st.floats(-1, 1)),
                "least_interest": data.draw(st.sampled_from(["A", "B", None])),
                "power_shifts": data.draw(st.integers(0, 3)),
                "power_share_a": 0.5,
                "power_share_b": 0.25,
            }
        )
    frame = pd.DataFrame(rows)
    frame["exit_round"] = frame["exit_round"].astype("Int64")
    return frame


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """The table as a run stores it (texts as Arrow strings, nulls where missing)."""
    kinds = {"left_by": pa.string(), "least_interest": pa.string(), "exit_round": pa.int64()}
    columns = {}
    for name in frame.columns:
        values = [None if pd.isna(v) else v for v in frame[name].tolist()]
        kind = kinds.get(name, pa.string() if frame[name].dtype == object else None)
        columns[name] = pa.array(values, kind)
    return pa.table(columns)


def figures(matches: object) -> str:
    long = analysis.sides(matches)
    found = {
        "headline": headline_tables(long),
        "answer": answer(long, ""),
        "relationships": analysis.rows(analysis.strategy_relationships_columns(long)),
        "by_strategy": analysis.rows(analysis.survival_summary_columns(long, "strategy")),
    }
    return json.dumps(found, sort_keys=True)


@pytest.mark.parametrize("encoded_from", [0, 10**9])  # Arrow's dictionary encoding, or row by row
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_per_match_table_gives_the_figures_of_its_long_form(encoded_from, data):
    frame = per_match(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrow_arrays, "ENCODED_TEXT_ROWS", encoded_from)
        patch.setattr(long_table, "ENCODED_TEXT_ROWS", encoded_from)
        arrow = arrow_table(frame)
        long = analysis.sides(arrow)
        expected = figures(analysis.to_long(frame))  # the long form: codes, rows and sums in general
        assert figures(arrow) == expected
        assert figures(frame) == expected
    assert long.paired
    rows = np.array(data.draw(st.lists(st.integers(0, len(long) - 1), max_size=30)), dtype=np.intp)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=len(long), max_size=len(long))), dtype=bool)
    for name in ("score", "censored", "left", "was_left", "duration_share", "horizon"):
        fresh = analysis.sides(arrow)  # halves only: the column is not made yet
        whole = long[name]
        assert np.array_equal(fresh.pick(name, rows), whole[rows], equal_nan=True)
        rising = np.sort(rows)  # taken from each half in place
        assert np.array_equal(fresh.pick(name, rising), whole[rising], equal_nan=True)
        assert np.array_equal(fresh.select(name, mask), whole[mask], equal_nan=True)
    for name in ("strategy", "opponent", "family", "opponent_family", "role"):
        names, codes = long.codes(name)
        assert names.tolist() == sorted(set(long[name].tolist()))
        assert np.array_equal(names[codes], long[name])


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_figures_summed_by_runs_of_rows_are_those_of_rows_sorted_by_group(data):
    arrow = arrow_table(per_match(data))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_sums, "runs", lambda *args, **kwargs: None)  # every sum by group_sum
        expected = figures(arrow)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_sums, "ROWS_PER_RUN", 1)  # runs of any length, every layout by runs
        assert figures(arrow) == expected


def three_matches() -> pd.DataFrame:
    """Three matches of Tit (trust-building), Grim (withholding) and Alt (neutral)."""
    return pd.DataFrame(
        {
            "match_id": [0, 1, 2],
            "repetition": [0, 0, 1],
            "strategy_a": ["Tit", "Grim", "Tit"],
            "strategy_b": ["Grim", "Grim", "Alt"],
            "family_a": ["trust-building", "withholding", "trust-building"],
            "family_b": ["withholding", "withholding", "neutral"],
            "horizon": [4, 4, 4],
            "rounds_together": [4, 2, 3],
            "left_by": [None, "both", "B"],
            "exit_round": pd.array([None, 2, 3], dtype="Int64"),
            "censored": [True, False, False],
            "total_a": [8.5, 3.0, 6.0],
            "total_b": [9.0, 3.0, 1.5],
            "score_a": [8.5 / 4, 0.75, 1.5],
            "score_b": [2.25, 0.75, 0.375],
            "cooperation_a": [1.0, 0.5, 1.0],
            "cooperation_b": [0.0, 0.5, 1.0],
            "mutual_cooperation": [0.0, 0.5, 1.0],
            "mean_stake": [1.0, 1.0, 1.0],
            "power_index": [0.5, 0.0, -0.25],
            "least_interest": ["A", None, "B"],
            "power_shifts": [0, 1, 2],
            "power_share_a": [1.0, 0.5, 0.0],
            "power_share_b": [0.0, 0.5, 1.0],
        }
    )


def test_a_long_table_pickles_as_plain_columns_with_the_same_figures():
    frame = three_matches()
    long = analysis.sides(arrow_table(frame))
    copy = pickle.loads(pickle.dumps(long))  # nothing computed yet: the copy computes all
    expected = figures(long)
    assert isinstance(copy.columns, dict) and set(copy.columns) == set(long.columns)
    assert figures(copy) == expected == figures(frame)
    assert analysis.sides(copy).pick("score", np.array([5, 0])).tolist() == [0.375, 8.5 / 4]


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_rows_taken_from_a_long_table_give_the_figures_of_the_same_rows_built_afresh(data):
    long = analysis.sides(arrow_table(per_match(data)))
    for name in ("strategy", "family", "role"):
        long.codes(name)  # codes of the whole table, carried into the rows taken
    rows = np.array(
        sorted(set(data.draw(st.lists(st.integers(0, len(long) - 1), min_size=1)))), dtype=np.intp
    )
    taken = long.take(rows)
    afresh = analysis.sides(pd.DataFrame({name: long[name][rows] for name in long.columns}))
    for name in ("strategy", "family", "role"):
        assert taken.codes(name)[0].tolist() == sorted(set(long[name][rows].tolist()))
    assert json.dumps(analysis.rows(analysis.ranking_columns(taken)), default=str) == json.dumps(
        analysis.rows(analysis.ranking_columns(afresh)), default=str
    )


def test_a_strategy_without_a_family_is_a_group_of_its_own():
    frame = analysis.to_long(three_matches())
    frame.loc[frame["strategy"] == "Alt", "family"] = None
    found = analysis.rows(analysis.ranking_columns(frame))
    assert {row["strategy"]: row["family"] for row in found}["Alt"] is None
    families = analysis.family_table(frame)
    assert families["family"].tolist()[:2] == ["trust-building", "withholding"]
    assert pd.isna(families["family"].iloc[2])
    assert families["sides"].tolist() == [2, 3, 1]


@given(st.lists(st.integers(0, 5), max_size=12), st.lists(st.integers(0, 12), max_size=3))
def test_match_ids_are_positions_when_they_are_0_1_2_in_order_in_any_chunks(ids, cuts):
    bounds = sorted({0, len(ids), *(min(cut, len(ids)) for cut in cuts)})
    column = pa.chunked_array(
        [pa.array(ids[low:high], pa.int64()) for low, high in zip(bounds, bounds[1:])], pa.int64()
    )
    assert arrow_arrays.is_positions(column) == (ids == list(range(len(ids))))
    positions = pa.chunked_array([pa.array(range(4)), pa.array(range(4, 9))])
    assert arrow_arrays.is_positions(positions)
    assert not arrow_arrays.is_positions(pa.chunked_array([pa.array([0, None, 2])]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=60),
    st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=60),
)
def test_rounds_counted_per_round_give_the_survival_figures_of_sorting_them(first, second):
    from powergame.tournaments import survival

    rounds_a, flags_a = np.array([t for t, _ in first]), np.array([f for _, f in first])
    rounds_b, flags_b = np.array([t for t, _ in second]), np.array([f for _, f in second])
    counted = survival.kaplan_meier_columns(rounds_a, flags_a)
    sorted_ = survival.kaplan_meier_columns(rounds_a + 0.0, flags_a)  # floats: the general path
    assert counted is not None and sorted_ is not None and counted.keys() == sorted_.keys()
    for name in counted:
        assert counted[name].dtype == sorted_[name].dtype
        assert np.array_equal(counted[name], sorted_[name], equal_nan=True)
    by_rounds = survival.log_rank(rounds_a, flags_a, rounds_b, flags_b)
    by_sorting = survival.log_rank(rounds_a + 0.5, flags_a, rounds_b + 0.5, flags_b)  # not rounds
    assert by_rounds == by_sorting
    # Unsigned rounds (numpy before 2.2.4 does not bincount them) give the same figures.
    unsigned = survival.kaplan_meier_columns(rounds_a.astype(np.uint64), flags_a)
    assert all(np.array_equal(unsigned[name], counted[name], equal_nan=True) for name in counted)
    assert (
        survival.log_rank(rounds_a.astype(np.uint64), flags_a, rounds_b.astype(np.uint32), flags_b)
        == by_rounds
    )


def test_the_log_rank_test_of_millions_of_relationships_is_its_exact_value():
    # Group a: 1,000,000 leave in round 1, 500,000 last to round 5; group b: 500,000 leave
    # in round 1, 1,000,000 in round 3. Products of four numbers at risk exceed 2**63.
    from fractions import Fraction

    from powergame.tournaments import survival

    rounds_a = np.repeat([1, 5], [1_000_000, 500_000])
    rounds_b = np.repeat([1, 3], [500_000, 1_000_000])
    lasted_a, lasted_b = rounds_a == 5, np.zeros(len(rounds_b), dtype=bool)
    # (at risk in a, at risk in b, events) at each round someone left: by hand
    steps = [(1_500_000, 1_500_000, 1_500_000), (500_000, 1_000_000, 1_000_000)]
    expected_a = sum(Fraction(a * events, a + b) for a, b, events in steps)
    variance = sum(
        Fraction(a * b * events * (a + b - events), (a + b) ** 2 * (a + b - 1)) for a, b, events in steps
    )
    z = float(1_000_000 - expected_a) / float(variance) ** 0.5
    found = survival.log_rank(rounds_a, lasted_a, rounds_b, lasted_b)
    assert found.statistic is not None and abs(found.statistic - z) <= 1e-12 * abs(z)
    floats = survival.log_rank(rounds_a + 0.5, lasted_a, rounds_b + 0.5, lasted_b)  # the general path
    assert floats.statistic is not None and abs(floats.statistic - z) <= 1e-12 * abs(z)
