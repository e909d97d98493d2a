"""The short answer to a tournament's question, as ``powergame run`` prints it at the end and
the report shows it at the top: per family, the share of relationships that lasted and the
payoff per expected round (E[total] / E[n], as the ranking computes it) with its interval;
who left whom; and the log-rank test of trust-building vs withholding relationships. Every
figure comes from ``powergame.tournaments.analysis`` (``survival_summary``,
``family_scores``, ``who_left_whom``, ``family_log_rank``); ``powergame run`` stores the
answer in summary.json and the report reads it from there, so the terminal and the report
agree."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from . import analysis

TRUST, WITHHOLDING = "trust-building", "withholding"


def answer(matches: Any, question: str = "", confidence: float = 0.95) -> dict[str, Any]:
    """The answer as plain JSON-ready data (NaN becomes None): ``question``, ``exact``,
    ``confidence``, ``families`` (per family: relationships, share lasted, ``score`` =
    E[total] / E[n] and its interval, see ``analysis.family_scores``),
    ``who_left_whom`` (rows of ``analysis.who_left_whom``) and ``log_rank`` (the
    ``LogRankResult`` of trust-building vs withholding relationships, or
    ``{"not_applicable": reason}`` for exact results)."""
    long = analysis.sides(matches)  # the per-match table, its long form, or ``analysis.sides``
    exact = analysis.is_exact(long)
    survival = {
        row["family"]: row for row in analysis.rows(analysis.survival_summary_columns(long, "family"))
    }
    families = []
    for row in analysis.rows(analysis.family_scores_columns(long, confidence)):
        family = row["family"]
        relationships = int(survival[family]["relationships"])
        exits = float(survival[family]["exits"])
        families.append(
            {
                "family": family,
                "relationships": relationships,
                "share_lasted": 1 - exits / relationships if relationships else math.nan,
                "score": row["score"],
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "repetitions": int(row["repetitions"]),
            }
        )
    if exact:
        log_rank: dict[str, Any] = {"not_applicable": "exact expectations are not a sample"}
    else:
        log_rank = analysis.family_log_rank(long, (TRUST, WITHHOLDING), "any").to_dict()
    return analysis._plain(
        {
            "question": question,
            "exact": exact,
            "confidence": confidence,
            "families": families,
            "who_left_whom": analysis.rows(analysis.who_left_whom_columns(long)),
            "log_rank": log_rank,
        }
    )


def answer_text(result: dict[str, Any]) -> str:
    """``answer(...)`` as a few lines of text for the terminal."""
    families = result["families"]
    percent = round(100 * result["confidence"])
    head = f"Answer: {result['question']}" if result["question"] else "Answer:"
    lines = [textwrap.fill(head, width=100, subsequent_indent="  ", break_on_hyphens=False)]
    width = max(len("family"), *(len(f["family"]) for f in families))
    interval_head = "exact" if result["exact"] else f"{percent}% interval"
    lines.append(f"  {'family':<{width}}  relationships  lasted  payoff/round  {interval_head}")
    for row in families:
        lasted = "-" if row["share_lasted"] is None else f"{100 * row['share_lasted']:.0f}%"
        lines.append(
            f"  {row['family']:<{width}}  {row['relationships']:>13}  {lasted:>6}  "
            f"{_number(row['score']):>12}  {_interval(row)}"
        )
    for line in (_verdict(result), _left_whom(result), _log_rank(result)):
        if line:
            lines.append(
                textwrap.fill(
                    line, width=100, initial_indent="  ", subsequent_indent="    ", break_on_hyphens=False
                )
            )
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _interval(row: dict[str, Any]) -> str:
    if row["ci_low"] is None or row["ci_high"] is None:
        return "-"
    return f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _verdict(result: dict[str, Any]) -> str:
    """Which of trust-building and withholding scores more, and whether the intervals say so."""
    found = {row["family"]: row for row in result["families"]}
    if TRUST not in found or WITHHOLDING not in found:
        return ""
    high, low = sorted((found[TRUST], found[WITHHOLDING]), key=lambda row: row["score"], reverse=True)
    comparison = f"{_number(high['score'])} vs {_number(low['score'])}"
    if high["score"] == low["score"]:
        return f"Trust-building and withholding score the same per round ({comparison})."
    if result["exact"]:
        sureness = "expected scores"
    elif None in (high["ci_low"], low["ci_high"]):
        sureness = "one repetition: no interval"
    elif high["ci_low"] > low["ci_high"]:
        sureness = f"the {round(100 * result['confidence'])}% intervals do not overlap"
    else:
        sureness = "the intervals overlap: not a clear difference"
    return f"{high['family'].capitalize()} scores more per round than {low['family']}: {comparison} ({sureness})."


def _left_whom(result: dict[str, Any]) -> str:
    rows = result["who_left_whom"]
    if not rows:
        return "Who left whom: nobody left."
    total = sum(row["exits"] for row in rows)
    parts = [
        (
            f"both at once ({row['partner']})"
            if row["leaver"] == "both"
            else f"{row['leaver']} left {row['partner']}"
        )
        + f" {100 * row['share']:.0f}%"
        for row in rows
    ]
    count = f"{total:.1f} expected" if result["exact"] else f"{total}"
    return f"Who left whom ({count} exits): {', '.join(parts)}."


def _log_rank(result: dict[str, Any]) -> str:
    test = result["log_rank"]
    label = f"Log-rank test, {TRUST} vs {WITHHOLDING} relationships"
    if "not_applicable" in test:
        return f"{label}: not applicable ({test['not_applicable']})."
    if test["p_value"] is None:
        return f"{label}: not defined here (a family is missing or nobody left)."
    longer = test["group_a"] if test["statistic"] < 0 else test["group_b"]
    return (
        f"{label}: z = {test['statistic']:.2f}, p = {test['p_value']:.3g}; "
        f"{longer} relationships tend to last longer."
    )
