"""Population specs: a TOML file with a ``[population]`` table (data only, never executed).

::

    name = "least_interest_classes"
    description = "Two classes of outside option in a well-mixed pool."
    seed = 1

    [game]
    payoffs = [3, 0, 5, 1]    # R, S, T, P for every agent
    exit_cost = 0             # paid by whoever leaves
    noise = 0.0               # execution noise per action

    [population]
    size = 1000               # N agents, one per node of the graph
    ticks = 2000
    record_every = 10         # one row of the time series every 10 ticks
    checkpoint_every = 500    # --resume restarts from the last checkpoint
    meet = 1.0                # P(a single looks for a partner this tick)
    breakup = 0.01            # P(a couple is broken exogenously this tick)
    record_relationships = true
    strategies = []           # extra strategies mutation may bring in (start at share 0)

    [population.graph]
    kind = "complete"         # see GRAPH_KINDS; parameters per kind below

    [population.initial]
    shares = { "Out-for-Tat" = 0.5, "Hit and Run" = 0.5 }
    # or: strategy = "Out-for-Tat"      (everyone)
    # or: memory_one = "uniform"        (uniformly random over the 162 M1 codes)

    [population.outside]
    classes = [{ share = 0.3, value = 2.0 }, { share = 0.7, value = 0.5 }]
    # or: value = 1.0 | by_strategy = { "Out-for-Tat" = 1, ... }
    # or: distribution = "uniform", low = 0, high = 2 | distribution = "normal", mean = 1, sd = 0.5
    # or: attribute = "v"               (a node attribute of a graph file)

    [population.change]
    rule = "death-birth"      # none, death-birth, revision, imitation, generations
    expected_life = 100       # death-birth
    pool = "population"       # death-birth: parents from the population or the node's neighbours
    mutation = 0.01           # P(an adopted strategy is replaced by a mutant)
    mutation_kind = "uniform" # or "one_gene" (a memory-one code with one letter changed)

Every bad key raises a ``ParameterError`` naming the file, the key and what is allowed.
``docs/populations.md`` describes the model and every key.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powergame.errors import ParameterError
from powergame.population.engine import ChangeRule

MAX_SEED = 2**63 - 1
TOP_KEYS = ("name", "description", "seed", "exact", "game", "population")
GAME_KEYS = ("payoffs", "exit_cost", "noise")
POPULATION_KEYS = (
    "size",
    "ticks",
    "record_every",
    "checkpoint_every",
    "meet",
    "breakup",
    "record_relationships",
    "strategies",
    "graph",
    "initial",
    "outside",
    "change",
)
# kind -> (its parameters, the required ones)
GRAPH_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "complete": ((), ()),
    "cycle": ((), ()),
    "grid": (("rows", "columns"), ("rows", "columns")),
    "torus": (("rows", "columns"), ("rows", "columns")),
    "random_regular": (("degree",), ("degree",)),
    "watts_strogatz": (("k", "p"), ("k", "p")),
    "barabasi_albert": (("m",), ("m",)),
    "erdos_renyi": (("p", "mean_degree"), ()),
    "file": (("path", "format"), ("path",)),
}
GRAPH_FILE_FORMATS = ("graphml", "gml", "edgelist")
INITIAL_KEYS = ("shares", "strategy", "memory_one")
OUTSIDE_KEYS = ("value", "by_strategy", "classes", "distribution", "low", "high", "mean", "sd", "attribute")
DISTRIBUTIONS = {"uniform": ("low", "high"), "normal": ("mean", "sd")}
RULES = ("none", "death-birth", "revision", "imitation", "generations")
# rule -> its own parameters (mutation and mutation_kind apply to every rule but none)
RULE_KEYS: dict[str, tuple[str, ...]] = {
    "none": (),
    "death-birth": ("expected_life", "pool"),
    "revision": ("prob_revision", "prob_experimentation"),
    "imitation": ("prob_revision", "beta"),
    "generations": ("generation",),
}
CHANGE_KEYS: tuple[str, ...] = (
    "rule",
    "expected_life",
    "pool",
    "prob_revision",
    "prob_experimentation",
    "beta",
    "generation",
    "mutation",
    "mutation_kind",
)
POOLS = ("population", "neighbours")
MUTATION_KINDS = ("uniform", "one_gene")
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class GraphSpec:
    """Who can meet whom: a networkx graph kind and its parameters (generated from the
    run's seed), or a graph file. ``complete`` is never built as N^2 edges."""

    kind: str = "complete"
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **dict(self.params)}


