"""Tournament analysis: who scores, which relationships last, who leaves, how power moves.

Everything starts from the per-match table (one row per match, the columns of
``MatchResult.summary()`` plus ``match_id``, ``repetition``, ``strategy_a/_b``,
``family_a/_b``, ``outside_a/_b``; see docs/analysis.md) and its long form
``to_long`` (one row per match and side). The functions are pure: tables in, tables
(or plain dicts) out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from powergame import record
from powergame.errors import ParameterError

from .distributions import t_quantile
from .survival import LogRankResult, kaplan_meier, log_rank, median_survival

FAMILY_ORDER = ("trust-building", "withholding", "neutral")
POSITIONS = ("more powerful", "equal", "less powerful")

REQUIRED_COLUMNS = record.ANALYSED_COLUMNS  # the columns of the match record the analysis reads


# --- the long table -----------------------------------------------------------------------
def check_matches(matches: pd.DataFrame) -> None:
    """Raise ParameterError unless ``matches`` is a non-empty per-match table."""
    missing = [column for column in REQUIRED_COLUMNS if column not in matches.columns]
    if missing:
        raise ParameterError(
            "matches", f"a table lacking {', '.join(missing)}", "a per-match table (docs/analysis.md)"
        )
    if matches.empty:
        raise ParameterError("matches", "an empty table", "at least one match")


def _letter(value: object) -> str | None:
    """``left_by``/``least_interest`` as "A", "B", "both" or None (NaN and NA read as None)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def _letters(values: pd.Series) -> list[str | None]:
    """``_letter`` of every value (a string column's values are read at once)."""
    if isinstance(values.dtype, pd.StringDtype):
        return values.to_numpy(dtype=object, na_value=None).tolist()
    return [_letter(v) for v in values]


def _optional_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype(float)


# --- exact results ---------------------------------------------------------------------
# An exact run (``powergame run --exact``) stores one row per pairing with expectations:
# ``censored`` is the chance to last, ``p_left_a``/``_b``/``_both`` who ends it how often
# and ``survival`` the exact curve P(T > t). In the long table the same columns hold
# expected shares (``censored``, ``left``, ``left_alone``, ``left_jointly``, ``was_left``
# are chances, ``duration`` the expected rounds together), so every mean below is an
# expected share; survival curves average the exact curves instead of Kaplan-Meier, and
# a log-rank test does not apply (there is no sample).
LOG_RANK_NOT_APPLICABLE = {
    "not_applicable": "exact results: the survival curves are exact, there is no sample to test"
}


def is_exact(table: pd.DataFrame) -> bool:
    """True for the per-match table (or long table) of an exact run."""
    return "exact" in table.columns and bool(table["exact"].fillna(False).astype(bool).any())


def _exact_sides(table: pd.DataFrame, side: pd.DataFrame, own: str, other: str) -> None:
    """Fill the chance columns of one side of an exact per-match table (see above)."""
    side["left_alone"] = table[f"p_left_{own}"].astype(float).to_numpy()
    side["left_jointly"] = table["p_left_both"].astype(float).to_numpy()
    side["left"] = side["left_alone"] + side["left_jointly"]
    side["was_left"] = table[f"p_left_{other}"].astype(float).to_numpy()
    side["exact"] = True
    side["survival"] = list(table["survival"])


def exact_curve(curves: Iterable[Any], lasted: Iterable[float] | None = None) -> pd.DataFrame:
    """The mean of exact survival curves (each P(T > t), t = 0, 1, ..., zero beyond its
    end) in the table form of ``kaplan_meier``: the bounds equal the estimate, ``at_risk``
    and ``events`` are the expected numbers still together and ending at ``time``.

    ``lasted`` (one per curve, for a fixed horizon n whose curve holds t = 0..n-1) is the
    chance that nobody left by the horizon: the curve then ends at t = n with that value,
    right-censored as Kaplan-Meier treats relationships that reached the horizon, instead
    of dropping to 0."""
    arrays = [np.asarray(c, dtype=float) for c in curves]
    if not arrays:
        return pd.DataFrame(columns=["time", "survival", "ci_low", "ci_high", "at_risk", "events"])
    if lasted is not None:
        arrays = [np.append(a, p) for a, p in zip(arrays, lasted)]
        length = max(len(a) for a in arrays)
    else:
        length = max(len(a) for a in arrays) + 1  # one step past the longest: where it drops
    grid = np.zeros((len(arrays), length))
    for row, values in zip(grid, arrays):
        row[: len(values)] = values
    mean = grid.mean(axis=0)
    expected = grid.sum(axis=0)
    return pd.DataFrame(
        {
            "time": np.arange(length, dtype=float),
            "survival": mean,
            "ci_low": mean,
            "ci_high": mean,
            "at_risk": np.concatenate([[len(arrays)], expected[:-1]]),
            "events": np.concatenate([[0.0], expected[:-1] - expected[1:]]),
        }
    )


