"""The long table of the analysis: one row per (match, side), as numpy columns.

``sides`` reads a per-match table (a pandas DataFrame or an Arrow table, the columns of
``powergame.record``) or its long form into ``Sides``; ``to_long`` gives it as a DataFrame.
Arrow columns are read from their buffers (``powergame.arrow_arrays``), so that building the
long table of a run imports no pandas. Exact results keep their survival curves as one flat
array (``Curves``), one curve per match.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from powergame import record
from powergame.arrow_arrays import ENCODED_TEXT_ROWS, is_positions, is_text, one_array, text_codes, to_numpy
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


def _letter_flags(table: Any, name: str) -> dict[str | None, np.ndarray]:
    """Per row of the per-match table: whether ``name`` (read as ``_letter`` reads it) is
    "A", "B", "both" and None."""
    wanted: tuple[str | None, ...] = ("A", "B", "both", None)
    if _is_arrow(table) and _rows(table) >= ENCODED_TEXT_ROWS and is_text(table.column(name).type):
        words, codes = text_codes(table.column(name))
        return {
            letter: codes == words.index(letter) if letter in words else np.zeros(len(codes), dtype=bool)
            for letter in wanted
        }
    letters = _letters(table, name)
    return {letter: letters == letter for letter in wanted}


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


class Columns(Mapping[str, np.ndarray]):
    """The columns of a long table by name, each made when it is first read (a summary
    reads a third of them) and kept."""

    def __init__(
        self, made: Mapping[str, np.ndarray], makers: Mapping[str, Callable[[], np.ndarray]]
    ) -> None:
        self._made = dict(made)
        self._makers = {name: maker for name, maker in makers.items() if name not in self._made}
        self._names = [*self._made, *self._makers]

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._made:
            if name not in self._makers:
                raise KeyError(name)
            self._made[name] = self._makers.pop(name)()
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._made or name in self._makers

    def is_made(self, name: str) -> bool:
        """Whether the column is made already."""
        return name in self._made


def _is_made(columns: Mapping[str, np.ndarray], name: str) -> bool:
    return not isinstance(columns, Columns) or columns.is_made(name)


Codes = tuple[np.ndarray, np.ndarray]  # sorted distinct values, each row's index among them
Pair = tuple[np.ndarray, np.ndarray]  # a column's rows of the sides A, then those of the sides B


class Halves:
    """Columns of a long table made from a per-match table, as their two halves (the rows
    of the sides A and those of the sides B, one per match each): a selection of rows of
    the column is gathered from them without making the whole column."""

    def __init__(self, makers: Mapping[str, Callable[[], Pair]]) -> None:
        self._makers = makers
        self._made: dict[str, Pair] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._makers

    def __getitem__(self, name: str) -> Pair:
        if name not in self._made:
            self._made[name] = self._makers[name]()
        return self._made[name]


class Sides:
    """The long table as numpy columns: one row per (match, side), the columns of
    ``to_long``; exact results also hold their ``curves`` (one per match) and, per row,
    ``curve_of`` (the index of its match's curve).

    ``codes`` may be given for text columns (their distinct values and each row's index,
    or a function that makes them when first read); ``paired`` says that row ``i`` and row
    ``i + len // 2`` are the two sides of one match and no other row belongs to it (a long
    table made from a per-match table whose match ids are distinct); ``size`` is the number
    of rows when the columns are not made yet."""

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        exact: bool,
        curves: Curves | None,
        curve_of: np.ndarray | None,
        codes: Mapping[str, Codes | Callable[[], Codes]] | None = None,
        paired: bool = False,
        halves: Halves | None = None,
        size: int | None = None,
    ) -> None:
        self.columns = columns
        self.exact = exact
        self.curves = curves
        self.curve_of = curve_of
        self._codes: dict[str, Codes | Callable[[], Codes]] = dict(codes or {})
        self.paired = paired
        self._halves = halves
        self._size = size
        self.found: dict[Any, Any] = {}  # tables computed from these sides, for reuse

    def __len__(self) -> int:
        return len(self.columns["match_id"]) if self._size is None else self._size

    def __getstate__(self) -> dict[str, Any]:
        # Pickled as plain data: every column and code made, no makers (functions of the table).
        state = self.__dict__.copy()
        state["columns"] = {name: self.columns[name] for name in self.columns}
        state["_codes"] = {name: self.codes(name) for name in self._codes}
        state["_halves"] = None
        return state

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def codes(self, name: str) -> Codes:
        """The sorted distinct values of a column and each row's index among them."""
        found = self._codes.get(name)
        if found is None:
            found = factorize(self.columns[name])
        elif callable(found):
            found = found()
        self._codes[name] = found
        return found

    def select(self, name: str, mask: np.ndarray) -> np.ndarray:
        """``self[name][mask]``, gathered from the column's halves when it is not made."""
        if self._halves is None or name not in self._halves or _is_made(self.columns, name):
            return self.columns[name][mask]
        first, second = self._halves[name]
        size = len(first)
        return np.concatenate([first[mask[:size]], second[mask[size:]]])

    def pick(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``self[name][rows]``, gathered from the column's halves when it is not made."""
        if self._halves is None or name not in self._halves or _is_made(self.columns, name):
            return self.columns[name][rows]
        first, second = self._halves[name]
        size = len(first)
        rows = np.asarray(rows)
        found = np.empty(len(rows), dtype=np.result_type(first, second))
        if (
            first.dtype == second.dtype == found.dtype
            and rows.dtype.kind in "iu"
            and bool(np.all(rows[1:] >= rows[:-1]))
        ):
            # Rising rows (a group's relationships): side A's, then side B's, taken in place.
            split = int(np.searchsorted(rows, size))
            np.take(first, rows[:split], out=found[:split])
            np.take(second, rows[split:] - size, out=found[split:])
            return found
        on_first = rows < size
        found[on_first] = first[rows[on_first]]
        found[~on_first] = second[rows[~on_first] - size]
        return found

    def halves(self, name: str) -> Pair | None:
        """The column's two halves (side A's rows, side B's rows) when it is kept as such."""
        return None if self._halves is None or name not in self._halves else self._halves[name]

    def pieces(self, name: str) -> list[np.ndarray]:
        """The column as arrays that tile it in order: its halves when it is kept as such
        (nothing joined), else the whole column."""
        halves = self.halves(name)
        return [self.columns[name]] if halves is None else list(halves)

    def code_of(self, name: str, value: Any) -> int:
        """The index of ``value`` among the distinct values of a column (-1 if absent)."""
        for where, found in enumerate(self.codes(name)[0].tolist()):  # a few values
            if found == value:
                return where
        return -1

    def take(self, rows: np.ndarray) -> Sides:
        """The rows at ``rows``, in that order."""
        columns = self.columns

        def maker(name: str) -> Callable[[], np.ndarray]:
            return lambda: columns[name][rows]

        return Sides(
            Columns({}, {name: maker(name) for name in columns}),
            self.exact,
            self.curves,
            None if self.curve_of is None else self.curve_of[rows],
            {
                name: _present(found[0], found[1][rows])
                for name, found in self._codes.items()
                if not callable(found)  # codes not made yet: made from the rows taken
            },
        )


def _present(names: np.ndarray, codes: np.ndarray) -> Codes:
    """Codes of a selection of rows with the values none of them holds dropped (as
    ``factorize`` of the selection gives them)."""
    used = np.bincount(codes, minlength=len(names)) > 0
    if used.all():
        return names, codes
    return names[used], (np.cumsum(used) - 1)[codes]


def factorize(values: np.ndarray) -> Codes:
    """``np.unique(values, return_inverse=True)`` for a column of a few distinct values,
    by hashing rather than sorting every row (strings sort slowly in numpy)."""
    items = values.tolist()
    distinct = dict.fromkeys(items)
    try:
        found = sorted(distinct)
    except TypeError:  # a missing name (None or NaN) among texts: missing ones last
        found = sorted(distinct, key=_missing_last)
    position = {value: i for i, value in enumerate(found)}
    codes = np.fromiter(map(position.__getitem__, items), dtype=np.intp, count=len(items))
    return np.array(found, dtype=values.dtype if values.dtype != object else object), codes


def _missing_last(value: Any) -> tuple[bool, Any]:
    missing = value is None or value != value
    return missing, "" if missing else value


def dense_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` (the inverse flat): by counting when the
    values are integers of a small range (a run's repetitions, cells of a few groups),
    else by ``np.unique``."""
    values = np.asarray(values)
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * len(values) + 1024:
            shifted = (values - low).astype(np.intp, copy=False)
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            if bool(present.all()):  # every value between low and high: no gaps to close
                return np.arange(low, high + 1, dtype=values.dtype), shifted
            position = np.cumsum(present) - 1
            return np.flatnonzero(present).astype(values.dtype) + low, position[shifted]
    found, inverse = np.unique(values, return_inverse=True)
    return found, inverse.reshape(-1)


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


def _pair_of_codes(table: Any, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct texts of columns ``name_a`` and ``name_b`` together (sorted) and the rows
    of both columns, one after the other, as indices among them (one array: its halves
    are the columns); None when a column holds something else than text (then its values
    are read as they come)."""
    first, second = f"{name}_a", f"{name}_b"
    if _is_arrow(table) and _rows(table) >= ENCODED_TEXT_ROWS:
        words_a, index_a = text_codes(table.column(first))
        words_b, index_b = text_codes(table.column(second))
    else:
        try:
            found_a, index_a = factorize(_texts(table, first))
            found_b, index_b = factorize(_texts(table, second))
        except TypeError:  # None among texts: they do not sort
            return None
        words_a, words_b = found_a.tolist(), found_b.tolist()
    if not all(isinstance(word, str) for word in (*words_a, *words_b)):
        return None
    names = sorted({*words_a, *words_b})
    position = {word: i for i, word in enumerate(names)}
    codes = np.empty(len(index_a) + len(index_b), dtype=np.intp)
    np.take(np.array([position[word] for word in words_a], dtype=np.intp), index_a, out=codes[: len(index_a)])
    np.take(np.array([position[word] for word in words_b], dtype=np.intp), index_b, out=codes[len(index_a) :])
    return np.array(names, dtype=object), codes


def _distinct_ids(ids: np.ndarray) -> bool:
    """Every match id appears once (by sorting, unless they are 0, 1, 2, ... already)."""
    if ids.dtype.kind in "iu" and bool(np.all(ids == np.arange(len(ids)))):
        return True
    try:
        ordered = np.sort(ids)
    except TypeError:
        return False
    return not bool(np.any(ordered[1:] == ordered[:-1]))


def _sides_of_matches(table: Any) -> Sides:
    check_matches(table)
    exact = _is_exact_table(table)
    n = _rows(table)
    names = set(_names(table))

    def both(own: np.ndarray, other: np.ndarray) -> np.ndarray:
        return np.concatenate([own, other])

    def twice(values: np.ndarray) -> np.ndarray:
        return np.concatenate([values, values])

    number = float if exact else np.int64  # exact rows hold expected horizons and durations
    codes: dict[str, Codes | Callable[[], Codes]] = {}
    makers: dict[str, Callable[[], np.ndarray]] = {}
    for text, other in (("strategy", "opponent"), ("family", "opponent_family")):
        found = _pair_of_codes(table, text)
        if found is None:  # not all texts: the columns as they come
            makers[text] = functools.partial(
                lambda t: both(_texts(table, f"{t}_a"), _texts(table, f"{t}_b")), text
            )
            makers[other] = functools.partial(
                lambda t: both(_texts(table, f"{t}_b"), _texts(table, f"{t}_a")), text
            )
            continue
        words, joined = found
        codes_a, codes_b = joined[:n], joined[n:]
        codes[text] = (words, joined)
        codes[other] = functools.partial(lambda w, a, b: (w, np.concatenate([b, a])), words, codes_a, codes_b)
        makers[text] = functools.partial(lambda t: made_codes(t)[0][made_codes(t)[1]], text)
        makers[other] = functools.partial(lambda t: made_codes(t)[0][made_codes(t)[1]], other)
        if text == "strategy":
            makers["self_play"] = functools.partial(lambda a, b: twice(a == b), codes_a, codes_b)
    if "self_play" not in makers:
        makers["self_play"] = lambda: twice(_texts(table, "strategy_a") == _texts(table, "strategy_b"))
    codes["role"] = lambda: (_ROLES, np.repeat(np.array([0, 1], dtype=np.intp), n))
    makers["role"] = lambda: _ROLES[made_codes("role")[1]]

    def left_by() -> np.ndarray:
        return twice(_letters(table, "left_by"))

    def power_index() -> np.ndarray:
        index = _values(table, "power_index").astype(float)
        return both(index, index * -1)

    def own(name: str, kind: Any = float) -> Pair:
        return (
            _values(table, f"{name}_a").astype(kind, copy=False),
            _values(table, f"{name}_b").astype(kind, copy=False),
        )

    def swapped(name: str) -> Pair:
        first, second = own(name)
        return second, first

    def same(values: np.ndarray) -> Pair:
        return values, values

    halves: dict[str, Callable[[], Pair]] = {
        "repetition": lambda: same(_values(table, "repetition")),
        "horizon": lambda: same(_values(table, "horizon").astype(number, copy=False)),
        "score": lambda: own("score"),
        "total": lambda: own("total"),
        "opponent_score": lambda: swapped("score"),
        "duration": lambda: same(_values(table, "rounds_together").astype(number, copy=False)),
        "censored": lambda: same(_values(table, "censored").astype(float if exact else bool, copy=False)),
        "exit_round": lambda: same(_floats(table, "exit_round")),
        "cooperation": lambda: own("cooperation"),
        "opponent_cooperation": lambda: swapped("cooperation"),
        "mutual_cooperation": lambda: same(_values(table, "mutual_cooperation").astype(float, copy=False)),
        "mean_stake": lambda: same(_values(table, "mean_stake").astype(float, copy=False)),
        "power_share": lambda: own("power_share"),
        "power_shifts": lambda: same(
            _floats(table, "power_shifts")
            if exact
            else _values(table, "power_shifts").astype(np.int64, copy=False)
        ),
    }
    made = Halves(halves)
    makers["left_by"] = left_by
    makers["power_index"] = power_index
    curves = curve_of = None
    if exact:
        halves["left_alone"] = lambda: own("p_left")
        halves["left_jointly"] = lambda: same(_values(table, "p_left_both").astype(float, copy=False))
        halves["left"] = lambda: (
            made["left_alone"][0] + made["left_jointly"][0],
            made["left_alone"][1] + made["left_jointly"][1],
        )
        halves["was_left"] = lambda: (made["left_alone"][1], made["left_alone"][0])
        makers["exact"] = lambda: np.ones(2 * n, dtype=bool)
        curves = _curves_of(table)
        curve_of = twice(np.arange(n))
    else:
        letters = functools.cache(lambda: _letter_flags(table, "left_by"))
        halves["left_alone"] = lambda: (letters()["A"], letters()["B"])
        halves["left_jointly"] = lambda: same(letters()["both"])
        halves["left"] = lambda: (letters()["A"] | letters()["both"], letters()["B"] | letters()["both"])
        halves["was_left"] = lambda: (letters()["B"], letters()["A"])

    def power_position() -> np.ndarray:
        least = _letter_flags(table, "least_interest")
        position = np.full(2 * n, 2, dtype=np.intp)  # less powerful, unless
        position[both(least["A"], least["B"])] = 0
        position[twice(least[None])] = 1
        return _POWER_POSITIONS[position]

    makers["power_position"] = power_position
    for name in ("outside", "structural_dependence", "realized_dependence"):
        if f"{name}_a" in names:
            makers[name] = functools.partial(
                lambda t: both(_floats(table, f"{t}_a"), _floats(table, f"{t}_b")), name
            )

    def duration_share() -> Pair:
        durations, horizons = made["duration"], made["horizon"]
        found: list[np.ndarray] = []
        for duration, horizon in zip(durations, horizons):
            if found and duration is durations[0] and horizon is horizons[0]:
                found.append(found[0])  # both halves the same per-match columns: computed once
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                found.append(duration / np.where(horizon > 0, horizon, np.nan))
        return found[0], found[1]

    halves["duration_share"] = duration_share
    for name in halves:
        makers[name] = functools.partial(lambda t: np.concatenate(made[t]), name)
    order = [name for name in _LONG_ORDER if name in makers] + [
        name for name in makers if name not in _LONG_ORDER
    ]
    makers["match_id"] = lambda: twice(_values(table, "match_id"))
    columns = Columns({}, {name: makers[name] for name in ("match_id", *order)})
    if _is_arrow(table) and is_positions(table.column("match_id")):
        paired = True  # a run's table: ids 0, 1, 2, ... (read without joining the column)
    else:
        paired = _distinct_ids(columns["match_id"][:n])
    long = Sides(columns, exact, curves, curve_of, codes, paired, made, 2 * n)
    made_codes = long.codes
    return long


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
    names, codes_first = long.codes(first)
    other, codes_second = long.codes(second)
    if len(names) != len(other) or not bool(np.all(names == other)):  # one set of names for both
        names, codes = factorize(np.concatenate([long[first], long[second]]))
        codes_first, codes_second = codes[: len(long)], codes[len(long) :]
    cells, index = dense_unique(codes_first * len(names) + codes_second)
    keys = [(names[cell // len(names)], names[cell % len(names)]) for cell in cells.tolist()]
    return keys, index
