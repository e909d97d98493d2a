"""From a population spec to the engine's inputs: the graph, the strategies (tables when
every strategy has one, else players), each agent's initial strategy and outside option.

Everything random here draws from the run's set-up stream (seed, 0), so the same spec
and seed build the same population.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from powergame.errors import ParameterError, UnknownStrategyError
from powergame.population import (
    Adjacency,
    Market,
    PlayerStrategies,
    StackedTables,
    TableStrategies,
)
from powergame.population.engine import Population, Strategies
from powergame.registry import Registry
from powergame.state_table import pool_stakes_fit

from .population_spec import PopulationSpec, memory_one_code

ENGINES = ("auto", "table", "player")
_SETUP_STREAM = 0


@dataclass
class Built:
    """A population ready to run, with what the results need to name things."""

    population: Population
    names: tuple[str, ...]
    engine: str  # "table" or "player"
    isolated: int


def setup_rng(spec: PopulationSpec) -> np.random.Generator:
    """The set-up stream of a run: a function of the spec's seed only."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(spec.seed, spawn_key=(_SETUP_STREAM,))))


def build_population(spec: PopulationSpec, registry: Registry, engine: str = "auto") -> Built:
    """The population of ``spec`` at tick 0."""
    if engine not in ENGINES:
        raise ParameterError("engine", engine, f"must be one of {', '.join(ENGINES)}")
    rng = setup_rng(spec)
    names = spec.strategies
    where = Path(spec.source).name if spec.source else "spec"
    market = Market(
        payoffs=spec.payoffs,
        exit_cost=spec.exit_cost,
        noise=spec.noise,
        meet=spec.meet,
        breakup=spec.breakup,
    )
    strategies, used = _strategies(names, registry, spec.size, engine, where, market, outside_values(spec))
    adjacency, graph = build_graph(spec, rng)
    isolated = int(adjacency.isolated().sum())
    initial = initial_strategies(spec, names, rng)
    outside, by_strategy = outside_options(spec, names, graph, rng)
    change = spec.change
    population = Population(
        strategies,
        adjacency,
        initial,
        outside,
        market,
        change,  # the spec's change rule is the engine's ChangeRule
        spec.seed,
        outside_by_strategy=by_strategy,
        gene_neighbours=gene_neighbours(names) if all(memory_one_code(n) for n in names) else None,
        record_relationships=spec.record_relationships,
    )
    return Built(population=population, names=names, engine=used, isolated=isolated)


def player_factories(names: tuple[str, ...], registry: Registry, where: str = "spec") -> list[Any]:
    """One factory of fresh players per strategy name (checked now: a bad name is a
    ParameterError naming it)."""
    for name in names:
        try:
            registry.create(name)
        except UnknownStrategyError as exc:
            reason = f"no strategy has this name{exc.hint} (`powergame strategies` lists them)"
            raise ParameterError(f"{where}: population strategy", name, reason) from None
        except ParameterError as exc:
            raise ParameterError(
                f"{where}: population strategy", name, f"{exc.name} = {exc.value!r} {exc.allowed}"
            ) from None
    return [_Factory(registry, name) for name in names]


class _Factory:
    def __init__(self, registry: Registry, name: str) -> None:
        self.registry, self.name = registry, name

    def __call__(self) -> Any:
        return self.registry.create(self.name)


def outside_values(spec: PopulationSpec) -> tuple[float, ...] | None:
    """Every outside option an agent of ``spec`` can have, sorted; None when they are
    drawn from a distribution or read from the graph."""
    o = spec.outside
    if o.mode == "value":
        return (float(o.value),)
    if o.mode == "classes":
        return tuple(sorted({float(v) for _, v in o.classes}))
    if o.mode == "by_strategy":
        return tuple(sorted({float(v) for _, v in o.by_strategy}))
    return None