@dataclass(frozen=True)
class InitialSpec:
    """The initial strategies: ``shares`` (name -> share, summing to 1; counts are the
    shares times N rounded by largest remainder, placed at random), or ``memory_one =
    "uniform"`` (each agent an independent uniform draw from the 162 codes)."""

    shares: tuple[tuple[str, float], ...] = ()
    memory_one: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.memory_one is not None:
            return {"memory_one": self.memory_one}
        return {"shares": dict(self.shares)}


@dataclass(frozen=True)
class OutsideSpec:
    """How each agent's outside option v_i is set; exactly one ``mode``:
    ``value`` (one constant), ``by_strategy`` (name -> v), ``classes`` ((share, v) pairs,
    counts rounded by largest remainder, placed at random), ``distribution`` (uniform
    [low, high] or normal(mean, sd), one draw per agent) or ``attribute`` (a node
    attribute of the graph file)."""

    mode: str = "value"
    value: float = 0.0
    by_strategy: tuple[tuple[str, float], ...] = ()
    classes: tuple[tuple[float, float], ...] = ()
    distribution: str = ""
    params: tuple[tuple[str, float], ...] = ()
    attribute: str = ""

    def to_dict(self) -> dict[str, Any]:
        if self.mode == "value":
            return {"value": self.value}
        if self.mode == "by_strategy":
            return {"by_strategy": dict(self.by_strategy)}
        if self.mode == "classes":
            return {"classes": [{"share": s, "value": v} for s, v in self.classes]}
        if self.mode == "distribution":
            return {"distribution": self.distribution, **dict(self.params)}
        return {"attribute": self.attribute}


@dataclass(frozen=True)
class ChangeSpec(ChangeRule):
    """The strategy-change rule and its parameters (see docs/populations.md): the engine's
    ``ChangeRule``, written back as the spec's table by ``to_dict``."""

    def to_dict(self) -> dict[str, Any]:
        keys = ("rule", *RULE_KEYS[self.rule])
        if self.rule != "none":
            keys += ("mutation", "mutation_kind")
        return {key: getattr(self, key) for key in keys}


