"""Tournament analysis on small per-match tables whose answers are worked out by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergame.errors import ParameterError
from powergame.tournaments import analysis
from powergame.tournaments.survival import kaplan_meier, log_rank, median_survival, survival_at


def row(
    match_id: int,
    strategy_a: str = "X",
    strategy_b: str = "Y",
    *,
    left_by: str | None = None,
    rounds: int = 10,
    horizon: int = 10,
    score_a: float = 1.0,
    score_b: float = 1.0,
    repetition: int = 0,
    family_a: str = "neutral",
    family_b: str = "neutral",
    least_interest: str | None = None,
    power_index: float = 0.0,
) -> dict:
    """One per-match row; ``rounds`` is the exit round when somebody left."""
    censored = left_by is None
    return {
        "match_id": match_id,
        "repetition": repetition,
        "strategy_a": strategy_a,
        "strategy_b": strategy_b,
        "family_a": family_a,
        "family_b": family_b,
        "player_a": strategy_a,
        "player_b": strategy_b,
        "seed": match_id,
        "horizon": horizon,
        "rounds_together": horizon if censored else rounds,
        "left_by": left_by,
        "exit_round": None if censored else rounds,
        "censored": censored,
        "total_a": score_a * horizon,
        "total_b": score_b * horizon,
        "score_a": score_a,
        "score_b": score_b,
        "cooperation_a": 1.0,
        "cooperation_b": 0.5,
        "mutual_cooperation": 0.5,
        "mean_stake": 1.0,
        "structural_dependence_a": 2.0,
        "structural_dependence_b": 2.0,
        "power_index": power_index,
        "least_interest": least_interest,
        "realized_dependence_a": 1.0,
        "realized_dependence_b": 1.0,
        "power_shifts": 0,
        "power_share_a": 0.5,
        "power_share_b": 0.5,
        "outside_a": 1.0,
        "outside_b": 1.0,
        "actions_a": "C" * (horizon if censored else rounds),
        "actions_b": "CD" * 5,
    }


def table(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["exit_round"] = frame["exit_round"].astype("Int64")
    return frame


# --- Kaplan-Meier ---------------------------------------------------------------------------


def test_kaplan_meier_matches_the_product_limit_formula_by_hand():
    # durations 2, 3, 3+, 5, 10+ (+ = censored: the relationship reached its horizon)
    # t=2: 5 at risk, 1 exit -> S = 4/5 = 0.8
    # t=3: 4 at risk (the censored 3 is still at risk at 3), 1 exit -> 0.8 * 3/4 = 0.6
    # t=5: 2 at risk, 1 exit -> 0.6 * 1/2 = 0.3 ; t=10: censored, S stays 0.3
    curve = kaplan_meier([2, 3, 3, 5, 10], [False, False, True, False, True])
    assert list(curve["time"]) == [0, 2, 3, 5, 10]
    assert list(curve["survival"]) == pytest.approx([1.0, 0.8, 0.6, 0.3, 0.3])
    assert list(curve["at_risk"]) == [5, 5, 4, 2, 1]
    assert list(curve["events"]) == [0, 1, 1, 1, 0]
    assert survival_at(curve, 4.5) == pytest.approx(0.6)
    assert survival_at(curve, 1) == 1.0
    assert median_survival(curve) == 5


def test_kaplan_meier_confidence_interval_is_the_log_log_greenwood_interval():
    # At t=2: Greenwood sum = d / (n (n - d)) = 1 / (5 * 4) = 0.05; log-log standard error
    # se = sqrt(0.05) / |ln 0.8| = 1.00208; bounds 0.8 ** exp(+-1.96 se) = 0.2038 and 0.9692.
    curve = kaplan_meier([2, 3, 3, 5, 10], [False, False, True, False, True])
    at_two = curve[curve["time"] == 2].iloc[0]
    assert at_two["ci_low"] == pytest.approx(0.2038, abs=5e-4)
    assert at_two["ci_high"] == pytest.approx(0.9692, abs=5e-4)
    assert (curve["ci_low"] <= curve["survival"] + 1e-12).all()
    assert (curve["survival"] <= curve["ci_high"] + 1e-12).all()


def test_kaplan_meier_with_nobody_leaving_stays_at_one():
    curve = kaplan_meier([10, 10, 10], [True, True, True])
    assert list(curve["survival"]) == [1.0, 1.0]
    assert median_survival(curve) is None


def test_survival_curves_count_each_relationship_once_per_group():
    matches = table(
        [
            row(0, "X", "X", left_by="A", rounds=2),  # self-play: counts once for X
            row(1, "X", "Y", left_by="B", rounds=4),
            row(2, "Y", "X"),  # lasted to the horizon 10
        ]
    )
    curves = analysis.survival_curves(matches, by="strategy")
    # X: durations 2, 4, 10+ -> S(2) = 2/3, S(4) = 2/3 * 1/2 = 1/3
    assert list(curves["X"]["survival"]) == pytest.approx([1.0, 2 / 3, 1 / 3, 1 / 3])
    # Y: durations 4, 10+ -> S(4) = 1/2
    assert list(curves["Y"]["survival"]) == pytest.approx([1.0, 0.5, 0.5])
    with pytest.raises(ParameterError, match="by"):
        analysis.survival_curves(matches, by="colour")


# --- log-rank --------------------------------------------------------------------------------


def test_log_rank_finds_no_difference_between_identical_groups():
    result = log_rank([1, 2, 3, 10], [False, False, False, True], [1, 2, 3, 10], [False, False, False, True])
    assert result.statistic == pytest.approx(0.0)
    assert result.p_value == pytest.approx(1.0)


def test_log_rank_by_hand_for_two_tiny_groups():
    # group 1 ends at 1 and 2, group 2 at 3 and 4 (no censoring).
    # t=1: n=4, n1=2, d=1: E1 = 1/2, V = 2*2*1*3 / (16*3) = 1/4
    # t=2: n=3, n1=1, d=1: E1 = 1/3, V = 1*2*1*2 / (9*2) = 2/9 ; later times n1 = 0
    # Z = (O1 - E1) / sqrt(V) = (2 - 5/6) / sqrt(17/36) = 1.6977
    result = log_rank([1, 2], [False, False], [3, 4], [False, False])
    assert result.statistic == pytest.approx(1.6977, abs=1e-4)  # positive: group 1 ends sooner
    assert result.p_value == pytest.approx(0.0896, abs=1e-3)


def test_family_log_rank_separates_short_and_long_relationships():
    trust = [row(i, "T", "T", family_a="trust-building", family_b="trust-building") for i in range(8)]
    withholding = [
        row(10 + i, "W", "W", left_by="A", rounds=1, family_a="withholding", family_b="withholding")
        for i in range(8)
    ]
    matches = table(trust + withholding)
    result = analysis.family_log_rank(matches, membership="both")
    assert (result.size_a, result.size_b) == (8, 8)
    assert (result.exits_a, result.exits_b) == (0, 8)
    assert result.p_value < 0.001
    same = analysis.family_log_rank(table(trust[:4] + trust[4:]), groups=("trust-building", "trust-building"))
    assert same.p_value is None  # nobody left: nothing to compare


def test_log_rank_is_undefined_for_an_empty_group():
    result = log_rank([1, 2], [False, False], [], [])
    assert result.statistic is None and result.p_value is None


def test_log_rank_is_undefined_without_variance_and_warns_nothing(recwarn):
    # everyone in both groups leaves in round 1: at that time d = n, so the variance is 0
    result = log_rank([1, 1], [False, False], [1, 1, 1], [False, False, False])
    assert result.statistic is None and result.p_value is None
    assert (result.exits_a, result.exits_b) == (2, 3)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# --- who leaves ------------------------------------------------------------------------------


def four_endings() -> pd.DataFrame:
    return table(
        [
            row(0, left_by="A", rounds=2),
            row(1, left_by="B", rounds=4),
            row(2, left_by="both", rounds=6),
            row(3),
        ]
    )


def test_pair_table_shares_of_who_left_and_when():
    pairs = analysis.pair_table(four_endings())
    assert len(pairs) == 1
    pair = pairs.iloc[0]
    assert pair["matches"] == 4
    assert pair["share_lasted"] == pytest.approx(0.25)
    assert pair["share_left_by_a"] == pytest.approx(0.25)
    assert pair["share_left_by_b"] == pytest.approx(0.25)
    assert pair["share_left_by_both"] == pytest.approx(0.25)
    assert pair["mean_exit_round"] == pytest.approx(4.0)  # (2 + 4 + 6) / 3, the lasting one excluded
    assert pair["median_exit_round"] == pytest.approx(4.0)
    assert pair["median_duration"] == pytest.approx(5.0)  # durations 2, 4, 6, 10


def test_to_long_marks_who_left_and_who_was_left_from_each_side():
    long = analysis.to_long(four_endings())
    assert len(long) == 8
    x = long[long["strategy"] == "X"].set_index("match_id")
    y = long[long["strategy"] == "Y"].set_index("match_id")
    assert list(x["left"]) == [True, False, True, False]
    assert list(x["was_left"]) == [False, True, False, False]
    assert list(y["left"]) == [False, True, True, False]
    assert list(y["was_left"]) == [True, False, False, False]
    assert list(x["left_jointly"]) == [False, False, True, False]
    relationships = analysis.strategy_relationships(long).set_index("strategy")
    assert relationships.loc["X", "share_left"] == pytest.approx(0.5)
    assert relationships.loc["X", "share_left_alone"] == pytest.approx(0.25)
    assert relationships.loc["X", "share_was_left"] == pytest.approx(0.25)
    assert relationships.loc["Y", "share_lasted"] == pytest.approx(0.25)


def test_family_table_share_of_exits_initiated():
    matches = table(
        [
            row(0, "T", "W", left_by="B", rounds=1, family_a="trust-building", family_b="withholding"),
            row(1, "T", "W", left_by="A", rounds=3, family_a="trust-building", family_b="withholding"),
            row(2, "W", "T", left_by="A", rounds=1, family_a="withholding", family_b="trust-building"),
            row(3, "T", "T", family_a="trust-building", family_b="trust-building"),
        ]
    )
    families = analysis.family_table(matches).set_index("family")
    # trust-building sides: m0 A (was left), m1 A (left), m2 B (was left), m3 A and B (lasted)
    assert families.loc["trust-building", "sides"] == 5
    assert families.loc["trust-building", "share_exits_initiated"] == pytest.approx(1 / 3)
    assert families.loc["trust-building", "share_lasted"] == pytest.approx(2 / 5)
    assert families.loc["trust-building", "mean_duration"] == pytest.approx((1 + 3 + 1 + 10 + 10) / 5)
    # withholding sides: m0 B (left), m1 B (was left), m2 A (left)
    assert families.loc["withholding", "share_exits_initiated"] == pytest.approx(2 / 3)
    assert families.loc["withholding", "share_lasted"] == 0.0
    assert list(families.index) == ["trust-building", "withholding"]


# --- ranking ---------------------------------------------------------------------------------


def test_ranking_uses_sums_over_sums_and_the_spread_of_the_repetitions():
    matches = table(
        [
            # X's totals (horizon 10 each): repetition 0 -> 10 and 30, repetition 1 -> 40, repetition 2 -> 30
            row(0, "X", "Y", score_a=1.0, score_b=0.5, repetition=0),
            row(1, "Y", "X", score_a=0.5, score_b=3.0, repetition=0),
            row(2, "X", "Y", score_a=4.0, score_b=0.5, repetition=1),
            row(3, "X", "Y", score_a=3.0, score_b=0.5, repetition=2),
        ]
    )
    ranked = analysis.ranking(matches).set_index("strategy")
    assert ranked.loc["X", "rank"] == 1 and ranked.loc["Y", "rank"] == 2
    # score = 110 / 40 = 2.75. Per repetition (total, horizon) = (40, 20), (40, 10), (30, 10);
    # residuals (T_r - 2.75 N_r) / (40 / 3) = -1.125, 0.9375, 0.1875; their sum of squares
    # 2.1796875 over n - 1 = 2 gives std 1.043956; the 95% t interval is
    # 2.75 +- 4.302653 * 1.043956 / sqrt(3) = 2.75 +- 2.593330.
    assert ranked.loc["X", "score"] == pytest.approx(2.75)
    assert ranked.loc["X", "score_std"] == pytest.approx(1.043956, abs=1e-6)
    assert ranked.loc["X", "ci_low"] == pytest.approx(0.156670, abs=1e-5)
    assert ranked.loc["X", "ci_high"] == pytest.approx(5.343330, abs=1e-5)
    assert ranked.loc["X", "score_per_match"] == pytest.approx((1 + 3 + 4 + 3) / 4)
    assert ranked.loc["Y", "score_std"] == pytest.approx(0.0)
    assert ranked.loc["X", "repetitions"] == 3 and ranked.loc["X", "sides"] == 4


def test_ranking_weighs_matches_by_their_length():
    """A one-round match and a nine-round one: payoff per expected round is the sums'
    ratio (5 + 9*3) / (1 + 9) = 3.2, not the mean of the per-match scores (5 + 3) / 2 = 4."""
    matches = table(
        [
            row(0, "X", "Y", score_a=5.0, horizon=1, repetition=0),
            row(1, "X", "Y", score_a=3.0, horizon=9, repetition=0),
        ]
    )
    ranked = analysis.ranking(matches).set_index("strategy")
    assert ranked.loc["X", "score"] == pytest.approx(3.2)
    assert ranked.loc["X", "score_per_match"] == pytest.approx(4.0)


def test_ranking_gives_equal_scores_the_same_rank_and_no_spread_for_one_repetition():
    ranked = analysis.ranking(table([row(0, "X", "Y", score_a=2.0, score_b=2.0)]))
    assert list(ranked["rank"]) == [1, 1]
    assert ranked["score_std"].isna().all()


# --- power -----------------------------------------------------------------------------------


def test_power_positions_split_by_least_interest():
    matches = table(
        [
            row(0, "X", "Y", least_interest="A", power_index=0.5, score_a=2.0, score_b=1.0),
            row(1, "Y", "X", least_interest="A", power_index=0.5, score_a=3.0, score_b=0.5),
            row(2, "X", "Y", least_interest=None, score_a=1.5, score_b=1.5),
        ]
    )
    long = analysis.to_long(matches)
    x = long[long["strategy"] == "X"].set_index("match_id").sort_index()
    assert list(x["power_position"]) == ["more powerful", "less powerful", "equal"]
    assert list(x["power_index"]) == [0.5, -0.5, 0.0]
    positions = analysis.power_positions(matches).set_index(["strategy", "power_position"])
    assert positions.loc[("X", "more powerful"), "score"] == 2.0
    assert positions.loc[("X", "less powerful"), "score"] == 0.5
    assert positions.loc[("Y", "more powerful"), "score"] == 3.0
    assert positions.loc[("Y", "equal"), "sides"] == 1
    summary = analysis.power_summary(matches).set_index("strategy")
    assert "power_index" not in summary.columns  # (0.5 - 0.5 + 0) / 3 = 0 says nothing
    # X: more powerful in match 0 (+0.5), less powerful in match 1 (-0.5), equal in match 2
    assert summary.loc["X", "share_more_powerful"] == pytest.approx(1 / 3)
    assert summary.loc["X", "power_index_more_powerful"] == pytest.approx(0.5)
    assert summary.loc["X", "share_less_powerful"] == pytest.approx(1 / 3)
    assert summary.loc["X", "power_index_less_powerful"] == pytest.approx(-0.5)


# --- compact outputs -------------------------------------------------------------------------


def test_summary_table_lists_strategies_best_first():
    matches = table(
        [
            row(0, "Long Strategy Name", "Y", score_a=2.5, score_b=1.25, left_by="B", rounds=3, repetition=0),
            row(1, "Long Strategy Name", "Y", score_a=2.5, score_b=0.75, repetition=1),
        ]
    )
    lines = analysis.summary_table(matches).splitlines()
    assert "strategy" in lines[0] and "was left" in lines[0]
    assert lines[2].split()[:4] == ["1", "Long", "Strategy", "Name"]
    assert "2.500 ± 0.00" in lines[2]
    assert "1.000 ± 0.35" in lines[3]  # Y: 1.25 and 0.75 -> std 0.3536
    # B left the first match: the long-named strategy (A) was left, Y left
    assert lines[2].split()[-3:] == ["50%", "0%", "50%"]
    assert lines[3].split()[-3:] == ["50%", "50%", "0%"]


def test_headline_is_json_ready():
    data = analysis.headline(four_endings())
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["matches"] == 4
    assert data["families"]["neutral"]["sides"] == 8
    assert data["log_rank_trust_vs_withholding"]["p_value"] is None  # neither family present


def test_a_table_without_the_contract_columns_is_one_clear_error():
    with pytest.raises(ParameterError, match="rounds_together"):
        analysis.to_long(pd.DataFrame({"match_id": [0]}))
    with pytest.raises(ParameterError, match="empty"):
        analysis.to_long(table([row(0)]).iloc[0:0])


def test_missing_values_as_stored_by_parquet_are_read_as_nobody():
    matches = four_endings()
    matches["left_by"] = matches["left_by"].astype("string")
    matches["least_interest"] = pd.Series([pd.NA] * 4, dtype="string")
    long = analysis.to_long(matches)
    assert list(long["power_position"]) == ["equal"] * 8
    assert long["left"].sum() == 4  # A once, B once, both twice (one per side)


# --- invariants ------------------------------------------------------------------------------

endings = st.lists(
    st.tuples(st.sampled_from(["A", "B", "both", None]), st.integers(1, 10), st.sampled_from("XYZ")),
    min_size=1,
    max_size=12,
)


@given(endings)
def test_every_side_either_lasted_left_or_was_left(cases):
    matches = table(
        [row(i, "X", other, left_by=who, rounds=rounds) for i, (who, rounds, other) in enumerate(cases)]
    )
    long = analysis.to_long(matches)
    assert len(long) == 2 * len(matches)
    outcomes = long["censored"].astype(int) + long["left"].astype(int) + long["was_left"].astype(int)
    assert (outcomes == 1).all()
    curve = analysis.survival_curves(matches, by="strategy")["X"]
    assert (curve["survival"].diff().dropna() <= 1e-12).all()
    lasting = sum(who is None for who, _, _ in cases)
    if lasting == 0:
        assert curve["survival"].iloc[-1] == 0.0
    if lasting == len(cases):
        assert (curve["survival"] == 1.0).all()
