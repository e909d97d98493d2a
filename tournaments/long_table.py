"""The long table of the analysis: one row per (match, side), as numpy columns.

``sides`` reads a per-match table (a pandas DataFrame or an Arrow table, the columns of
``powergame.record``) or its long form into ``Sides``; ``to_long`` gives it as a DataFrame.
Arrow columns are read from their buffers (``powergame.arrow_arrays``), so that building the
long table of a run imports no pandas. Exact results keep their survival curves as one flat
array (``Curves``), one curve per match.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from powergame import record
from powergame.arrow_arrays import one_array, to_numpy
from powergame.errors import ParameterError

if TYPE_CHECKING:
    import pandas as pd

REQUIRED_COLUMNS = record.ANALYSED_COLUMNS  # the columns of the match record the analysis reads


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
    values = _values(table, name)
    if _is_arrow(table) and values.dtype == object:  # an Arrow text column: texts and None already
        return values
    items = values.tolist()
    try:  # a column holds a few distinct values: each is read once
        letters = {value: _letter(value) for value in set(items)}
    except TypeError:  # something unhashable: it is no letter either
        return np.array([_letter(v) for v in items], dtype=object)
    found = np.empty(len(items), dtype=object)
    found[:] = list(map(letters.__getitem__, items))
    return found


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
        self._zero_or_one: bool | None = None

    @classmethod
    def from_lists(cls, curves: Iterable[Any]) -> Curves:
        arrays = [np.asarray(c, dtype=float) for c in curves]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([a.size for a in arrays], out=offsets[1:])
        values = np.concatenate(arrays) if arrays else np.zeros(0)
        return cls(values, offsets)

    def curve(self, index: int) -> np.ndarray:
        return self.values[self.offsets[index] : self.offsets[index + 1]]

    def all_zero_or_one(self) -> bool:
        """Every value is 0 or 1 (the curves of deterministic pairs without noise): sums of
        them are then whole numbers, exact in any order (kept once known)."""
        if self._zero_or_one is None:
            zeros, ones = np.count_nonzero(self.values == 0.0), np.count_nonzero(self.values == 1.0)
            self._zero_or_one = zeros + ones == len(self.values)
        return self._zero_or_one

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
            self._codes[name] = factorize(self.columns[name])
        return self._codes[name]

    def take(self, rows: np.ndarray) -> Sides:
        """The rows at ``rows``, in that order."""
        return Sides(
            {name: values[rows] for name, values in self.columns.items()},
            self.exact,
            self.curves,
            None if self.curve_of is None else self.curve_of[rows],
        )


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for a column of a few distinct values,
    by hashing rather than sorting every row (strings sort slowly in numpy)."""
    items = values.tolist()
    found = sorted(dict.fromkeys(items))
    position = {value: i for i, value in enumerate(found)}
    codes = np.fromiter(map(position.__getitem__, items), dtype=np.intp, count=len(items))
    return np.array(found, dtype=values.dtype if values.dtype != object else object), codes


def sides(matches: Any) -> Sides:
    """The long table of ``matches`` (a per-match table, DataFrame or Arrow, or its long
    form) as numpy columns: build it once and pass it to several analyses."""
    if isinstance(matches, Sides):
        return matches
    if "role" in _names(matches) and "strategy" in _names(matches):
        return _sides_of_long(matches)
    return _sides_of_matches(matches)


# Labels of the long table, each row referring to one of these objects (not a string each).
_ROLES = np.array(["A", "B"], dtype=object)
_POWER_POSITIONS = np.array(["more powerful", "equal", "less powerful"], dtype=object)


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
        "role": _ROLES[np.repeat([0, 1], n)],
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
    partner = _ROLES[np.repeat([1, 0], n)]
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
    columns["power_position"] = _POWER_POSITIONS[
        np.where(least == role, 0, np.where(least == None, 1, 2))  # noqa: E711
    ]
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
        column = one_array(table.column("survival"))
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


def pair_codes(long: Sides, first: str, second: str) -> tuple[list[tuple[Any, Any]], np.ndarray]:
    """The sorted distinct (first, second) pairs of two columns and each row's index among them."""
    names, codes = factorize(np.concatenate([long[first], long[second]]))
    size = len(long)
    cells, index = np.unique(codes[:size] * len(names) + codes[size:], return_inverse=True)
    keys = [(names[cell // len(names)], names[cell % len(names)]) for cell in cells.tolist()]
    return keys, index.reshape(-1)