@dataclass(frozen=True)
class PopulationSpec:
    """A population run: agents on a graph, a relationship market, a strategy-change rule."""

    name: str
    size: int
    ticks: int
    initial: InitialSpec
    payoffs: tuple[float, float, float, float] = (3.0, 0.0, 5.0, 1.0)
    exit_cost: float = 0.0
    noise: float = 0.0
    meet: float = 1.0
    breakup: float = 0.0
    record_every: int = 1
    checkpoint_every: int = 1000
    record_relationships: bool = True
    extra_strategies: tuple[str, ...] = ()
    graph: GraphSpec = field(default_factory=GraphSpec)
    outside: OutsideSpec = field(default_factory=OutsideSpec)
    change: ChangeSpec = field(default_factory=ChangeSpec)
    seed: int = 0
    description: str = ""
    exact: bool = False  # run the mean-field (infinite population) twin instead of agents
    # The file it came from (for messages and a graph file's relative path); not a result.
    source: str = field(default="", compare=False)

    @property
    def strategies(self) -> tuple[str, ...]:
        """The strategies of the run, in order: the initial ones, then the extra ones
        (with ``memory_one = "uniform"`` or one-gene changes: the 162 codes first, in the
        library's order, and any M1(code=...) name written as one of them)."""
        named = [self.canonical_name(n) for n in (*dict(self.initial.shares), *self.extra_strategies)]
        if self.uses_all_codes:
            return tuple(dict.fromkeys([*memory_one_names(), *named]))
        return tuple(dict.fromkeys(named))

    @property
    def uses_all_codes(self) -> bool:
        """True when the run's strategies include all 162 memory-one codes."""
        return (
            self.initial.memory_one is not None
            or self.change.mutation_kind == "one_gene"
            or (self.change.rule == "revision" and self.change.prob_experimentation > 0)
        )

    def canonical_name(self, name: str) -> str:
        """``name`` as it appears in ``strategies`` (a memory-one code written as the
        library writes it when the run uses all codes)."""
        code = memory_one_code(name) if self.uses_all_codes else None
        return f"M1(code={code})" if code else name

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data in the TOML layout; ``spec_from_dict`` reverses it."""
        return {
            "name": self.name,
            "description": self.description,
            "seed": self.seed,
            "exact": self.exact,
            "game": {"payoffs": list(self.payoffs), "exit_cost": self.exit_cost, "noise": self.noise},
            "population": {
                "size": self.size,
                "ticks": self.ticks,
                "record_every": self.record_every,
                "checkpoint_every": self.checkpoint_every,
                "meet": self.meet,
                "breakup": self.breakup,
                "record_relationships": self.record_relationships,
                "strategies": list(self.extra_strategies),
                "graph": self.graph.to_dict(),
                "initial": self.initial.to_dict(),
                "outside": self.outside.to_dict(),
                "change": self.change.to_dict(),
            },
        }

    def fingerprint(self) -> str:
        """A hash of everything that decides the results (not the description, the ticks
        or how often the run is checkpointed, so a longer run extends a shorter one)."""
        data = self.to_dict()
        del data["description"]
        del data["population"]["checkpoint_every"]
        del data["population"]["ticks"]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def with_seed(self, seed: int) -> PopulationSpec:
        """The same spec with another seed."""
        _check_seed(seed, "seed", "spec")
        return dataclasses.replace(self, seed=seed)


def memory_one_names() -> list[str]:
    """The 162 deterministic memory-one strategies as registry names, in the library's
    order (first move C before D, then C, D, L after CC, CD, DC, DD in turn)."""
    return [f"M1(code={first}{''.join(r)})" for first in "CD" for r in itertools.product("CDL", repeat=4)]


def memory_one_code(name: str) -> str | None:
    """``"CCLCL"`` for ``"M1(code=CCLCL)"`` (any case, spaces allowed), else None."""
    match = re.fullmatch(r"\s*m1\s*\(\s*code\s*=\s*([cd][cdl]{4})\s*\)\s*", name, flags=re.IGNORECASE)
    return match.group(1).upper() if match else None


def load_population_spec(path: str | Path) -> PopulationSpec:
    """Read and validate a TOML population spec; the name defaults to the file's stem."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError("spec", str(path), "must be an existing TOML file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(path.name, "TOML", f"must be valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ParameterError(path.name, "encoding", "must be UTF-8 text") from None
    data.setdefault("name", path.stem)
    return population_spec_from_dict(data, where=path.name, source=str(path))


