"""Exact mode for population specs: the mean-field pool of a spec, and its time series in
the results schema of an agent-based run (docs/populations.md, docs/mean_field.md).

Exact mode needs a well-mixed pool (``kind = "complete"``), strategies with state tables,
outside options that are one value, classes or a value per strategy, and a strategy-change
rule among none, death-birth, revision, imitation and generations. Anything else is refused with a
one-line error naming the key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from powergame.errors import ParameterError
from powergame.game import Game, StagePayoffs
from powergame.population.mean_field import (
    DeathBirth,
    Generations,
    Imitation,
    MeanFieldPool,
    MeanFieldRun,
    PoolModel,
    Revision,
    StrategyChange,
)
from powergame.registry import Registry, load_registry
from powergame.state_table import StateTable

EXACT_RULES = ("none", "death-birth", "revision", "imitation", "generations")
EXACT_OUTSIDE = ("value", "classes", "by_strategy")


def pool_model_from_spec(spec: Any, registry: Registry | None = None) -> PoolModel:
    """The mean-field ``PoolModel`` of a parsed population spec (``PopulationSpec``)."""
    registry = registry if registry is not None else load_registry()
    if spec.graph.kind != "complete":
        raise ParameterError(
            "graph.kind", spec.graph.kind, "exact mode needs a well-mixed pool: kind = 'complete'"
        )
    names = tuple(spec.strategies)
    outside = spec.outside
    if outside.mode not in EXACT_OUTSIDE:
        raise ParameterError(
            "outside", outside.mode, f"exact mode needs outside options given as {', '.join(EXACT_OUTSIDE)}"
        )
    by_strategy = None
    if outside.mode == "classes":
        class_shares = tuple(share for share, _ in outside.classes)
        values = tuple(value for _, value in outside.classes)
    else:
        class_shares, values = (1.0,), (float(outside.value),)
        if outside.mode == "by_strategy":
            given = dict(outside.by_strategy)
            by_strategy = tuple(float(given[name]) for name in names)
    payoffs = StagePayoffs(*spec.payoffs)
    tables, class_tables = _tables(names, registry, payoffs, values if by_strategy is None else by_strategy)
    if by_strategy is not None and class_tables:
        raise ParameterError(
            "outside", "by_strategy", "exact mode cannot combine by_strategy with strategies that read v"
        )
    return PoolModel(
        tables=tables,
        names=names,
        initial_shares=_initial_shares(spec, names),
        outside_options=values,
        class_shares=class_shares,
        exit_costs=(float(spec.exit_cost),) * len(values),
        payoffs=payoffs,
        noise=spec.noise,
        meet=spec.meet,
        breakup=spec.breakup,
        change=_change(spec.change, names),
        class_tables=class_tables,
        outside_by_strategy=by_strategy,
    )


def _initial_shares(spec: Any, names: tuple[str, ...]) -> tuple[float, ...]:
    if spec.initial.memory_one is not None:
        codes = [name for name in names if name.startswith("M1(code=")]
        return tuple(1.0 / len(codes) if name in codes else 0.0 for name in names)
    shares = dict(spec.initial.shares)
    return tuple(float(shares.get(name, 0.0)) for name in names)


def _tables(
    names: tuple[str, ...], registry: Registry, payoffs: StagePayoffs, values: tuple[float, ...]
) -> tuple[tuple[StateTable, ...], tuple[tuple[tuple[int, int, int], StateTable], ...]]:
    """Each strategy's table; for a strategy that reads the outside options, one table per
    (own class, partner class), built from the game it would see."""
    tables: list[StateTable] = []
    class_tables: list[tuple[tuple[int, int, int], StateTable]] = []
    for s, name in enumerate(names):
        player = registry.create(name)
        reads_v = bool(player.classifier.get("uses_outside_options")) or player.state_table() is None
        if not reads_v:
            table = player.state_table()
            assert table is not None
            tables.append(table)
            continue
        for own, partner in itertools.product(range(len(values)), repeat=2):
            player = registry.create(name)
            game = Game(payoffs=(payoffs, payoffs), outside_options=(values[own], values[partner]))
            player.join_match(game, 0, 0)
            table = player.state_table()
            if table is None:
                raise ParameterError(
                    "population strategy", name, "has no state table; exact mode needs tabled strategies"
                )
            class_tables.append(((s, own, partner), table))
        tables.append(class_tables[-1][1])
    return tuple(tables), tuple(class_tables)


def _change(change: Any, names: tuple[str, ...]) -> StrategyChange:
    if change.rule not in EXACT_RULES:
        raise ParameterError("change.rule", change.rule, f"exact mode supports {', '.join(EXACT_RULES)}")
    if change.rule == "none":
        return None
    matrix = one_gene_matrix(names) if change.mutation_kind == "one_gene" else None
    if change.rule == "death-birth":
        return DeathBirth(
            expected_life=change.expected_life, mutation=change.mutation, mutation_matrix=matrix
        )
    if change.rule == "generations":
        return Generations(every=change.generation, mutation=change.mutation, mutation_matrix=matrix)
    if change.rule == "imitation":
        return Imitation(
            prob_revision=change.prob_revision,
            beta=change.beta,
            mutation=change.mutation,
            mutation_matrix=matrix,
        )
    neighbours = one_gene_matrix(names) if change.prob_experimentation > 0 else None
    return Revision(
        prob_revision=change.prob_revision,
        prob_experimentation=change.prob_experimentation,
        neighbours=neighbours,
        mutation=change.mutation,
        mutation_matrix=matrix,
    )


def one_gene_matrix(names: tuple[str, ...], with_leave: bool = True) -> tuple[tuple[float, ...], ...]:
    """Row s: where a one-gene change takes memory-one strategy s, as in ES-1-outcome: one
    of the five letters chosen uniformly, then one of its other values uniformly (C <-> D
    for the first letter, and for the others without ``with_leave``). Every name must be
    an ``M1(code=...)``."""
    codes = []
    for name in names:
        if not (name.startswith("M1(code=") and name.endswith(")")):
            raise ParameterError("population strategy", name, "one-gene changes need M1(code=...) strategies")
        codes.append(name[len("M1(code=") : -1].upper())
    index = {code: i for i, code in enumerate(codes)}
    matrix = np.zeros((len(codes), len(codes)))
    for i, code in enumerate(codes):
        for gene, letter in enumerate(code):
            options = "CD" if gene == 0 or not with_leave else "CDL"
            others = [other for other in options if other != letter]
            for other in others:
                target = code[:gene] + other + code[gene + 1 :]
                if target not in index:
                    raise ParameterError(
                        "population strategy", f"M1(code={target})", "is missing for one-gene changes"
                    )
                matrix[i, index[target]] += 1.0 / (len(code) * len(others))
    return tuple(tuple(row) for row in matrix)


def run_exact(
    spec: Any, registry: Registry | None = None, progress: Callable[[int], None] | None = None
) -> MeanFieldRun:
    """The mean-field run of ``spec``: ``spec.ticks`` ticks, recorded every
    ``spec.record_every`` ticks (and the last); ``progress(ticks_done)`` after each tick."""
    pool = MeanFieldPool(pool_model_from_spec(spec, registry))
    if progress is None:
        return pool.run(spec.ticks, record_every=spec.record_every)
    state = pool.initial_state()
    records = []
    for number in range(spec.ticks):
        state, figures = pool.step(state)
        if (number + 1) % spec.record_every == 0 or number == spec.ticks - 1:
            records.append(figures)
        progress(number + 1)
    return MeanFieldRun(pool.model, tuple(records), state)


def exact_tables(run: MeanFieldRun, size: int) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The run as columns of ``timeseries.parquet`` and ``strategies.parquet`` (counts are
    shares times ``size``, not rounded: the expected number of agents)."""
    series: dict[str, list[Any]] = {
        key: []
        for key in (
            "tick",
            "coupled",
            "cc",
            "cd",
            "dd",
            "separated",
            "mean_age",
            "mean_payoff",
            "new_couple_payoff",
        )
    }
    strategies: dict[str, list[Any]] = {
        "tick": [],
        "strategy": [],
        "count": [],
        "share": [],
        "mean_payoff": [],
    }
    for record in run.records:
        played = record.played_shares
        series["tick"].append(record.tick + 1)
        series["coupled"].append(record.share_coupled)
        for key in ("cc", "cd", "dd", "separated", "mean_age", "new_couple_payoff"):
            series[key].append(getattr(record, key))
        series["mean_payoff"].append(float(np.nansum(played * record.payoff)))
        for s, name in enumerate(run.model.names):
            strategies["tick"].append(record.tick + 1)
            strategies["strategy"].append(name)
            strategies["count"].append(float(played[s] * size))
            strategies["share"].append(float(played[s]))
            strategies["mean_payoff"].append(float(record.payoff[s]))
    return series, strategies


