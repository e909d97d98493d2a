"""Strategies that read the outside options in the population's table engine: one table
per (own v, partner v), chosen when a couple forms, and the same run as the player path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from powergame.registry import load_registry
from powergame.tournaments.population_run import run_population
from powergame.tournaments.population_spec import load_population_spec

SPEC = """
name = "reads_v"
seed = 5
[game]
noise = 0.0
exit_cost = 0.25
[population]
size = 80
ticks = 40
record_every = 5
breakup = 0.05
[population.graph]
kind = "complete"
[population.initial]
shares = {{ {shares} }}
[population.outside]
{outside}
[population.change]
rule = "death-birth"
expected_life = 15
mutation = 0.05
"""
SHARES = (
    '"Least Interest" = 0.2, "Loyal | Leave Below Outside Option(window=2)" = 0.2, '
    '"Voice | Leave Below Outside Option(window=3)" = 0.2, "Hot and Cold(hot=1, cold=1)" = 0.2, "Parasite" = 0.2'
)
CLASSES = "classes = [{ share = 0.4, value = 2.0 }, { share = 0.6, value = 0.5 }]"
TABLES = ("timeseries", "strategies", "relationships")


def spec_at(tmp_path: Path, shares: str = SHARES, outside: str = CLASSES):  # type: ignore[no-untyped-def]
    path = tmp_path / "reads_v.toml"
    path.write_text(SPEC.format(shares=shares, outside=outside), encoding="utf-8")
    return load_population_spec(path)


BY_STRATEGY = (
    "by_strategy = { 'Least Interest' = 2.5, 'Loyal | Leave Below Outside Option(window=2)' = 2.0, "
    "'Voice | Leave Below Outside Option(window=3)' = 0.5, 'Hot and Cold(hot=1, cold=1)' = 1.0, "
    "'Parasite' = 0.0 }"
)


@pytest.mark.parametrize(
    "outside", [CLASSES, "value = 1.75", BY_STRATEGY], ids=["classes", "value", "by_strategy"]
)
def test_tables_by_outside_option_play_as_the_players(tmp_path: Path, outside: str) -> None:
    # deterministic strategies, no noise: the two paths must write the same tables
    spec = spec_at(tmp_path, outside=outside)
    registry = load_registry(env=False)
    by_table = run_population(spec, None, registry=registry)
    by_player = run_population(spec, None, registry=registry, engine="player")
    assert (by_table.summary["engine"], by_player.summary["engine"]) == ("table", "player")
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(by_table, name), getattr(by_player, name))
    rel = by_table.relationships
    assert rel is not None
    wrapped = rel["strategy_a"].str.contains("Below") | rel["strategy_b"].str.contains("Below")
    assert (rel[wrapped]["how"] == "leave").any()  # only the rules that read v leave here


def test_what_cannot_have_tables_runs_on_the_player_path(tmp_path: Path) -> None:
    registry = load_registry(env=False)
    drawn = spec_at(tmp_path, outside='distribution = "uniform"\nlow = 0.0\nhigh = 2.0')
    assert run_population(drawn, None, registry=registry).summary["engine"] == "player"
    partial = spec_at(
        tmp_path, shares='"Loyal | Leave Below Outside Option(window=2)" = 0.5, "Raise the Stakes" = 0.5'
    )
    assert run_population(partial, None, registry=registry).summary["engine"] == "player"
