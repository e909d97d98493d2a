"""The round-robin tournament: every pair of strategies, R repetitions, one master seed.

Matches are enumerated in a fixed order (pair, role assignment, repetition); match i gets
its seed from ``numpy.random.SeedSequence(master).generate_state``, so the results do not
depend on how many worker processes play them. Matches are played in chunks of
consecutive ids; with an output folder each finished chunk is stored at once (see
``tournaments.storage``), which is what makes ``resume`` possible.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
import math
import multiprocessing
import os
import platform
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from powergame.engine import play_match
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.player import Player
from tournaments import storage
from tournaments.spec import TournamentSpec

# A chunk holds about this many expected rounds: big enough that storing it costs a few
# per cent of playing it, small enough that an interrupted run loses little.
ROUNDS_PER_CHUNK = 50_000
SEED_MASK = (1 << 63) - 1  # seeds are stored as signed 64-bit integers


class StrategyEntryLike(Protocol):
    name: str
    classifier: dict[str, Any]


class RegistryLike(Protocol):
    """What the runner needs from a registry (``powergame.registry.Registry``)."""

    def get(self, name: str) -> Any: ...

    def create(self, name: str) -> Player: ...


RegistryLoader = Callable[[tuple[str, ...]], RegistryLike]


def default_registry_loader(plugins: tuple[str, ...]) -> RegistryLike:
    """The project's registry with the given plugin paths."""
    from powergame.registry import load_registry

    registry: RegistryLike = load_registry(list(plugins))
    return registry


@functools.lru_cache(maxsize=8)
def _registry(loader: RegistryLoader, plugins: tuple[str, ...]) -> RegistryLike:
    # Loading plugins imports modules; each worker process does it once per run.
    return loader(plugins)


# --- what is played -------------------------------------------------------------------------
@dataclass(frozen=True)
class MatchTask:
    """One match of the tournament: its id, repetition, the two strategies (as named in the
    spec; the first plays role A) and its seed."""

    match_id: int
    repetition: int
    strategy_a: str
    strategy_b: str
    seed: int


def role_assignments(spec: TournamentSpec) -> list[tuple[str, str]]:
    """The ordered (A, B) pairs of the round robin: each unordered pair once when the game
    is symmetric, in both role assignments when it is not; self-play unless switched off."""
    names = spec.strategies
    symmetric = spec.game.is_symmetric
    pairs: list[tuple[str, str]] = []
    for i, first in enumerate(names):
        for second in names[i:]:
            if first == second:
                if spec.self_play:
                    pairs.append((first, first))
                continue
            pairs.append((first, second))
            if not symmetric:
                pairs.append((second, first))
    return pairs


def enumerate_matches(spec: TournamentSpec) -> list[MatchTask]:
    """Every match in the fixed order (pair, role assignment, repetition), seeded from
    ``spec.seed``; in exact mode one task per pairing (repetition 0)."""
    pairs = role_assignments(spec)
    if spec.exact:  # each pairing is solved once; there is nothing to repeat or seed
        return [MatchTask(index, 0, a, b, 0) for index, (a, b) in enumerate(pairs)]
    count = len(pairs) * spec.repetitions
    seeds = np.random.SeedSequence(spec.seed).generate_state(count, dtype=np.uint64)
    tasks = []
    for index in range(count):
        pair, repetition = divmod(index, spec.repetitions)
        name_a, name_b = pairs[pair]
        tasks.append(MatchTask(index, repetition, name_a, name_b, int(seeds[index]) & SEED_MASK))
    return tasks


def chunk_size(game: Game) -> int:
    """Matches per chunk: about ``ROUNDS_PER_CHUNK`` expected rounds (depends only on the
    game, so a resumed run cuts the same chunks)."""
    return max(1, math.ceil(ROUNDS_PER_CHUNK / game.expected_horizon))


def chunk_tasks(tasks: Sequence[MatchTask], size: int) -> list[list[MatchTask]]:
    """Consecutive runs of ``size`` tasks; chunk i holds tasks [i*size, (i+1)*size)."""
    return [list(tasks[start : start + size]) for start in range(0, len(tasks), size)]