SURVIVAL_FLOOR = 1e-9  # a survival curve stops once it falls below this
MAX_SURVIVAL = 10_000


def survival_table(run: MeanFieldRun, ticks: tuple[int, ...] = ()) -> dict[str, list[Any]]:
    """Exact survival curves P(T > t) of the relationships begun at the recorded ticks
    ``ticks`` (default: the first and the last recorded tick), as columns ``start``
    (the tick of the first round, counted from 1), ``t`` and ``survival``."""
    pool = MeanFieldPool(run.model)
    chosen = ticks or tuple(dict.fromkeys((run.records[0].tick + 1, run.records[-1].tick + 1)))
    columns: dict[str, list[Any]] = {"start": [], "t": [], "survival": []}
    by_tick = {record.tick + 1: record for record in run.records}
    for start in chosen:
        if start not in by_tick:
            raise ParameterError("survival start", start, "must be a recorded tick")
        record = by_tick[start]
        if record.new_pairs.sum() <= 0:
            continue
        if isinstance(run.model.change, Imitation) and run.model.change.prob_revision > 0:
            continue  # the cohort's survival needs the pool run along: MeanFieldPool.survival
        kept = pool.cohort_survival(record.new_pairs, record.tick, MAX_SURVIVAL, floor=SURVIVAL_FLOOR)
        columns["start"] += [start] * len(kept)
        columns["t"] += list(range(len(kept)))
        columns["survival"] += [float(x) for x in kept]
    return columns


