"""Running sweeps on local processes: figures, folders, failures, --resume, plugins, the CLI."""

from __future__ import annotations

import json
import sys
import tomllib

import pandas as pd
import pytest

from powergame.cli import main
from powergame.errors import ParameterError
from powergame.tournaments.sweep_executors import LocalExecutor, make_executor
from powergame.tournaments.sweep_run import CellJob, plugin_files, run_cell, run_sweep
from powergame.tournaments.sweep_spec import load_sweep, sweep_from_dict
from tests.sweep_helpers import assert_same_results, write_plugin, write_spec

HAND = """
name = "hand"
strategies = ["Out-for-Tat", "Hit and Run"]
[game]
rounds = 10
[sweep.axes]
outside_options = [0.0, 1.0]
"""


def test_headline_figures_match_the_hand_computed_game(tmp_path):
    # Out-for-Tat (OfT) and Hit and Run (HnR), 10 rounds, no noise, v for both:
    # OfT-OfT lasts at R = 3; HnR-HnR plays P = 1 once, both leave, then v for 9 rounds;
    # OfT-HnR: S = 0 / T = 5 once, both leave. Sides: trust = (3 + 3 + 0.9 v) / 3,
    # withholding = ((5 + 9v) + 2 (1 + 9v)) / 30.
    result = run_sweep(sweep_from_dict(tomllib.loads(HAND)), tmp_path / "out")
    table = result.cells
    assert list(table["outside_options"]) == [0.0, 1.0]
    for v, row in zip((0.0, 1.0), table.to_dict("records")):
        assert row["matches"] == 3
        assert row["share_lasted"] == pytest.approx(1 / 3)
        assert row["share_left_by_both"] == pytest.approx(2 / 3)
        assert row["share_left_by_A"] == row["share_left_by_B"] == 0
        assert row["score.trust-building"] == pytest.approx((6 + 0.9 * v) / 3)
        assert row["score.withholding"] == pytest.approx((7 + 27 * v) / 30)
        assert row["share_lasted.trust-building"] == pytest.approx(2 / 3)
        assert row["share_left.withholding"] == 1.0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["counts"]["done"] == 2 and summary["failed"] == []
    assert summary["points"][1]["values"] == {"outside_options": 1.0}
    assert summary["points"][1]["score.withholding"] == pytest.approx(34 / 30)


def test_a_cell_is_the_ordinary_run_of_its_spec(tmp_path):
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import spec_from_dict
    from powergame.tournaments.sweep_run import load_cell

    spec = load_sweep(write_spec(tmp_path, ["Out-for-Tat", "Voice", "Parasite"], "noise = [0.0, 0.1]", 2))
    run_sweep(spec, tmp_path / "out")
    cell = spec.cells()[3]
    alone = run_tournament(spec_from_dict(spec.cell_data(cell))).matches
    pd.testing.assert_frame_equal(load_cell(tmp_path / "out", 3), alone)
    assert set(alone["seed"]).isdisjoint(load_cell(tmp_path / "out", 2)["seed"])  # replicates differ


def test_local_processes_give_the_same_results_as_one(tmp_path):
    spec = load_sweep(write_spec(tmp_path, ["Out-for-Tat", "Voice", "Hit and Run"], "noise = [0.0, 0.1]", 2))
    run_sweep(spec, tmp_path / "one", LocalExecutor(1))
    run_sweep(spec, tmp_path / "two", LocalExecutor(2))
    assert_same_results(tmp_path / "one", tmp_path / "two")


def test_a_failing_cell_is_recorded_and_resume_reruns_only_it(tmp_path):
    plugin = write_plugin(tmp_path, broken=1.5)
    spec = load_sweep(write_spec(tmp_path, ["Sweep Fragile", "Voice"], "outside_options.A = [0.5, 1.5, 2.5]"))
    out = tmp_path / "out"
    first = run_sweep(spec, out, plugins=[str(plugin)])
    assert [f["cell"] for f in first.failed] == [1]
    assert "RuntimeError: fragile at v = 1.5" in first.failed[0]["error"]
    assert list(first.cells["status"]) == ["done", "failed", "done"]
    assert first.cells["score.trust-building"].isna().tolist() == [False, True, False]
    kept = {i: (out / "cells" / f"cell-00000{i}.parquet").stat().st_mtime_ns for i in (0, 2)}

    write_plugin(tmp_path, broken=-1.0)  # the bug is fixed
    second = run_sweep(spec, out, resume=True, plugins=[str(plugin)])
    assert second.failed == []
    counts = second.summary["counts"]
    assert (counts["run"], counts["resumed"], counts["done"], counts["failed"]) == (1, 2, 3, 0)
    assert {i: (out / "cells" / f"cell-00000{i}.parquet").stat().st_mtime_ns for i in (0, 2)} == kept
    fresh = run_sweep(spec, tmp_path / "fresh", plugins=[str(plugin)])
    pd.testing.assert_frame_equal(second.cells, fresh.cells)


