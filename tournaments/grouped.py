"""Sums, means and medians per group of rows, as numpy arrays.

Groups are given as each row's group index (0 .. count - 1). Sums are pandas' groupby sums
to the last bit (see ``group_sum``), so that the analysis's figures are those of the
releases that computed them with pandas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def group_sum(index: np.ndarray, values: Any, count: int) -> np.ndarray:
    """Per group: the sum of ``values`` (NaN skipped) as pandas' groupby sums them, so that
    the figures are those of earlier releases to the last bit: compensated (Kahan) and in
    table order, or when the rows come grouped already and nothing is missing, numpy's
    (pairwise) sum of each group's run of rows. A zero sum is +0.0 on every path (pandas
    gives a sum of negative zeros either sign, depending on its version)."""
    index = np.asarray(index)
    found = np.asarray(values)
    if found.dtype.kind in "biu" and _exact_in_any_order(found):
        # Whole numbers without gaps: every partial sum is exact (see below).
        return np.bincount(index, weights=found, minlength=count)
    values = np.asarray(found, dtype=float)
    sums = np.zeros(count)
    keep = ~np.isnan(values)
    if keep.all() and len(values) and bool(np.all(index[1:] >= index[:-1])):
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        sums[index[starts]] = np.add.reduceat(values, starts) + 0.0  # + 0.0: a zero sum is +0.0
        return sums
    if not keep.all():
        index, values = index[keep], values[keep]
    if not len(values):
        return sums
    if _whole(values) and float(np.abs(values).sum()) < 2.0**53:
        # Whole numbers (counts, shares of 0/1, durations of deterministic pairs): every
        # partial sum is exact, so the compensated sum is the plain one, in any order.
        return np.bincount(index, weights=values, minlength=count)
    sizes = np.bincount(index, minlength=count)
    small = index.astype(np.int32) if count < 2**31 else index  # sorts faster
    order = np.argsort(small, kind="stable")  # each group's values together, in table order
    grouped = values[order]
    if int(sizes.max()) * 40 > len(values):  # few, long groups: one loop per group
        return _kahan_per_group(grouped, sizes)
    finite = bool(np.isfinite(values).all())
    if finite and int(sizes.max()) * count <= 2 * len(values) + 1024:
        # Groups of similar sizes: a grid with a column per group, its k-th value in row k.
        group = index[order]
        position = np.arange(len(values)) - (np.cumsum(sizes) - sizes)[group]
        total = _kahan_by_rows(grouped, position, group, sizes)
        if not np.isnan(total).any():
            return total
        return _kahan_per_group(grouped, sizes)
    # Many short groups: step through the positions within a group, all groups at once.
    # Groups by falling size, so that the groups with more than k values are a prefix.
    by_size = np.argsort(-sizes, kind="stable")
    rank = np.empty(count, dtype=np.int64)
    rank[by_size] = np.arange(count)
    position = np.arange(len(values)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    steps = grouped[np.lexsort((rank[index[order]], position))]
    falling = sizes[by_size]
    total, compensation = np.zeros(count), np.zeros(count)
    start = 0
    for k in range(int(falling[0])):
        m = int(np.searchsorted(-falling, -k, side="left"))  # groups with more than k values
        y = steps[start : start + m] - compensation[:m]
        t = total[:m] + y
        compensation[:m] = (t - total[:m]) - y
        total[:m] = t
        start += m
    if np.isnan(compensation).any() or not finite:  # infinities: redo exactly
        return _kahan_per_group(grouped, sizes)
    sums[by_size] = total
    return sums


def _exact_in_any_order(values: np.ndarray) -> bool:
    """Integers (or booleans) whose sums stay below 2**53, where floats are exact."""
    if not len(values) or values.dtype.kind == "b":
        return True
    largest = max(abs(int(values.min())), abs(int(values.max())))
    return largest * len(values) < 2**53


def _whole(values: np.ndarray) -> bool:
    """Every value is a whole number (a prefix first: most columns that are not tell early)."""
    head = values[:4096]
    if not bool(np.all(head == np.round(head))):
        return False
    return bool(np.all(values == np.round(values)))


def _kahan_per_group(grouped: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The compensated sum of each group's run of ``grouped`` (runs of ``sizes``)."""
    sums = np.zeros(len(sizes))
    add = (
        kahan
        if not bool(np.isfinite(grouped).all()) or float(np.abs(grouped).sum()) > 1e300
        else _kahan_finite
    )
    for group, part in enumerate(np.split(grouped, np.cumsum(sizes)[:-1])):
        sums[group] = add(part.tolist())
    return sums