def population_spec_from_dict(data: dict[str, Any], where: str = "spec", source: str = "") -> PopulationSpec:
    """Validate plain data (a parsed TOML file or ``PopulationSpec.to_dict()``)."""
    _reject_unknown(data, TOP_KEYS, where, "")
    name = data.get("name", "population")
    if (
        not isinstance(name, str)
        or not name.strip()
        or any(ch in name for ch in "/\\")
        or name in (".", "..")
    ):
        raise ParameterError(f"{where}: name", name, "must be a non-empty string without path separators")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise ParameterError(f"{where}: description", description, "must be a string")
    seed = data.get("seed", 0)
    _check_seed(seed, "seed", where)
    exact = data.get("exact", False)
    if not isinstance(exact, bool):
        raise ParameterError(f"{where}: exact", exact, "must be true or false")
    game = _table(data, "game", where, "")
    _reject_unknown(game, GAME_KEYS, where, "game.", hint=_GAME_HINT)
    pop = data.get("population")
    if pop is None:
        raise ParameterError(f"{where}: population", None, "is required: a [population] table")
    pop = _table(data, "population", where, "")
    _reject_unknown(pop, POPULATION_KEYS, where, "population.")
    p = "population."
    size = _whole(pop.get("size"), f"{p}size", where, 2, required=True)
    ticks = _whole(pop.get("ticks"), f"{p}ticks", where, 1, required=True)
    extra = pop.get("strategies", [])
    if not isinstance(extra, list) or not all(isinstance(s, str) and s.strip() for s in extra):
        raise ParameterError(f"{where}: {p}strategies", extra, "must be a list of strategy names")
    record = pop.get("record_relationships", True)
    if not isinstance(record, bool):
        raise ParameterError(f"{where}: {p}record_relationships", record, "must be true or false")
    graph = _graph(_table(pop, "graph", where, p), where)
    initial = _initial(_table(pop, "initial", where, p, required=True), where)
    change = _change(_table(pop, "change", where, p), where)
    spec = PopulationSpec(
        name=name,
        description=description,
        seed=seed,
        exact=exact,
        size=size,
        ticks=ticks,
        payoffs=_payoffs(game.get("payoffs", [3, 0, 5, 1]), where),
        exit_cost=_number(game.get("exit_cost", 0.0), "game.exit_cost", where, low=0.0),
        noise=_probability(game.get("noise", 0.0), "game.noise", where),
        meet=_probability(pop.get("meet", 1.0), f"{p}meet", where),
        breakup=_probability(pop.get("breakup", 0.0), f"{p}breakup", where),
        record_every=_whole(pop.get("record_every", 1), f"{p}record_every", where, 1),
        checkpoint_every=_whole(pop.get("checkpoint_every", 1000), f"{p}checkpoint_every", where, 1),
        record_relationships=record,
        extra_strategies=tuple(extra),
        graph=graph,
        initial=initial,
        outside=OutsideSpec(),  # filled below: by_strategy needs the strategy list
        change=change,
        source=source,
    )
    outside = _outside(_table(pop, "outside", where, p), where, spec)
    spec = dataclasses.replace(spec, outside=outside)
    _check_consistency(spec, where)
    return spec


_GAME_HINT = (
    "in a population the horizon is open (relationships end by leaving, breakup or death) and "
    "outside options are set in [population.outside]"
)


# --- tables ------------------------------------------------------------------------------
def _graph(table: dict[str, Any], where: str) -> GraphSpec:
    kind = table.get("kind", "complete")
    key = "population.graph.kind"
    if not isinstance(kind, str) or kind not in GRAPH_KINDS:
        hint = _graph_hint(kind)
        raise ParameterError(
            f"{where}: {key}", kind, f"unknown graph kind; {hint}allowed: {', '.join(GRAPH_KINDS)}"
        )
    allowed, required = GRAPH_KINDS[kind]
    params = {k: v for k, v in table.items() if k != "kind"}
    _reject_unknown(
        params, allowed, where, "population.graph.", hint=f"graph kind {kind!r} takes {_list(allowed)}"
    )
    for name in required:
        if name not in params:
            raise ParameterError(
                f"{where}: population.graph.{name}", None, f"is required for graph kind {kind!r}"
            )
    g = "population.graph."
    checked: dict[str, Any] = {}
    for name, value in params.items():
        if name in ("rows", "columns", "degree", "k", "m"):
            checked[name] = _whole(value, g + name, where, 1)
        elif name == "p":
            checked[name] = _probability(value, g + name, where)
        elif name == "mean_degree":
            checked[name] = _number(value, g + name, where, low=0.0)
        elif name == "path":
            if not isinstance(value, str) or not value:
                raise ParameterError(f"{where}: {g}path", value, "must be the path of a graph file")
            checked[name] = value
        elif name == "format":
            if value not in GRAPH_FILE_FORMATS:
                raise ParameterError(
                    f"{where}: {g}format", value, f"must be one of {_list(GRAPH_FILE_FORMATS)}"
                )
            checked[name] = value
    if kind == "erdos_renyi" and ("p" in checked) == ("mean_degree" in checked):
        raise ParameterError(f"{where}: {g}p", checked.get("p"), "give exactly one of p and mean_degree")
    return GraphSpec(kind=kind, params=tuple(sorted(checked.items())))


