"""Cases 13-16: a truthful report. Payoff per expected round against the grim threshold
of theory, power by position, one labelled definition of "lasted", readable large reports."""

from __future__ import annotations

import math

import pytest

from powergame.game import Game
from powergame.tournaments import analysis
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

T, R, V = 5.0, 3.0, 1.0  # temptation, reward, outside option of both partners
OFT, HIT = "Out For Tat", "Hit And Run"  # the names the results show
THRESHOLD = (T - R) / (T - V)  # grim exit: cooperating pays iff w >= (T - R) / (T - v) = 0.5


def against_out_for_tat(w: float):
    """The exact ranking of Out-for-Tat and Hit and Run counting only their sides against
    Out-for-Tat: R per round for Out-for-Tat; T once, then v, for the deviator."""
    spec = TournamentSpec(
        name="grim",
        strategies=("Out-for-Tat", "Hit and Run"),
        game=Game(rounds=None, continuation=w, outside_options=(V, V)),
        exact=True,
    )
    long = analysis.to_long(run_tournament(spec).matches)
    return analysis.ranking(long[long["opponent"] == OFT]).set_index("strategy")


@pytest.mark.parametrize("w", [THRESHOLD - 0.02, THRESHOLD + 0.02, 0.9])
def test_payoff_per_expected_round_crosses_at_the_grim_threshold(w):
    ranked = against_out_for_tat(w)
    deviator = T * (1 - w) + V * w  # (T + v (E[n] - 1)) / E[n] with E[n] = 1 / (1 - w)
    assert ranked.loc[OFT, "score"] == pytest.approx(R, abs=1e-9)
    assert ranked.loc[HIT, "score"] == pytest.approx(deviator, abs=1e-9)
    assert (ranked.loc[OFT, "rank"] == 1) == (w > THRESHOLD)


def test_the_per_match_mean_is_shown_beside_it_and_is_e_of_total_over_n():
    w = THRESHOLD
    ranked = against_out_for_tat(w)
    # E[1/n] for P(n = k) = (1 - w) w^(k-1) is (1 - w) / w * ln(1 / (1 - w)).
    mean_of_ratios = V + (T - V) * (1 - w) / w * -math.log(1 - w)
    assert ranked.loc[HIT, "score_per_match"] == pytest.approx(mean_of_ratios, abs=1e-6)
    assert ranked.loc[HIT, "score_per_match"] > R  # what used to outrank Out-for-Tat here
    assert ranked.loc[HIT, "score"] == pytest.approx(R, abs=1e-9)  # the threshold: a tie


# --- case 13: power by position ----------------------------------------------------------------
def test_power_is_shown_by_position_with_the_index_of_theory():
    """v = (2, 1), R = 3: D_A = 1 < D_B = 2, so A is the less dependent partner and
    P_A = (D_B - D_A) / (|D_A| + |D_B|) = 1/3; averaged over both roles it would be 0."""
    spec = TournamentSpec(
        name="p",
        strategies=("Loyal", "Out-for-Tat"),
        game=Game(rounds=5, outside_options=(2.0, 1.0)),
        exact=True,
    )
    summary = analysis.power_summary(run_tournament(spec).matches).set_index("strategy")
    for strategy in summary.index:
        assert summary.loc[strategy, "power_index_more_powerful"] == pytest.approx(1 / 3)
        assert summary.loc[strategy, "power_index_less_powerful"] == pytest.approx(-1 / 3)
        assert summary.loc[strategy, "share_more_powerful"] == pytest.approx(0.5)
    assert "power_index" not in summary.columns


# --- cases 14 and 15: labelled definitions, readable large reports ----------------------------------
def _many(count: int):
    import pandas as pd

    from powergame.tournaments import storage

    rows = []
    for i in range(count):
        for j in range(i, count):
            rows.append(
                {
                    **{name: None for name in storage.COLUMNS},
                    "match_id": len(rows),
                    "repetition": 0,
                    "strategy_a": f"S{i:03d}",
                    "strategy_b": f"S{j:03d}",
                    "family_a": "neutral",
                    "family_b": "neutral",
                    "horizon": 10,
                    "rounds_together": 10 if (i + j) % 3 else 2,
                    "left_by": None if (i + j) % 3 else "A",
                    "exit_round": None if (i + j) % 3 else 2,
                    "censored": bool((i + j) % 3),
                    "total_a": float(i),
                    "total_b": float(j),
                    "score_a": i / 10,
                    "score_b": j / 10,
                    "cooperation_a": 1.0,
                    "cooperation_b": 1.0,
                    "mutual_cooperation": 1.0,
                    "mean_stake": 1.0,
                    "power_index": 0.0,
                    "least_interest": None,
                    "power_shifts": 0,
                    "power_share_a": 0.5,
                    "power_share_b": 0.5,
                }
            )
    return pd.DataFrame(rows)


def test_a_large_ranking_shows_the_best_and_worst_and_summarises_the_rest():
    from powergame.tournaments.report import SHOWN_AT_EACH_END, plot_ranking, plot_survival_by_strategy

    matches = _many(25)
    figure = plot_ranking(matches)
    labels = [tick.get_text() for tick in figure.axes[0].get_yticklabels()]
    assert len(labels) == 2 * SHOWN_AT_EACH_END + 1
    assert any("15 others" in label for label in labels)
    width, height = figure.get_size_inches() * figure.dpi
    assert height < 1000
    legend = plot_survival_by_strategy(matches).axes[0].get_legend()
    assert len(legend.get_texts()) <= 2 * SHOWN_AT_EACH_END


def test_axis_and_table_labels_say_what_is_measured():
    from powergame.tournaments.report import ranking_axis_label, render_html

    spec = TournamentSpec(name="x", strategies=("Loyal", "Out-for-Tat"), game=Game(rounds=5), exact=True)
    exact = run_tournament(spec).matches
    assert "interval over repetitions" not in ranking_axis_label(exact)
    assert "E[total] / E[n]" in ranking_axis_label(exact)
    simulated = run_tournament(spec.with_exact(False)).matches
    assert "95% interval over repetitions" in ranking_axis_label(simulated)
    page = render_html(simulated, dict.fromkeys(
        ["ranking.png", "survival_by_family.png", "survival_by_strategy.png", "pair_survival_heatmap.png",
         "power_vs_score.png"], b""), "t")  # fmt: skip
    assert "shares of the strategy's sides (a self-play match counts twice)" in page
    assert "each counted once (a self-play match once)" in page
    assert "score_per_match" in page
    text = analysis.summary_table(simulated)
    assert "lasted, left, was left: shares of the strategy's sides" in text