def _lasted_at_horizon(rows: pd.DataFrame) -> list[float] | None:
    """For exact rows of a fixed horizon (each curve holds t = 0..n-1): the chance that
    nobody left, where the curve ends; None under continuation (no fixed end)."""
    curves, horizons = rows["survival"], rows["horizon"]
    if all(len(c) == h for c, h in zip(curves, horizons)):
        return [float(p) for p in rows["censored"]]
    return None


def to_long(matches: pd.DataFrame) -> pd.DataFrame:
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
    ``realized_dependence`` when the per-match table has them.
    """
    check_matches(matches)
    table = matches.reset_index(drop=True)
    exact = is_exact(table)
    left_by = _letters(table["left_by"])
    least = _letters(table["least_interest"])
    left_by_array = np.array(left_by, dtype=object)
    least_array = np.array(least, dtype=object)
    if exact:
        return _to_long_exact(table, left_by, least_array)
    # Both sides' columns as arrays, joined into one frame at the end (far fewer pandas
    # calls than a frame per side; the same table).
    sides: list[dict[str, Any]] = []
    converted: dict[tuple[str, Any], np.ndarray] = {}
    for role, own, other in (("A", "a", "b"), ("B", "b", "a")):
        side = _side_columns(table, role, own, other, left_by, exact=False, converted=converted)
        side["role"] = np.full(len(table), role, dtype=object)
        partner = "B" if role == "A" else "A"
        side["left_alone"] = left_by_array == role
        side["left_jointly"] = left_by_array == "both"
        side["left"] = side["left_alone"] | side["left_jointly"]
        side["was_left"] = left_by_array == partner
        side["power_position"] = _power_positions(least_array, role)
        for name in ("outside", "structural_dependence", "realized_dependence"):
            if f"{name}_{own}" in table.columns:
                side[name] = _optional_float(table[f"{name}_{own}"]).to_numpy()
        horizon = side["horizon"]
        side["duration_share"] = side["duration"] / np.where(horizon > 0, horizon, np.nan)
        sides.append(side)
    order = ["match_id", "repetition", "role"] + [
        k for k in sides[0] if k not in ("match_id", "repetition", "role")
    ]
    return pd.DataFrame(
        {
            name: (sides[0][name] + sides[1][name])
            if isinstance(sides[0][name], list)
            else np.concatenate([sides[0][name], sides[1][name]])
            for name in order
        }
    )


def _power_positions(least: np.ndarray, role: str) -> np.ndarray:
    return np.where(
        least == role,
        "more powerful",
        np.where(least == None, "equal", "less powerful"),  # noqa: E711
    ).astype(object)


def _side_columns(
    table: pd.DataFrame,
    role: str,
    own: str,
    other: str,
    left_by: list[str | None],
    exact: bool,
    converted: dict[tuple[str, Any], np.ndarray] | None = None,
) -> dict[str, Any]:
    """The columns of one side that come straight from the per-match table; ``converted``
    keeps each column's conversion for the other side (most columns serve both)."""
    numbers = float if exact else int  # exact rows hold expected horizons and durations
    cache = {} if converted is None else converted

    def column(name: str, kind: Any) -> np.ndarray:
        if (name, kind) not in cache:
            cache[(name, kind)] = table[name].astype(kind).to_numpy()
        return cache[(name, kind)]

    return {
        "match_id": table["match_id"].to_numpy(),
        "repetition": table["repetition"].to_numpy(),
        "strategy": column(f"strategy_{own}", str),
        "opponent": column(f"strategy_{other}", str),
        "family": column(f"family_{own}", str),
        "opponent_family": column(f"family_{other}", str),
        "self_play": column("strategy_a", str) == column("strategy_b", str),
        "horizon": column("horizon", numbers),
        "score": column(f"score_{own}", float),
        "total": column(f"total_{own}", float),
        "opponent_score": column(f"score_{other}", float),
        "duration": column("rounds_together", numbers),
        "censored": column("censored", float if exact else bool),
        "exit_round": _optional_float(table["exit_round"]).to_numpy(),
        "left_by": left_by,
        "cooperation": column(f"cooperation_{own}", float),
        "opponent_cooperation": column(f"cooperation_{other}", float),
        "mutual_cooperation": column("mutual_cooperation", float),
        "mean_stake": column("mean_stake", float),
        "power_index": column("power_index", float) * (1 if role == "A" else -1),
        "power_share": column(f"power_share_{own}", float),
        "power_shifts": _optional_float(table["power_shifts"]).to_numpy()
        if exact
        else column("power_shifts", int),
    }