def test_plugin_files_travel_with_the_cells(tmp_path):
    plugin = write_plugin(tmp_path)
    spec = load_sweep(write_spec(tmp_path, ["Sweep Fragile", "Voice"], "noise = [0.0]"))
    job = CellJob(0, "tournament", spec.cell_data(spec.cells()[0]), plugin_files([str(plugin)]))
    plugin.unlink()  # a worker on another machine has no such file
    outcome = run_cell(job)
    assert outcome.error is None and outcome.figures["matches"] == 8  # 4 ordered pairs, 2 repetitions


def test_plugins_named_in_the_environment_are_sent_once(tmp_path, monkeypatch):
    plugin = write_plugin(tmp_path)
    monkeypatch.setenv("POWERGAME_PLUGINS", str(plugin))
    spec = load_sweep(write_spec(tmp_path, ["Sweep Fragile", "Voice"], "noise = [0.0, 0.1]"))
    result = run_sweep(spec, tmp_path / "out", LocalExecutor(2))
    assert result.failed == [] and list(result.cells["matches"]) == [8, 8]


def test_a_strategy_unknown_on_the_worker_says_how_to_install_it(tmp_path):
    spec = load_sweep(write_spec(tmp_path, ["Voice", "Loyal"], "noise = [0.0]"))
    data = spec.cell_data(spec.cells()[0]) | {"strategies": ["Voice", "Installed Elsewhere"]}
    outcome = run_cell(CellJob(0, "tournament", data))
    assert outcome.table is None
    assert "Installed Elsewhere" in outcome.error and "pip install" in outcome.error


def test_folders_are_not_overwritten_by_accident(tmp_path):
    spec = load_sweep(write_spec(tmp_path, ["Voice", "Loyal"], "noise = [0.0, 0.1]"))
    run_sweep(spec, tmp_path / "out")
    with pytest.raises(ParameterError, match="--resume to continue it or --force"):
        run_sweep(spec, tmp_path / "out")
    with pytest.raises(ParameterError, match="different sweep"):
        run_sweep(spec.with_seed(99), tmp_path / "out", resume=True)
    again = run_sweep(spec, tmp_path / "out", resume=True)
    assert again.summary["counts"]["run"] == 0 and again.summary["counts"]["resumed"] == 2
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ParameterError, match="holds no sweep"):
        run_sweep(spec, tmp_path / "other")


def test_a_bad_strategy_name_fails_before_anything_runs(tmp_path):
    spec = load_sweep(write_spec(tmp_path, ["Voice", "Loyall"], "noise = [0.0]"))
    with pytest.raises(ParameterError, match=r"strategies\[1\]"):
        run_sweep(spec, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_executor_options_are_checked():
    with pytest.raises(ParameterError, match="not both"):
        make_executor(dask=True, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ParameterError, match="--processes"):
        make_executor(scheduler="tcp://127.0.0.1:1", processes=2)
    with pytest.raises(ParameterError, match="--processes"):
        make_executor(processes=-1)


def invoke(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["powergame", *args])
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_dask_missing_is_one_line_saying_how_to_install_it(tmp_path, monkeypatch, capsys):
    spec = write_spec(tmp_path, ["Voice", "Loyal"], "noise = [0.0]")
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code, _, err = invoke(monkeypatch, capsys, "sweep", str(spec), "--out", str(tmp_path / "o"), "--dask")
    assert code == 2
    assert err.strip().count("\n") == 0
    assert err.startswith("Error: ") and 'pip install "powergame[dask]"' in err


def test_the_cli_exits_non_zero_on_a_failed_cell_and_resumes(tmp_path, monkeypatch, capsys):
    plugin = write_plugin(tmp_path, broken=1.5)
    spec = write_spec(tmp_path, ["Sweep Fragile", "Voice"], "outside_options.A = [0.5, 1.5]")
    args = ("sweep", str(spec), "--out", str(tmp_path / "o"), "--plugin", str(plugin), "-q", "-p", "1")
    code, out, err = invoke(monkeypatch, capsys, *args)
    assert code == 1
    assert "1 of 2 cells done" in out
    assert "cell 1 {'outside_options.A': 1.5} failed: StrategyError" in err and "--resume" in err
    write_plugin(tmp_path)
    code, out, _ = invoke(monkeypatch, capsys, *args, "--resume")
    assert code == 0 and "2 of 2 cells done (1 resumed), 0 failed" in out


def test_a_bad_sweep_spec_is_one_error_line(tmp_path, monkeypatch, capsys):
    spec = write_spec(tmp_path, ["Voice", "Loyal"], "noice = [0.0]")
    code, _, err = invoke(monkeypatch, capsys, "sweep", str(spec), "--out", str(tmp_path / "o"))
    assert code == 2 and err.startswith("Error: sweep.toml: sweep parameter = 'noice'")
