"""Exact mode of population specs: spec -> mean-field pool, and the results columns."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from powergame.errors import ParameterError
from powergame.population.mean_field import DeathBirth, Revision
from powergame.tournaments import reproductions as rep
from powergame.tournaments import reproductions_izquierdo as rep_iz
from powergame.tournaments.population_exact import (
    exact_tables,
    one_gene_matrix,
    pool_model_from_spec,
    run_exact,
    write_exact_results,
)

SPECS = Path(__file__).resolve().parent.parent / "tournaments" / "specs"


def fake_spec(**changes):
    """The fields of a parsed population spec that exact mode reads."""
    spec = SimpleNamespace(
        graph=SimpleNamespace(kind="complete"),
        strategies=("Out-for-Tat", "Hit and Run"),
        initial=SimpleNamespace(shares=(("Out-for-Tat", 0.6), ("Hit and Run", 0.4)), memory_one=None),
        outside=SimpleNamespace(mode="classes", classes=((0.3, 2.0), (0.7, 0.5)), value=0.0, by_strategy=()),
        payoffs=(3.0, 0.0, 5.0, 1.0),
        exit_cost=0.5,
        noise=0.01,
        meet=0.5,
        breakup=0.01,
        change=SimpleNamespace(
            rule="death-birth",
            expected_life=50.0,
            mutation=0.01,
            mutation_kind="uniform",
            prob_revision=1.0,
            prob_experimentation=0.0,
            generation=100,
        ),
        ticks=30,
        record_every=10,
        size=1000,
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return spec


def test_a_spec_becomes_its_pool() -> None:
    model = pool_model_from_spec(fake_spec())
    assert model.names == ("Out-for-Tat", "Hit and Run")
    assert model.initial_shares == (0.6, 0.4)
    assert model.outside_options == (2.0, 0.5) and model.class_shares == (0.3, 0.7)
    assert model.exit_costs == (0.5, 0.5)
    assert model.change == DeathBirth(expected_life=50.0, mutation=0.01)


def test_results_columns_follow_the_agent_based_schema() -> None:
    spec = fake_spec()
    series, strategies = exact_tables(run_exact(spec), spec.size)
    assert series["tick"] == [10, 20, 30]
    assert set(series) == {
        "tick",
        "coupled",
        "cc",
        "cd",
        "dd",
        "separated",
        "mean_age",
        "mean_payoff",
        "new_couple_payoff",
    }
    assert strategies["strategy"][:2] == ["Out-for-Tat", "Hit and Run"]
    assert sum(strategies["count"][:2]) == pytest.approx(spec.size)


def test_strategies_that_read_outside_options_get_a_table_per_pair_of_classes() -> None:
    spec = fake_spec(
        strategies=("Least Interest",),
        initial=SimpleNamespace(shares=(("Least Interest", 1.0),), memory_one=None),
        change=SimpleNamespace(rule="none", mutation_kind="uniform"),
    )
    model = pool_model_from_spec(spec)
    withholds = {key: table.cooperate[0] == 0.0 for key, table in model.class_tables}
    # class 0 has v = 2 (less dependent): it withholds against class 1 only
    assert withholds == {(0, 0, 0): False, (0, 0, 1): True, (0, 1, 0): False, (0, 1, 1): False}


def test_one_gene_changes_as_in_es_1_outcome() -> None:
    codes = [
        f"M1(code={first}{''.join(rest)})"
        for first in "CD"
        for rest in __import__("itertools").product("CDL", repeat=4)
    ]
    matrix = np.asarray(one_gene_matrix(tuple(codes)))
    assert matrix.sum(axis=1) == pytest.approx(1.0)
    tit_for_tat = codes.index("M1(code=CCDCD)")
    assert matrix[tit_for_tat, codes.index("M1(code=DCDCD)")] == pytest.approx(1 / 5)  # the first letter
    assert matrix[tit_for_tat, codes.index("M1(code=CLDCD)")] == pytest.approx(1 / 10)
    assert (matrix > 0).sum(axis=1).tolist() == [9] * len(codes)
    without_leave = [c for c in codes if "L" not in c]
    assert np.asarray(one_gene_matrix(tuple(without_leave), with_leave=False)).max() == pytest.approx(1 / 5)


def test_revision_with_experimentation_moves_by_one_gene() -> None:
    spec = fake_spec(
        strategies=("M1(code=CCLCL)", "M1(code=DLLLL)"),
        initial=SimpleNamespace(shares=(("M1(code=CCLCL)", 0.5), ("M1(code=DLLLL)", 0.5)), memory_one=None),
    )
    spec.change.rule, spec.change.prob_experimentation = "revision", 0.1
    with pytest.raises(ParameterError, match="missing for one-gene"):
        pool_model_from_spec(spec)
    codes = tuple(rep.memory_one_names())
    spec.strategies = codes
    model = pool_model_from_spec(spec)
    assert isinstance(model.change, Revision) and model.change.neighbours is not None


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"graph": SimpleNamespace(kind="cycle")}, "graph.kind"),
        ({"outside": SimpleNamespace(mode="distribution")}, "outside"),
        (
            {"strategies": ("Out-for-Tat", "Loyal | Leave Below Outside Option(window=7)")},
            "population strategy",
        ),
    ],
)
def test_what_exact_mode_cannot_do_is_one_line(change: dict, key: str) -> None:
    with pytest.raises(ParameterError) as error:
        pool_model_from_spec(fake_spec(**change))
    assert error.value.name == key


@pytest.mark.parametrize(
    ("path", "model"),
    [
        ("population_reproduce_schuessler.toml", lambda: rep.schuessler_model(0.5)),
        ("population_reproduce_fujiwara_greve.toml", None),
        ("population_reproduce_lelele.toml", lambda: rep_iz.lelele_model(25)),
        ("population_reproduce_es1.toml", lambda: rep_iz.es1_model(with_leave=True)),
    ],
)
def test_bundled_reproduction_specs_are_the_reproduced_pools(path: str, model) -> None:
    population_spec = pytest.importorskip("powergame.tournaments.population_spec")
    parsed = pool_model_from_spec(population_spec.load_population_spec(SPECS / path))
    if model is None:
        expected = rep.fgo_bimorphic_model(0.822, rep.FGO_DELTA, rep.FGO_PAYOFFS[0])
        assert parsed.tables == expected.tables and parsed.payoffs == expected.payoffs
        assert isinstance(parsed.change, DeathBirth)
        assert parsed.change.expected_life == pytest.approx(1 / (1 - rep.FGO_DELTA))
    else:
        expected = model()
        for key in ("tables", "initial_shares", "payoffs", "noise", "breakup", "meet", "change"):
            assert getattr(parsed, key) == getattr(expected, key)


def test_exact_results_folder(tmp_path: Path) -> None:
    import json

    import pyarrow.parquet as pq

    b = 0.1
    spec = fake_spec(
        name="loyal_pool",
        strategies=("Loyal",),
        initial=SimpleNamespace(shares=(("Loyal", 1.0),), memory_one=None),
        breakup=b,
        noise=0.0,
        change=SimpleNamespace(rule="none", mutation_kind="uniform"),
    )
    run = run_exact(spec)
    write_exact_results(spec, tmp_path, run)
    assert json.loads((tmp_path / "summary.json").read_text())["engine"] == "mean-field"
    assert pq.read_table(tmp_path / "timeseries.parquet").num_rows == 3
    survival = pq.read_table(tmp_path / "survival.parquet").to_pandas()
    first = survival[survival["start"] == 10]  # relationships begun at the first recorded tick
    assert first["survival"].to_numpy()[:50] == pytest.approx((1 - b) ** np.arange(50))
    assert first["survival"].iloc[-1] < 1e-9 <= first["survival"].iloc[-2]


def test_evolve_exact_writes_the_mean_field_folder_and_its_report(tmp_path: Path, monkeypatch) -> None:
    """`exact = true` in a spec (or --exact) runs the mean field; `powergame report` reads it."""
    import json
    import sys

    from powergame.cli import main

    spec = tmp_path / "pool.toml"
    spec.write_text(
        "exact = true\n[population]\nsize = 100\nticks = 20\nrecord_every = 10\nbreakup = 0.1\n"
        '[population.initial]\nshares = { "Loyal" = 1.0 }\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    for argv in (["evolve", str(spec), "--out", str(out), "-q"], ["report", str(out)]):
        monkeypatch.setattr(sys, "argv", ["powergame", *argv])
        main()  # a failure exits with status 2
    assert json.loads((out / "summary.json").read_text())["engine"] == "mean-field"
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "mean field, exact" in page and "exact survival" in page
