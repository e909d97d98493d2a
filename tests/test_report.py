"""The report: plots and a self-contained HTML page from a results folder, and `powergame report`."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import cli

from powergame import C, D, Game, Player, play_match
from powergame.errors import ParameterError
from powergame.tournaments import analysis
from powergame.tournaments.dynamics_report import PLOTS as DYNAMICS_PLOTS
from powergame.tournaments.report import PLOTS, html_table, render_report

# --- a realistic per-match table from a few small players -------------------------------------


class _Small(Player):
    classifier = {
        "family": "neutral",
        "memory_depth": 1,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }


class OutForTat(_Small):
    name = "Out-for-Tat (cooperate, leave after a withholding)"
    classifier = {**_Small.classifier, "family": "trust-building", "can_leave": True}

    def strategy(self, opponent):
        return C

    def leave(self, opponent):
        return opponent.history[-1] == D


class TitForTat(_Small):
    name = "Tit For Tat"
    classifier = {**_Small.classifier, "family": "trust-building"}

    def strategy(self, opponent):
        return opponent.history[-1] if opponent.history else C


class HitAndRun(_Small):
    name = "Hit and Run"
    classifier = {**_Small.classifier, "family": "withholding", "can_leave": True}

    def strategy(self, opponent):
        return D

    def leave(self, opponent):
        return True


class AlwaysWithhold(_Small):
    name = "Always Withhold"
    classifier = {**_Small.classifier, "family": "withholding"}

    def strategy(self, opponent):
        return D


class Coin(_Small):
    name = "Coin"
    classifier = {**_Small.classifier, "stochastic": True}

    def strategy(self, opponent):
        return C if self.rng.random() < 0.5 else D

    def leave(self, opponent):
        return self.rng.random() < 0.05


PLAYERS = (OutForTat, TitForTat, HitAndRun, AlwaysWithhold, Coin)


def build_matches(
    repetitions: int = 2, rounds: int = 30, outside=(1.5, 0.5), noise: float = 0.05
) -> pd.DataFrame:
    """Every ordered pair (both role assignments, self-play included), ``repetitions`` times:
    the per-match table of the input contract."""
    game = Game(outside_options=outside, rounds=rounds, noise=noise)
    rows = []
    for repetition in range(repetitions):
        for kind_a in PLAYERS:
            for kind_b in PLAYERS:
                seed = len(rows) * 7919 + 1
                result = play_match(game, kind_a(), kind_b(), seed=seed)
                row = {"match_id": len(rows), "repetition": repetition, **result.summary()}
                row.update(
                    strategy_a=kind_a.name,
                    strategy_b=kind_b.name,
                    family_a=kind_a.classifier["family"],
                    family_b=kind_b.classifier["family"],
                    outside_a=outside[0],
                    outside_b=outside[1],
                    actions_a=result.actions_a,
                    actions_b=result.actions_b,
                )
                rows.append(row)
    frame = pd.DataFrame(rows)
    frame["exit_round"] = frame["exit_round"].astype("Int64")
    return frame


@pytest.fixture(scope="module")
def matches() -> pd.DataFrame:
    return build_matches(repetitions=2, rounds=20)


@pytest.fixture(scope="module")
def results(tmp_path_factory, matches) -> Path:
    folder = tmp_path_factory.mktemp("results")
    matches.to_parquet(folder / "matches.parquet")
    return folder


# --- analysis on real matches, against what the strategies must do ------------------------------


def test_pairs_of_real_players_last_or_end_as_their_rules_say(matches):
    pairs = analysis.pair_table(matches).set_index(["strategy_a", "strategy_b"])
    # Hit and Run leaves after round 1 whatever happens; two of them leave together.
    assert pairs.loc[("Hit and Run", "Hit and Run"), "share_left_by_both"] == 1.0
    assert pairs.loc[("Hit and Run", "Hit and Run"), "median_exit_round"] == 1.0
    # Neither Tit For Tat nor Always Withhold ever leaves: every such relationship lasts.
    for a in ("Tit For Tat", "Always Withhold"):
        for b in ("Tit For Tat", "Always Withhold"):
            assert pairs.loc[(a, b), "share_lasted"] == 1.0
    relationships = analysis.strategy_relationships(matches).set_index("strategy")
    assert relationships.loc["Tit For Tat", "share_left"] == 0.0
    assert relationships.loc["Hit and Run", "share_lasted"] == 0.0
    assert relationships.loc["Hit and Run", "share_was_left"] == 0.0  # it always leaves first (or with)


def test_summary_table_names_every_strategy_once(matches):
    text = analysis.summary_table(matches)
    for kind in PLAYERS:
        assert text.count(kind.name) == 1


# --- the report ---------------------------------------------------------------------------------


def test_report_writes_every_plot_and_a_self_contained_page(results, tmp_path):
    page = render_report(results, tmp_path / "out")
    assert page == tmp_path / "out" / "report.html"
    for name in PLOTS:
        assert (tmp_path / "out" / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    sources = re.findall(r'src="([^"]*)"', text)
    assert len(sources) == len(PLOTS) + len(DYNAMICS_PLOTS)  # the dynamics section adds its own
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
    assert "<link" not in text and "<script" not in text
    for kind in PLAYERS:
        assert html.escape(kind.name) in text
    assert text.count("<table>") == text.count("</table>") >= 6


def test_report_defaults_to_a_report_folder_inside_the_results(results):
    page = render_report(results)
    assert page == results / "report" / "report.html"
    assert page.is_file()


def test_html_tables_escape_names_and_show_shares_in_percent():
    table = pd.DataFrame(
        {
            "strategy": ["<b>Bold</b>"],
            "share_lasted": [0.25],
            "score": [1.23456],
            "median_duration": [100.0],
            "mean_exit_round": [float("nan")],
        }
    )
    text = html_table(table)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in text and "<b>" not in text
    assert "<td>25%</td>" in text and "<td>1.235</td>" in text
    assert "<td>100.0</td>" in text and "<td>–</td>" in text


def test_a_folder_without_results_is_a_clear_error(tmp_path):
    with pytest.raises(ParameterError, match=r"matches\.parquet"):
        render_report(tmp_path)
    with pytest.raises(ParameterError, match="existing folder"):
        render_report(tmp_path / "missing")


# --- the command --------------------------------------------------------------------------------


run_cli = cli


def test_report_command_prints_where_the_report_is(results, tmp_path, monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, "report", str(results), "--out", str(tmp_path / "r"))
    assert code == 0
    assert out.strip() == f"Report: {tmp_path / 'r' / 'report.html'}"


def test_report_command_on_an_empty_folder_is_one_error_line(tmp_path, monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "report", str(tmp_path))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "matches.parquet" in lines[0]