# --- playing ----------------------------------------------------------------------------------
def play_pair(
    game: Game, name_a: str, name_b: str, seeds: Sequence[int], registry: RegistryLike
) -> list[dict[str, Any]]:
    """Play ``name_a`` (role A) against ``name_b`` once per seed; one row per match with the
    strategy and family columns, every ``MatchResult.summary()`` key, the outside options
    and the played actions (everything of the per-match table but match_id/repetition).

    This is the one place matches are played: a faster engine replaces this function.
    """
    entry_a, entry_b = registry.get(name_a), registry.get(name_b)
    outside_a, outside_b = game.outside_options
    batched = _play_pair_batched(game, name_a, name_b, seeds, registry)
    if batched is not None:
        return batched
    rows = []
    for seed in seeds:
        result = play_match(game, registry.create(name_a), registry.create(name_b), seed)
        row: dict[str, Any] = {
            "strategy_a": entry_a.name,
            "strategy_b": entry_b.name,
            "family_a": entry_a.classifier["family"],
            "family_b": entry_b.classifier["family"],
        }
        row.update(result.summary())
        row.update(
            outside_a=outside_a, outside_b=outside_b, actions_a=result.actions_a, actions_b=result.actions_b
        )
        rows.append(row)
    return rows


# --- fast path (powergame.batch): both strategies have a state table ---------------------------
def _play_pair_batched(
    game: Game, name_a: str, name_b: str, seeds: Sequence[int], registry: RegistryLike
) -> list[dict[str, Any]] | None:
    """The rows of ``play_pair`` from the vectorized engine when both strategies expose a
    state table (same figures as play_match for deterministic tables; stochastic ones agree
    in distribution), else None."""
    player_a, player_b = registry.create(name_a), registry.create(name_b)
    table_a, table_b = player_a.state_table(), player_b.state_table()
    if table_a is None or table_b is None:
        return None
    from powergame.batch import play_batch

    entry_a, entry_b = registry.get(name_a), registry.get(name_b)
    strategy_columns = {
        "strategy_a": entry_a.name,
        "strategy_b": entry_b.name,
        "family_a": entry_a.classifier["family"],
        "family_b": entry_b.classifier["family"],
    }
    outside_a, outside_b = game.outside_options
    batch = play_batch(game, table_a, table_b, seeds, keep_actions=True)
    rows = []
    for summary in batch.rows(player_a.name, player_b.name, with_actions=True):
        row: dict[str, Any] = dict(strategy_columns)
        actions = {key: summary.pop(key) for key in ("actions_a", "actions_b")}
        row.update(summary)
        row.update(outside_a=outside_a, outside_b=outside_b, **actions)
        rows.append(row)
    return rows


# --- exact mode (powergame.exact_batch): every pairing solved as a Markov chain -----------------
def check_exact_strategies(names: Sequence[str], registry: RegistryLike) -> None:
    """ParameterError naming every strategy that has no state table (exact mode needs one)."""
    missing = [registry.get(name).name for name in names if registry.create(name).state_table() is None]
    if missing:
        raise ParameterError(
            "--exact",
            ", ".join(missing),
            "needs strategies with a state table; these have none (run without --exact to simulate them)",
        )


