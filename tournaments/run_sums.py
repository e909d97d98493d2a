"""Grouped sums read off a table's runs: the same figures as ``grouped.group_sum`` without
sorting the rows by group.

A run's table comes in long stretches of one group: a pairing's matches are its repetitions
in order, so in the long table a strategy holds rows ``p * R .. p * R + R - 1`` of each of
its pairings, side A's and then side B's. The compensated (Kahan) sum of a group in table
order is then the sum carried from run to run: per group of a few long ones, a loop over
each run's values; per (group, repetition), one step per run for all the run's repetitions
at once (a run holds each of them once). The table may come in pieces (the two halves of a
long table) that tile it in order, so that a column need not be joined first.

Each function returns None where its path does not give ``group_sum``'s figures to the last
bit or would be slow (missing or non-finite values, rows sorted by group already, too many
runs); the caller then takes ``group_sum``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .grouped import kahan_carried, mean_of

Run = tuple[int, int, int, int]  # piece, first row, row after the last, group (or cell)

# A run costs a few numpy calls (or a Python loop over its values): from this many rows per
# run on average, runs are cheaper than sorting the rows by group.
ROWS_PER_RUN = 512


def _most_runs(pieces: Sequence[np.ndarray], most: int | None) -> int:
    rows = sum(len(piece) for piece in pieces)
    return rows // ROWS_PER_RUN + 16 if most is None else most


def runs(
    groups: Sequence[np.ndarray], minors: Sequence[np.ndarray] | None = None, most: int | None = None
) -> list[Run] | None:
    """The runs of the pieces' rows: stretches of one group (and, with ``minors``, of minor
    indices that rise by one from row to row), in table order; None beyond ``most``."""
    limit = _most_runs(groups, most)
    found: list[Run] = []
    rises: dict[int, np.ndarray] = {}  # the halves of a long table share their minor column
    for piece, group in enumerate(groups):
        if not len(group):
            continue
        cut = group[1:] != group[:-1]
        if minors is not None:
            minor = minors[piece]
            if id(minor) not in rises:
                rises[id(minor)] = minor[1:] != minor[:-1] + 1
            cut |= rises[id(minor)]
        starts = np.flatnonzero(cut)
        if len(found) + len(starts) + 1 > limit:
            return None
        bounds = [0, *(starts + 1).tolist(), len(group)]
        heads = group[bounds[:-1]].tolist()
        found.extend((piece, low, high, head) for low, high, head in zip(bounds, bounds[1:], heads))
    return found


def _plain_floats(values: Sequence[np.ndarray]) -> bool:
    """Float64s, none missing or infinite, whose partial sums cannot overflow: where every
    path of ``group_sum`` computes Kahan's sum in table order (or an exact one)."""
    if not all(piece.dtype == np.float64 for piece in values):
        return False
    bounds = [(float(piece.min()), float(piece.max())) for piece in values if len(piece)]
    if not all(math.isfinite(low) and math.isfinite(high) for low, high in bounds):
        return False  # NaN or an infinity (a NaN makes the minimum NaN)
    largest = max((max(-low, high) for low, high in bounds), default=0.0)
    if largest * sum(len(piece) for piece in values) <= 1e300:  # a bound on the sum of |values|
        return True
    return sum(float(np.abs(piece).sum()) for piece in values) <= 1e300


def _exact_integers(values: Sequence[np.ndarray]) -> bool:
    """Integers (or flags) whose sums stay below 2**53 (``group_sum`` counts them: exact in
    any order)."""
    if not all(piece.dtype.kind in "biu" for piece in values):
        return False
    found = [piece for piece in values if len(piece) and piece.dtype.kind != "b"]
    largest = max((max(abs(int(piece.min())), abs(int(piece.max()))) for piece in found), default=1)
    return largest * sum(len(piece) for piece in values) < 2**53


def _rising(heads: list[int], tails: list[int]) -> bool:
    """Whether runs whose first and last group codes are ``heads`` and ``tails`` follow one
    another in rising order (then the rows are sorted by group, a path of its own)."""
    return all(head >= tail for head, tail in zip(heads[1:], tails[:-1]))


def group_sums(
    index: Sequence[np.ndarray], values: Sequence[np.ndarray], count: int, most: int | None = None
) -> np.ndarray | None:
    """``group_sum(concatenate(index), concatenate(values), count)`` from the pieces' runs, or
    None (see the module)."""
    if _exact_integers(values):
        sums = np.zeros(count)
        for codes, piece in zip(index, values):
            sums += np.bincount(codes, weights=piece, minlength=count)
        return sums
    if not _plain_floats(values):
        return None
    found = runs(index, None, most)
    if found is None or _rising([run[3] for run in found], [run[3] for run in found]):
        return None
    total, compensation = [0.0] * count, [0.0] * count
    for where, low, high, group in found:
        total[group], compensation[group] = kahan_carried(
            values[where][low:high].tolist(), total[group], compensation[group]
        )
    return np.array(total) + 0.0


def group_means(
    index: Sequence[np.ndarray], values: Sequence[np.ndarray], count: int, most: int | None = None
) -> np.ndarray | None:
    """``group_mean(concatenate(index), concatenate(values), count)`` from ``group_sums``,
    or None."""
    sums = group_sums(index, values, count, most)
    if sums is None:  # else nothing is missing: every row counts
        return None
    counts = sum(np.bincount(piece, minlength=count) for piece in index)
    return mean_of(sums, np.asarray(counts))


def cell_sums(
    found: list[Run], minors: Sequence[np.ndarray], values: Sequence[np.ndarray], shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Per cell (group, minor) of a grid of ``shape`` that has rows: the cell (its flat index
    ``group * shape[1] + minor``, rising) and ``group_sum`` of its values, from the runs
    ``runs(groups, minors)`` found; or None (see the module)."""
    width = shape[1]
    firsts = [run[3] * width + int(minors[run[0]][run[1]]) for run in found]
    exact = _exact_integers(values)
    if not exact:
        lasts = [first + run[2] - run[1] - 1 for first, run in zip(firsts, found)]
        if not _plain_floats(values) or _rising(firsts, lasts):
            return None
    total = np.zeros(shape[0] * width)
    present = np.zeros(shape[0] * width, dtype=bool)
    compensation = None if exact else np.zeros(shape[0] * width)
    for (piece, low, high, _), first in zip(found, firsts):
        cells = slice(first, first + high - low)
        part = values[piece][low:high]
        present[cells] = True
        if compensation is None:  # whole numbers: every partial sum is exact
            total[cells] += part
            continue
        y = part - compensation[cells]
        t = total[cells] + y
        np.subtract(t, total[cells], out=compensation[cells])
        compensation[cells] -= y
        total[cells] = t
    cells_found = np.flatnonzero(present)
    return cells_found, total[cells_found] + 0.0
