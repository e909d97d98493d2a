"""The answer line: family scores with intervals, who left whom, the log-rank test, on small
per-match tables whose figures are worked out by hand."""

from __future__ import annotations

import math

import pytest
from test_analysis import row, table

from powergame.tournaments import analysis
from powergame.tournaments.answer import answer, answer_text

T, W = "trust-building", "withholding"


def tw(match_id: int, repetition: int, score_t: float, score_w: float, left_by: str | None = None) -> dict:
    """A trust-building strategy X (role A) against a withholding strategy Y (role B)."""
    return row(
        match_id,
        "X",
        "Y",
        family_a=T,
        family_b=W,
        repetition=repetition,
        score_a=score_t,
        score_b=score_w,
        left_by=left_by,
        rounds=4,
    )


def test_family_scores_average_each_repetition_then_take_a_t_interval() -> None:
    matches = table([tw(0, 0, 2.0, 1.0), tw(1, 0, 4.0, 1.0), tw(2, 1, 2.0, 3.0), tw(3, 1, 2.0, 3.0)])
    scores = analysis.family_scores(matches).set_index("family")
    # trust-building: repetition means 3 and 2 -> mean 2.5, sd sqrt(0.5); t(0.975, 1) = 12.7062
    assert scores.loc[T, "score"] == pytest.approx(2.5)
    assert scores.loc[T, "score_std"] == pytest.approx(math.sqrt(0.5))
    half = 12.706204736 * math.sqrt(0.5) / math.sqrt(2)
    assert scores.loc[T, "ci_low"] == pytest.approx(2.5 - half)
    assert scores.loc[T, "ci_high"] == pytest.approx(2.5 + half)
    # withholding: repetition means 1 and 3
    assert scores.loc[W, "score"] == pytest.approx(2.0)
    assert list(scores.index) == [T, W]


def test_family_scores_have_no_interval_with_one_repetition() -> None:
    scores = analysis.family_scores(table([tw(0, 0, 2.0, 1.0)])).set_index("family")
    assert scores.loc[T, "score"] == 2.0
    assert math.isnan(scores.loc[T, "ci_low"]) and math.isnan(scores.loc[T, "score_std"])


def test_who_left_whom_counts_each_exit_once_by_leaver_and_partner() -> None:
    rows = [
        tw(0, 0, 1, 1, left_by="B"),  # withholding left trust-building
        tw(1, 0, 1, 1, left_by="B"),
        tw(2, 0, 1, 1, left_by="A"),  # trust-building left withholding
        tw(3, 0, 1, 1, left_by="both"),
        tw(4, 0, 1, 1),  # lasted
        row(5, "X", "X", family_a=T, family_b=T, left_by="both", rounds=3),  # self-play, joint
        row(6, "X", "X", family_a=T, family_b=T, left_by="A", rounds=3),
    ]
    result = analysis.who_left_whom(table(rows))
    got = {(r["leaver"], r["partner"]): (r["exits"], r["share"]) for r in result.to_dict("records")}
    assert got == {
        (W, T): (2, pytest.approx(2 / 6)),
        (T, W): (1, pytest.approx(1 / 6)),
        (T, T): (1, pytest.approx(1 / 6)),
        ("both", f"{T} + {W}"): (1, pytest.approx(1 / 6)),
        ("both", f"{T} + {T}"): (1, pytest.approx(1 / 6)),
    }
    assert result.iloc[0]["leaver"] == W  # largest first


def test_answer_reports_lasting_scores_leavers_and_the_log_rank_test() -> None:
    # 4 trust-withholding relationships per repetition, 2 repetitions: 3 of 8 lasted.
    rows = []
    for rep in range(2):
        base = 10 * rep
        rows += [
            tw(base, rep, 2.0 + rep, 1.0, left_by="B"),
            tw(base + 1, rep, 2.0 + rep, 1.0, left_by="B"),
            tw(base + 2, rep, 2.0 + rep, 1.0, left_by="A"),
            tw(base + 3, rep, 2.0 + rep, 1.0),
        ]
    rows.append(row(99, "X", "X", family_a=T, family_b=T, repetition=1, score_a=3.0, score_b=3.0))
    result = answer(table(rows), question="Does trust pay?")
    families = {f["family"]: f for f in result["families"]}
    assert families[T]["relationships"] == 9 and families[T]["share_lasted"] == pytest.approx(3 / 9)
    assert families[W]["relationships"] == 8 and families[W]["share_lasted"] == pytest.approx(2 / 8)
    # trust-building per repetition: (2*4)/4 = 2 and (3*4 + 3*2)/6 = 3
    assert families[T]["score"] == pytest.approx(2.5)
    expected = analysis.family_log_rank(table(rows))
    assert result["log_rank"]["p_value"] == pytest.approx(expected.p_value)
    text = answer_text(result)
    assert text.startswith("Answer: Does trust pay?")
    assert "Trust-building scores more per round than withholding: 2.500 vs 1.000" in text
    assert (
        "Who left whom (6 exits): withholding left trust-building 67%, trust-building left withholding 33%."
        in text
    )
    assert f"p = {expected.p_value:.3g}" in text


def test_answer_without_both_families_says_the_test_is_not_defined() -> None:
    text = answer_text(answer(table([row(0, "X", "Y", family_a=T, family_b=T)])))
    assert "not defined here" in text and "nobody left" in text
    assert "scores more" not in text
