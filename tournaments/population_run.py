"""Run a population spec: build it, step it tick by tick, record, checkpoint, resume.

``run_population(spec, out_dir)`` is what ``powergame evolve`` calls. A run is a pure
function of (spec, seed): each tick draws from its own random stream, the state is
checkpointed every ``checkpoint_every`` ticks, and a run resumed from a checkpoint writes
the same tables as an uninterrupted one.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from powergame.errors import ParameterError
from powergame.population import PlayerStrategies, TickFigures
from powergame.registry import Registry, load_registry

from . import population_storage as storage
from .population_setup import build_population, player_factories
from .population_spec import PopulationSpec

OUR_FILES = (
    "summary.json",
    "timeseries.parquet",
    "strategies.parquet",
    "relationships.parquet",
    "agents.parquet",
    "checkpoint.pkl",
    "checkpoint.json",
)


def run_population(
    spec: PopulationSpec,
    out_dir: str | Path | None = None,
    *,
    resume: bool = False,
    force: bool = False,
    quiet: bool = True,
    plugins: tuple[str, ...] = (),
    registry: Registry | None = None,
    engine: str = "auto",
    warn: Callable[[str], None] | None = None,
) -> storage.PopulationResults:
    """Run ``spec``; with ``out_dir`` write the results folder (and checkpoints), else
    keep everything in memory. ``resume`` continues from the folder's last checkpoint."""
    if registry is None:
        registry = load_registry(plugins)
    out = Path(out_dir) if out_dir is not None else None
    started = time.perf_counter()
    built = build_population(spec, registry, engine=engine)
    names = built.names
    population = built.population
    if built.isolated and warn is not None:
        warn(f"{built.isolated} isolated node(s) of the graph stay single for the whole run")
    resumed_from = 0
    if out is not None:
        finished = _prepare_folder(out, spec, resume, force)
        if finished is not None:
            return finished
        loaded = storage.load_checkpoint(out) if resume else None
        if loaded is not None:
            population, meta = loaded
            if meta.get("fingerprint") != spec.fingerprint() or meta.get("seed") != spec.seed:
                raise ParameterError(
                    "--resume",
                    str(out),
                    "the checkpoint there is of another spec or seed; use --force to start over",
                )
            if isinstance(population.strategies, PlayerStrategies):
                population.strategies.restore_factories(player_factories(names, registry))
            resumed_from = population.tick
            storage.drop_parts_after(out, resumed_from)
        else:
            storage.drop_parts_after(out, 0)
    figures: list[TickFigures] = []
    relationships: list[dict[str, np.ndarray]] = []
    first_tick = population.tick
    bar = _progress(spec.ticks, first_tick, quiet)
    try:
        while population.tick < spec.ticks:
            t = population.tick + 1
            record = t % spec.record_every == 0 or t == spec.ticks
            tick_figures = population.step(record=record)
            if tick_figures is not None:
                figures.append(tick_figures)
            if out is not None and (t % spec.checkpoint_every == 0 or t == spec.ticks):
                ended = population.take_relationships() if spec.record_relationships else None
                storage.write_segment(out, t, figures, ended, names)
                figures = []
                meta = {"tick": t, "fingerprint": spec.fingerprint(), "seed": spec.seed}
                storage.save_checkpoint(out, population, meta)
            elif out is None and spec.record_relationships and t % spec.checkpoint_every == 0:
                relationships.append(population.take_relationships())
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    censored = population.open_relationships() if spec.record_relationships else None
    summary = _summary(spec, built, population, names, seconds, population.tick - first_tick, resumed_from)
    if out is None:
        if spec.record_relationships:
            relationships.append(population.take_relationships())
        result = _in_memory(spec, summary, figures, relationships, censored, names)
        result.agents = storage.agents_table(population, names).to_pandas()
        return result
    storage.merge_parts(out, censored, names)
    storage.write_agents(out, population, names)
    storage.write_json(out / "summary.json", summary)
    storage.remove_checkpoint(out)
    return storage.load_population_results(out)


def _prepare_folder(
    out: Path, spec: PopulationSpec, resume: bool, force: bool
) -> storage.PopulationResults | None:
    """Check the output folder; a finished run of the same spec is returned as is."""
    if out.exists() and not out.is_dir():
        raise ParameterError("--out", str(out), "must be a folder (a file of that name exists)")
    existing = [name for name in OUR_FILES if (out / name).exists()]
    if existing and force:
        for name in OUR_FILES:
            (out / name).unlink(missing_ok=True)
        storage.drop_parts_after(out, -1)
    elif existing and not resume:
        raise ParameterError(
            "--out", str(out), "holds an earlier run: use --resume to continue it or --force to overwrite it"
        )
    elif resume and (out / "summary.json").is_file():
        done = storage.load_population_results(out)
        same = done.summary.get("fingerprint") == spec.fingerprint() and done.summary.get("seed") == spec.seed
        if same and done.summary.get("ticks_done") == spec.ticks:
            return done
        if same:
            raise ParameterError(
                "--resume",
                str(out),
                f"holds a finished run of {done.summary.get('ticks_done')} ticks (a finished run is not "
                "extended); use --force to run it again",
            )
        raise ParameterError(
            "--resume", str(out), "holds a finished run of another spec or seed; use --force"
        )
    out.mkdir(parents=True, exist_ok=True)
    return None


def _progress(total: int, done: int, quiet: bool) -> Any:
    if quiet:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=done, unit="tick", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)


def _summary(
    spec: PopulationSpec,
    built: Any,
    population: Any,
    names: tuple[str, ...],
    seconds: float,
    ticks_run: int,
    resumed_from: int,
) -> dict[str, Any]:
    counts = np.bincount(population.strategy, minlength=len(names))
    graph = population.graph
    return {
        "kind": "population",
        "name": spec.name,
        "spec": spec.to_dict(),
        "fingerprint": spec.fingerprint(),
        "seed": spec.seed,
        "source": str(Path(spec.source).resolve()) if spec.source else "",
        "ticks_done": int(population.tick),
        "engine": built.engine,
        "strategies": list(names),
        "graph": {
            "kind": spec.graph.kind,
            "nodes": graph.n,
            "edges": graph.edges,
            "isolated": built.isolated,
        },
        "relationships": int(population.next_relationship),
        "final": {
            "counts": {name: int(c) for name, c in zip(names, counts) if c},
            "shares": {name: float(c) / population.n for name, c in zip(names, counts) if c},
            "coupled": float((population.partner >= 0).mean()),
        },
        "timing": {
            "seconds": seconds,
            "ticks_run": ticks_run,
            "resumed_from_tick": resumed_from,
            "agent_ticks_per_second": ticks_run * population.n / seconds if seconds > 0 else None,
        },
    }


def _in_memory(
    spec: PopulationSpec,
    summary: dict[str, Any],
    figures: list[TickFigures],
    relationships: list[dict[str, np.ndarray]],
    censored: dict[str, np.ndarray] | None,
    names: tuple[str, ...],
) -> storage.PopulationResults:
    import pyarrow as pa

    rel = None
    if spec.record_relationships:
        parts = [storage.relationships_table(r, names, censored=False) for r in relationships]
        if censored is not None:
            parts.append(storage.relationships_table(censored, names, censored=True))
        rel = pa.concat_tables(parts).unify_dictionaries().to_pandas()
    return storage.PopulationResults(
        out_dir=Path("."),
        summary=summary,
        timeseries=storage.timeseries_table(figures).to_pandas(),
        strategies=storage.strategies_table(figures, names).to_pandas(),
        relationships=rel,
    )