def _strategies(
    names: tuple[str, ...],
    registry: Registry,
    n: int,
    engine: str,
    where: str,
    market: Market,
    values: tuple[float, ...] | None,
) -> tuple[Strategies, str]:
    factories = player_factories(names, registry, where)
    tables: list[Any] = [f().state_table() for f in factories]
    variants = None
    if values is not None and any(t is None for t in tables):
        tables, variants = _tables_by_outside_option(factories, tables, market, values)
    fit = all(t is not None for t in tables) and pool_stakes_fit(tables)
    if engine == "table" or (engine == "auto" and fit):
        missing = [name for name, t in zip(names, tables) if t is None]
        if missing:
            raise ParameterError(
                "engine", "table", f"needs a state table for every strategy; {missing[0]!r} has none"
            )
        stacked = StackedTables.build(tables)
        if variants is None:
            return TableStrategies(stacked, n), "table"
        return TableStrategies(stacked, n, variants, np.array(values, dtype=float)), "table"
    return PlayerStrategies(factories), "player"


def _tables_by_outside_option(
    factories: list[Any], tables: list[Any], market: Market, values: tuple[float, ...]
) -> tuple[list[Any], np.ndarray | None]:
    """For a strategy whose table depends on the game (it reads the outside options), one
    table per (own v, partner v) among ``values``, from the game a couple plays. The
    tables, and ``variants[s, i, j]``: the one strategy s plays with v = values[i] against
    values[j]; a strategy with no table in some game keeps None (no variants then)."""
    from powergame.population.players import relationship_game

    k = len(values)
    variants = np.zeros((len(factories), k, k), dtype=np.int64)
    stacked: list[Any] = []
    for s, (make, table) in enumerate(zip(factories, tables)):
        if table is not None:
            variants[s] = len(stacked)
            stacked.append(table)
            continue
        for i, j in itertools.product(range(k), repeat=2):
            player = make()
            player.join_match(relationship_game(market, values[i], values[j]), 0, 0)
            found = player.state_table()
            if found is None:
                return tables, None
            variants[s, i, j] = len(stacked)
            stacked.append(found)
    return stacked, variants


# --- graph -------------------------------------------------------------------------------
def build_graph(spec: PopulationSpec, rng: np.random.Generator) -> tuple[Adjacency, Any]:
    """The adjacency of the spec's graph and the networkx graph (None when complete)."""
    kind, n, g = spec.graph.kind, spec.size, spec.graph
    if kind == "complete":
        return Adjacency.complete(n), None
    import networkx as nx

    seed = int(rng.integers(2**31))
    if kind == "cycle":
        graph = nx.cycle_graph(n)
    elif kind in ("grid", "torus"):
        graph = nx.grid_2d_graph(g.param("rows"), g.param("columns"), periodic=kind == "torus")
    elif kind == "random_regular":
        graph = nx.random_regular_graph(g.param("degree"), n, seed=seed)
    elif kind == "watts_strogatz":
        graph = nx.watts_strogatz_graph(n, g.param("k"), g.param("p"), seed=seed)
    elif kind == "barabasi_albert":
        graph = nx.barabasi_albert_graph(n, g.param("m"), seed=seed)
    elif kind == "erdos_renyi":
        p = g.param("p")
        if p is None:
            p = g.param("mean_degree") / (n - 1)
        graph = nx.fast_gnp_random_graph(n, p, seed=seed)
    else:
        graph = read_graph_file(spec)
    return Adjacency.from_networkx(graph), graph


def graph_file_path(spec: PopulationSpec) -> Path:
    """A graph file's path; a relative one is relative to the spec's folder."""
    path = Path(spec.graph.param("path"))
    if not path.is_absolute() and spec.source:
        path = Path(spec.source).parent / path
    return path