# what people call some graph kinds -> our name (only for "did you mean")
GRAPH_SYNONYMS = {
    "smallworld": "watts_strogatz",
    "wattsstrogatz": "watts_strogatz",
    "scalefree": "barabasi_albert",
    "preferentialattachment": "barabasi_albert",
    "random": "erdos_renyi",
    "gnp": "erdos_renyi",
    "ring": "cycle",
    "lattice": "grid",
    "wellmixed": "complete",
    "regular": "random_regular",
    "graphml": "file",
}


def _graph_hint(kind: object) -> str:
    text = str(kind).lower()
    squeezed = "".join(ch for ch in text if ch.isalnum())
    close = [GRAPH_SYNONYMS[squeezed]] if squeezed in GRAPH_SYNONYMS else []
    close = close or difflib.get_close_matches(text, list(GRAPH_KINDS), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def _initial(table: dict[str, Any], where: str) -> InitialSpec:
    i = "population.initial."
    _reject_unknown(table, INITIAL_KEYS, where, i)
    given = [k for k in INITIAL_KEYS if k in table]
    if len(given) != 1:
        raise ParameterError(
            f"{where}: population.initial", sorted(table), "give exactly one of shares, strategy, memory_one"
        )
    if "strategy" in table:
        name = table["strategy"]
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"{where}: {i}strategy", name, "must be a strategy name")
        return InitialSpec(shares=((name, 1.0),))
    if "memory_one" in table:
        if table["memory_one"] != "uniform":
            raise ParameterError(f"{where}: {i}memory_one", table["memory_one"], "must be 'uniform'")
        return InitialSpec(memory_one="uniform")
    shares = table["shares"]
    if not isinstance(shares, dict) or not shares:
        raise ParameterError(
            f"{where}: {i}shares", shares, 'must be a table of name = share, e.g. { "Loyal" = 1.0 }'
        )
    values = {name: _number(v, f"{i}shares.{name}", where, low=0.0, high=1.0) for name, v in shares.items()}
    _check_sum(list(values.values()), f"{i}shares", where)
    return InitialSpec(shares=tuple(values.items()))


def _outside(table: dict[str, Any], where: str, spec: PopulationSpec) -> OutsideSpec:
    o = "population.outside."
    _reject_unknown(table, OUTSIDE_KEYS, where, o)
    modes = [k for k in ("value", "by_strategy", "classes", "distribution", "attribute") if k in table]
    if not table:
        return OutsideSpec()
    if len(modes) != 1:
        raise ParameterError(
            f"{where}: population.outside",
            sorted(table),
            "give exactly one of value, by_strategy, classes, distribution, attribute",
        )
    mode = modes[0]
    stray = [k for k in table if k != mode and k not in DISTRIBUTIONS.get(str(table.get("distribution")), ())]
    if stray:
        raise ParameterError(f"{where}: {o}{stray[0]}", table[stray[0]], f"does not go with {o}{mode}")
    if mode == "value":
        return OutsideSpec(value=_number(table["value"], o + "value", where))
    if mode == "by_strategy":
        by = table["by_strategy"]
        if not isinstance(by, dict):
            raise ParameterError(f"{where}: {o}by_strategy", by, "must be a table of strategy name = value")
        values = {
            spec.canonical_name(name): _number(v, f"{o}by_strategy.{name}", where) for name, v in by.items()
        }
        missing = [n for n in spec.strategies if n not in values]
        if missing:
            raise ParameterError(
                f"{where}: {o}by_strategy", missing[0], "needs a value for every strategy of the run"
            )
        unknown = [n for n in values if n not in spec.strategies]
        if unknown:
            raise ParameterError(f"{where}: {o}by_strategy", unknown[0], "is not a strategy of this run")
        return OutsideSpec(mode="by_strategy", by_strategy=tuple(values.items()))
    if mode == "classes":
        classes = table["classes"]
        allowed = "must be a list of { share = ..., value = ... } tables"
        if not isinstance(classes, list) or not classes:
            raise ParameterError(f"{where}: {o}classes", classes, allowed)
        pairs = []
        for n, entry in enumerate(classes):
            if not isinstance(entry, dict) or set(entry) != {"share", "value"}:
                raise ParameterError(f"{where}: {o}classes[{n}]", entry, allowed)
            share = _number(entry["share"], f"{o}classes[{n}].share", where, low=0.0, high=1.0)
            pairs.append((share, _number(entry["value"], f"{o}classes[{n}].value", where)))
        _check_sum([s for s, _ in pairs], f"{o}classes shares", where)
        return OutsideSpec(mode="classes", classes=tuple(pairs))
    if mode == "distribution":
        kind = table["distribution"]
        if kind not in DISTRIBUTIONS:
            raise ParameterError(f"{where}: {o}distribution", kind, f"must be one of {_list(DISTRIBUTIONS)}")
        params = {}
        for key in DISTRIBUTIONS[kind]:
            if key not in table:
                raise ParameterError(f"{where}: {o}{key}", None, f"is required for distribution {kind!r}")
            params[key] = _number(table[key], o + key, where, low=0.0 if key == "sd" else None)
        if kind == "uniform" and params["low"] > params["high"]:
            raise ParameterError(f"{where}: {o}low", params["low"], f"must be <= high ({params['high']})")
        return OutsideSpec(mode="distribution", distribution=kind, params=tuple(params.items()))
    attribute = table["attribute"]
    if not isinstance(attribute, str) or not attribute:
        raise ParameterError(f"{where}: {o}attribute", attribute, "must be the name of a node attribute")
    if spec.graph.kind != "file":
        raise ParameterError(
            f"{where}: {o}attribute", attribute, "needs a graph file (population.graph.kind = 'file')"
        )
    return OutsideSpec(mode="attribute", attribute=attribute)


