"""The run's path without pandas: Arrow columns from and to buffers, the analysis's grouped
sums and the summary's rounding, each against pandas or pyarrow's own conversion as the
oracle; and a process that runs, summarises and answers an exact tournament importing no
pandas."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from powergame import arrow_arrays
from powergame.tournaments import analysis, grouped

texts = st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=30)
ints = st.lists(st.integers(-(2**62), 2**62), max_size=30)
floats = st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=30)


@given(texts)
def test_string_arrays_equal_pyarrow_s_own(values):
    built = arrow_arrays.array(values, pa.string())
    assert built.equals(pa.array(values, pa.string()))
    assert arrow_arrays.to_numpy(built).tolist() == values


@given(st.lists(st.text(max_size=6), min_size=1, max_size=8), st.data())
def test_gathered_strings_equal_pyarrow_s_own_array_of_the_items(names, data):
    indices = data.draw(st.lists(st.integers(0, len(names) - 1), max_size=40))
    built = arrow_arrays.gathered_strings(names, np.array(indices, dtype=np.intp))
    assert built.equals(pa.array([names[i] for i in indices], pa.string()))


@given(ints, st.data())
def test_int_arrays_with_a_mask_equal_pyarrow_s_own(values, data):
    mask = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))), dtype=bool
    )
    built = arrow_arrays.array(np.array(values, dtype=np.int64), pa.int64(), mask=mask)
    assert built.equals(pa.array(np.array(values, dtype=np.int64), pa.int64(), mask=mask))
    expected = built.to_numpy(zero_copy_only=False)
    assert np.array_equal(arrow_arrays.to_numpy(built), expected, equal_nan=True)


@given(floats, st.lists(st.booleans(), max_size=30))
def test_float_and_bool_arrays_equal_pyarrow_s_own(values, flags):
    built = arrow_arrays.array(np.array(values, dtype=float), pa.float64())
    assert np.array_equal(arrow_arrays.to_numpy(built), np.array(values, dtype=float), equal_nan=True)
    expected = pa.array(np.array(values, dtype=float), pa.float64())  # NaN is a number, not a null
    assert built.null_count == expected.null_count == 0
    assert np.array_equal(built.to_numpy(), expected.to_numpy(), equal_nan=True)
    booleans = arrow_arrays.array(flags, pa.bool_())
    assert booleans.equals(pa.array(flags, pa.bool_()))
    assert arrow_arrays.to_numpy(booleans).tolist() == flags


def test_slices_and_chunks_read_back_as_pyarrow_reads_them():
    column = pa.chunked_array([pa.array(["a", None, "bc", "d"]).slice(1), pa.array(["e", "f"])], pa.string())
    assert arrow_arrays.to_numpy(column).tolist() == [None, "bc", "d", "e", "f"]
    numbers = pa.chunked_array([pa.array([1, 2, 3]).slice(2), pa.array([4, None])])
    assert np.array_equal(arrow_arrays.to_numpy(numbers), [3.0, 4.0, np.nan], equal_nan=True)
    curves = arrow_arrays.list_array(np.array([0, 2, 2, 5]), np.arange(5.0))
    assert curves.to_pylist() == [[0.0, 1.0], [], [2.0, 3.0, 4.0]]


@pytest.mark.parametrize("encoded_from", [0, 10**9])  # Arrow's dictionary encoding, or row by row
@given(values=texts, start=st.integers(0, 30), length=st.integers(0, 30))
def test_text_slices_with_nulls_read_back_as_pyarrow_reads_them(encoded_from, values, start, length):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(arrow_arrays, "ENCODED_TEXT_ROWS", encoded_from)
        column = pa.array(values, pa.string()).slice(start, length)
        found = arrow_arrays.to_numpy(pa.chunked_array([column, column], pa.string()))
    assert found.dtype == object and found.tolist() == column.to_pylist() * 2


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")))),
        min_size=1,
        max_size=200,
    ),
    st.booleans(),
)
def test_grouped_sums_and_means_are_pandas_groupby_s_to_the_last_bit(rows, in_order):
    if in_order:  # rows already in group order: pandas takes another path
        rows = sorted(rows, key=lambda row: row[0])
    groups = np.array([g for g, _ in rows])
    values = np.array([v for _, v in rows])
    present, codes = np.unique(groups, return_inverse=True)
    sums = grouped.group_sum(codes, values, len(present))
    means = grouped.group_mean(codes, values, len(present))
    frame = pd.Series(values).groupby(codes)
    assert np.array_equal(sums, frame.sum().to_numpy())
    assert np.array_equal(means, frame.mean().to_numpy(), equal_nan=True)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.one_of(
                st.integers(-(2**40), 2**40).map(float), st.sampled_from([0.0, -0.0, 1.0, float("nan")])
            ),
        ),
        min_size=1,
        max_size=200,
    ),
    st.booleans(),
)
@example(rows=[(0, -0.0)], in_order=False)
@example(rows=[(1, -0.0), (0, 2.0), (1, -0.0)], in_order=False)
def test_grouped_sums_of_whole_numbers_are_pandas_groupby_s_to_the_last_bit(rows, in_order):
    if in_order:
        rows = sorted(rows, key=lambda row: row[0])
    groups = np.array([g for g, _ in rows])
    values = np.array([v for _, v in rows])
    present, codes = np.unique(groups, return_inverse=True)
    sums = grouped.group_sum(codes, values, len(present))
    expected = pd.Series(values).groupby(codes).sum().to_numpy()
    assert np.array_equal(sums, expected)
    # pandas' sign of a zero sum changed between its versions; ours is +0.0 on every path
    assert not np.any(np.signbit(sums) & (sums == 0))
    assert np.array_equal(np.signbit(sums), np.signbit(expected) & (expected != 0))


def test_long_groups_are_summed_as_pandas_sums_them():
    rng = np.random.default_rng(7)
    codes = np.concatenate([np.zeros(5000, dtype=np.intp), np.ones(3, dtype=np.intp)])
    rng.shuffle(codes)
    values = rng.normal(size=codes.size) * 1e5
    assert np.array_equal(grouped.group_sum(codes, values, 2), pd.Series(values).groupby(codes).sum())


def test_ranking_numbers_round_as_pandas_to_json_writes_them():
    rng = np.random.default_rng(1)
    values = np.concatenate(
        [
            rng.normal(size=3000) * 10.0 ** rng.integers(-18, 20, size=3000),
            (rng.integers(0, 10**11, 2000) * 10 + 5) / 10**11,  # halfway at the 11th decimal
            [1.53147931875, 0.0, -0.0, 2.0, 1e16, 9.99999999999e-16, 0.99999999999],
        ]
    )
    expected = [row["x"] for row in json.loads(pd.DataFrame({"x": values}).to_json(orient="records"))]
    assert [analysis.json_number(v) for v in values] == expected
    assert analysis.json_number(float("nan")) is None and analysis.json_number(3) == 3


def test_exact_curves_summed_by_blocks_equal_the_whole_grid():
    rng = np.random.default_rng(3)
    curves = [np.sort(rng.random(int(n)))[::-1] for n in rng.integers(1, 9, size=50)]
    whole = analysis.exact_curve(curves)
    found = analysis.Curves.from_lists(curves)
    count = len(curves)
    long = analysis.Sides(
        {"match_id": np.arange(count), "horizon": np.full(count, -1.0), "censored": np.zeros(count)},
        True,
        found,
        np.arange(count),
    )
    blocked = analysis._exact_mean_curve(long, np.arange(count), block=7)
    assert np.array_equal(blocked["survival"], whole["survival"].to_numpy())
    grid = np.zeros((count, max(len(c) for c in curves) + 1))
    for row, curve in zip(grid, curves):
        row[: len(curve)] = curve
    assert np.array_equal(blocked["survival"], grid.mean(axis=0))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_zero_one_curves_weighed_by_use_equal_the_grid_summed_row_after_row(data):
    horizon = data.draw(st.integers(1, 12))
    count = data.draw(st.integers(1, 30))
    exits = np.array(data.draw(st.lists(st.integers(1, horizon + 1), min_size=count, max_size=count)))
    table = (np.arange(horizon)[None, :] < exits[:, None]).astype(float)  # 1 until the exit, then 0
    lasted = (exits > horizon).astype(float)
    rows = np.array(data.draw(st.lists(st.integers(0, 2 * count - 1), min_size=1, max_size=60)))
    long = analysis.Sides(
        {"horizon": np.full(2 * count, float(horizon)), "censored": np.concatenate([lasted, lasted])},
        True,
        analysis.Curves(table.reshape(-1), np.arange(count + 1) * horizon),
        np.concatenate([np.arange(count), np.arange(count)]),
    )
    found = analysis._exact_mean_curve(long, rows)
    grid = np.zeros(
        (len(rows), horizon + 1)
    )  # the definition: one row per relationship, at t = n its lasting
    grid[:, :horizon] = table[rows % count]
    grid[:, horizon] = lasted[rows % count]
    expected = np.zeros(horizon + 1)
    for row in grid:
        expected = expected + row
    assert np.array_equal(found["survival"], expected / len(rows))
    assert np.array_equal(found["at_risk"], np.concatenate([[len(rows)], expected[:-1]]))
    assert np.array_equal(found["events"], np.concatenate([[0.0], expected[:-1] - expected[1:]]))


SCRIPT = """
import sys
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import load_spec
from powergame.tournaments.answer import answer, answer_text
from powergame.tournaments.analysis import summary_table
result = run_tournament(load_spec(sys.argv[1]), sys.argv[2])
summary_table(result.long)
answer_text(answer(result.long, "?"))
heavy = ("pandas", "scipy", "matplotlib", "pyarrow.compute", "powergame.engine", "numpy.ma")
print(sorted(m for m in heavy if m in sys.modules))
"""


SPEC = """
name = "lean"
strategies = ["Out-for-Tat", "Loyal", "Hit and Run"]
exact = true
[game]
rounds = 20
outside_options = [2.0, 1.0]
"""


def test_an_exact_run_summarises_and_answers_without_pandas(tmp_path):
    (tmp_path / "lean.toml").write_text(SPEC, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "lean.toml"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "out" / "summary.json").is_file()


def test_one_array_keeps_a_single_chunk_s_buffers_and_joins_several():
    curves = arrow_arrays.list_array(np.array([0, 2, 5]), np.arange(5.0))
    single = arrow_arrays.one_array(pa.chunked_array([curves]))
    assert single.values.buffers()[1].address == curves.values.buffers()[1].address  # not copied
    joined = arrow_arrays.one_array(pa.chunked_array([curves, curves.slice(1)]))
    assert joined.to_pylist() == [[0.0, 1.0], [2.0, 3.0, 4.0], [2.0, 3.0, 4.0]]
    assert arrow_arrays.one_array(curves) is curves


def test_a_large_text_column_is_decoded_without_importing_pyarrow_compute():
    script = (
        "import sys, numpy as np, pyarrow as pa; from powergame import arrow_arrays as aa; "
        "names = ['M1(code=CCCCC)', 'Loyal', None]; picks = np.arange(3 * aa.ENCODED_TEXT_ROWS) % 3; "
        "found = aa.to_numpy(aa.array([names[i] for i in picks], pa.string())); "
        "assert found.tolist() == [names[i] for i in picks]; print('pyarrow.compute' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_exact_run_of_the_memory_one_space_imports_nothing_it_does_not_use(tmp_path):
    # 26,244 rows: the text columns take the dictionary-encoded path (ENCODED_TEXT_ROWS)
    script = (
        "import sys; from powergame.cli import main; "
        "sys.argv = ['powergame', 'run', 'memory_one_space', '--out', sys.argv[1], '--quiet']\n"
        "try:\n    main()\nfinally:\n"
        "    heavy = ('pandas', 'scipy', 'matplotlib', 'pyarrow.compute', 'powergame.engine', 'numpy.ma')\n"
        "    print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "out")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


@given(st.lists(st.integers(-3, 3), max_size=40))
def test_distinct_numbers_are_counted_as_np_unique_counts_them(values):
    array = np.array(values, dtype=np.int64)
    assert analysis._count_distinct(array) == len(np.unique(array))
