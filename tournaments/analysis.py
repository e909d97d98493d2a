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
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from powergame.errors import ParameterError

from . import run_sums
from .distributions import t_quantile
from .grouped import first_of_group, group_mean, group_median, group_sum, nanmean
from .long_table import REQUIRED_COLUMNS as REQUIRED_COLUMNS  # the analysis's public names
from .long_table import Curves, Sides, dense_unique, pair_codes, sides
from .long_table import check_matches as check_matches
from .long_table import is_exact as is_exact
from .long_table import to_long as to_long
from .survival import LogRankResult, kaplan_meier_columns, log_rank

if TYPE_CHECKING:
    import pandas as pd

FAMILY_ORDER = ("trust-building", "withholding", "neutral")
POSITIONS = ("more powerful", "equal", "less powerful")

LOG_RANK_NOT_APPLICABLE = {
    "not_applicable": "exact results: the survival curves are exact, there is no sample to test"
}

Columns = dict[str, Any]  # a table as named columns (numpy arrays or lists) of equal length


def _frame(columns: Columns) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns)


def rows(columns: Columns) -> list[dict[str, Any]]:
    """A table's columns as JSON-ready rows (numpy scalars as Python values, NaN as None)."""
    names = list(columns)
    lists = [np.asarray(columns[name]).tolist() for name in names]
    return [_plain(dict(zip(names, values))) for values in zip(*lists)]


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
    """``ranking`` as plain columns (kept with the ``Sides``: the summary and its text table
    both read it)."""
    long = sides(matches)
    if ("ranking", confidence) in long.found:
        return long.found["ranking", confidence]
    names, strategy = long.codes("strategy")
    count = len(names)
    cell_strategy, totals, horizons = _repetition_sums(long, strategy, count)
    bounds = np.searchsorted(cell_strategy, np.arange(count + 1))
    scores = long.pieces("score")
    per_match = run_sums.group_means(_split_as(strategy, scores), scores, count)
    if per_match is None:
        per_match = group_mean(strategy, long["score"], count)
    sides_count = np.bincount(strategy, minlength=count)
    first = first_of_group(strategy, count)
    family_names, family_codes = long.codes("family")
    families = family_names[family_codes[first]]
    found = []
    for where in range(count):
        start, stop = bounds[where], bounds[where + 1]
        score, std, low, high = _ratio_interval(totals[start:stop], horizons[start:stop], confidence)
        found.append(
            {
                "strategy": names[where],
                "family": families[where],
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
    long.found["ranking", confidence] = columns
    return columns


def _repetition_sums(long: Sides, group: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (group, repetition) that has rows, ordered by group then repetition: the group,
    the sum of the sides' totals and of their horizons (the ratio estimator's inputs).
    ``group`` holds each row's group, 0 .. ``count`` - 1."""
    repetitions, repetition_pieces = _repetitions(long)
    totals_pieces, horizon_pieces = long.pieces("total"), long.pieces("horizon")
    lengths = [len(piece) for piece in totals_pieces]
    repetition = repetition_pieces[0] if len(repetition_pieces) == 1 else None
    if lengths == [len(piece) for piece in horizon_pieces]:
        # By runs (a pairing's repetitions in order): no sort of the rows by cell.
        minors = repetition_pieces
        if lengths != [len(piece) for piece in minors]:
            repetition = np.concatenate(minors) if repetition is None else repetition
            minors = _split_as(repetition, totals_pieces)
        found = run_sums.runs(_split_as(group, totals_pieces), minors)
        shape = (count, len(repetitions))
        if found is not None:
            summed = run_sums.cell_sums(found, minors, totals_pieces, shape)
            horizon_sums = run_sums.cell_sums(found, minors, horizon_pieces, shape)
            if summed is not None and horizon_sums is not None:
                return summed[0] // len(repetitions), summed[1], horizon_sums[1]
    if repetition is None:
        repetition = np.concatenate(repetition_pieces)
    cells, index = dense_unique(group * len(repetitions) + repetition)
    totals = group_sum(index, long["total"], len(cells))
    horizons = group_sum(index, long["horizon"], len(cells))
    return cells // len(repetitions), totals, horizons


def _repetitions(long: Sides) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct repetitions and each row's index among them, as pieces that tile the
    table (kept with the ``Sides``; counted on one half when both halves are the same
    per-match column, which is then both pieces: one array)."""
    if "repetitions" not in long.found:
        halves = long.halves("repetition")
        if halves is not None and halves[0] is halves[1]:
            found, inverse = dense_unique(halves[0])
            long.found["repetitions"] = found, [inverse, inverse]
        else:
            found, inverse = dense_unique(long["repetition"])
            long.found["repetitions"] = found, [inverse]
    result: tuple[np.ndarray, list[np.ndarray]] = long.found["repetitions"]
    return result


def _split_as(values: np.ndarray, pieces: list[np.ndarray]) -> list[np.ndarray]:
    """``values`` cut into views as long as ``pieces``."""
    if len(pieces) == 1:
        return [values]
    return np.split(values, np.cumsum([len(piece) for piece in pieces])[:-1])


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
    keys, index = pair_codes(side_a, "strategy", "opponent")
    count = len(keys)
    exits = np.where(side_a["censored"] == True, np.nan, side_a["exit_round"])  # noqa: E712
    return _frame(
        {
            "strategy_a": [a for a, _ in keys],
            "strategy_b": [b for _, b in keys],
            "matches": np.bincount(index, minlength=count).astype(np.int64),
            "share_lasted": group_mean(index, side_a["censored"], count),
            "median_duration": group_median(index, _median_durations(side_a), count),
            "share_left_by_a": group_mean(index, side_a["left_alone"], count),
            "share_left_by_b": group_mean(index, side_a["was_left"], count),
            "share_left_by_both": group_mean(index, side_a["left_jointly"], count),
            "mean_exit_round": group_mean(index, exits, count),
            "median_exit_round": group_median(index, exits, count),
            "score_a": group_mean(index, side_a["score"], count),
            "score_b": group_mean(index, side_a["opponent_score"], count),
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
        "family": long["family"][first_of_group(index, count)],
        "sides": np.bincount(index, minlength=count).astype(np.int64),
        "share_lasted": group_mean(index, long["censored"], count),
        "share_left": group_mean(index, long["left"], count),
        "share_left_alone": group_mean(index, long["left_alone"], count),
        "share_was_left": group_mean(index, long["was_left"], count),
        "mean_duration": group_mean(index, long["duration"], count),
        "median_duration": group_median(index, long["duration"], count),
        "mean_exit_round": group_mean(index, exits, count),
    }


def _relationship_rows(long: Sides, column: str, value: str) -> np.ndarray:
    """The rows of the relationships in which some side has ``column == value``, each
    relationship once (its first such row, in table order)."""
    where = long.code_of(column, value)
    if where < 0:
        return np.zeros(0, dtype=np.intp)
    mine = long.codes(column)[1] == where
    if long.paired:  # a match's first row is its side A, its other row n rows later
        half = len(mine) // 2
        first, second = mine[:half], mine[half:]
        return np.concatenate([np.flatnonzero(first), half + np.flatnonzero(second & ~first)])
    positions = np.flatnonzero(mine)
    _, first_rows = np.unique(long["match_id"][positions], return_index=True)
    return positions[np.sort(first_rows)]


def _groups(long: Sides, by: str) -> list[str]:
    if by not in ("family", "strategy"):
        raise ParameterError("by", by, "one of family, strategy")
    present = set(long.codes(by)[0].tolist())
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
    fixed = bool(np.all(lengths == long.pick("horizon", rows)))
    lasted = np.asarray(long["censored"], dtype=float)[rows]
    width = int(lengths.max()) + 1  # fixed: the chance of lasting at t = n; else the drop to 0
    common = curves.common_length()
    table = curves.values.reshape(-1, common) if common is not None else None
    if (
        table is not None
        and curves.all_zero_or_one()
        and bool(np.all((lasted == 0.0) | (lasted == 1.0)))
        and len(rows) < 2**52
    ):
        # Whole numbers: the column sums are exact whatever the order, so each curve is
        # weighed by how many of the rows it serves instead of being copied into the grid
        # once per row (the same numbers to the last bit).
        expected = np.zeros(width)
        expected[:common] = np.bincount(ids, minlength=len(table)).astype(float) @ table
        if fixed:  # every curve is the horizon long: the chance of lasting sits at t = n
            expected[common] += lasted.sum()
        return _mean_curve_columns(expected, len(rows))
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
    return _mean_curve_columns(expected, len(rows))


def _mean_curve_columns(expected: np.ndarray, count: int) -> dict[str, np.ndarray]:
    """The columns of a mean exact curve from the sums ``expected`` of ``count`` curves."""
    mean = expected / count
    return {
        "time": np.arange(len(expected), dtype=float),
        "survival": mean,
        "ci_low": mean,
        "ci_high": mean,
        "at_risk": np.concatenate([[count], expected[:-1]]),
        "events": np.concatenate([[0.0], expected[:-1] - expected[1:]]),
    }


def _group_curve(long: Sides, rows: np.ndarray, confidence: float | None) -> dict[str, np.ndarray]:
    """The survival curve of the relationships at ``rows``: Kaplan-Meier, or for exact
    results the mean of their exact curves."""
    if long.exact:
        return _exact_mean_curve(long, rows)
    found = kaplan_meier_columns(*_picked(long, rows), confidence)
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
        rows, _, censored = _sample(long, by, group)
        curve = _group_curve(long, rows, None)
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
    key = ("family_log_rank", tuple(groups), membership)
    if key not in long.found:  # the headline and the answer both test "any"
        long.found[key] = _family_log_rank(long, groups, membership)
    result: LogRankResult = long.found[key]
    return result


def _sample(long: Sides, by: str, group: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The relationships of a group (``_relationship_rows``) and their durations and
    censoring, kept with the ``Sides``: the survival summary and the log-rank tests read
    the same ones."""
    key = ("relationships", by, group)
    if key not in long.found:
        rows = _relationship_rows(long, by, group)
        long.found[key] = (rows, *_picked(long, rows))
    found: tuple[np.ndarray, np.ndarray, np.ndarray] = long.found[key]
    return found


def _picked(long: Sides, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The durations and censoring of ``rows`` (those of a group's relationships when they
    are its sample)."""
    for key, found in long.found.items():
        if isinstance(key, tuple) and key[0] == "relationships" and found[0] is rows:
            return found[1], found[2]
    return long.pick("duration", rows), long.pick("censored", rows)


def _family_log_rank(long: Sides, groups: tuple[str, str], membership: str) -> LogRankResult:
    samples = []
    for family in groups:
        rows, durations, censored = _sample(long, "family", family)
        if membership == "both":
            keep = long.codes("opponent_family")[1][rows] == long.code_of("opponent_family", family)
            durations, censored = durations[keep], censored[keep]
        samples.append((durations, censored))
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
            "family": long["family"][first_of_group(index, count)],
            "sides": np.bincount(index, minlength=count).astype(np.int64),
            "score": group_mean(index, long["score"], count),
            "share_lasted": group_mean(index, long["censored"], count),
            "share_left": group_mean(index, long["left"], count),
            "share_was_left": group_mean(index, long["was_left"], count),
            "cooperation": group_mean(index, long["cooperation"], count),
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
        return group_mean(index, values, count)

    return _frame(
        {
            "strategy": names,
            "family": long["family"][first_of_group(index, count)],
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
    names, family_codes = long.codes("family")
    strategy_names, strategies = long.codes("strategy")
    position = {name: i for i, name in enumerate(names.tolist())}
    rows_of = _family_rows(long, family_codes, len(names))
    found: dict[str, list[Any]] = {}
    for family in _family_order(names.tolist()):
        mine = rows_of(position[family])
        size = mine.size

        def mean(name: str, mine: _Rows = mine) -> float:
            counted = mine.whole_sum(name)
            if counted is None:
                return nanmean(mine.values(name))
            return counted / mine.size if mine.size else math.nan

        def total(name: str, mine: _Rows = mine) -> float:
            counted = mine.whole_sum(name)
            return float(np.sum(np.asarray(mine.values(name), dtype=float))) if counted is None else counted

        lasted = mine.whole_sum("censored")
        ended = (
            size - lasted
            if lasted is not None
            else float(np.sum(1 - np.asarray(mine.values("censored"), dtype=float)))
        )
        row = {
            "family": family,
            "strategies": mine.distinct(strategies, len(strategy_names)),
            "sides": size,
            "score": mean("score"),
            "share_lasted": mean("censored"),
            "share_exits_initiated": total("left") / ended if ended > 0 else math.nan,
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


class _Rows:
    """The rows of one group of a long table: as stretches of rows (piece, first, after the
    last) of the columns' pieces when the table comes in runs of a group, else as a mask."""

    def __init__(self, long: Sides, mask: np.ndarray | None, stretches: list[tuple[int, int, int]]) -> None:
        self.long = long
        self.mask = mask
        self.stretches = stretches
        self.size = int(mask.sum()) if mask is not None else sum(high - low for _, low, high in stretches)

    def _parts(self, pieces: list[np.ndarray]) -> list[np.ndarray]:
        return [pieces[piece][low:high] for piece, low, high in self.stretches]

    def _split(self, name: str) -> list[np.ndarray] | None:
        pieces = self.long.pieces(name)
        lengths = [len(piece) for piece in pieces]
        return pieces if self.mask is None and lengths == _piece_lengths(self.long) else None

    def values(self, name: str) -> np.ndarray:
        """The column's values of these rows, in table order."""
        pieces = self._split(name)
        if pieces is None:
            return self.long.select(name, self._full_mask())
        parts = self._parts(pieces)
        return np.concatenate(parts) if parts else pieces[0][:0].copy()

    def whole_sum(self, name: str) -> float | None:
        """The sum of the column's values of these rows when they are integers or flags
        whose sum is exact in floats (then every order of summing gives it), else None."""
        if not _exact_sums(self.long, name):
            return None
        split = self._split(name)
        if split is None:
            return float(np.sum(self.long.select(name, self._full_mask()), dtype=np.int64))
        return float(sum(int(np.sum(part, dtype=np.int64)) for part in self._parts(split)))

    def distinct(self, codes: np.ndarray, count: int) -> int:
        """How many distinct values of ``codes`` (0 .. count - 1, a code per row) these rows hold."""
        if self.mask is not None:
            return int(np.count_nonzero(np.bincount(codes[self.mask], minlength=count)))
        seen = np.zeros(count, dtype=bool)
        for part in self._parts(_split_as(codes, [np.empty(size) for size in _piece_lengths(self.long)])):
            seen[part] = True
        return int(np.count_nonzero(seen))

    def _full_mask(self) -> np.ndarray:
        if self.mask is not None:
            return self.mask
        mask = np.zeros(len(self.long), dtype=bool)
        starts = np.cumsum([0, *_piece_lengths(self.long)])
        for piece, low, high in self.stretches:
            mask[starts[piece] + low : starts[piece] + high] = True
        return mask


def _exact_sums(long: Sides, name: str) -> bool:
    """Whether the column holds integers or flags whose sums are exact in floats (below
    2**53), found once per column."""
    key = ("exact sums", name)
    if key not in long.found:
        pieces = long.pieces(name)
        exact = all(piece.dtype.kind in "biu" for piece in pieces)
        if exact and not all(piece.dtype.kind == "b" for piece in pieces):
            bounds = [(int(piece.min()), int(piece.max())) for piece in pieces if len(piece)]
            largest = max((max(-low, high) for low, high in bounds), default=0)
            exact = largest * sum(len(piece) for piece in pieces) < 2**53
        long.found[key] = exact
    return bool(long.found[key])


def _piece_lengths(long: Sides) -> list[int]:
    """How the columns of a long table made from a per-match table come in pieces (the two
    halves) or else the one piece of a long table's column."""
    halves = long.halves("score")
    return [len(halves[0]), len(halves[1])] if halves is not None else [len(long)]


def _family_rows(long: Sides, group: np.ndarray, count: int) -> Callable[[int], _Rows]:
    """Per group (0 .. ``count`` - 1 by ``group``, a code per row): its rows, as stretches
    when the table comes in runs of a group (a run's table: a pairing's rows in order), else
    as a mask."""
    lengths = _piece_lengths(long)
    found = run_sums.runs(np.split(group, np.cumsum(lengths)[:-1]) if len(lengths) > 1 else [group])
    if found is None:
        return lambda where: _Rows(long, group == where, [])
    stretches: list[list[tuple[int, int, int]]] = [[] for _ in range(count)]
    for piece, low, high, where in found:
        stretches[where].append((piece, low, high))
    return lambda where: _Rows(long, None, stretches[where])


def family_scores(matches: Any, confidence: float = 0.95) -> pd.DataFrame:
    """Per family: the payoff per expected round over all sides of its strategies, the
    quantity ``ranking`` gives per strategy: E[total] / E[n], the sum of the family's totals
    over the sum of its horizons (``score``); ``score_std`` and ``ci_low``/``ci_high`` from
    the per-repetition sums (the ratio estimator's standard error by the delta method, a
    Student-t interval at ``confidence``; NaN with a single repetition, e.g. exact
    results)."""
    return _frame(family_scores_columns(matches, confidence))


def family_scores_columns(matches: Any, confidence: float = 0.95) -> Columns:
    """``family_scores`` as plain columns."""
    long = sides(matches)
    names, family = long.codes("family")
    cell_family, totals, horizons = _repetition_sums(long, family, len(names))
    keys = ("family", "score", "score_std", "ci_low", "ci_high")
    columns: dict[str, list[Any]] = {name: [] for name in (*keys, "repetitions")}
    position = {name: i for i, name in enumerate(names.tolist())}
    for name in _family_order(names.tolist()):
        mine = cell_family == position[name]
        score, std, low, high = _ratio_interval(totals[mine], horizons[mine], confidence)
        for key, value in zip(keys, (name, score, std, low, high)):
            columns[key].append(value)
        columns["repetitions"].append(int(mine.sum()))
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
    counted = _exits_by_families(long)
    if counted is not None:
        keys, alone, jointly = counted
    else:
        keys, index = pair_codes(long, "family", "opponent_family")
        alone = group_sum(index, long["left_alone"], len(keys))
        side_a = long.codes("role")[1] == long.code_of("role", "A")  # a joint exit counted once
        jointly = group_sum(index[side_a], np.asarray(long["left_jointly"], dtype=float)[side_a], len(keys))
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


def _exits_by_families(long: Sides) -> tuple[list[tuple[Any, Any]], np.ndarray, np.ndarray] | None:
    """``who_left_whom``'s sums for a simulated long table kept as halves (side A's rows,
    then side B's: a row's partner is the other half's row): per (family, partner's family)
    that occurs, the sides that left alone and the matches left jointly, counted on the
    halves (whole numbers: the sums of every order); None for other tables."""
    alone, jointly = long.halves("left_alone"), long.halves("left_jointly")
    if alone is None or jointly is None or any(half.dtype != bool for half in (*alone, *jointly)):
        return None
    names, codes = long.codes("family")
    size, count = len(alone[0]), len(names)
    pairs = codes[:size] * count + codes[size:]  # per match: (side A's family, side B's)

    def per_pair(rows: np.ndarray) -> np.ndarray:  # rows: a flag per match
        return np.bincount(pairs[rows], minlength=count * count).reshape(count, count)

    matches = np.bincount(pairs, minlength=count * count).reshape(count, count)
    found = np.flatnonzero((matches + matches.T) > 0)  # (own, partner's) of a side A or B
    # A side B that left: own family the column, partner's the row (the transpose).
    left = (per_pair(alone[0]) + per_pair(alone[1]).T).ravel().astype(float)
    together = per_pair(jointly[0]).ravel().astype(float)  # a joint exit counted once
    keys = [(names[cell // count], names[cell % count]) for cell in found.tolist()]
    return keys, left[found], together[found]


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
            "matches": len(long) // 2 if long.paired else _count_distinct(long["match_id"]),
            "repetitions": len(_repetitions(long)[0]),
            "strategies": len(long.codes("strategy")[0]),
            "families": _records(family_table_columns(long), "family"),
            "best_strategy": best,
            "survival": _records(survival_summary_columns(long, "family"), "family"),
            **_log_ranks(long),
        }
    )


def _count_distinct(values: np.ndarray) -> int:
    """How many distinct numbers ``values`` holds. By sorting: numpy 2's ``np.unique``
    hashes, which took 0.4 s on the 800,000 match ids of a large run (sorting: 0.01 s)."""
    if values.dtype.kind in "iu":
        return len(dense_unique(values)[0])
    ordered = np.sort(values)
    return int(len(ordered) > 0) + int(np.count_nonzero(ordered[1:] != ordered[:-1]))


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