def read_graph_file(spec: PopulationSpec) -> Any:
    """Read the spec's graph file with networkx; its node count must be ``size``."""
    import networkx as nx

    path = graph_file_path(spec)
    fmt = spec.graph.param("format") or {".graphml": "graphml", ".gml": "gml"}.get(
        path.suffix.lower(), "edgelist"
    )
    key = f"{Path(spec.source).name or 'spec'}: population.graph.path"
    readers = {"graphml": nx.read_graphml, "gml": nx.read_gml, "edgelist": nx.read_edgelist}
    try:
        graph = readers[fmt](path)
    except FileNotFoundError:
        raise ParameterError(key, str(path), "must be an existing graph file") from None
    except Exception as exc:  # networkx raises many kinds on a malformed file
        raise ParameterError(
            key, str(path), f"must be a readable {fmt} graph file ({type(exc).__name__}: {exc})"
        ) from None
    if graph.is_directed():
        graph = graph.to_undirected()
    if graph.number_of_nodes() != spec.size:
        raise ParameterError(
            key,
            str(path),
            f"has {graph.number_of_nodes()} nodes but population.size is {spec.size}: they must agree",
        )
    return graph


# --- agents ------------------------------------------------------------------------------
def largest_remainder(shares: list[float], n: int) -> np.ndarray:
    """Counts summing to n, as close to shares x n as whole numbers allow (ties to the first)."""
    exact = np.asarray(shares, dtype=float) * n
    counts = np.floor(exact).astype(np.int64)
    short = n - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def initial_strategies(spec: PopulationSpec, names: tuple[str, ...], rng: np.random.Generator) -> np.ndarray:
    """Each agent's strategy index into ``names``."""
    if spec.initial.memory_one is not None:  # the 162 codes come first in ``names``
        return rng.integers(162, size=spec.size)
    index = {name: k for k, name in enumerate(names)}
    shares = dict(spec.initial.shares)
    counts = largest_remainder(list(shares.values()), spec.size)
    ordered = np.repeat(
        np.array([index[spec.canonical_name(name)] for name in shares], dtype=np.int64), counts
    )
    return rng.permutation(ordered)


def outside_options(
    spec: PopulationSpec, names: tuple[str, ...], graph: Any, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None]:
    """Each agent's v_i, and the values per strategy when v follows the strategy."""
    o, n = spec.outside, spec.size
    if o.mode == "value":
        return np.full(n, o.value), None
    if o.mode == "by_strategy":
        by = {spec.canonical_name(name): value for name, value in o.by_strategy}
        values = np.array([by[name] for name in names], dtype=float)
        return np.zeros(n), values
    if o.mode == "classes":
        counts = largest_remainder([share for share, _ in o.classes], n)
        return rng.permutation(np.repeat([v for _, v in o.classes], counts).astype(float)), None
    if o.mode == "distribution":
        p = dict(o.params)
        if o.distribution == "uniform":
            return rng.uniform(p["low"], p["high"], size=n), None
        return rng.normal(p["mean"], p["sd"], size=n), None
    return _attribute(spec, graph), None


def _attribute(spec: PopulationSpec, graph: Any) -> np.ndarray:
    from powergame.population.graph import ordered_nodes

    name = spec.outside.attribute
    key = f"{Path(spec.source).name or 'spec'}: population.outside.attribute"
    values = []
    for node in ordered_nodes(graph):
        value = graph.nodes[node].get(name)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParameterError(
                key, name, f"must be a numeric attribute of every node (node {node!r} has {value!r})"
            ) from None
        if not math.isfinite(number):
            raise ParameterError(key, name, f"must be finite at every node (node {node!r} has {value!r})")
        values.append(number)
    return np.array(values)


def gene_neighbours(names: tuple[str, ...]) -> np.ndarray:
    """For each M1(code=...) name, 10 indices such that a uniform pick among them is
    ES-1-outcome's one-gene change: one of the 5 letters chosen uniformly, then replaced by
    one of its other values uniformly (the first letter, C or D, has one other value: it
    fills two slots). A neighbour missing from ``names`` maps to the strategy itself."""
    codes = [memory_one_code(name) or "" for name in names]
    index = {code: k for k, code in enumerate(codes)}
    rows = []
    for k, code in enumerate(codes):
        row = []
        for pos, letters in itertools.chain([(0, "CD")], ((i, "CDL") for i in range(1, 5))):
            others = [letter for letter in letters if letter != code[pos]]
            for letter in others * (2 // len(others)):
                row.append(index.get(code[:pos] + letter + code[pos + 1 :], k))
        rows.append(row)
    return np.array(rows, dtype=np.int64)