def _kahan_by_rows(
    grouped: np.ndarray, position: np.ndarray, group: np.ndarray, sizes: np.ndarray
) -> np.ndarray:
    """The compensated sums of all groups at once, one step per position within a group:
    the values in a grid whose column ``g`` holds group ``g``'s values in order (finite
    values; NaN in a sum tells that a partial sum overflowed)."""
    count = len(sizes)
    grid = np.zeros((int(sizes.max()), count))
    grid[position, group] = grouped
    total, compensation = np.zeros(count), np.zeros(count)
    least = int(sizes.min())
    for k in range(len(grid)):
        if k < least:  # every group has a k-th value
            y = grid[k] - compensation
            t = total + y
            compensation = (t - total) - y
            total = t
            continue
        active = np.flatnonzero(sizes > k)
        y = grid[k, active] - compensation[active]
        t = total[active] + y
        compensation[active] = (t - total[active]) - y
        total[active] = t
    total[np.isnan(compensation)] = np.nan
    return total + 0.0


def kahan(values: list[float]) -> float:
    total = compensation = 0.0
    for value in values:
        y = value - compensation
        t = total + y
        compensation = (t - total) - y
        if compensation != compensation:  # an infinity: no compensation (as pandas)
            compensation = 0.0
        total = t
    return total


def _kahan_finite(values: list[float]) -> float:
    """``kahan`` for finite values whose sum cannot overflow (no infinity to guard)."""
    return kahan_carried(values, 0.0, 0.0)[0]


def kahan_carried(values: list[float], total: float, compensation: float) -> tuple[float, float]:
    """Kahan's sum carried on over ``values`` from a sum so far and its compensation (finite
    values whose sums cannot overflow): the sum and the compensation after them."""
    for value in values:
        y = value - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return total, compensation


def group_mean(index: np.ndarray, values: Any, count: int) -> np.ndarray:
    """Per group: the mean of ``values`` (NaN skipped; NaN for a group without values),
    from ``group_sum``."""
    found = np.asarray(values)
    if found.dtype.kind in "biu":  # nothing missing, and summed by counting when exact
        counts = np.bincount(index, minlength=count)
        sums = group_sum(index, found, count)
    else:
        found = found.astype(float, copy=False)
        missing = np.isnan(found)
        counts = np.bincount(np.asarray(index)[~missing] if missing.any() else index, minlength=count)
        sums = group_sum(index, found, count)
    return mean_of(sums, counts)


def mean_of(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per group: its sum over its count of values; NaN for a group without values."""
    with np.errstate(invalid="ignore", divide="ignore"):
        means: np.ndarray = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return means


def group_median(index: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Per group: the median of ``values`` (NaN skipped; NaN for a group without values)."""
    values = np.asarray(values, dtype=float)
    keep = ~np.isnan(values)
    if not keep.all():
        index, values = index[keep], values[keep]
    counted = _median_by_counting(np.asarray(index), values, count)
    if counted is not None:
        return counted
    order = np.lexsort((values, index))
    index, values = index[order], values[order]
    sizes = np.bincount(index, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    low = starts + (sizes - 1) // 2
    high = starts + sizes // 2
    found = sizes > 0
    medians = np.full(count, np.nan)
    medians[found] = (values[low[found]] + values[high[found]]) / 2
    return medians


def _median_by_counting(index: np.ndarray, values: np.ndarray, count: int) -> np.ndarray | None:
    """``group_median`` of whole numbers of a small range (rounds, durations): the order
    statistics read off a count per (group, value) instead of sorting every row; None
    for other values."""
    if not len(values) or values.dtype.kind != "f":
        return None
    low_value, high_value = float(values.min()), float(values.max())
    span = high_value - low_value + 1
    if not span * count <= len(values) + 1024 or not _whole(values):
        return None
    if low_value <= 0 and bool(np.any(np.signbit(values) & (values == 0))):
        return None  # -0.0 and 0.0 are one value here, but their median keeps its sign
    span = int(span)
    counts = np.bincount(index * span + (values - low_value).astype(np.intp), minlength=count * span)
    ranks = np.cumsum(counts)  # rows up to each (group, value), groups in order
    sizes = np.bincount(index, minlength=count)
    starts = np.cumsum(sizes) - sizes
    found = sizes > 0

    def value_at(rank: np.ndarray) -> np.ndarray:
        return (np.searchsorted(ranks, rank, side="right") % span + low_value).astype(float)

    medians = np.full(count, np.nan)
    low = value_at(starts[found] + (sizes[found] - 1) // 2)
    high = value_at(starts[found] + sizes[found] // 2)
    medians[found] = (low + high) / 2
    return medians


def first_of_group(index: np.ndarray, count: int) -> np.ndarray:
    """Per group: the position of its first row."""
    first = np.full(count, len(index), dtype=np.int64)
    np.minimum.at(first, index, np.arange(len(index)))
    return first


def nanmean(values: np.ndarray) -> float:
    """``Series.mean()``: NaN skipped, the rest summed by numpy and divided by their count."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    count = values.size - int(missing.sum())
    if count == 0:
        return math.nan
    if count == values.size:  # nothing to replace: the same sum
        return float(values.sum() / count)
    return float(np.where(missing, 0.0, values).sum() / count)
