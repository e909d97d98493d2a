"""Population runs: the results folder, resume, the general path for any Player, and
`powergame evolve` from the outside."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from powergame.cli import main
from powergame.population import RELATIONSHIP_FIELDS, Population
from powergame.registry import load_registry
from powergame.tournaments.population_run import run_population
from powergame.tournaments.population_spec import load_population_spec
from powergame.tournaments.population_storage import RELATIONSHIP_COLUMNS, load_population_results

SPEC = """
name = "tiny"
seed = 4
[game]
noise = 0.0
exit_cost = 0.25
[population]
size = 60
ticks = 30
record_every = 4
checkpoint_every = 7
breakup = 0.05
[population.graph]
kind = "{kind}"
{graph}
[population.initial]
shares = {{ "Out-for-Tat" = 0.25, "Hit and Run" = 0.25, "Loyal" = 0.25, "Exploit then Leave" = 0.25 }}
[population.outside]
classes = [{{ share = 0.5, value = 2.0 }}, {{ share = 0.5, value = 0.5 }}]
[population.change]
rule = "death-birth"
expected_life = 10
mutation = 0.05
"""
TABLES = ("timeseries", "strategies", "relationships")


def write_spec(tmp_path: Path, kind: str = "complete", graph: str = "", name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(SPEC.format(kind=kind, graph=graph), encoding="utf-8")
    return path


def tables(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}


def test_results_folder_has_the_documented_columns(tmp_path: Path) -> None:
    spec = load_population_spec(write_spec(tmp_path))
    result = run_population(spec, tmp_path / "out", registry=load_registry(env=False))
    assert list(result.timeseries.columns) == [
        "tick", "coupled", "cc", "cd", "dd", "separated", "mean_age", "mean_payoff", "new_couple_payoff",
    ]  # fmt: skip
    assert result.timeseries["tick"].tolist() == [4, 8, 12, 16, 20, 24, 28, 30]
    strategies = result.strategies
    assert set(strategies.groupby("tick")["count"].sum()) == {60}
    rel = result.relationships
    assert rel is not None
    assert list(rel.columns) == [
        "relationship", "node_a", "node_b", "strategy_a", "strategy_b", "outside_a", "outside_b",
        "start", "end", "censored", "how", "ended_by", "length", "payoff_a", "payoff_b",
    ]  # fmt: skip
    # the storage's columns are the engine's fields plus its own `censored`, nothing restated
    assert tuple(c for c in RELATIONSHIP_COLUMNS if c != "censored") == RELATIONSHIP_FIELDS
    assert rel["relationship"].is_unique and rel["relationship"].max() + 1 == result.summary["relationships"]
    assert set(rel["how"].dropna()) <= {"leave", "breakup", "death"}
    assert rel.loc[rel["censored"], "end"].isna().all()
    left = rel[rel["how"] == "leave"]
    assert left["ended_by"].notna().all()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["ticks_done"] == 30 and summary["engine"] == "table"
    assert not (tmp_path / "out" / "checkpoint.pkl").exists() and not (tmp_path / "out" / "parts").exists()


def test_same_spec_and_seed_give_identical_results_for_any_checkpointing(tmp_path: Path) -> None:
    spec = load_population_spec(write_spec(tmp_path))
    registry = load_registry(env=False)
    run_population(spec, tmp_path / "a", registry=registry)
    other = spec.__class__(**{**spec.__dict__, "checkpoint_every": 1000})
    run_population(other, tmp_path / "b", registry=registry)
    in_memory = run_population(spec, None, registry=registry)
    for name in TABLES:
        pd.testing.assert_frame_equal(tables(tmp_path / "a")[name], tables(tmp_path / "b")[name])
    pd.testing.assert_frame_equal(in_memory.timeseries, tables(tmp_path / "a")["timeseries"])


@pytest.mark.parametrize("engine", ["table", "player"])
def test_a_resumed_run_equals_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    spec = load_population_spec(write_spec(tmp_path, kind="watts_strogatz", graph="k = 4\np = 0.1"))
    registry = load_registry(env=False)
    run_population(spec, tmp_path / "whole", registry=registry, engine=engine)

    real_step = Population.step

    def interrupted(self: Population, record: bool = False) -> object:
        if self.tick == 17:
            raise KeyboardInterrupt
        return real_step(self, record)

    monkeypatch.setattr(Population, "step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_population(spec, tmp_path / "cut", registry=registry, engine=engine)
    assert json.loads((tmp_path / "cut" / "checkpoint.json").read_text())["tick"] == 14
    monkeypatch.setattr(Population, "step", real_step)
    # a new registry, as a new process would have: the players' factories are set again
    resumed = run_population(
        spec, tmp_path / "cut", registry=load_registry(env=False), resume=True, engine=engine
    )
    assert resumed.summary["timing"]["resumed_from_tick"] == 14
    for name in TABLES:
        pd.testing.assert_frame_equal(tables(tmp_path / "whole")[name], tables(tmp_path / "cut")[name])


def test_the_player_path_plays_deterministic_strategies_exactly_as_the_tables(tmp_path: Path) -> None:
    # deterministic strategies, no noise: neither path draws a number for a strategy, so the
    # two engines must write the same tables
    spec = load_population_spec(write_spec(tmp_path, kind="random_regular", graph="degree = 6"))
    registry = load_registry(env=False)
    by_table = run_population(spec, None, registry=registry, engine="table")
    by_player = run_population(spec, None, registry=registry, engine="player")
    assert (by_table.summary["engine"], by_player.summary["engine"]) == ("table", "player")
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(by_table, name), getattr(by_player, name))


def test_any_player_runs_on_the_general_path(tmp_path: Path) -> None:
    text = SPEC.format(kind="complete", graph="").replace(
        '"Exploit then Leave" = 0.25', '"Least Interest" = 0.15, "Loner" = 0.1'
    )
    path = tmp_path / "players.toml"
    path.write_text(text, encoding="utf-8")
    result = run_population(load_population_spec(path), None, registry=load_registry(env=False))
    assert result.summary["engine"] == "player"
    rel = result.relationships
    assert rel is not None
    loner = rel[(rel["strategy_a"] == "Loner") | (rel["strategy_b"] == "Loner")]
    assert len(loner) > 0 and (loner["how"] == "declined").all() and (loner["length"] == 0).all()


def test_isolated_nodes_are_reported(tmp_path: Path) -> None:
    import networkx as nx

    graph = nx.path_graph(56)
    graph.add_nodes_from(range(56, 60))
    nx.write_gml(graph, tmp_path / "g.gml")
    spec = load_population_spec(write_spec(tmp_path, kind="file", graph="path = 'g.gml'"))
    said: list[str] = []
    run_population(spec, None, registry=load_registry(env=False), warn=said.append)
    assert said == ["4 isolated node(s) of the graph stay single for the whole run"]


class Done:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


def evolve(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Done:
    monkeypatch.setattr(sys, "argv", ["powergame", "evolve", *args])
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return Done(code, out, err)


def test_evolve_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = write_spec(tmp_path)
    out = tmp_path / "res"
    done = evolve(capsys, monkeypatch, str(spec), "--out", str(out), "--seed", "9", "--quiet")
    assert done.code == 0, done.err
    assert "tiny: 30 ticks, 60 agents, table engine" in done.out and done.err == ""
    assert load_population_results(out).summary["seed"] == 9
    finished = evolve(capsys, monkeypatch, str(spec), "--out", str(out), "--seed", "9", "--resume", "-q")
    assert finished.code == 0 and "tiny: 30 ticks" in finished.out  # a finished run is read back
    other_seed = evolve(capsys, monkeypatch, str(spec), "--out", str(out), "--resume", "-q")
    assert other_seed.code == 2 and "another spec or seed" in other_seed.err
    again = evolve(capsys, monkeypatch, str(spec), "--out", str(out), "--quiet")
    assert again.code == 2 and again.err.count("\n") == 1
    assert again.err.startswith("Error: --out") and "--resume" in again.err and "--force" in again.err
    bad = tmp_path / "bad.toml"
    bad.write_text(SPEC.format(kind="scale-free", graph=""), encoding="utf-8")
    done = evolve(capsys, monkeypatch, str(bad), "--out", str(tmp_path / "x"))
    assert done.code == 2 and done.err.count("\n") == 1
    assert "population.graph.kind" in done.err and "did you mean 'barabasi_albert'" in done.err


def test_report_of_a_population_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from powergame.tournaments.population_report import kaplan_meier_counts, split_by_outside

    spec = load_population_spec(write_spec(tmp_path, kind="cycle"))
    result = run_population(spec, tmp_path / "res", registry=load_registry(env=False))
    monkeypatch.setattr(sys, "argv", ["powergame", "report", str(tmp_path / "res")])
    main()
    assert "Report:" in capsys.readouterr().out
    page = (tmp_path / "res" / "report" / "report.html").read_text(encoding="utf-8")
    for heading in ("Strategies", "The market", "Which relationships last", "Who leaves whom", "The graph"):
        assert f"<h2>{heading}" in page
    # the two outside-option classes: one row per pair of options, shares only for unequal pairs
    assert result.relationships is not None
    split = split_by_outside(result.relationships)
    assert split["outside_options"].tolist() == ["0.5 & 0.5", "2 & 0.5", "2 & 2"]
    assert split["share_to_better"].isna().tolist() == [True, False, True]
    # Kaplan-Meier by hand: lengths 1, 2, 2 (censored), 3 -> S(1) = 3/4, S(2) = 3/4 * 2/3, S(3) = 0
    curve = kaplan_meier_counts([1, 2, 2, 3], [True, True, False, True])
    assert curve["survival"].tolist() == pytest.approx([1.0, 0.75, 0.5, 0.0])
