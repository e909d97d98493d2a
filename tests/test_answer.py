"""The answer line: family scores with intervals, who left whom, the log-rank test, on small
per-match tables whose figures are worked out by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_analysis import row, table

from powergame.game import Game
from powergame.tournaments import analysis
from powergame.tournaments.answer import answer, answer_text
from powergame.tournaments.bundled import describe
from powergame.tournaments.report import PLOTS, render_html, stored_answer
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec, load_spec

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


def test_family_scores_are_the_ratio_of_sums_with_a_delta_method_interval() -> None:
    # Trust-building X meets withholding Y once per repetition, over horizons 2, 4 and 6;
    # X's totals are 4, 4 and 18 (per-match scores 2, 1 and 3: their mean would be 2).
    rows = [
        row(i, "X", "Y", family_a=T, family_b=W, repetition=i, horizon=h, score_a=t / h, score_b=1.0)
        for i, (h, t) in enumerate([(2, 4.0), (4, 4.0), (6, 18.0)])
    ]
    scores = analysis.family_scores(table(rows)).set_index("family")
    # E[total] / E[n] = (4 + 4 + 18) / (2 + 4 + 6) = 13/6. Residuals t - (13/6) h: -1/3, -14/3, 5,
    # over the mean horizon 4: -1/12, -14/12, 15/12; their variance (1 + 196 + 225) / 144 / 2
    # = 211/144, so the spread is sqrt(211)/12 and the standard error sqrt(211)/12/sqrt(3);
    # t(0.975, 2) = 4.302652729749464.
    assert scores.loc[T, "score"] == pytest.approx(13 / 6)
    assert scores.loc[T, "score_std"] == pytest.approx(math.sqrt(211) / 12)
    half = 4.302652729749464 * math.sqrt(211) / 12 / math.sqrt(3)
    assert scores.loc[T, "ci_low"] == pytest.approx(13 / 6 - half)
    assert scores.loc[T, "ci_high"] == pytest.approx(13 / 6 + half)
    assert scores.loc[T, "repetitions"] == 3
    # withholding scores 1 per round of every horizon: 12 / 12 with no spread at all
    assert scores.loc[W, "score"] == pytest.approx(1.0)
    assert scores.loc[W, "ci_low"] == pytest.approx(1.0) and scores.loc[W, "ci_high"] == pytest.approx(1.0)
    assert list(scores.index) == [T, W]


def test_the_answer_and_the_ranking_report_the_same_payoff_per_round() -> None:
    # One strategy per family: the family's figure is the strategy's ranking figure.
    rows = [
        row(i, "X", "Y", family_a=T, family_b=W, repetition=i % 3, horizon=h, score_a=s, score_b=1 / h)
        for i, (h, s) in enumerate([(2, 2.0), (4, 1.0), (6, 3.0), (5, 0.5), (3, 1.5), (7, 2.5)])
    ]
    families = {f["family"]: f for f in answer(table(rows))["families"]}
    ranked = analysis.ranking(table(rows)).set_index("family")
    for family in (T, W):
        for key in ("score", "ci_low", "ci_high"):
            assert families[family][key] == pytest.approx(ranked.loc[family, key])


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
    # trust-building: totals over horizons, (4 sides x 2 x 10 + 6 sides x 3 x 10) / (10 x 10)
    assert families[T]["score"] == pytest.approx(2.6)
    expected = analysis.family_log_rank(table(rows))
    assert result["log_rank"]["p_value"] == pytest.approx(expected.p_value)
    text = answer_text(result)
    assert text.startswith("Answer: Does trust pay?")
    assert "Trust-building scores more per round than withholding: 2.600 vs 1.000" in text
    assert (
        "Who left whom (6 exits): withholding left trust-building 67%, trust-building left withholding 33%."
        in text
    )
    assert f"p = {expected.p_value:.3g}" in text


def test_answer_without_both_families_says_the_test_is_not_defined() -> None:
    text = answer_text(answer(table([row(0, "X", "Y", family_a=T, family_b=T)])))
    assert "not defined here" in text and "nobody left" in text
    assert "scores more" not in text


SPEC_WITH_A_QUESTION = """# Does loyalty pay against a parasite?
# (a small spec for the answer's round trip)
name = "loyalty"
strategies = ["Loyal", "Parasite", "Out-for-Tat"]
repetitions = 3
seed = 5

[game]
rounds = 8
outside_options = [2, 1]
"""


def test_summary_json_holds_the_answer_and_the_report_shows_that_one(tmp_path: Path) -> None:
    spec_file = tmp_path / "loyalty.toml"
    spec_file.write_text(SPEC_WITH_A_QUESTION, encoding="utf-8")
    question = describe(spec_file).question  # what `powergame run` passes
    result = run_tournament(load_spec(spec_file), tmp_path / "out", question=question)
    stored = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    # plain data, equal to what the analysis functions give for the stored table
    assert stored["answer"] == json.loads(
        json.dumps(answer(result.matches, "Does loyalty pay against a parasite?"))
    )
    assert stored["answer"]["question"] == "Does loyalty pay against a parasite?"
    assert result.summary["answer"] == stored["answer"]
    # the report reads the stored answer rather than computing its own
    assert stored_answer(tmp_path / "out") == stored["answer"]
    edited = {**stored["answer"], "question": "What the run stored?"}
    page = render_html(result.matches, dict.fromkeys(PLOTS, b""), "t", answered=edited)
    assert "Answer: What the run stored?" in page
    assert stored_answer(tmp_path) is None  # no summary.json: the report computes it


def test_without_a_question_the_summary_answers_the_spec_description() -> None:
    spec = TournamentSpec(name="x", strategies=("Loyal",), game=Game(rounds=2), description=" Why? ")
    assert run_tournament(spec).summary["answer"]["question"] == "Why?"
