"""Population specs: parsing, defaults, round trip, and one clear error per bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from powergame.errors import ParameterError
from powergame.registry import load_registry
from powergame.tournaments.population_setup import build_population, largest_remainder
from powergame.tournaments.population_spec import (
    PopulationSpec,
    load_population_spec,
    population_spec_from_dict,
)

SPECS = Path(__file__).resolve().parents[1] / "tournaments" / "specs"
BASE = """
[population]
size = 10
ticks = 5
[population.initial]
shares = { "Out-for-Tat" = 0.5, "Hit and Run" = 0.5 }
"""


def write(tmp_path: Path, text: str, name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def spec_of(tmp_path: Path, extra: str = "", base: str = BASE) -> PopulationSpec:
    return load_population_spec(write(tmp_path, base + extra))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ParameterError) as info:
        build_population(load_population_spec(write(tmp_path, text)), load_registry(env=False))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults_and_name_from_file(tmp_path: Path) -> None:
    spec = load_population_spec(write(tmp_path, BASE, name="market.toml"))
    assert spec.name == "market"
    assert (spec.size, spec.ticks, spec.meet, spec.breakup, spec.seed) == (10, 5, 1.0, 0.0, 0)
    assert spec.graph.kind == "complete" and spec.change.rule == "none"
    assert spec.outside.mode == "value" and spec.outside.value == 0.0
    assert spec.strategies == ("Out-for-Tat", "Hit and Run")


def test_round_trip_through_plain_data(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path,
        """
        [population.graph]
        kind = "watts_strogatz"
        k = 4
        p = 0.1
        [population.outside]
        classes = [{ share = 0.3, value = 2.0 }, { share = 0.7, value = 0.5 }]
        [population.change]
        rule = "death-birth"
        expected_life = 50
        mutation = 0.01
        """,
    )
    assert population_spec_from_dict(spec.to_dict()) == spec
    assert spec.with_seed(9).fingerprint() != spec.fingerprint()


def test_memory_one_uniform_means_all_162_codes(tmp_path: Path) -> None:
    spec = spec_of(
        tmp_path, "", base="[population]\nsize = 4\nticks = 1\n[population.initial]\nmemory_one = 'uniform'\n"
    )
    assert len(spec.strategies) == 162 and spec.strategies[0] == "M1(code=CCCCC)"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (BASE.replace("size = 10", "size = 1"), ["population.size", "1", ">= 2"]),
        (BASE.replace("0.5, ", "0.4, "), ["shares", "sum to 1", "0.9", "not renormalised"]),
        (BASE + "[population.graph]\nkind = 'smallworld'\n", ["kind", "'smallworld'", "did you mean"]),
        (BASE + "[population.graph]\nkind = 'grid'\nrows = 3\ncolumns = 4\n", ["rows", "must equal", "10"]),
        (BASE.replace("ticks = 5", "ticks = 5\nmeet = 1.5"), ["population.meet", "1.5", "[0, 1]"]),
        (BASE.replace("ticks = 5", "ticks = 5\nbreakup = -0.1"), ["population.breakup", "[0, 1]"]),
        (
            BASE + "[population.change]\nrule = 'death-birth'\nexpected_life = 0.5\n",
            ["expected_life", ">= 1"],
        ),
        (BASE + "[population.change]\nrule = 'imitation'\nmutation = 2\n", ["mutation", "[0, 1]"]),
        (BASE + "[population.change]\nrule = 'deathbirth'\n", ["rule", "did you mean 'death-birth'"]),
        (
            BASE + "[population.change]\nexpected_life = 5\n",
            ["expected_life", "does not apply to rule 'none'"],
        ),
        (BASE.replace("ticks = 5", "ticks = 5\nsizes = 3"), ["population.sizes", "did you mean"]),
        (BASE + "[game]\nrounds = 5\n", ["game.rounds", "outside options are set in [population.outside]"]),
        (
            BASE + "[population.outside]\nclasses = [{ share = 0.5, value = 1 }]\n",
            ["classes shares", "sum to 1"],
        ),
        (BASE + "[population.outside]\nvalue = 1\nattribute = 'v'\n", ["exactly one of"]),
        (BASE.replace("0.5 }", "0.5, Mystery = 0.0 }"), ["Mystery"]),
    ],
)
def test_bad_input_is_one_line_naming_the_key(tmp_path: Path, text: str, fragments: list[str]) -> None:
    message = error_of(tmp_path, text)
    for fragment in fragments:
        assert fragment in message, message


def test_graph_file_errors(tmp_path: Path) -> None:
    missing = BASE + "[population.graph]\nkind = 'file'\npath = 'nowhere.graphml'\n"
    assert "must be an existing graph file" in error_of(tmp_path, missing)
    (tmp_path / "broken.graphml").write_text("<graphml><not closed", encoding="utf-8")
    broken = BASE + "[population.graph]\nkind = 'file'\npath = 'broken.graphml'\n"
    assert "must be a readable graphml graph file" in error_of(tmp_path, broken)
    (tmp_path / "three.edgelist").write_text("a b\nb c\n", encoding="utf-8")
    small = BASE + "[population.graph]\nkind = 'file'\npath = 'three.edgelist'\n"
    assert "has 3 nodes but population.size is 10" in error_of(tmp_path, small)


def test_graph_file_with_outside_attribute(tmp_path: Path) -> None:
    import networkx as nx

    graph = nx.path_graph(10)
    for node in graph.nodes:
        graph.nodes[node]["v"] = float(node) / 10
    nx.write_graphml(graph, tmp_path / "g.graphml")
    text = (
        BASE
        + "[population.graph]\nkind = 'file'\npath = 'g.graphml'\n[population.outside]\nattribute = 'v'\n"
    )
    built = build_population(load_population_spec(write(tmp_path, text)), load_registry(env=False))
    # graphml stores node ids as strings: sorted order is "0", "1", ..., "9"
    assert built.population.outside.tolist() == [i / 10 for i in range(10)]
    assert built.population.graph.edges == 9


def test_largest_remainder_counts_sum_to_n() -> None:
    assert largest_remainder([0.3, 0.7], 10).tolist() == [3, 7]
    assert largest_remainder([1 / 3, 1 / 3, 1 / 3], 10).tolist() == [4, 3, 3]
    assert largest_remainder([0.125, 0.875], 4).tolist() == [1, 3]  # a tie goes to the first


@pytest.mark.parametrize("path", sorted(SPECS.glob("population_*.toml")), ids=lambda p: p.stem)
def test_bundled_population_specs_load_and_say_what_they_ask(path: Path) -> None:
    spec = load_population_spec(path)
    assert spec.size >= 2
    assert path.read_text(encoding="utf-8").startswith("# Question:")
    registry = load_registry(env=False)
    for name in spec.strategies:
        registry.get(name)


def test_a_population_spec_given_to_run_points_to_evolve() -> None:
    from powergame.tournaments.spec import load_spec

    with pytest.raises(ParameterError, match="is a population spec: run it with `powergame evolve`"):
        load_spec(SPECS / "population_least_interest.toml")


def test_memory_one_names_are_one_strategy_however_written(tmp_path: Path) -> None:
    text = """
    [population]
    size = 20
    ticks = 1
    [population.initial]
    shares = { "m1(code = cclcl)" = 1.0 }
    [population.change]
    rule = "death-birth"
    mutation_kind = "one_gene"
    """
    spec = load_population_spec(write(tmp_path, text))
    assert len(spec.strategies) == 162
    built = build_population(spec, load_registry(env=False))
    assert {spec.strategies[k] for k in built.population.strategy} == {"M1(code=CCLCL)"}
    uniform = text.replace('shares = { "m1(code = cclcl)" = 1.0 }', "memory_one = 'uniform'")
    uniform = uniform.replace('mutation_kind = "one_gene"', "").replace(
        "ticks = 1", "ticks = 1\nstrategies = ['Loyal']"
    )
    spec = load_population_spec(write(tmp_path, uniform))
    assert len(spec.strategies) == 163 and spec.strategies[-1] == "Loyal"  # the 162 codes, then Loyal
    drawn = build_population(spec, load_registry(env=False)).population.strategy
    assert drawn.max() < 162  # the initial draw is over the codes only