def solve_exact(game: Game, tasks: Sequence[MatchTask], registry: RegistryLike) -> list[dict[str, Any]]:
    """One row per task with the expected figures of its pairing (``exact_many``): the
    per-match columns (seed and realized-only columns null) plus ``exact``, ``p_lasted``,
    ``p_left_a``/``_b``/``_both`` and the ``survival`` curve."""
    from powergame.exact_batch import exact_many

    players: dict[str, Player] = {}
    for name in {t.strategy_a for t in tasks} | {t.strategy_b for t in tasks}:
        players[name] = registry.create(name)
    tables = {name: player.state_table() for name, player in players.items()}
    check_exact_strategies([name for name, table in tables.items() if table is None], registry)
    batch = exact_many(
        game,
        [(tables[t.strategy_a], tables[t.strategy_b]) for t in tasks],  # type: ignore[misc]
        [(players[t.strategy_a].name, players[t.strategy_b].name) for t in tasks],
    )
    outside_a, outside_b = game.outside_options
    rows = []
    for index, (task, summary) in enumerate(zip(tasks, batch.rows())):
        entry_a, entry_b = registry.get(task.strategy_a), registry.get(task.strategy_b)
        row: dict[str, Any] = {
            "match_id": task.match_id,
            "repetition": 0,
            "strategy_a": entry_a.name,
            "strategy_b": entry_b.name,
            "family_a": entry_a.classifier["family"],
            "family_b": entry_b.classifier["family"],
        }
        row.update(summary)
        row.update(
            outside_a=outside_a,
            outside_b=outside_b,
            actions_a=None,
            actions_b=None,
            exact=True,
            p_lasted=summary["censored"],
            p_left_a=summary["p_left_a"],
            p_left_b=summary["p_left_b"],
            p_left_both=summary["p_left_both"],
            survival=batch.survival_curve(index),
        )
        rows.append(row)
    return rows


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to play one chunk: plain data, no Player objects."""

    chunk_id: int
    tasks: tuple[MatchTask, ...]
    game: Game
    plugins: tuple[str, ...]
    registry_loader: RegistryLoader
    out_dir: str | None
    exact: bool = False


def play_chunk(job: ChunkJob) -> tuple[int, int, list[dict[str, Any]] | None]:
    """Play a chunk: returns (chunk id, number of matches, rows). With an output folder the
    rows are stored as the chunk's part file and not returned."""
    registry = _registry(job.registry_loader, job.plugins)
    if job.exact:
        rows = solve_exact(job.game, job.tasks, registry)
        if job.out_dir is None:
            return job.chunk_id, len(rows), rows
        storage.write_part(Path(job.out_dir), job.chunk_id, rows)
        return job.chunk_id, len(rows), None
    rows = []
    start = 0
    tasks = job.tasks
    while start < len(tasks):
        end = start
        pair = (tasks[start].strategy_a, tasks[start].strategy_b)
        while end < len(tasks) and (tasks[end].strategy_a, tasks[end].strategy_b) == pair:
            end += 1
        group = tasks[start:end]
        played = play_pair(job.game, pair[0], pair[1], [t.seed for t in group], registry)
        for task, row in zip(group, played):
            row["match_id"] = task.match_id
            row["repetition"] = task.repetition
            rows.append(row)
        start = end
    if job.out_dir is None:
        return job.chunk_id, len(rows), rows
    storage.write_part(Path(job.out_dir), job.chunk_id, rows)
    return job.chunk_id, len(rows), None


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --- the run ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TournamentResult:
    """A finished tournament: the per-match table, the summary (what ``summary.json`` holds)
    and the output folder (None for an in-memory run)."""

    spec: TournamentSpec
    matches: pd.DataFrame
    summary: dict[str, Any]
    out_dir: Path | None


def resolve_processes(processes: int) -> int:
    """``0`` means every core; otherwise at least 1."""
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 0:
        raise ParameterError("--processes", processes, "must be a whole number >= 0 (0 = all cores)")
    return processes or (os.cpu_count() or 1)


def run_tournament(
    spec: TournamentSpec,
    out_dir: str | os.PathLike[str] | None = None,
    processes: int = 1,
    resume: bool = False,
    force: bool = False,
    csv: bool = False,
    quiet: bool = True,
    plugins: Sequence[str] = (),
    registry_loader: RegistryLoader = default_registry_loader,
) -> TournamentResult:
    """Play the tournament ``spec`` describes.

    With ``out_dir`` every finished chunk is stored at once and the merged table and
    ``summary.json`` are written at the end; ``resume`` continues an interrupted run in
    that folder (same spec and plugins required) and ``force`` overwrites an old one.
    ``processes`` worker processes play the chunks (0 = all cores); the results are the
    same for any number. ``quiet=False`` shows a progress bar on stderr.
    """
    started = time.perf_counter()
    workers = resolve_processes(processes)
    plugins = tuple(plugins)
    registry = _registry(registry_loader, plugins)
    for error in getattr(registry, "errors", ()):
        if getattr(error, "plugin", None) in plugins:
            raise error  # a plugin the user asked for did not load
    resolved: dict[str, str] = {}
    for name in spec.strategies:
        display = registry.get(name).name  # unknown names fail here, before anything is written
        if display in resolved:
            raise ParameterError(
                "strategies", name, f"names the same strategy as {resolved[display]!r}; list each once"
            )
        resolved[display] = name
    if spec.exact:  # fail before anything is written
        check_exact_strategies(spec.strategies, registry)
    tasks = enumerate_matches(spec)
    size = max(1, len(tasks)) if spec.exact else chunk_size(spec.game)  # exact: one chunk
    chunks = chunk_tasks(tasks, size)
    folder = Path(out_dir) if out_dir is not None else None
    finished: set[int] = set()
    if folder is not None:
        run_record = {
            "fingerprint": spec.fingerprint(),
            "spec": spec.to_dict(),
            "plugins": list(plugins),
            "chunk_size": size,
        }
        finished = storage.prepare_folder(folder, run_record, resume=resume, force=force)
    jobs = [
        ChunkJob(
            i, tuple(chunk), spec.game, plugins, registry_loader, str(folder) if folder else None, spec.exact
        )
        for i, chunk in enumerate(chunks)
        if i not in finished
    ]
    resumed = len(finished)
    rows_by_chunk = _play_jobs(jobs, workers, finished, folder, quiet)
    play_seconds = time.perf_counter() - started

    if folder is not None:
        matches = storage.merge_parts(folder, range(len(chunks)), csv=csv)
    else:
        matches = storage.rows_to_frame([row for i in sorted(rows_by_chunk) for row in rows_by_chunk[i]])
    summary = build_summary(
        spec,
        matches,
        plugins=plugins,
        counts={
            "strategies": len(spec.strategies),
            "pairings": len(role_assignments(spec)),
            "matches": len(tasks),
            "chunks": len(chunks),
            "chunks_resumed": resumed,
            "processes": workers,
        },
        exact=spec.exact,
        timing={"play_seconds": round(play_seconds, 3)},
    )
    summary["timing"]["total_seconds"] = round(time.perf_counter() - started, 3)
    if folder is not None:
        storage.write_json_atomic(folder / storage.SUMMARY_FILE, summary)
    return TournamentResult(spec=spec, matches=matches, summary=summary, out_dir=folder)