def _change(table: dict[str, Any], where: str) -> ChangeSpec:
    c = "population.change."
    _reject_unknown(table, CHANGE_KEYS, where, c)
    rule = table.get("rule", "none")
    if rule not in RULES:
        close = difflib.get_close_matches(str(rule), RULES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ParameterError(f"{where}: {c}rule", rule, f"unknown rule; {hint}allowed: {', '.join(RULES)}")
    own = RULE_KEYS[rule] + (() if rule == "none" else ("mutation", "mutation_kind"))
    for key in table:
        if key != "rule" and key not in own:
            raise ParameterError(
                f"{where}: {c}{key}", table[key], f"does not apply to rule {rule!r} (it takes {_list(own)})"
            )
    kwargs: dict[str, Any] = {"rule": rule}
    if "expected_life" in table:
        kwargs["expected_life"] = _number(table["expected_life"], c + "expected_life", where, low=1.0)
    if "pool" in table:
        if table["pool"] not in POOLS:
            raise ParameterError(f"{where}: {c}pool", table["pool"], f"must be one of {_list(POOLS)}")
        kwargs["pool"] = table["pool"]
    for key in ("prob_revision", "prob_experimentation", "mutation"):
        if key in table:
            kwargs[key] = _probability(table[key], c + key, where)
    if "beta" in table:
        kwargs["beta"] = _number(table["beta"], c + "beta", where, low=0.0)
    if "generation" in table:
        kwargs["generation"] = _whole(table["generation"], c + "generation", where, 1)
    if "mutation_kind" in table:
        if table["mutation_kind"] not in MUTATION_KINDS:
            raise ParameterError(
                f"{where}: {c}mutation_kind",
                table["mutation_kind"],
                f"must be one of {_list(MUTATION_KINDS)}",
            )
        kwargs["mutation_kind"] = table["mutation_kind"]
    return ChangeSpec(**kwargs)


def _check_consistency(spec: PopulationSpec, where: str) -> None:
    g = spec.graph
    if g.kind in ("grid", "torus") and g.param("rows") * g.param("columns") != spec.size:
        raise ParameterError(
            f"{where}: population.graph.rows",
            g.param("rows"),
            f"rows x columns ({g.param('rows')} x {g.param('columns')}) must equal population.size ({spec.size})",
        )
    if g.kind == "random_regular" and (g.param("degree") >= spec.size or g.param("degree") * spec.size % 2):
        raise ParameterError(
            f"{where}: population.graph.degree",
            g.param("degree"),
            f"must be < size ({spec.size}) with degree x size even",
        )
    if g.kind == "watts_strogatz" and g.param("k") >= spec.size:
        raise ParameterError(f"{where}: population.graph.k", g.param("k"), f"must be < size ({spec.size})")
    if g.kind == "barabasi_albert" and g.param("m") >= spec.size:
        raise ParameterError(f"{where}: population.graph.m", g.param("m"), f"must be < size ({spec.size})")
    if (
        g.kind == "erdos_renyi"
        and g.param("mean_degree") is not None
        and g.param("mean_degree") > spec.size - 1
    ):
        raise ParameterError(
            f"{where}: population.graph.mean_degree",
            g.param("mean_degree"),
            f"must be <= size - 1 ({spec.size - 1})",
        )
    names = spec.strategies
    if spec.change.mutation_kind == "one_gene" or spec.change.prob_experimentation > 0:
        not_codes = [n for n in names if memory_one_code(n) is None]
        if not_codes:
            raise ParameterError(
                f"{where}: population.change",
                not_codes[0],
                "one-gene changes need every strategy to be an M1(code=...)",
            )
    if len(set(names)) != len(names):
        raise ParameterError(
            f"{where}: population.strategies", list(names), "each strategy may appear only once"
        )


# --- values ------------------------------------------------------------------------------
def _table(data: dict[str, Any], key: str, where: str, prefix: str, required: bool = False) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise ParameterError(f"{where}: {prefix}{key}", None, f"is required: a [{prefix}{key}] table")
        return {}
    if not isinstance(value, dict):
        raise ParameterError(f"{where}: {prefix}{key}", value, f"must be a table ([{prefix}{key}])")
    return value


def _reject_unknown(
    data: dict[str, Any], allowed: tuple[str, ...], where: str, prefix: str, hint: str = ""
) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            mean = f"did you mean {prefix}{close[0]!r}? " if close else ""
            extra = f" ({hint})" if hint else ""
            raise ParameterError(
                f"{where}: key",
                f"{prefix}{key}",
                f"unknown key; {mean}allowed: {_list(allowed) or 'none'}{extra}",
            )


def _list(items: Any) -> str:
    return ", ".join(str(i) for i in items)


def _check_seed(seed: object, key: str, where: str) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ParameterError(f"{where}: {key}", seed, f"must be a whole number in [0, {MAX_SEED}]")


def _whole(value: object, key: str, where: str, minimum: int, required: bool = False) -> int:
    if value is None and required:
        raise ParameterError(f"{where}: {key}", None, f"is required: a whole number >= {minimum}")
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{where}: {key}", value, f"must be a whole number >= {minimum}")
    return value


def _number(
    value: object, key: str, where: str, low: float | None = None, high: float | None = None
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ParameterError(f"{where}: {key}", value, "must be a finite number")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            allowed = f"must be a number >= {low:g}"
        elif low is None:
            allowed = f"must be a number <= {high:g}"
        else:
            allowed = f"must be a number in [{low:g}, {high:g}]"
        raise ParameterError(f"{where}: {key}", value, allowed)
    return float(value)


def _probability(value: object, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ParameterError(f"{where}: {key}", value, "must be a probability in [0, 1]")
    return float(value)


def _payoffs(value: object, where: str) -> tuple[float, float, float, float]:
    if not isinstance(value, list) or len(value) != 4:
        raise ParameterError(f"{where}: game.payoffs", value, "must be [R, S, T, P] (four numbers)")
    r, s, t, p = (_number(v, "game.payoffs", where) for v in value)
    return (r, s, t, p)


def _check_sum(shares: list[float], key: str, where: str) -> None:
    total = math.fsum(shares)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ParameterError(
            f"{where}: {key}", shares, f"must sum to 1 (they sum to {total:g}; not renormalised)"
        )
