"""Sweeps of population specs: a cell is one ordinary population run (where this installation
has population runs; otherwise a population spec is refused in one line)."""

from __future__ import annotations

import importlib.util
import tomllib

import pandas as pd
import pytest

from powergame.errors import ParameterError
from powergame.tournaments.sweep_executors import LocalExecutor
from powergame.tournaments.sweep_run import load_cell, run_sweep
from powergame.tournaments.sweep_spec import sweep_from_dict

HAS_POPULATIONS = importlib.util.find_spec("powergame.tournaments.population_spec") is not None

SPEC = """
name = "market"
seed = 3
[game]
payoffs = [3, 0, 5, 1]
noise = 0.0
[population]
size = 40
ticks = 20
meet = 1.0
breakup = 0.0
[population.initial]
strategy = "Out-for-Tat"
[population.outside]
value = 1.0
[population.change]
rule = "none"
"""


def sweep(axes: str, replicates: int = 1):
    return sweep_from_dict(
        tomllib.loads(SPEC + f"[sweep]\nreplicates = {replicates}\n[sweep.axes]\n{axes}\n")
    )


@pytest.mark.skipif(HAS_POPULATIONS, reason="this installation has population runs")
def test_without_population_runs_a_population_spec_is_one_clear_error():
    with pytest.raises(ParameterError, match="population specs cannot be swept"):
        sweep("breakup = [0.0, 1.0]")


needs_populations = pytest.mark.skipif(not HAS_POPULATIONS, reason="no population runs here")


@needs_populations
def test_breakup_zero_keeps_every_couple_and_breakup_one_ends_them_all(tmp_path):
    # Out-for-Tat only, no noise, N = 40, meet = 1: every agent is coupled in tick 1 and
    # cooperates for ever. breakup = 0: no relationship ends (all censored, all coupled);
    # breakup = 1: every couple is broken in the tick it forms (none lasts, none coupled).
    result = run_sweep(sweep("breakup = [0.0, 1.0]"), tmp_path / "out")
    kept, broken = result.cells.to_dict("records")
    assert (kept["share_lasted"], kept["share_ended_by_breakup"], kept["coupled"]) == (1.0, 0.0, 1.0)
    assert kept["relationships"] == 20
    assert (broken["share_lasted"], broken["share_ended_by_breakup"], broken["coupled"]) == (0.0, 1.0, 0.0)
    assert broken["relationships"] == 20 * 20  # 20 couples a tick for 20 ticks
    assert kept["winner"] == broken["winner"] == "Out-for-Tat"  # as the spec names it
    assert kept["share.trust-building"] == 1.0
    assert kept["score.trust-building"] == 3.0  # R every tick
    assert broken["score.trust-building"] == 3.0  # they still play the tick's round


@needs_populations
def test_a_population_cell_is_the_ordinary_run_of_its_spec(tmp_path):
    from powergame.tournaments.population_run import run_population
    from powergame.tournaments.population_spec import population_spec_from_dict

    spec = sweep_from_dict(
        tomllib.loads(
            SPEC.replace(
                'strategy = "Out-for-Tat"', 'shares = { "Out-for-Tat" = 0.5, "Hit and Run" = 0.5 }'
            ).replace('rule = "none"', 'rule = "death-birth"\nexpected_life = 10')
            + "[sweep]\nreplicates = 2\n[sweep.axes]\nexpected_life = [5, 50]\ngame.noise = [0.0, 0.05]\n"
        )
    )
    run_sweep(spec, tmp_path / "one", LocalExecutor(1))
    run_sweep(spec, tmp_path / "two", LocalExecutor(2))
    one, two = (pd.read_parquet(tmp_path / name / "sweep.parquet") for name in ("one", "two"))
    pd.testing.assert_frame_equal(one, two)
    cell = spec.cells()[5]
    data = spec.cell_data(cell)
    assert data["population"]["change"]["expected_life"] == 50 and data["game"]["noise"] == 0.0
    alone = run_population(population_spec_from_dict(data))
    stored = load_cell(tmp_path / "one", 5)
    pd.testing.assert_frame_equal(
        stored.reset_index(drop=True), alone.strategies.reset_index(drop=True), check_dtype=False
    )
    assert set(one["winner"]) <= {"Out-for-Tat", "Hit and Run"}


@needs_populations
def test_population_parameters_are_named_and_checked():
    with pytest.raises(ParameterError, match="did you mean 'breakup'"):
        sweep("breakupp = [0.0]")
    with pytest.raises(ParameterError, match="meet"):
        sweep("meet = [2.0]")  # not a probability
    built = sweep("outside.value = [0.5, 2.0]\nsize = [10]")
    assert built.cell_data(built.cells()[1])["population"]["outside"]["value"] == 2.0
    assert built.cell_data(built.cells()[1])["population"]["size"] == 10
