"""Sweep specs: the [sweep] table, grids and points, parameter paths, cell seeds, errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergame.errors import ParameterError
from powergame.tournaments.spec import spec_from_dict
from powergame.tournaments.sweep_spec import cell_seed, is_sweep_file, load_sweep, sweep_from_dict

SWEEPS = Path(__file__).resolve().parents[1] / "tournaments" / "specs" / "sweeps"

BASE = """
name = "gap"
strategies = ["Out-for-Tat", "Hit and Run"]
repetitions = 2
seed = 7
[game]
rounds = 30
outside_options = [1.0, 0.5]
"""


def parse(text: str) -> dict:
    return tomllib.loads(BASE + text)


def test_a_grid_is_every_combination_first_axis_slowest():
    spec = sweep_from_dict(
        parse(
            "[sweep]\nreplicates = 2\n[sweep.axes]\noutside_options.A = [0.5, 1.5, 2.5]\nnoise = [0, 0.1]\n"
        )
    )
    assert spec.axis_names == ("outside_options.A", "noise")
    assert spec.points == ((0.5, 0), (0.5, 0.1), (1.5, 0), (1.5, 0.1), (2.5, 0), (2.5, 0.1))
    cells = spec.cells()
    assert len(cells) == 12
    assert [(c.index, c.point, c.replicate) for c in cells[:3]] == [(0, 0, 0), (1, 0, 1), (2, 1, 0)]
    assert cells[7].values == (("outside_options.A", 1.5), ("noise", 0.1))


def test_explicit_points_keep_their_order():
    spec = sweep_from_dict(
        parse("[sweep]\npoints = [{continuation = 0.9, noise = 0.0}, {continuation = 0.99, noise = 0.05}]\n")
    )
    assert not spec.grid
    assert spec.points == ((0.9, 0.0), (0.99, 0.05))
    assert spec.axes == (("continuation", (0.9, 0.99)), ("noise", (0.0, 0.05)))


def test_cell_data_sets_each_parameter_where_it_belongs():
    spec = sweep_from_dict(
        parse(
            "[sweep.axes]\noutside_options.B = [2.0]\nexit_costs = [0.5]\npayoffs.A.T = [7]\n"
            "payoffs.S = [-1]\ncontinuation = [0.95]\nrepetitions = [3]\n"
        )
    )
    cell = spec.cells()[0]
    built = spec_from_dict(spec.cell_data(cell))
    game = built.game
    assert game.outside_options == (1.0, 2.0)
    assert game.exit_costs == (0.5, 0.5)
    assert game.payoffs[0].as_tuple() == (3, -1, 7, 1)
    assert game.payoffs[1].as_tuple() == (3, -1, 5, 1)
    assert game.continuation == 0.95 and game.rounds is None  # a continuation replaces the rounds
    assert built.repetitions == 3
    assert built.seed == cell.seed != spec.seed
    assert built.strategies == ("Out-for-Tat", "Hit and Run")


def test_rounds_replace_a_continuation():
    text = BASE.replace("rounds = 30", "continuation = 0.9") + "[sweep.axes]\nrounds = [10]\n"
    spec = sweep_from_dict(tomllib.loads(text))
    game = spec_from_dict(spec.cell_data(spec.cells()[0])).game
    assert (game.rounds, game.continuation) == (10, None)


def test_cell_seeds_depend_on_the_master_seed_and_the_index_only():
    small = sweep_from_dict(parse("[sweep]\nreplicates = 2\n[sweep.axes]\nnoise = [0, 0.1]\n"))
    large = sweep_from_dict(parse("[sweep]\nreplicates = 2\n[sweep.axes]\nnoise = [0, 0.1, 0.2, 0.3]\n"))
    assert [c.seed for c in small.cells()] == [c.seed for c in large.cells()][:4]
    assert [c.seed for c in small.cells()] == [cell_seed(7, i) for i in range(4)]
    reseeded = sweep_from_dict(parse("[sweep.axes]\nnoise = [0, 0.1]\n"), where="s.toml").with_seed(8)
    assert [c.seed for c in reseeded.cells()] == [cell_seed(8, i) for i in range(2)]
    assert reseeded.source == "s.toml" and reseeded.base["seed"] == 8


@given(st.integers(0, 2**63 - 1), st.integers(0, 10**6))
def test_a_cell_seed_is_a_valid_spec_seed_and_a_pure_function(master, index):
    seed = cell_seed(master, index)
    assert 0 <= seed <= 2**63 - 1
    expected = np.random.SeedSequence(master, spawn_key=(index,)).generate_state(1, dtype=np.uint64)[0]
    assert seed == int(expected) & (2**63 - 1)


def test_cell_seeds_differ_between_cells():
    seeds = [cell_seed(1, i) for i in range(2000)]
    assert len(set(seeds)) == len(seeds)


@pytest.mark.parametrize(
    ("table", "name", "says"),
    [
        ("[sweep]\nreplicates = 2\n", "sweep", "either [sweep.axes] or sweep.points"),
        ("[sweep]\nreplicates = 0\n[sweep.axes]\nnoise = [0]\n", "sweep.replicates", "whole number"),
        ("[sweep]\nrepeats = 2\n[sweep.axes]\nnoise = [0]\n", "key", "did you mean sweep.replicates"),
        ("[sweep.axes]\nnoice = [0, 0.1]\n", "sweep parameter", "did you mean 'noise'"),
        ("[sweep.axes]\noutside_options.C = [1]\n", "sweep parameter", "outside_options.A"),
        ("[sweep.axes]\nnoise = 0.1\n", "sweep.axes.noise", "non-empty list"),
        ("[sweep.axes]\nnoise = [0.1, 0.1]\n", "sweep.axes.noise", "only once"),
        ("[sweep.axes]\nnoise = [0.1, 2.0]\n", "noise", "probability"),
        ("[sweep]\npoints = [{noise = 0.1}, {rounds = 5}]\n", "sweep.points[1]", "same parameters"),
    ],
)
def test_bad_sweep_tables_are_one_clear_error(table, name, says):
    with pytest.raises(ParameterError) as caught:
        sweep_from_dict(parse(table), where="s.toml")
    assert caught.value.name.startswith("s.toml")
    assert name in caught.value.name
    assert says in str(caught.value)


def test_a_spec_without_a_sweep_table_is_refused():
    with pytest.raises(ParameterError, match=r"\[sweep\] table"):
        sweep_from_dict(parse(""))


def test_the_fingerprint_ignores_descriptions_and_follows_the_seed():
    first = sweep_from_dict(tomllib.loads('description = "x"\n' + BASE + "[sweep.axes]\nnoise = [0, 0.1]\n"))
    second = sweep_from_dict(tomllib.loads('description = "y"\n' + BASE + "[sweep.axes]\nnoise = [0, 0.1]\n"))
    assert first.fingerprint() == second.fingerprint() != first.with_seed(1).fingerprint()


@pytest.mark.parametrize("path", sorted(SWEEPS.glob("*.toml")), ids=lambda p: p.stem)
def test_bundled_sweeps_load_and_say_what_they_ask(path):
    assert is_sweep_file(path)
    spec = load_sweep(path)
    assert path.read_text().startswith("# Question")
    assert len(spec.cells()) >= 4
    assert spec.description


def test_there_are_bundled_sweeps():
    assert {p.stem for p in SWEEPS.glob("*.toml")} >= {"outside_gap", "noise_horizon"}
