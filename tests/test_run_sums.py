"""Grouped sums read off runs of rows against ``group_sum`` of the joined pieces (itself
pandas' groupby sum to the last bit, tests/test_summary_paths.py): tables made of blocks
of one group over consecutive repetitions, as a run's long table comes, in one piece or
two."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame.tournaments import grouped, run_sums

values_of = st.sampled_from(["spread", "whole", "tiny and huge", "integers"])


def _values(rng: np.random.Generator, kind: str, size: int) -> np.ndarray:
    if kind == "integers":
        return rng.integers(-50, 200, size=size)
    if kind == "whole":
        return rng.integers(0, 400, size=size).astype(float)
    if kind == "tiny and huge":  # partial sums that lose bits: compensation matters
        return rng.choice([1e16, -1e16, 0.1, 3.3, -0.0, 1e-8], size=size) * rng.uniform(0.5, 2, size)
    return rng.normal(size=size) * 10.0 ** rng.integers(-3, 6, size=size)


@st.composite
def blocks(draw):
    """A table of blocks (group, first repetition, length), cut into one piece or two."""
    groups = draw(st.integers(1, 5))
    width = draw(st.integers(1, 9))
    found = []
    for _ in range(draw(st.integers(1, 14))):
        first = draw(st.integers(0, width - 1))
        found.append((draw(st.integers(0, groups - 1)), first, draw(st.integers(1, width - first))))
    group = np.concatenate([np.full(length, g) for g, _, length in found])
    minor = np.concatenate([np.arange(first, first + length) for _, first, length in found])
    cut = draw(st.sampled_from([None, len(group) // 2, draw(st.integers(0, len(group)))]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = _values(rng, draw(values_of), len(group))
    return groups, width, group, minor, values, cut


def _pieces(values: np.ndarray, cut: int | None) -> list[np.ndarray]:
    return [values] if cut is None else [values[:cut], values[cut:]]


@settings(max_examples=200, deadline=None)
@given(blocks())
def test_sums_per_group_by_runs_are_group_sum_s_to_the_last_bit(table):
    groups, _, group, _, values, cut = table
    found = run_sums.group_sums(_pieces(group, cut), _pieces(values, cut), groups, most=10**6)
    sorted_groups = bool(np.all(group[1:] >= group[:-1]))
    assert (found is None) == (sorted_groups and values.dtype.kind == "f")
    if found is not None:
        expected = grouped.group_sum(group, values, groups)
        assert np.array_equal(found, expected) and not np.any(np.signbit(found) & (found == 0))
        means = run_sums.group_means(_pieces(group, cut), _pieces(values, cut), groups, most=10**6)
        assert np.array_equal(means, grouped.group_mean(group, values, groups), equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(blocks())
def test_sums_per_group_and_repetition_by_runs_are_group_sum_s_to_the_last_bit(table):
    groups, width, group, minor, values, cut = table
    minors = _pieces(minor, cut)
    found_runs = run_sums.runs(_pieces(group, cut), minors, most=10**6)
    assert found_runs is not None
    found = run_sums.cell_sums(found_runs, minors, _pieces(values, cut), (groups, width))
    cell = group * width + minor
    if found is None:  # only rows sorted by cell already, which group_sum sums its own way
        assert values.dtype.kind == "f" and bool(np.all(cell[1:] >= cell[:-1]))
        return
    cells, index = np.unique(cell, return_inverse=True)
    assert np.array_equal(found[0], cells)
    assert np.array_equal(found[1], grouped.group_sum(index, values, len(cells)))


def test_sums_by_runs_are_pandas_groupby_s_on_a_run_s_layout():
    # Pairings of 5 strategies, 400 repetitions each in order, side A's rows then side B's.
    rng = np.random.default_rng(5)
    pairs = [(a, b) for a in range(5) for b in range(5)]
    repetitions = 400
    side_a = np.repeat([a for a, _ in pairs], repetitions)
    side_b = np.repeat([b for _, b in pairs], repetitions)
    repetition = np.tile(np.arange(repetitions), len(pairs))
    totals = [rng.normal(400, 80, size=len(side_a)).round(1) for _ in range(2)]
    group = np.concatenate([side_a, side_b])
    joined = np.concatenate(totals)
    found = run_sums.group_sums([side_a, side_b], totals, 5)
    assert found is not None
    assert np.array_equal(found, pd.Series(joined).groupby(group).sum().to_numpy())
    runs = run_sums.runs([side_a, side_b], [repetition, repetition])
    assert runs is not None and len(runs) <= 2 * len(pairs)
    cells = run_sums.cell_sums(runs, [repetition, repetition], totals, (5, repetitions))
    assert cells is not None
    by_cell = pd.Series(joined).groupby(group * repetitions + np.tile(repetition, 2)).sum()
    assert np.array_equal(cells[0], by_cell.index.to_numpy())
    assert np.array_equal(cells[1], by_cell.to_numpy())


def test_missing_or_infinite_values_and_too_many_runs_are_left_to_group_sum():
    group = np.array([1, 0, 1, 0])
    for wild in (np.nan, np.inf):
        assert run_sums.group_sums([group], [np.array([1.5, wild, 2.0, 3.0])], 2) is None
    assert run_sums.group_sums([group], [np.array([1.5, 2.5, 2.0, 3.0])], 2, most=3) is None
    assert run_sums.runs([group], [np.arange(4)], most=3) is None