def _play_jobs(
    jobs: list[ChunkJob], workers: int, finished: set[int], folder: Path | None, quiet: bool
) -> dict[int, list[dict[str, Any]]]:
    from tqdm import tqdm

    rows_by_chunk: dict[int, list[dict[str, Any]]] = {}
    total = sum(len(job.tasks) for job in jobs)
    with tqdm(total=total, unit="match", delay=1.0, disable=quiet, file=sys.stderr) as bar:

        def record(chunk_id: int, count: int, rows: list[dict[str, Any]] | None) -> None:
            if rows is not None:
                rows_by_chunk[chunk_id] = rows
            if folder is not None:
                finished.add(chunk_id)
                storage.write_manifest(folder, finished)
            bar.update(count)

        workers = min(workers, len(jobs))
        if workers <= 1:
            for job in jobs:
                record(*play_chunk(job))
            return rows_by_chunk
        context = multiprocessing.get_context("fork" if "fork" in _start_methods() else "spawn")
        pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=context, initializer=_ignore_interrupts
        )
        try:
            futures = [pool.submit(play_chunk, job) for job in jobs]
            for future in concurrent.futures.as_completed(futures):
                record(*future.result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return rows_by_chunk


def _start_methods() -> list[str]:
    return multiprocessing.get_all_start_methods()


# --- the summary ------------------------------------------------------------------------------
def build_summary(
    spec: TournamentSpec,
    matches: pd.DataFrame,
    plugins: tuple[str, ...],
    counts: dict[str, Any],
    timing: dict[str, Any],
    exact: bool = False,
) -> dict[str, Any]:
    """What ``summary.json`` holds: spec, seed, versions, counts, timing and headline tables
    (and, in exact mode, a note that each pairing was solved once)."""
    mode = {}
    if exact:
        mode = {
            "mode": "exact",
            "mode_note": "each pairing solved once as a Markov chain: figures are expectations; "
            "repetitions and the seed do not apply",
        }
    return {
        **mode,
        "name": spec.name,
        "spec": spec.to_dict(),
        "seed": spec.seed,
        "fingerprint": spec.fingerprint(),
        "plugins": list(plugins),
        "versions": _versions(),
        "counts": counts,
        "timing": timing,
        "headline": headline_tables(matches),
    }


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("powergame", "numpy", "pandas", "pyarrow"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found


def headline_tables(matches: pd.DataFrame) -> dict[str, Any]:
    """JSON-ready headline figures: the ranking per strategy and the family-level figures of
    ``tournaments.analysis.headline``."""
    from tournaments import analysis

    ranked = json.loads(analysis.ranking(matches).to_json(orient="records"))
    return {"ranking": ranked, **analysis.headline(matches)}
