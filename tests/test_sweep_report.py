"""`powergame report` on a sweep folder: line plots over one parameter, heatmaps over two."""

from __future__ import annotations

import tomllib

import pytest

from powergame.errors import ParameterError
from powergame.tournaments.sweep_report import is_sweep_folder, render_sweep_report, sweep_plots
from powergame.tournaments.sweep_run import run_sweep
from powergame.tournaments.sweep_spec import sweep_from_dict
from tests.test_sweep_run import HAND, invoke

TWO_AXES = HAND.replace("outside_options = [0.0, 1.0]", "outside_options = [0.0, 1.0]\nrounds = [10, 20]")


@pytest.fixture(scope="module")
def two_axes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep") / "out"
    run_sweep(sweep_from_dict(tomllib.loads(TWO_AXES)), folder)
    return folder


def test_lines_show_the_hand_computed_family_scores(two_axes):
    # Out-for-Tat vs Hit and Run with v for both, n rounds, no noise (see test_sweep_run):
    # trust-building sides score (6 + (n - 1) v / n) / 3, withholding ((7 + 3 (n - 1) v) / n) / 3.
    figure = sweep_plots(two_axes)["score_over_outside_options.png"]
    lines = {bars.get_label(): bars.lines[0] for bars in figure.axes[0].containers}
    trust, withholding = lines["trust-building"], lines["withholding"]
    assert list(trust.get_xdata()) == [0.0, 1.0]
    for v, y in zip((0.0, 1.0), trust.get_ydata()):  # the mean over n = 10 and n = 20
        assert y == pytest.approx(sum((6 + (n - 1) * v / n) / 3 for n in (10, 20)) / 2)
    for v, y in zip((0.0, 1.0), withholding.get_ydata()):
        assert y == pytest.approx(sum((7 + 3 * (n - 1) * v) / n / 3 for n in (10, 20)) / 2)


def test_heatmaps_over_two_parameters_one_panel_per_family(two_axes):
    plots = sweep_plots(two_axes)
    assert {"heatmap_score.png", "heatmap_share_lasted.png", "heatmap_all_lasted.png"} <= set(plots)
    assert {"score_over_rounds.png", "relationships_over_rounds.png"} <= set(plots)
    panels = [ax for ax in plots["heatmap_score.png"].axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["trust-building", "withholding"]
    grid = panels[0].images[0].get_array()
    assert grid.shape == (2, 2)  # rounds (rows) x outside options (columns)
    assert grid[1][1] == pytest.approx((6 + 19 / 20) / 3)  # n = 20, v = 1


def test_the_report_command_draws_a_sweep_folder(two_axes, tmp_path, monkeypatch, capsys):
    assert is_sweep_folder(two_axes) and not is_sweep_folder(tmp_path)
    code, out, _ = invoke(monkeypatch, capsys, "report", str(two_axes), "--out", str(tmp_path / "r"))
    assert code == 0 and "report.html" in out
    page = (tmp_path / "r" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(list((tmp_path / "r").glob("*.png"))) >= 10
    assert "outside_options" in page and "rounds" in page


def test_a_sweep_without_finished_cells_has_nothing_to_report(tmp_path):
    spec = sweep_from_dict(tomllib.loads(HAND.replace('"Hit and Run"', '"Hit and Run", "Missing"')), "x")
    with pytest.raises(ParameterError):
        run_sweep(spec, tmp_path / "out")  # refused before it runs
    render = tmp_path / "empty"
    render.mkdir()
    (render / "sweep.json").write_text('{"sweep": {"axes": []}}')
    with pytest.raises(ParameterError, match="sweep.parquet"):
        render_sweep_report(render)
