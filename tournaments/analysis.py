"""Tournament analysis: who scores, which relationships last, who leaves, how power moves.

Everything starts from the per-match table (one row per match, the columns of
``MatchResult.summary()`` plus ``match_id``, ``repetition``, ``strategy_a/_b``,
``family_a/_b``, ``outside_a/_b``; see docs/analysis.md) and its long form
``to_long`` (one row per match and side). The functions are pure: tables in, tables
(or plain dicts) out. They accept the per-match table as a pandas DataFrame or an
Arrow table, its long form, or the numpy long table ``sides`` builds once for many.

Each table is computed once, with numpy, into plain columns (the ``*_columns``
functions, which import no pandas: what ``powergame run`` uses for summary.json and the
terminal); the public functions return those columns as a DataFrame.

Exact results (``powergame run --exact``) store one row per pairing with expectations:
``censored`` is the chance to last, ``p_left_a``/``_b``/``_both`` who ends it how often
and ``survival`` the exact curve P(T > t). In the long table the same columns then hold
expected shares (``censored``, ``left``, ``left_alone``, ``left_jointly``, ``was_left``
are chances, ``duration`` the expected rounds together) where a simulated match holds
0 or 1, so every figure below is the same formula for both: a mean over sides is an
expected share. Only two things differ by nature: a group's survival curve averages the
exact curves instead of the Kaplan-Meier estimate, and a log-rank test does not apply
(there is no sample).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from powergame import record
from powergame.arrow_arrays import to_numpy
from powergame.errors import ParameterError

from .distributions import t_quantile
from .survival import LogRankResult, kaplan_meier_columns, log_rank

if TYPE_CHECKING:
    import pandas as pd

FAMILY_ORDER = ("trust-building", "withholding", "neutral")
POSITIONS = ("more powerful", "equal", "less powerful")

REQUIRED_COLUMNS = record.ANALYSED_COLUMNS  # the columns of the match record the analysis reads

LOG_RANK_NOT_APPLICABLE = {
    "not_applicable": "exact results: the survival curves are exact, there is no sample to test"
}

Columns = dict[str, Any]  # a table as named columns (numpy arrays or lists) of equal length


# --- reading the per-match table ----------------------------------------------------------
def _is_arrow(table: Any) -> bool:
    return hasattr(table, "column_names") and hasattr(table, "num_rows")


def _names(table: Any) -> list[str]:
    return list(table.column_names) if _is_arrow(table) else list(table.columns)


def _rows(table: Any) -> int:
    return int(table.num_rows) if _is_arrow(table) else len(table)


def check_matches(matches: Any) -> None:
    """Raise ParameterError unless ``matches`` is a non-empty per-match table."""
    names = set(_names(matches))
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise ParameterError(
            "matches", f"a table lacking {', '.join(missing)}", "a per-match table (docs/analysis.md)"
        )
    if _rows(matches) == 0:
        raise ParameterError("matches", "an empty table", "at least one match")


def _values(table: Any, name: str) -> np.ndarray:
    """One column as a numpy array (missing values of a nullable column as NaN or None)."""
    if _is_arrow(table):
        return to_numpy(table.column(name))
    column = table[name]
    dtype = column.dtype
    if getattr(dtype, "na_value", None) is not None and dtype.kind in "iuf":  # Int64, Float64
        return column.to_numpy(dtype=float, na_value=np.nan)
    if dtype.kind == "b" and getattr(dtype, "na_value", None) is not None:  # boolean
        return column.to_numpy(dtype=bool, na_value=False)
    return column.to_numpy()


def _floats(table: Any, name: str) -> np.ndarray:
    values = _values(table, name)
    if values.dtype == object:  # None, NA or numbers
        return np.array([_number(v) for v in values], dtype=float)
    return values.astype(float)


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _letter(value: object) -> str | None:
    """``left_by``/``least_interest`` as "A", "B", "both" or None (NaN and NA read as None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or not isinstance(value, str):
        return None
    return value


def _letters(table: Any, name: str) -> np.ndarray:
    return np.array([_letter(v) for v in _values(table, name).tolist()], dtype=object)


def _texts(table: Any, name: str) -> np.ndarray:
    values = _values(table, name)
    return values if values.dtype == object else values.astype(str).astype(object)


def _is_exact_table(table: Any) -> bool:
    if "exact" not in _names(table):
        return False
    return bool(np.any(_values(table, "exact") == True))  # noqa: E712 (None and NA are not exact)


# --- the long table -----------------------------------------------------------------------
class Curves:
    """Exact survival curves, one flat array: curve ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""

    def __init__(self, values: np.ndarray, offsets: np.ndarray) -> None:
        self.values = values
        self.offsets = offsets
        self.lengths = np.diff(offsets)

    @classmethod
    def from_lists(cls, curves: Iterable[Any]) -> Curves:
        arrays = [np.asarray(c, dtype=float) for c in curves]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([a.size for a in arrays], out=offsets[1:])
        values = np.concatenate(arrays) if arrays else np.zeros(0)
        return cls(values, offsets)

    def curve(self, index: int) -> np.ndarray:
        return self.values[self.offsets[index] : self.offsets[index + 1]]

    def common_length(self) -> int | None:
        """The length every curve has, if they all have one (then curve ``i`` is row ``i``
        of ``values.reshape(-1, length)``)."""
        if not len(self.lengths) or not bool(np.all(self.lengths == self.lengths[0])):
            return None
        return int(self.lengths[0]) or None


class Sides:
    """The long table as numpy columns: one row per (match, side), the columns of
    ``to_long``; exact results also hold their ``curves`` (one per match) and, per row,
    ``curve_of`` (the index of its match's curve)."""

    def __init__(
        self, columns: dict[str, np.ndarray], exact: bool, curves: Curves | None, curve_of: np.ndarray | None
    ) -> None:
        self.columns = columns
        self.exact = exact
        self.curves = curves
        self.curve_of = curve_of
        self._codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.found: dict[Any, Any] = {}  # tables computed from these sides, for reuse

    def __len__(self) -> int:
        return len(self.columns["match_id"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The sorted distinct values of a column and each row's index among them."""
        if name not in self._codes:
            self._codes[name] = _factorize(self.columns[name])
        return self._codes[name]

    def take(self, rows: np.ndarray) -> Sides:
        """The rows at ``rows``, in that order."""
        return Sides(
            {name: values[rows] for name, values in self.columns.items()},
            self.exact,
            self.curves,
            None if self.curve_of is None else self.curve_of[rows],
        )


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for a column of a few distinct values,
    by hashing rather than sorting every row (strings sort slowly in numpy)."""
    items = values.tolist()
    found = sorted(dict.fromkeys(items))
    position = {value: i for i, value in enumerate(found)}
    codes = np.fromiter((position[item] for item in items), dtype=np.intp, count=len(items))
    return np.array(found, dtype=values.dtype if values.dtype != object else object), codes


def sides(matches: Any) -> Sides:
    """The long table of ``matches`` (a per-match table, DataFrame or Arrow, or its long
    form) as numpy columns: build it once and pass it to several analyses."""
    if isinstance(matches, Sides):
        return matches
    if "role" in _names(matches) and "strategy" in _names(matches):
        return _sides_of_long(matches)
    return _sides_of_matches(matches)


def _sides_of_matches(table: Any) -> Sides:
    check_matches(table)
    exact = _is_exact_table(table)
    n = _rows(table)
    names = set(_names(table))

    def both(own: np.ndarray, other: np.ndarray) -> np.ndarray:
        return np.concatenate([own, other])

    def twice(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values, values])

    def pair(name: str, kind: Any = float) -> np.ndarray:
        return both(_values(table, f"{name}_a").astype(kind), _values(table, f"{name}_b").astype(kind))

    number = float if exact else np.int64  # exact rows hold expected horizons and durations
    strategy_a, strategy_b = _texts(table, "strategy_a"), _texts(table, "strategy_b")
    family_a, family_b = _texts(table, "family_a"), _texts(table, "family_b")
    left_by = _letters(table, "left_by")
    least = twice(_letters(table, "least_interest"))
    power_index = _values(table, "power_index").astype(float)
    columns: dict[str, np.ndarray] = {
        "match_id": twice(_values(table, "match_id")),
        "repetition": twice(_values(table, "repetition")),
        "role": np.array(["A"] * n + ["B"] * n, dtype=object),
        "strategy": both(strategy_a, strategy_b),
        "opponent": both(strategy_b, strategy_a),
        "family": both(family_a, family_b),
        "opponent_family": both(family_b, family_a),
        "self_play": twice(strategy_a == strategy_b),
        "horizon": twice(_values(table, "horizon").astype(number)),
        "score": pair("score"),
        "total": pair("total"),
        "opponent_score": both(_values(table, "score_b"), _values(table, "score_a")).astype(float),
        "duration": twice(_values(table, "rounds_together").astype(number)),
        "censored": twice(_values(table, "censored").astype(float if exact else bool)),
        "exit_round": twice(_floats(table, "exit_round")),
        "left_by": twice(left_by),
        "cooperation": pair("cooperation"),
        "opponent_cooperation": both(_values(table, "cooperation_b"), _values(table, "cooperation_a")).astype(
            float
        ),
        "mutual_cooperation": twice(_values(table, "mutual_cooperation").astype(float)),
        "mean_stake": twice(_values(table, "mean_stake").astype(float)),
        "power_index": both(power_index, power_index * -1),
        "power_share": pair("power_share"),
        "power_shifts": twice(
            _floats(table, "power_shifts") if exact else _values(table, "power_shifts").astype(np.int64)
        ),
    }
    role = columns["role"]
    partner = np.where(role == "A", "B", "A").astype(object)
    curves = curve_of = None
    if exact:
        alone = pair("p_left", float)
        columns["left_alone"] = alone
        columns["left_jointly"] = twice(_values(table, "p_left_both").astype(float))
        columns["left"] = columns["left_alone"] + columns["left_jointly"]
        columns["was_left"] = both(alone[n:], alone[:n])
        columns["exact"] = np.ones(2 * n, dtype=bool)
        curves = _curves_of(table)
        curve_of = twice(np.arange(n))
    else:
        by = columns["left_by"]
        columns["left_alone"] = by == role
        columns["left_jointly"] = by == "both"
        columns["left"] = columns["left_alone"] | columns["left_jointly"]
        columns["was_left"] = by == partner
    columns["power_position"] = np.where(
        least == role,
        "more powerful",
        np.where(least == None, "equal", "less powerful"),  # noqa: E711
    ).astype(object)
    for name in ("outside", "structural_dependence", "realized_dependence"):
        if f"{name}_a" in names:
            columns[name] = both(_floats(table, f"{name}_a"), _floats(table, f"{name}_b"))
    horizon = columns["horizon"]
    with np.errstate(invalid="ignore", divide="ignore"):
        columns["duration_share"] = columns["duration"] / np.where(horizon > 0, horizon, np.nan)
    return Sides(columns, exact, curves, curve_of)


def _curves_of(table: Any) -> Curves:
    """The ``survival`` column of an exact per-match table (Arrow: its buffers, no lists)."""
    if _is_arrow(table):
        column = table.column("survival").combine_chunks()
        offsets = to_numpy(column.offsets).astype(np.int64)
        values = np.asarray(to_numpy(column.values), dtype=float)
        return Curves(values[offsets[0] : offsets[-1]], offsets - offsets[0])
    return Curves.from_lists(_values(table, "survival"))


def _sides_of_long(long: Any) -> Sides:
    if len(long) == 0:
        raise ParameterError("matches", "an empty table", "at least one match")
    exact = _is_exact_table(long)
    columns = {}
    for name in _names(long):
        if name == "survival":
            continue
        if name in ("left_by",):
            columns[name] = _letters(long, name)
        elif name == "exit_round":
            columns[name] = _floats(long, name)
        else:
            columns[name] = _values(long, name)
    curves = curve_of = None
    if exact and "survival" in _names(long):
        curves = Curves.from_lists(_values(long, "survival"))
        curve_of = np.arange(len(long))
    return Sides(columns, exact, curves, curve_of)


_LONG_ORDER = (
    "match_id",
    "repetition",
    "role",
    "strategy",
    "opponent",
    "family",
    "opponent_family",
    "self_play",
    "horizon",
    "score",
    "total",
    "opponent_score",
    "duration",
    "censored",
    "exit_round",
    "left_by",
    "cooperation",
    "opponent_cooperation",
    "mutual_cooperation",
    "mean_stake",
    "power_index",
    "power_share",
    "power_shifts",
    "left_alone",
    "left_jointly",
    "left",
    "was_left",
    "exact",
    "survival",
    "power_position",
    "outside",
    "structural_dependence",
    "realized_dependence",
    "duration_share",
)


def to_long(matches: Any) -> pd.DataFrame:
    """One row per (match, side): the match seen from each partner.

    Columns: ``match_id``, ``repetition``, ``role`` ("A"/"B"), ``strategy``, ``opponent``,
    ``family``, ``opponent_family``, ``self_play``, ``horizon``, ``score`` (per round of
    the horizon), ``total``, ``opponent_score``, ``duration`` (rounds together),
    ``duration_share`` (duration / horizon), ``censored`` (nobody left), ``exit_round``
    (NaN if censored), ``left`` (this side left, alone or together with the partner:
    ``left_by`` is its role letter or "both"), ``left_alone``, ``left_jointly``,
    ``was_left`` (only the partner left), ``cooperation`` and ``opponent_cooperation``
    (rates while together), ``mutual_cooperation``, ``mean_stake``, ``power_position``
    ("more powerful" for the least-interest partner, i.e. the smaller structural
    dependence D_i, "less powerful", or "equal"), ``power_index`` (from this side: P_A
    for A, -P_A for B), ``power_share`` (share of rounds it held realized power) and
    ``power_shifts``; plus ``outside``, ``structural_dependence`` and
    ``realized_dependence`` when the per-match table has them, and for exact results
    ``exact`` and each side's ``survival`` curve.
    """
    import pandas as pd

    long = sides(matches)
    columns: dict[str, Any] = {}
    for name in _LONG_ORDER:
        if name == "survival":
            if long.curves is not None and long.curve_of is not None:
                curves = long.curves
                columns[name] = [curves.curve(i) for i in long.curve_of.tolist()]
        elif name == "left_by":
            columns[name] = long[name].tolist()
        elif name in long:
            columns[name] = long[name]
    columns.update({name: values for name, values in long.columns.items() if name not in columns})
    return pd.DataFrame(columns)


def is_exact(table: Any) -> bool:
    """True for the per-match table (or long table) of an exact run."""
    return table.exact if isinstance(table, Sides) else _is_exact_table(table)


def _frame(columns: Columns) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns)


def rows(columns: Columns) -> list[dict[str, Any]]:
    """A table's columns as JSON-ready rows (numpy scalars as Python values, NaN as None)."""
    names = list(columns)
    lists = [np.asarray(columns[name]).tolist() for name in names]
    return [_plain(dict(zip(names, values))) for values in zip(*lists)]


# --- grouping -----------------------------------------------------------------------------
def _group_sum(index: np.ndarray, values: Any, count: int) -> np.ndarray:
    """Per group: the sum of ``values`` (NaN skipped) as pandas' groupby sums them, so that
    the figures are those of earlier releases to the last bit: compensated (Kahan) and in
    table order, or when the rows come grouped already and nothing is missing, numpy's
    (pairwise) sum of each group's run of rows."""
    values = np.asarray(values, dtype=float)
    index = np.asarray(index)
    sums = np.zeros(count)
    keep = ~np.isnan(values)
    if keep.all() and len(values) and bool(np.all(index[1:] >= index[:-1])):
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        sums[index[starts]] = np.add.reduceat(values, starts)
        return sums
    index, values = index[keep], values[keep]
    if not len(values):
        return sums
    sizes = np.bincount(index, minlength=count)
    order = np.argsort(index, kind="stable")  # each group's values together, in table order
    grouped = values[order]
    if int(sizes.max()) * 40 > len(values):  # few, long groups: one loop per group
        for group, part in enumerate(np.split(grouped, np.cumsum(sizes)[:-1])):
            sums[group] = _kahan(part.tolist())
        return sums
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
    if np.isnan(compensation).any() or not np.isfinite(values).all():  # infinities: redo exactly
        for group, part in enumerate(np.split(grouped, np.cumsum(sizes)[:-1])):
            sums[group] = _kahan(part.tolist())
        return sums
    sums[by_size] = total
    return sums


def _kahan(values: list[float]) -> float:
    total = compensation = 0.0
    for value in values:
        y = value - compensation
        t = total + y
        compensation = (t - total) - y
        if compensation != compensation:  # an infinity: no compensation (as pandas)
            compensation = 0.0
        total = t
    return total


def _group_mean(index: np.ndarray, values: Any, count: int) -> np.ndarray:
    """Per group: the mean of ``values`` (NaN skipped; NaN for a group without values),
    from ``_group_sum``."""
    values = np.asarray(values, dtype=float)
    counts = np.bincount(np.asarray(index)[~np.isnan(values)], minlength=count)
    sums = _group_sum(index, values, count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _group_median(index: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    """Per group: the median of ``values`` (NaN skipped; NaN for a group without values)."""
    values = np.asarray(values, dtype=float)
    keep = ~np.isnan(values)
    index, values = index[keep], values[keep]
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


def _pair_codes(long: Sides, first: str, second: str) -> tuple[list[tuple[Any, Any]], np.ndarray]:
    """The sorted distinct (first, second) pairs of two columns and each row's index among them."""
    names, codes = _factorize(np.concatenate([long[first], long[second]]))
    size = len(long)
    cells, index = np.unique(codes[:size] * len(names) + codes[size:], return_inverse=True)
    keys = [(names[cell // len(names)], names[cell % len(names)]) for cell in cells.tolist()]
    return keys, index.reshape(-1)


def _first_of_group(index: np.ndarray, count: int) -> np.ndarray:
    """Per group: the position of its first row."""
    first = np.full(count, len(index), dtype=np.int64)
    np.minimum.at(first, index, np.arange(len(index)))
    return first


def _nanmean(values: np.ndarray) -> float:
    """``Series.mean()``: NaN skipped, the rest summed by numpy and divided by their count."""
    values = np.asarray(values, dtype=float)
    missing = np.isnan(values)
    count = values.size - int(missing.sum())
    if count == 0:
        return math.nan
    return float(np.where(missing, 0.0, values).sum() / count)


def _family_order(families: Iterable[str]) -> list[str]:
    found = set(families)
    return [f for f in FAMILY_ORDER if f in found] + sorted(found - set(FAMILY_ORDER))


# --- ranking -----------------------------------------------------------------------------
def _interval(values: np.ndarray, confidence: float) -> tuple[float, float, float, float]:
    """mean, std (ddof 1) and a t-based confidence interval; NaN spread for one value."""
    n = values.size
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan
    std = float(values.std(ddof=1))
    half = _t_quantile(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)
    return mean, std, mean - half, mean + half


@functools.lru_cache(maxsize=64)
def _t_quantile(probability: float, dof: int) -> float:
    # Every strategy of a tournament usually has the same number of repetitions: one
    # computation per ranking instead of one per strategy.
    return t_quantile(probability, dof)


def ranking(matches: Any, confidence: float = 0.95) -> pd.DataFrame:
    """Strategies ranked by payoff per expected round: E[total] / E[n], estimated by the
    sum of its totals over the sum of the horizons (a ratio of sums, so that a long match
    weighs by its length; under a fixed horizon it is the mean score per round).

    Every side a strategy played counts (both sides of a self-play match). ``score`` is
    that ratio; ``score_std`` and ``ci_low``/``ci_high`` come from the per-repetition sums
    (the ratio estimator's standard error times sqrt(repetitions), and a Student-t interval
    at ``confidence``; NaN with a single repetition). ``score_per_match`` is the mean of
    the per-match scores total / n, E[total / n], which under a continuation probability
    weighs a one-round match as much as a long one. Rank 1 is the highest ``score``;
    equal scores share the best rank.
    """
    return _frame(ranking_columns(matches, confidence))


def ranking_columns(matches: Any, confidence: float = 0.95) -> Columns:
    """``ranking`` as plain columns."""
    long = sides(matches)
    names, strategy = long.codes("strategy")
    count = len(names)
    repetitions, repetition = np.unique(long["repetition"], return_inverse=True)
    cell = strategy * len(repetitions) + repetition.reshape(-1)
    cells, cell_index = np.unique(cell, return_inverse=True)
    cell_index = cell_index.reshape(-1)
    totals = _group_sum(cell_index, long["total"], len(cells))
    horizons = _group_sum(cell_index, long["horizon"], len(cells))
    cell_strategy = cells // len(repetitions)
    bounds = np.searchsorted(cell_strategy, np.arange(count + 1))
    per_match = _group_mean(strategy, long["score"], count)
    sides_count = np.bincount(strategy, minlength=count)
    first = _first_of_group(strategy, count)
    families = long["family"]
    found = []
    for where in range(count):
        start, stop = bounds[where], bounds[where + 1]
        score, std, low, high = _ratio_interval(totals[start:stop], horizons[start:stop], confidence)
        found.append(
            {
                "strategy": names[where],
                "family": families[first[where]],
                "score": score,
                "score_std": std,
                "ci_low": low,
                "ci_high": high,
                "score_per_match": float(per_match[where]),
                "repetitions": int(stop - start),
                "sides": int(sides_count[where]),
            }
        )
    # Best first, ties by name; rank = 1 + how many score higher (no score: after the rest).
    scores = [row["score"] for row in found if not math.isnan(row["score"])]
    ordered = sorted(found, key=lambda row: (math.isnan(row["score"]), -row["score"], row["strategy"]))
    columns: Columns = {
        "rank": np.array(
            [
                1
                + (len(scores) if math.isnan(row["score"]) else sum(other > row["score"] for other in scores))
                for row in ordered
            ],
            dtype=np.int64,
        )
    }
    for name in ("strategy", "family"):
        columns[name] = np.array([row[name] for row in ordered], dtype=object)
    for name in ("score", "score_std", "ci_low", "ci_high", "score_per_match"):
        columns[name] = np.array([row[name] for row in ordered], dtype=float)
    for name in ("repetitions", "sides"):
        columns[name] = np.array([row[name] for row in ordered], dtype=np.int64)
    return columns


def _ratio_interval(
    totals: np.ndarray, horizons: np.ndarray, confidence: float
) -> tuple[float, float, float, float]:
    """The ratio sum(totals) / sum(horizons) over repetitions, the spread of one
    repetition's ratio (standard error x sqrt(n), the ratio estimator's linearisation) and
    a t-based interval; NaN spread for one repetition. When every repetition has the same
    horizon sum this is the mean of the per-repetition ratios and their sample std."""
    n = totals.size
    horizon_sum = float(horizons.sum())
    if horizon_sum <= 0:
        return math.nan, math.nan, math.nan, math.nan
    ratio = float(totals.sum()) / horizon_sum
    if n < 2:
        return ratio, math.nan, math.nan, math.nan
    residuals = (totals - ratio * horizons) / (horizon_sum / n)
    std = float(math.sqrt(float((residuals**2).sum()) / (n - 1)))
    half = _t_quantile(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)
    return ratio, std, ratio - half, ratio + half


# --- which relationships last ------------------------------------------------------------
def _median_durations(long: Sides) -> np.ndarray:
    """Each row's median rounds together: its duration for a simulated match, the median
    of its exact curve (the first t with P(T > t) <= 0.5) for an exact row."""
    if not long.exact or long.curves is None or long.curve_of is None:
        return np.asarray(long["duration"], dtype=float)
    curves = long.curves
    fixed = _fixed_horizon(long)
    medians = np.empty(len(long))
    for row, index in enumerate(long.curve_of.tolist()):
        ending = float(long["censored"][row]) if fixed else 0.0
        medians[row] = _exact_median(curves.curve(index), ending)
    return medians


def _exact_median(curve: np.ndarray, ending: float) -> float:
    """The first t with S(t) <= 0.5 of a curve that continues with ``ending`` after its end."""
    below = np.flatnonzero(curve <= 0.5)
    if len(below):
        return float(below[0])
    return float(len(curve)) if ending <= 0.5 else math.nan


def _fixed_horizon(long: Sides) -> bool:
    """For exact rows: True when every curve holds t = 0..n-1 of a fixed horizon n (it then
    ends with the chance nobody left); False under continuation (no fixed end)."""
    if long.curves is None or long.curve_of is None:
        return False
    return bool(np.all(long.curves.lengths[long.curve_of] == long["horizon"]))


def pair_table(matches: Any) -> pd.DataFrame:
    """Per (strategy_a, strategy_b) in their roles: how many matches, the share that reached
    the horizon (``share_lasted``), the median rounds together (exact results: the chances
    and the median of the exact curve; exit rounds NaN), who left (shares of
    matches left by A only, B only, both at once) and when (mean and median exit round
    over the matches that ended; NaN if none did), and the mean scores of A and B."""
    long = sides(matches)
    side_a = long.take(np.flatnonzero(long["role"] == "A"))
    keys, index = _pair_codes(side_a, "strategy", "opponent")
    count = len(keys)
    exits = np.where(side_a["censored"] == True, np.nan, side_a["exit_round"])  # noqa: E712
    return _frame(
        {
            "strategy_a": [a for a, _ in keys],
            "strategy_b": [b for _, b in keys],
            "matches": np.bincount(index, minlength=count).astype(np.int64),
            "share_lasted": _group_mean(index, side_a["censored"], count),
            "median_duration": _group_median(index, _median_durations(side_a), count),
            "share_left_by_a": _group_mean(index, side_a["left_alone"], count),
            "share_left_by_b": _group_mean(index, side_a["was_left"], count),
            "share_left_by_both": _group_mean(index, side_a["left_jointly"], count),
            "mean_exit_round": _group_mean(index, exits, count),
            "median_exit_round": _group_median(index, exits, count),
            "score_a": _group_mean(index, side_a["score"], count),
            "score_b": _group_mean(index, side_a["opponent_score"], count),
        }
    )


def strategy_relationships(matches: Any) -> pd.DataFrame:
    """Per strategy over all its sides: the share of its relationships that lasted, that
    it left (alone or jointly), that it left alone, that it was left in, the mean and
    median rounds together and the mean exit round of the ones that ended."""
    return _frame(strategy_relationships_columns(matches))


def strategy_relationships_columns(matches: Any) -> Columns:
    """``strategy_relationships`` as plain columns."""
    long = sides(matches)
    names, index = long.codes("strategy")
    count = len(names)
    ended = np.asarray(long["censored"], dtype=float) < 1
    exits = np.where(ended, long["exit_round"], np.nan)
    return {
        "strategy": names,
        "family": long["family"][_first_of_group(index, count)],
        "sides": np.bincount(index, minlength=count).astype(np.int64),
        "share_lasted": _group_mean(index, long["censored"], count),
        "share_left": _group_mean(index, long["left"], count),
        "share_left_alone": _group_mean(index, long["left_alone"], count),
        "share_was_left": _group_mean(index, long["was_left"], count),
        "mean_duration": _group_mean(index, long["duration"], count),
        "median_duration": _group_median(index, long["duration"], count),
        "mean_exit_round": _group_mean(index, exits, count),
    }


def _relationship_rows(long: Sides, column: str, value: str) -> np.ndarray:
    """The rows of the relationships in which some side has ``column == value``, each
    relationship once (its first such row, in table order)."""
    found, codes = long.codes(column)
    where = np.searchsorted(found, value)
    if where == len(found) or found[where] != value:
        return np.zeros(0, dtype=np.intp)
    positions = np.flatnonzero(codes == where)
    _, first = np.unique(long["match_id"][positions], return_index=True)
    return positions[np.sort(first)]


def _groups(long: Sides, by: str) -> list[str]:
    if by not in ("family", "strategy"):
        raise ParameterError("by", by, "one of family, strategy")
    present = set(long[by].tolist())
    return [f for f in FAMILY_ORDER if f in present] if by == "family" else sorted(present)


def _exact_mean_curve(long: Sides, rows: np.ndarray, block: int = 4096) -> dict[str, np.ndarray]:
    """The mean of the exact curves of ``rows`` (see ``exact_curve``): a grid with one row
    per relationship, in order, zero past its curve's end (at a fixed horizon first the
    chance nobody left), summed down its columns row after row. The grid is built
    ``block`` rows at a time, each block headed by the sums so far, so the sums are those
    of the whole grid without holding it."""
    assert long.curves is not None and long.curve_of is not None
    curves = long.curves
    ids = long.curve_of[rows]
    lengths = curves.lengths[ids]
    fixed = bool(np.all(lengths == long["horizon"][rows]))
    lasted = np.asarray(long["censored"], dtype=float)[rows]
    width = int(lengths.max()) + 1  # fixed: the chance of lasting at t = n; else the drop to 0
    common = curves.common_length()
    table = curves.values.reshape(-1, common) if common is not None else None
    grid = np.zeros((min(block, len(rows)) + 1, width))
    expected = np.zeros(width)
    for start in range(0, len(rows), block):
        part, size = ids[start : start + block], lengths[start : start + block]
        count = len(part)
        grid[0] = expected
        grid[1:] = 0.0
        if table is not None:  # every curve of the table as long: rows of the flat values
            grid[1 : count + 1, : table.shape[1]] = table[part]
        else:
            inside = np.arange(width)[None, :] < size[:, None]
            firsts = np.cumsum(size) - size
            grid[1 : count + 1][inside] = curves.values[
                np.repeat(curves.offsets[part] - firsts, size) + np.arange(size.sum())
            ]
        if fixed:
            grid[1 + np.arange(count), size] = lasted[start : start + block]
        expected = grid[: count + 1].sum(axis=0)
    mean = expected / len(rows)
    return {
        "time": np.arange(width, dtype=float),
        "survival": mean,
        "ci_low": mean,
        "ci_high": mean,
        "at_risk": np.concatenate([[len(rows)], expected[:-1]]),
        "events": np.concatenate([[0.0], expected[:-1] - expected[1:]]),
    }


def _group_curve(long: Sides, rows: np.ndarray, confidence: float | None) -> dict[str, np.ndarray]:
    """The survival curve of the relationships at ``rows``: Kaplan-Meier, or for exact
    results the mean of their exact curves."""
    if long.exact:
        return _exact_mean_curve(long, rows)
    found = kaplan_meier_columns(long["duration"][rows], long["censored"][rows], confidence)
    assert found is not None  # a group has at least one relationship
    return found


def exact_curve(curves: Iterable[Any], lasted: Iterable[float] | None = None) -> pd.DataFrame:
    """The mean of exact survival curves (each P(T > t), t = 0, 1, ..., zero beyond its
    end) in the table form of ``kaplan_meier``: the bounds equal the estimate, ``at_risk``
    and ``events`` are the expected numbers still together and ending at ``time``.

    ``lasted`` (one per curve, for a fixed horizon n whose curve holds t = 0..n-1) is the
    chance that nobody left by the horizon: the curve then ends at t = n with that value,
    right-censored as Kaplan-Meier treats relationships that reached the horizon, instead
    of dropping to 0."""
    import pandas as pd

    found = Curves.from_lists(curves)
    count = len(found.lengths)
    if count == 0:
        return pd.DataFrame(columns=["time", "survival", "ci_low", "ci_high", "at_risk", "events"])
    # The curves as the exact rows of a long table (at a fixed horizon: each its length).
    horizon = found.lengths.astype(float) if lasted is not None else np.full(count, -1.0)
    chances = np.asarray(list(lasted), dtype=float) if lasted is not None else np.zeros(count)
    long = Sides(
        {"match_id": np.arange(count), "horizon": horizon, "censored": chances},
        True,
        found,
        np.arange(count),
    )
    return pd.DataFrame(_exact_mean_curve(long, np.arange(count)))


def _curve_median(curve: dict[str, np.ndarray]) -> float:
    """The first time at which S(t) <= 0.5 (NaN when the curve never gets there)."""
    below = np.flatnonzero(curve["survival"] <= 0.5)
    return float(curve["time"][below[0]]) if len(below) else math.nan


def survival_curves(matches: Any, by: str = "family", confidence: float = 0.95) -> dict[str, pd.DataFrame]:
    """Kaplan-Meier curves of rounds together, right-censored at the horizon, per group.

    ``by`` is "family" or "strategy". A group's relationships are the matches in which at
    least one side belongs to it, each counted once (a self-play match counts once for its
    strategy; a trust-building vs withholding match counts once in each family). For exact
    results the curve is the mean of the group's exact curves (``exact_curve``).
    """
    import pandas as pd

    long = sides(matches)
    found = {}
    for group in _groups(long, by):
        found[group] = pd.DataFrame(_group_curve(long, _relationship_rows(long, by, group), confidence))
    return found


def survival_summary(matches: Any, by: str = "family") -> pd.DataFrame:
    """One row per group of ``survival_curves``: relationships, exits, the Kaplan-Meier
    median duration (NaN when over half lasted) and the estimated survival at the longest
    horizon."""
    return _frame(survival_summary_columns(matches, by))


def survival_summary_columns(matches: Any, by: str = "family") -> Columns:
    """``survival_summary`` as plain columns (kept with the ``Sides``: the headline and the
    answer both read it)."""
    long = sides(matches)
    if ("survival_summary", by) in long.found:
        return long.found["survival_summary", by]
    groups = _groups(long, by)
    relationships, exits, medians, ends = [], [], [], []
    for group in groups:
        rows = _relationship_rows(long, by, group)
        curve = _group_curve(long, rows, None)
        censored = long["censored"][rows]
        relationships.append(len(rows))
        exits.append(float((1 - censored).sum()) if long.exact else int((~censored).sum()))
        medians.append(_curve_median(curve))
        ends.append(float(curve["survival"][-1]))
    found = {
        by: np.array(groups, dtype=object),
        "relationships": np.array(relationships, dtype=np.int64),
        "exits": np.array(exits, dtype=float if long.exact else np.int64),
        "median_duration": np.array(medians, dtype=float),
        "survival_at_end": np.array(ends, dtype=float),
    }
    long.found["survival_summary", by] = found
    return found


def family_log_rank(
    matches: Any,
    groups: tuple[str, str] = ("trust-building", "withholding"),
    membership: str = "any",
) -> LogRankResult:
    """Log-rank test: do relationships of family ``groups[0]`` last as long as those of
    ``groups[1]``?

    With ``membership="any"`` a family's relationships are the matches in which at least
    one side belongs to it, each counted once; a match between the two families then
    counts in both groups, so the groups are not independent and the p-value is only a
    guide. With ``membership="both"`` only matches in which both sides belong to the
    family count (trust-building pairs vs withholding pairs): disjoint groups.
    """
    if membership not in ("any", "both"):
        raise ParameterError("membership", membership, "one of any, both")
    long = sides(matches)
    if long.exact:
        raise ParameterError(
            "matches", "exact results", "a simulated tournament (a log-rank test needs a sample)"
        )
    samples = []
    for family in groups:
        rows = _relationship_rows(long, "family", family)
        if membership == "both":
            rows = rows[long["opponent_family"][rows] == family]
        samples.append((long["duration"][rows], long["censored"][rows]))
    (dur_a, cen_a), (dur_b, cen_b) = samples
    return log_rank(dur_a, cen_a, dur_b, cen_b, names=groups)


# --- power -------------------------------------------------------------------------------
def power_positions(matches: Any) -> pd.DataFrame:
    """Per strategy and power position (more powerful = the least-interest partner, equal,
    less powerful): sides, mean score, share lasted, share left, share was left, mean
    cooperation while together. Positions a strategy never held are absent."""
    long = sides(matches)
    names, strategy = long.codes("strategy")
    order = {position: i for i, position in enumerate(POSITIONS)}
    position = np.array([order[p] for p in long["power_position"].tolist()], dtype=np.int64)
    cells, index = np.unique(strategy * len(POSITIONS) + position, return_inverse=True)
    index = index.reshape(-1)
    count = len(cells)
    return _frame(
        {
            "strategy": names[cells // len(POSITIONS)],
            "power_position": np.array([POSITIONS[p] for p in cells % len(POSITIONS)], dtype=object),
            "family": long["family"][_first_of_group(index, count)],
            "sides": np.bincount(index, minlength=count).astype(np.int64),
            "score": _group_mean(index, long["score"], count),
            "share_lasted": _group_mean(index, long["censored"], count),
            "share_left": _group_mean(index, long["left"], count),
            "share_was_left": _group_mean(index, long["was_left"], count),
            "cooperation": _group_mean(index, long["cooperation"], count),
        }
    )


def power_summary(matches: Any) -> pd.DataFrame:
    """Per strategy: power by position, then mean power shifts per relationship, mean
    share of rounds it held realized power, cooperation, the partner's cooperation and
    mutual cooperation while together, the mean stake and the mean score.

    Power by position: ``share_more_powerful`` / ``share_less_powerful`` of its sides it
    played as the less dependent (least-interest) / the more dependent partner, and the
    mean power index from its side in each (``power_index_more_powerful`` > 0,
    ``power_index_less_powerful`` < 0; NaN for a position it never held). The power index
    averaged over all sides is not shown: in a tournament that plays both role
    assignments it is 0 for every strategy.
    """
    long = sides(matches)
    names, index = long.codes("strategy")
    count = len(names)
    position = long["power_position"]
    more = np.asarray(position == "more powerful")
    less = np.asarray(position == "less powerful")
    power_index = np.asarray(long["power_index"], dtype=float)

    def mean(values: Any) -> np.ndarray:
        return _group_mean(index, values, count)

    return _frame(
        {
            "strategy": names,
            "family": long["family"][_first_of_group(index, count)],
            "sides": np.bincount(index, minlength=count).astype(np.int64),
            "share_more_powerful": mean(more),
            "power_index_more_powerful": mean(np.where(more, power_index, np.nan)),
            "share_less_powerful": mean(less),
            "power_index_less_powerful": mean(np.where(less, power_index, np.nan)),
            "power_shifts": mean(long["power_shifts"]),
            "power_share": mean(long["power_share"]),
            "cooperation": mean(long["cooperation"]),
            "opponent_cooperation": mean(long["opponent_cooperation"]),
            "mutual_cooperation": mean(long["mutual_cooperation"]),
            "mean_stake": mean(long["mean_stake"]),
            "score": mean(long["score"]),
        }
    )


# --- families ----------------------------------------------------------------------------
def family_table(matches: Any) -> pd.DataFrame:
    """The headline table, one row per family over all sides of its strategies: sides,
    mean score, share of relationships that lasted, share of the ended relationships
    whose exit it initiated (alone or jointly; NaN if none ended), share left and was
    left over all relationships, mean rounds together, mean duration as a share of the
    horizon, cooperation and mutual cooperation while together."""
    return _frame(family_table_columns(matches))


def family_table_columns(matches: Any) -> Columns:
    """``family_table`` as plain columns. The share of exits initiated is the (expected)
    number of exits it initiated over the (expected) number of its relationships that
    ended: for simulated sides the share among the ended ones."""
    long = sides(matches)
    families = _family_order(long["family"].tolist())
    family_column = long["family"]
    strategies = long["strategy"]
    found: dict[str, list[Any]] = {}
    for family in families:
        mask = family_column == family

        def mean(name: str, mask: np.ndarray = mask) -> float:
            return _nanmean(long[name][mask])

        ended = float(np.sum(1 - np.asarray(long["censored"][mask], dtype=float)))
        initiated = (
            float(np.sum(np.asarray(long["left"][mask], dtype=float))) / ended if ended > 0 else math.nan
        )
        row = {
            "family": family,
            "strategies": len(set(strategies[mask].tolist())),
            "sides": int(mask.sum()),
            "score": mean("score"),
            "share_lasted": mean("censored"),
            "share_exits_initiated": initiated,
            "share_left": mean("left"),
            "share_was_left": mean("was_left"),
            "mean_duration": mean("duration"),
            "mean_duration_share": mean("duration_share"),
            "cooperation": mean("cooperation"),
            "mutual_cooperation": mean("mutual_cooperation"),
        }
        for name, value in row.items():
            found.setdefault(name, []).append(value)
    return found


def family_scores(matches: Any, confidence: float = 0.95) -> pd.DataFrame:
    """Per family: the mean score per round of the horizon over all sides of its strategies,
    as ``ranking`` computes it per strategy: the family's mean score in each repetition,
    then the mean of those (``score``), their standard deviation and a Student-t interval
    at ``confidence`` (NaN with a single repetition, e.g. exact results)."""
    return _frame(family_scores_columns(matches, confidence))


def family_scores_columns(matches: Any, confidence: float = 0.95) -> Columns:
    """``family_scores`` as plain columns."""
    long = sides(matches)
    names, family = long.codes("family")
    repetitions, repetition = np.unique(long["repetition"], return_inverse=True)
    cell = family * len(repetitions) + repetition.reshape(-1)
    cells, index = np.unique(cell, return_inverse=True)
    means = _group_mean(index.reshape(-1), long["score"], len(cells))
    cell_family = cells // len(repetitions)
    columns: dict[str, list[Any]] = {
        name: [] for name in ("family", "score", "score_std", "ci_low", "ci_high")
    }
    columns["repetitions"] = []
    position = {name: i for i, name in enumerate(names.tolist())}
    for name in _family_order(names.tolist()):
        values = means[cell_family == position[name]]
        mean, std, low, high = _interval(values, confidence)
        for key, value in zip(
            ("family", "score", "score_std", "ci_low", "ci_high"), (name, mean, std, low, high)
        ):
            columns[key].append(value)
        columns["repetitions"].append(int(values.size))
    return columns


def who_left_whom(matches: Any) -> pd.DataFrame:
    """Who ended the relationships, by family: one row per (``leaver``, ``partner``) with the
    number of ``exits`` in which a side of family ``leaver`` left a partner of family
    ``partner`` alone, and one row per pair of families that left together (``leaver`` =
    "both", ``partner`` = "F + G"); ``share`` is each row's share of all exits. Exact
    results give expected numbers. Largest first; pairs with no exit are absent."""
    return _frame(who_left_whom_columns(matches))


def who_left_whom_columns(matches: Any) -> Columns:
    """``who_left_whom`` as plain columns."""
    long = sides(matches)
    keys, index = _pair_codes(long, "family", "opponent_family")
    alone = _group_sum(index, long["left_alone"], len(keys))
    side_a = long["role"] == "A"  # one row per match: a joint exit counted once
    jointly = _group_sum(index[side_a], np.asarray(long["left_jointly"], dtype=float)[side_a], len(keys))
    found = []
    joint: dict[str, float] = {}
    for (family, opponent), count, together in zip(keys, alone.tolist(), jointly.tolist()):
        if count > 0:
            found.append((family, opponent, count))
        if together > 0:
            pair = " + ".join(_family_order([family, opponent]) if family != opponent else [family, family])
            joint[pair] = joint.get(pair, 0.0) + together
    found += [("both", pair, count) for pair, count in joint.items()]
    exits = np.array([count for _, _, count in found], dtype=float)
    if not long.exact:
        exits = exits.round().astype(np.int64)
    total = float(exits.sum())
    order = np.array(
        sorted(range(len(found)), key=lambda i: (-exits[i], found[i][0], found[i][1])), dtype=np.int64
    )
    exits = exits[order]
    return {
        "leaver": np.array([found[i][0] for i in order], dtype=object),
        "partner": np.array([found[i][1] for i in order], dtype=object),
        "exits": exits,
        "share": exits / total if total > 0 else np.full(len(exits), math.nan),
    }


# --- compact outputs for the CLI and summary.json ----------------------------------------
def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(columns: Columns, key: str) -> dict[str, dict[str, Any]]:
    return {str(row.pop(key)): row for row in rows(columns)}


def json_number(value: Any) -> Any:
    """A number as summary.json has always stored the ranking's (pandas' ``to_json``
    rounding): 10 decimals, the tenth rounded from the binary value times 1e10 (a tie
    goes up when the digit is odd or 0); 10 significant digits from 1e16 on and below
    1e-15; NaN and infinities as None. Other values pass through ``_plain``."""
    value = _plain(value)
    if not isinstance(value, float):
        return value
    size = abs(value)
    if size >= 1e16 - 1 or (value != 0 and size < 1e-15):
        return float(f"{value:.9e}")
    whole = int(size)
    scaled = (size - whole) * 1e10
    fraction = int(scaled)
    rest = scaled - fraction
    if rest > 0.5 or (rest == 0.5 and (fraction == 0 or fraction & 1)):
        fraction += 1
        if fraction == 10**10:
            fraction, whole = 0, whole + 1
    number = float(f"{whole}.{fraction:010d}")
    return -number if value < 0 else number


def headline(matches: Any, ranked: Any = None) -> dict[str, Any]:
    """Family-level figures for summary.json (plain JSON-ready data; NaN becomes None):
    counts, the family table, the best strategy, and the log-rank comparison of
    trust-building and withholding relationships (membership "any" and "both", see
    ``family_log_rank``). ``ranked`` is ``ranking(matches)`` (or its columns) when the
    caller has it."""
    long = sides(matches)
    if ranked is None:
        ranked = ranking_columns(long)
    best = {name: ranked[name][0] for name in ("strategy", "family", "score")}
    return _plain(
        {
            "matches": len(np.unique(long["match_id"])),
            "repetitions": len(np.unique(long["repetition"])),
            "strategies": len(long.codes("strategy")[0]),
            "families": _records(family_table_columns(long), "family"),
            "best_strategy": best,
            "survival": _records(survival_summary_columns(long, "family"), "family"),
            **_log_ranks(long),
        }
    )


def _log_ranks(long: Sides) -> dict[str, Any]:
    if long.exact:
        return {
            "log_rank_trust_vs_withholding": LOG_RANK_NOT_APPLICABLE,
            "log_rank_trust_pairs_vs_withholding_pairs": LOG_RANK_NOT_APPLICABLE,
        }
    groups = ("trust-building", "withholding")  # family_log_rank's default
    return {
        "log_rank_trust_vs_withholding": family_log_rank(long, groups, "any").to_dict(),
        "log_rank_trust_pairs_vs_withholding_pairs": family_log_rank(long, groups, "both").to_dict(),
    }


def _percent(value: float) -> str:
    return "   -" if math.isnan(value) else f"{100 * value:3.0f}%"


def summary_table(matches: Any) -> str:
    """A compact text table, best first: rank, strategy, family, mean score per round ±
    its standard deviation over repetitions, and the share of its relationships that
    lasted, that it left (alone or jointly) and in which it was left."""
    long = sides(matches)
    ranked = rows(ranking_columns(long))
    shares = {row["strategy"]: row for row in rows(strategy_relationships_columns(long))}
    nan = math.nan
    name_width = max(8, *(len(row["strategy"]) for row in ranked))
    family_width = max(6, *(len(row["family"]) for row in ranked))
    header = (
        f"{'rank':>4}  {'strategy':<{name_width}}  {'family':<{family_width}}  "
        f"{'payoff/round ± sd':>17}  {'lasted':>6}  {'left':>5}  {'was left':>8}"
    )
    lines = [header, "-" * len(header)]
    for row in ranked:
        share = shares[row["strategy"]]
        std = nan if row["score_std"] is None else row["score_std"]
        score = nan if row["score"] is None else row["score"]
        spread = "" if math.isnan(std) else f" ± {std:.2f}"
        lasted, left, was_left = (
            nan if share[name] is None else share[name]
            for name in ("share_lasted", "share_left", "share_was_left")
        )
        lines.append(
            f"{row['rank']:>4}  {row['strategy']:<{name_width}}  {row['family']:<{family_width}}  "
            f"{f'{score:.3f}{spread}':>17}  {_percent(lasted):>6}  "
            f"{_percent(left):>5}  {_percent(was_left):>8}"
        )
    lines.append(SUMMARY_NOTE)
    return "\n".join(lines)


SUMMARY_NOTE = (
    "(payoff/round: sum of totals / sum of horizons, E[total]/E[n]; ± sd over repetitions. "
    "lasted, left, was left: shares of the strategy's sides, a self-play match counting twice)"
)