def _to_long_exact(table: pd.DataFrame, left_by: list[str | None], least_array: np.ndarray) -> pd.DataFrame:
    """``to_long`` of an exact per-match table (one small frame per side)."""
    sides = []
    for role, own, other in (("A", "a", "b"), ("B", "b", "a")):
        columns = _side_columns(table, role, own, other, left_by, True)
        columns = {
            "match_id": columns.pop("match_id"),
            "repetition": columns.pop("repetition"),
            "role": role,
            **columns,
        }
        side = pd.DataFrame(columns)
        _exact_sides(table, side, own, other)
        side["power_position"] = _power_positions(least_array, role)
        for name in ("outside", "structural_dependence", "realized_dependence"):
            if f"{name}_{own}" in table.columns:
                side[name] = _optional_float(table[f"{name}_{own}"]).to_numpy()
        side["duration_share"] = side["duration"] / side["horizon"].where(side["horizon"] > 0)
        sides.append(side)
    return pd.concat(sides, ignore_index=True)


def _long(table: pd.DataFrame) -> pd.DataFrame:
    """Accept either the per-match table or its long form."""
    return table if "role" in table.columns and "strategy" in table.columns else to_long(table)


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


def ranking(matches: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
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
    long = _long(matches)
    sums = long.groupby(["strategy", "repetition"])[["total", "horizon"]].sum()
    per_match = long.groupby("strategy")["score"].mean()
    # Groups are sorted by strategy: cut the per-repetition sums where the strategy changes.
    codes = np.asarray(sums.index.codes[0])
    names = sums.index.levels[0]
    totals = sums["total"].to_numpy(dtype=float)
    horizons = sums["horizon"].to_numpy(dtype=float)
    bounds = [0, *(np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist(), len(codes)]
    strategy_column = long["strategy"].to_numpy(dtype=object)
    found, first, sides = np.unique(strategy_column, return_index=True, return_counts=True)
    position = {name: i for i, name in enumerate(found.tolist())}
    families = long["family"].to_numpy(dtype=object)
    rows = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        strategy = names[codes[start]]
        score, std, low, high = _ratio_interval(totals[start:stop], horizons[start:stop], confidence)
        where = position[strategy]
        rows.append(
            {
                "strategy": strategy,
                "family": families[first[where]],
                "score": score,
                "score_std": std,
                "ci_low": low,
                "ci_high": high,
                "score_per_match": float(per_match[strategy]),
                "repetitions": int(stop - start),
                "sides": int(sides[where]),
            }
        )
    scores = [row["score"] for row in rows]
    if any(math.isnan(score) for score in scores):
        table = pd.DataFrame(rows).sort_values(["score", "strategy"], ascending=[False, True])
        table.insert(0, "rank", table["score"].rank(method="min", ascending=False).astype(int))
        return table.reset_index(drop=True)
    # Best first, ties by name; rank = 1 + how many score higher (what the pandas sort and
    # rank(method="min") above give, without building and sorting a frame first).
    ordered = sorted(rows, key=lambda row: (-row["score"], row["strategy"]))
    columns: dict[str, Any] = {
        "rank": np.array(
            [1 + sum(other > row["score"] for other in scores) for row in ordered], dtype=np.int64
        )
    }
    for name in rows[0]:
        columns[name] = [row[name] for row in ordered]
    return pd.DataFrame(columns)


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
def pair_table(matches: pd.DataFrame) -> pd.DataFrame:
    """Per (strategy_a, strategy_b) in their roles: how many matches, the share that reached
    the horizon (``share_lasted``), the median rounds together (exact results: the chances
    and the median of the exact curve; exit rounds NaN), who left (shares of
    matches left by A only, B only, both at once) and when (mean and median exit round
    over the matches that ended; NaN if none did), and the mean scores of A and B."""
    check_matches(matches)
    table = matches.copy()
    if is_exact(table):  # expected shares; the median of the exact curve; no exit rounds
        table["_by_a"], table["_by_b"] = table["p_left_a"], table["p_left_b"]
        table["_by_both"] = table["p_left_both"]
        table["_exit"] = math.nan
        lasted = _lasted_at_horizon(table)
        table["rounds_together"] = [
            _exact_median(c, None if lasted is None else lasted[i]) for i, c in enumerate(table["survival"])
        ]
        table["censored"] = table["censored"].astype(float)
    else:
        who = [_letter(v) for v in table["left_by"]]
        table["_by_a"] = [w == "A" for w in who]
        table["_by_b"] = [w == "B" for w in who]
        table["_by_both"] = [w == "both" for w in who]
        table["_exit"] = _optional_float(table["exit_round"]).where(~table["censored"].astype(bool))
    grouped = table.groupby(["strategy_a", "strategy_b"], sort=True)
    result = grouped.agg(
        matches=("match_id", "size"),
        share_lasted=("censored", "mean"),
        median_duration=("rounds_together", "median"),
        share_left_by_a=("_by_a", "mean"),
        share_left_by_b=("_by_b", "mean"),
        share_left_by_both=("_by_both", "mean"),
        mean_exit_round=("_exit", "mean"),
        median_exit_round=("_exit", "median"),
        score_a=("score_a", "mean"),
        score_b=("score_b", "mean"),
    )
    result["share_lasted"] = result["share_lasted"].astype(float)
    return result.reset_index()


def strategy_relationships(matches: pd.DataFrame) -> pd.DataFrame:
    """Per strategy over all its sides: the share of its relationships that lasted, that
    it left (alone or jointly), that it left alone, that it was left in, the mean and
    median rounds together and the mean exit round of the ones that ended."""
    long = _long(matches)
    if not is_exact(long) and long["censored"].dtype == bool and len(long):
        return _strategy_relationships_simulated(long)
    ended = long["censored"] < 1 if is_exact(long) else ~long["censored"]
    used = ["strategy", "family", "score", "censored", "left", "left_alone", "was_left", "duration"]
    long = long[used].assign(exit_if_ended=long["exit_round"].where(ended))  # not a copy of every column
    result = long.groupby("strategy").agg(
        family=("family", "first"),
        sides=("score", "size"),
        share_lasted=("censored", "mean"),
        share_left=("left", "mean"),
        share_left_alone=("left_alone", "mean"),
        share_was_left=("was_left", "mean"),
        mean_duration=("duration", "mean"),
        median_duration=("duration", "median"),
        mean_exit_round=("exit_if_ended", "mean"),
    )
    for column in ("share_lasted", "share_left", "share_left_alone", "share_was_left"):
        result[column] = result[column].astype(float)
    return result.reset_index()


def _strategy_relationships_simulated(long: pd.DataFrame) -> pd.DataFrame:
    """``strategy_relationships`` of a simulated tournament with numpy: its flags and
    durations are whole numbers, so every sum is exact and the means equal pandas'."""
    strategies, first, group, sides = np.unique(
        long["strategy"].to_numpy(dtype=object), return_index=True, return_inverse=True, return_counts=True
    )
    count = len(strategies)

    def share(column: str) -> np.ndarray:
        return np.bincount(group, weights=long[column].to_numpy(dtype=float), minlength=count) / sides

    duration = long["duration"].to_numpy()
    exits = long["exit_round"].to_numpy(dtype=float)
    ended = ~long["censored"].to_numpy(dtype=bool) & ~np.isnan(exits)
    ended_count = np.bincount(group[ended], minlength=count)
    exit_sum = np.bincount(group[ended], weights=exits[ended], minlength=count)
    order = np.argsort(group, kind="stable")
    cuts = np.cumsum(sides)[:-1]
    medians = [float(np.median(part)) for part in np.split(duration[order], cuts)]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_exit = np.where(ended_count > 0, exit_sum / np.maximum(ended_count, 1), np.nan)
    return pd.DataFrame(
        {
            "strategy": strategies,
            "family": long["family"].to_numpy(dtype=object)[first],
            "sides": sides.astype(np.int64),
            "share_lasted": share("censored"),
            "share_left": share("left"),
            "share_left_alone": share("left_alone"),
            "share_was_left": share("was_left"),
            "mean_duration": np.bincount(group, weights=duration.astype(float), minlength=count) / sides,
            "median_duration": np.array(medians, dtype=float),
            "mean_exit_round": mean_exit,
        }
    )


def _relationships_of(long: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    """The relationships in which some side has ``column == value``, each counted once."""
    # The first row of each match among the matching rows, in table order (what
    # drop_duplicates keeps), found with numpy rather than by hashing rows.
    positions = np.flatnonzero((long[column] == value).to_numpy(dtype=bool, na_value=False))
    _, first = np.unique(long["match_id"].to_numpy()[positions], return_index=True)
    rows = positions[np.sort(first)]
    # Only the columns the survival and log-rank views read, taken row-wise from each
    # column's array: selecting and taking rows of frames cost more than those views.
    return pd.DataFrame(
        {column: long[column].array.take(rows) for column in _RELATIONSHIP_COLUMNS if column in long.columns},
        index=long.index.take(rows),
    )


_RELATIONSHIP_COLUMNS = (
    "match_id",
    "opponent_family",
    "duration",
    "censored",
    "exact",
    "survival",
    "horizon",
)


def survival_curves(
    matches: pd.DataFrame, by: str = "family", confidence: float = 0.95
) -> dict[str, pd.DataFrame]:
    """Kaplan-Meier curves of rounds together, right-censored at the horizon, per group.

    ``by`` is "family" or "strategy". A group's relationships are the matches in which at
    least one side belongs to it, each counted once (a self-play match counts once for its
    strategy; a trust-building vs withholding match counts once in each family). For exact
    results the curve is the mean of the group's exact curves (``exact_curve``).
    """
    return {group: curve for group, (curve, _) in _curves_and_members(_long(matches), by, confidence).items()}


def _curves_and_members(
    long: pd.DataFrame, by: str, confidence: float = 0.95
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per group of ``survival_curves``: its curve and its relationships."""
    if by not in ("family", "strategy"):
        raise ParameterError("by", by, "one of family, strategy")
    groups: Iterable[str] = (
        [f for f in FAMILY_ORDER if f in set(long["family"].unique())]
        if by == "family"
        else sorted(set(long["strategy"].unique()))
    )
    exact = is_exact(long)
    found = {}
    for group in groups:
        rows = _relationships_of(long, by, group)
        if exact:
            curve = exact_curve(rows["survival"], _lasted_at_horizon(rows))
        else:
            curve = kaplan_meier(rows["duration"].to_numpy(), rows["censored"].to_numpy(), confidence)
        found[group] = (curve, rows)
    return found


def survival_summary(matches: pd.DataFrame, by: str = "family") -> pd.DataFrame:
    """One row per group of ``survival_curves``: relationships, exits, the Kaplan-Meier
    median duration (NaN when over half lasted) and the estimated survival at the longest
    horizon."""
    long = _long(matches)
    rows = []
    for group, (curve, members) in _curves_and_members(long, by).items():
        median = median_survival(curve)
        rows.append(
            {
                by: group,
                "relationships": len(members),
                "exits": float((1 - members["censored"]).sum())
                if is_exact(members)
                else int((~members["censored"]).sum()),
                "median_duration": math.nan if median is None else median,
                "survival_at_end": float(curve["survival"].iloc[-1]),
            }
        )
    return pd.DataFrame(rows)


def family_log_rank(
    matches: pd.DataFrame,
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
    long = _long(matches)
    if is_exact(long):
        raise ParameterError(
            "matches", "exact results", "a simulated tournament (a log-rank test needs a sample)"
        )
    return _family_log_rank(groups, membership, {f: _relationships_of(long, "family", f) for f in groups})


def _family_log_rank(
    groups: tuple[str, str], membership: str, relationships: dict[str, pd.DataFrame]
) -> LogRankResult:
    """``family_log_rank`` from each family's relationships (``_relationships_of``)."""
    samples = []
    for family in groups:
        rows = relationships[family]
        if membership == "both":
            rows = rows[rows["opponent_family"] == family]
        samples.append((rows["duration"].to_numpy(), rows["censored"].to_numpy()))
    (dur_a, cen_a), (dur_b, cen_b) = samples
    return log_rank(dur_a, cen_a, dur_b, cen_b, names=groups)


# --- power -------------------------------------------------------------------------------
def power_positions(matches: pd.DataFrame) -> pd.DataFrame:
    """Per strategy and power position (more powerful = the least-interest partner, equal,
    less powerful): sides, mean score, share lasted, share left, share was left, mean
    cooperation while together. Positions a strategy never held are absent."""
    long = _long(matches)
    result = long.groupby(["strategy", "power_position"]).agg(
        family=("family", "first"),
        sides=("score", "size"),
        score=("score", "mean"),
        share_lasted=("censored", "mean"),
        share_left=("left", "mean"),
        share_was_left=("was_left", "mean"),
        cooperation=("cooperation", "mean"),
    )
    for column in ("share_lasted", "share_left", "share_was_left"):
        result[column] = result[column].astype(float)
    result = result.reset_index()
    order = {position: i for i, position in enumerate(POSITIONS)}
    result["_order"] = result["power_position"].map(order)
    return result.sort_values(["strategy", "_order"]).drop(columns="_order").reset_index(drop=True)


def power_summary(matches: pd.DataFrame) -> pd.DataFrame:
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
    long = _long(matches)
    position = long["power_position"].to_numpy(dtype=object)
    more = np.asarray(position == "more powerful")
    less = np.asarray(position == "less powerful")
    index = long["power_index"].to_numpy(dtype=float)
    by_position = long[["strategy"]].assign(
        share_more_powerful=more.astype(float),
        share_less_powerful=less.astype(float),
        power_index_more_powerful=np.where(more, index, np.nan),
        power_index_less_powerful=np.where(less, index, np.nan),
    )
    positions = by_position.groupby("strategy").mean()
    return (
        long.groupby("strategy")
        .agg(
            family=("family", "first"),
            sides=("score", "size"),
            power_shifts=("power_shifts", "mean"),
            power_share=("power_share", "mean"),
            cooperation=("cooperation", "mean"),
            opponent_cooperation=("opponent_cooperation", "mean"),
            mutual_cooperation=("mutual_cooperation", "mean"),
            mean_stake=("mean_stake", "mean"),
            score=("score", "mean"),
        )
        .join(positions)
        .reset_index()[
            [
                "strategy",
                "family",
                "sides",
                "share_more_powerful",
                "power_index_more_powerful",
                "share_less_powerful",
                "power_index_less_powerful",
                "power_shifts",
                "power_share",
                "cooperation",
                "opponent_cooperation",
                "mutual_cooperation",
                "mean_stake",
                "score",
            ]
        ]
    )


# --- families ----------------------------------------------------------------------------
def family_table(matches: pd.DataFrame) -> pd.DataFrame:
    """The headline table, one row per family over all sides of its strategies: sides,
    mean score, share of relationships that lasted, share of the ended relationships
    whose exit it initiated (alone or jointly; NaN if none ended), share left and was
    left over all relationships, mean rounds together, mean duration as a share of the
    horizon, cooperation and mutual cooperation while together."""
    long = _long(matches)
    families = [f for f in FAMILY_ORDER if f in set(long["family"].unique())] + sorted(
        set(long["family"].unique()) - set(FAMILY_ORDER)
    )
    if not is_exact(long) and long["censored"].dtype == bool:
        return _family_table_simulated(long, families)
    rows = []
    for family in families:
        sides = long[long["family"] == family]
        if is_exact(sides):  # expected exits it initiated over expected exits
            ended_share = float((1 - sides["censored"]).sum())
            initiated = float(sides["left"].sum()) / ended_share if ended_share > 0 else math.nan
        else:
            ended = sides[~sides["censored"]]
            initiated = float(ended["left"].mean()) if len(ended) else math.nan
        rows.append(
            {
                "family": family,
                "strategies": int(sides["strategy"].nunique()),
                "sides": len(sides),
                "score": float(sides["score"].mean()),
                "share_lasted": float(sides["censored"].mean()),
                "share_exits_initiated": initiated,
                "share_left": float(sides["left"].mean()),
                "share_was_left": float(sides["was_left"].mean()),
                "mean_duration": float(sides["duration"].mean()),
                "mean_duration_share": float(sides["duration_share"].mean()),
                "cooperation": float(sides["cooperation"].mean()),
                "mutual_cooperation": float(sides["mutual_cooperation"].mean()),
            }
        )
    return pd.DataFrame(rows)


def _mean_like_pandas(values: np.ndarray) -> float:
    """``Series.mean()``: NaN skipped, the rest summed by numpy and divided by their count."""
    values = values.astype(float)
    missing = np.isnan(values)
    count = values.size - int(missing.sum())
    if count == 0:
        return math.nan
    return float(np.where(missing, 0.0, values).sum() / count)


def _family_table_simulated(long: pd.DataFrame, families: list[str]) -> pd.DataFrame:
    """``family_table`` of a simulated tournament on numpy arrays (same figures)."""
    family_column = long["family"].to_numpy(dtype=object)
    strategies = long["strategy"].to_numpy(dtype=object)
    columns = {
        name: long[name].to_numpy()
        for name in (
            "score",
            "censored",
            "left",
            "was_left",
            "duration",
            "duration_share",
            "cooperation",
            "mutual_cooperation",
        )
    }
    rows = []
    for family in families:
        mask = family_column == family
        side = {name: values[mask] for name, values in columns.items()}
        ended_left = side["left"][~side["censored"].astype(bool)]
        rows.append(
            {
                "family": family,
                "strategies": len(set(strategies[mask].tolist())),
                "sides": int(mask.sum()),
                "score": _mean_like_pandas(side["score"]),
                "share_lasted": _mean_like_pandas(side["censored"]),
                "share_exits_initiated": _mean_like_pandas(ended_left) if len(ended_left) else math.nan,
                "share_left": _mean_like_pandas(side["left"]),
                "share_was_left": _mean_like_pandas(side["was_left"]),
                "mean_duration": _mean_like_pandas(side["duration"]),
                "mean_duration_share": _mean_like_pandas(side["duration_share"]),
                "cooperation": _mean_like_pandas(side["cooperation"]),
                "mutual_cooperation": _mean_like_pandas(side["mutual_cooperation"]),
            }
        )
    return pd.DataFrame(rows)


def _family_order(families: Iterable[str]) -> list[str]:
    found = set(families)
    return [f for f in FAMILY_ORDER if f in found] + sorted(found - set(FAMILY_ORDER))


def family_scores(matches: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per family: the payoff per expected round over all sides of its strategies, the
    quantity ``ranking`` gives per strategy: E[total] / E[n], the sum of the family's totals
    over the sum of its horizons (``score``); ``score_std`` and ``ci_low``/``ci_high`` from
    the per-repetition sums (the ratio estimator's standard error by the delta method, a
    Student-t interval at ``confidence``; NaN with a single repetition, e.g. exact
    results)."""
    long = _long(matches)
    sums = long.groupby(["family", "repetition"])[["total", "horizon"]].sum()
    rows = []
    for family in _family_order(long["family"].unique()):
        part = sums.loc[family]
        score, std, low, high = _ratio_interval(
            part["total"].to_numpy(dtype=float), part["horizon"].to_numpy(dtype=float), confidence
        )
        rows.append(
            {
                "family": family,
                "score": score,
                "score_std": std,
                "ci_low": low,
                "ci_high": high,
                "repetitions": int(len(part)),
            }
        )
    return pd.DataFrame(rows)


def who_left_whom(matches: pd.DataFrame) -> pd.DataFrame:
    """Who ended the relationships, by family: one row per (``leaver``, ``partner``) with the
    number of ``exits`` in which a side of family ``leaver`` left a partner of family
    ``partner`` alone, and one row per pair of families that left together (``leaver`` =
    "both", ``partner`` = "F + G"); ``share`` is each row's share of all exits. Exact
    results give expected numbers. Largest first; pairs with no exit are absent."""
    long = _long(matches)
    alone = long.groupby(["family", "opponent_family"])["left_alone"].sum()
    rows = [
        {"leaver": leaver, "partner": partner, "exits": float(count)}
        for (leaver, partner), count in alone.items()
        if count > 0
    ]
    joint: dict[str, float] = {}
    side_a = long[long["role"] == "A"]  # one row per match: a joint exit counted once
    for (family, opponent), count in (
        side_a.groupby(["family", "opponent_family"])["left_jointly"].sum().items()
    ):
        if count > 0:
            key = " + ".join(_family_order([family, opponent]) if family != opponent else [family, family])
            joint[key] = joint.get(key, 0.0) + float(count)
    rows += [{"leaver": "both", "partner": pair, "exits": count} for pair, count in joint.items()]
    table = pd.DataFrame(rows, columns=["leaver", "partner", "exits"])
    if not is_exact(long):
        table["exits"] = table["exits"].round().astype(np.int64)
    total = float(table["exits"].sum())
    table["share"] = table["exits"] / total if total > 0 else math.nan
    return table.sort_values(["exits", "leaver", "partner"], ascending=[False, True, True]).reset_index(
        drop=True
    )


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


def _records(table: pd.DataFrame, key: str) -> dict[str, dict[str, Any]]:
    return {
        str(row[key]): {k: _plain(v) for k, v in row.items() if k != key} for row in table.to_dict("records")
    }


def headline(matches: pd.DataFrame, ranked: pd.DataFrame | None = None) -> dict[str, Any]:
    """Family-level figures for summary.json (plain JSON-ready data; NaN becomes None):
    counts, the family table, the best strategy, and the log-rank comparison of
    trust-building and withholding relationships (membership "any" and "both", see
    ``family_log_rank``). ``ranked`` is ``ranking(matches)`` when the caller has it."""
    long = _long(matches)
    if ranked is None:
        ranked = ranking(long)
    best = ranked.iloc[0]
    return _plain(
        {
            "matches": int(long["match_id"].nunique()),
            "repetitions": int(long["repetition"].nunique()),
            "strategies": int(long["strategy"].nunique()),
            "families": _records(family_table(long), "family"),
            "best_strategy": {"strategy": best["strategy"], "family": best["family"], "score": best["score"]},
            "survival": _records(survival_summary(long, "family"), "family"),
            **_log_ranks(long),
        }
    )


def _log_ranks(long: pd.DataFrame) -> dict[str, Any]:
    if is_exact(long):
        return {
            "log_rank_trust_vs_withholding": LOG_RANK_NOT_APPLICABLE,
            "log_rank_trust_pairs_vs_withholding_pairs": LOG_RANK_NOT_APPLICABLE,
        }
    groups = ("trust-building", "withholding")  # family_log_rank's default
    relationships = {f: _relationships_of(long, "family", f) for f in groups}  # once for both tests
    return {
        "log_rank_trust_vs_withholding": _family_log_rank(groups, "any", relationships).to_dict(),
        "log_rank_trust_pairs_vs_withholding_pairs": _family_log_rank(
            groups, "both", relationships
        ).to_dict(),
    }


def _exact_median(curve: Any, lasted: float | None) -> float:
    """The median of one exact curve as ``median_survival(exact_curve([curve], [lasted]))``
    gives it (the first t with S(t) <= 0.5), without building the table."""
    # at a fixed horizon the curve ends with the chance of lasting; otherwise it drops to 0
    values = np.append(np.asarray(curve, dtype=float), 0.0 if lasted is None else lasted)
    below = np.flatnonzero(values <= 0.5)
    return float(below[0]) if len(below) else math.nan


def _median_or_nan(curve: pd.DataFrame) -> float:
    median = median_survival(curve)
    return math.nan if median is None else median


def _percent(value: float) -> str:
    return "   -" if math.isnan(value) else f"{100 * value:3.0f}%"


def summary_table(matches: pd.DataFrame) -> str:
    """A compact text table, best first: rank, strategy, family, mean score per round ±
    its standard deviation over repetitions, and the share of its relationships that
    lasted, that it left (alone or jointly) and in which it was left."""
    long = _long(matches)
    # Each ranked row with its strategy's relationship shares (a lookup, not a frame merge).
    shares = {row["strategy"]: row for row in strategy_relationships(long).to_dict("records")}
    ranked = [
        SimpleNamespace(**{**shares[row["strategy"]], **row}) for row in ranking(long).to_dict("records")
    ]
    name_width = max(8, *(len(row.strategy) for row in ranked))
    family_width = max(6, *(len(row.family) for row in ranked))
    header = (
        f"{'rank':>4}  {'strategy':<{name_width}}  {'family':<{family_width}}  "
        f"{'payoff/round ± sd':>17}  {'lasted':>6}  {'left':>5}  {'was left':>8}"
    )
    lines = [header, "-" * len(header)]
    for row in ranked:
        spread = "" if math.isnan(row.score_std) else f" ± {row.score_std:.2f}"
        lines.append(
            f"{row.rank:>4}  {row.strategy:<{name_width}}  {row.family:<{family_width}}  "
            f"{f'{row.score:.3f}{spread}':>17}  {_percent(row.share_lasted):>6}  "
            f"{_percent(row.share_left):>5}  {_percent(row.share_was_left):>8}"
        )
    lines.append(SUMMARY_NOTE)
    return "\n".join(lines)


SUMMARY_NOTE = (
    "(payoff/round: sum of totals / sum of horizons, E[total]/E[n]; ± sd over repetitions. "
    "lasted, left, was left: shares of the strategy's sides, a self-play match counting twice)"
)