def write_exact_results(spec: Any, out_dir: Any, run: MeanFieldRun, seconds: float = 0.0) -> None:
    """The results folder of an exact run: ``timeseries.parquet`` and ``strategies.parquet``
    in the agent-based schema, ``survival.parquet`` (exact survival curves instead of a
    relationships table) and ``summary.json`` (engine ``mean-field``)."""
    import json
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    series, strategies = exact_tables(run, spec.size)
    pq.write_table(pa.table(series), out / "timeseries.parquet")
    pq.write_table(pa.table(strategies), out / "strategies.parquet")
    pq.write_table(pa.table(survival_table(run)), out / "survival.parquet")
    last = run.records[-1]
    final = {
        "shares": dict(zip(run.model.names, (float(x) for x in last.shares))),
        "coupled": last.share_coupled,
    }
    summary = {
        "kind": "population",
        "name": spec.name,
        "spec": spec.to_dict() if hasattr(spec, "to_dict") else None,
        "seed": getattr(spec, "seed", None),
        "ticks_done": run.records[-1].tick + 1,
        "engine": "mean-field",
        "final": final,
        "timing": {"seconds": seconds},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def run_exact_to_folder(
    spec: Any, out_dir: Any, quiet: bool = True, registry: Registry | None = None
) -> MeanFieldRun:
    """``powergame evolve SPEC --exact``: the mean-field run of ``spec`` written to
    ``out_dir`` (see ``write_exact_results``), with a progress bar on stderr unless ``quiet``."""
    import time

    started = time.perf_counter()
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=spec.ticks, unit="tick", desc=f"{spec.name} (exact)", file=__import__("sys").stderr)
    try:
        run = run_exact(spec, registry, progress=(lambda done: bar.update(1)) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    write_exact_results(spec, out_dir, run, seconds=time.perf_counter() - started)
    return run
