"""The round-robin tournament: every pair of strategies, R repetitions, one master seed.

Matches are enumerated in a fixed order (pair, role assignment, repetition); match i gets
its seed from ``numpy.random.SeedSequence(master).generate_state``, so the results do not
depend on how many worker processes play them. Matches are played in chunks of
consecutive ids; with an output folder each finished chunk is stored at once (see
``tournaments.storage``), which is what makes ``resume`` possible.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import itertools
import json
import math
import multiprocessing
import os
import platform
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from powergame.engine import play_match
from powergame.errors import ParameterError, UnknownStrategyError
from powergame.game import Game
from powergame.player import Player
from powergame.state_table import StateTable
from powergame.time_limit import DEFAULT_MATCH_TIMEOUT, check_timeout, limited, set_match_time_limit
from powergame.work import check_work, tournament_estimate

from . import storage
from .seeding import match_seeds
from .spec import TournamentSpec

if TYPE_CHECKING:
    from powergame.exact_batch import ExactBatch

# A chunk holds about this many expected rounds: big enough that storing it costs little
# next to playing it (the batch engine plays 200k rounds of tabled pairs in a few ms), small
# enough that an interrupted run loses little (well under a second of the Python engine).
ROUNDS_PER_CHUNK = 200_000
PARENT_WATCH_SECONDS = 0.2  # how often a worker checks that the run's process still lives
IN_FLIGHT_PER_WORKER = 2  # chunks handed to each worker ahead of time (memory stays flat)


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


def _registry(loader: RegistryLoader, plugins: tuple[str, ...]) -> RegistryLike:
    from powergame.plugins import env_plugin_paths

    return _cached_registry(loader, plugins, tuple(env_plugin_paths()))


@functools.lru_cache(maxsize=8)
def _cached_registry(
    loader: RegistryLoader, plugins: tuple[str, ...], environment: tuple[str, ...]
) -> RegistryLike:
    # Loading plugins imports modules; each worker process does it once per run (the
    # POWERGAME_PLUGINS files are part of the key: they are loaded too).
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


def match_count(spec: TournamentSpec, pairs: Sequence[tuple[str, str]] | None = None) -> int:
    """How many matches the tournament plays (in exact mode: one per pairing)."""
    pairings = len(role_assignments(spec) if pairs is None else pairs)
    return pairings if spec.exact else pairings * spec.repetitions


def matches_between(
    spec: TournamentSpec, start: int, stop: int, pairs: Sequence[tuple[str, str]] | None = None
) -> list[MatchTask]:
    """Matches [start, stop) in the fixed order (pair, role assignment, repetition), seeded
    from ``spec.seed`` (see ``tournaments.seeding``); in exact mode one task per pairing
    (repetition 0, seed 0). Costs only what the slice costs, however big the tournament."""
    pairs = role_assignments(spec) if pairs is None else pairs
    stop = min(stop, match_count(spec, pairs))
    if spec.exact:  # each pairing is solved once; there is nothing to repeat or seed
        return [MatchTask(index, 0, pairs[index][0], pairs[index][1], 0) for index in range(start, stop)]
    seeds = match_seeds(spec.seed, start, stop)
    tasks = []
    for index, seed in zip(range(start, stop), seeds):
        pair, repetition = divmod(index, spec.repetitions)
        name_a, name_b = pairs[pair]
        tasks.append(MatchTask(index, repetition, name_a, name_b, seed))
    return tasks


def enumerate_matches(spec: TournamentSpec) -> list[MatchTask]:
    """Every match of the tournament (``matches_between`` over the whole range)."""
    return matches_between(spec, 0, match_count(spec))


def iter_chunks(
    spec: TournamentSpec, size: int, skip: Collection[int] = ()
) -> Iterator[tuple[int, list[MatchTask]]]:
    """(chunk id, its tasks) for every chunk not in ``skip``, built one at a time: chunk i
    holds matches [i*size, (i+1)*size)."""
    pairs = role_assignments(spec)
    total = match_count(spec, pairs)
    for chunk_id in range(math.ceil(total / size)):
        if chunk_id not in skip:
            yield chunk_id, matches_between(spec, chunk_id * size, (chunk_id + 1) * size, pairs)


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

    Tournaments play whole chunks at once (``play_chunk``); this plays one pair alone with
    the same figures."""
    strategies = _ChunkStrategies(registry)
    table = _play_groups(game, [(name_a, name_b, tuple(seeds))], strategies)
    return table.drop_columns(["match_id", "repetition"]).to_pylist()


class _ChunkStrategies:
    """What a chunk needs to know of each strategy, looked up once per name, game and role
    and registry (shared by the chunks a process plays with the same registry): the
    registry entry, the player's name and its state table in that role of that game (None:
    it has none)."""

    def __init__(self, registry: RegistryLike) -> None:
        self.registry = registry
        try:
            self._known = _KNOWN_STRATEGIES.setdefault(registry, {})
        except TypeError:  # a registry that cannot be weakly referenced
            self._known = {}

    def lookup(self, name: str, game: Game, role: int) -> tuple[Any, str, StateTable | None]:
        key = (name, game, role)
        known = self._known.get(key)
        if known is None:
            player = self.registry.create(name)
            known = (self.registry.get(name), player.name, table_in(player, game, role))
            self._known[key] = known
        return known


def table_in(player: Player, game: Game, role: int) -> StateTable | None:
    """The player's state table in ``role`` of ``game``: asked once the player has joined a
    match, so that a table that depends on the game (Least Interest's) is known."""
    player.join_match(game, role, 0)
    return player.state_table()


_KNOWN_STRATEGIES: weakref.WeakKeyDictionary[
    Any, dict[tuple[str, Game, int], tuple[Any, str, StateTable | None]]
] = weakref.WeakKeyDictionary()


def _play_groups(
    game: Game,
    groups: Sequence[tuple[str, str, tuple[int, ...]]],
    strategies: _ChunkStrategies,
    ids: Sequence[tuple[int, int]] | None = None,
) -> pa.Table:
    """The per-match table of ``groups`` (name A, name B, seeds), in order: pairs whose two
    strategies have a state table in one ``play_pairs`` call (each match the very match
    ``play_match`` plays with its seed), the others through ``play_match``. ``ids`` gives each match's (match_id, repetition) (default: 0, 0)."""
    tabled = [
        i
        for i, (name_a, name_b, seeds) in enumerate(groups)
        if strategies.lookup(name_a, game, 0)[2] is not None
        and strategies.lookup(name_b, game, 1)[2] is not None
        and _batch_can_play(game, seeds)
    ]
    tabled_set = set(tabled)
    whole = _play_tabled(game, [groups[i] for i in tabled], strategies) if tabled else None
    if len(tabled) == len(groups):
        table = whole  # every pair in the batch engine: its table as it is, in one piece
    else:
        blocks: dict[int, pa.Table] = {}
        start = 0
        for i in tabled:
            assert whole is not None
            blocks[i] = whole.slice(start, len(groups[i][2]))
            start += len(groups[i][2])
        for i, (name_a, name_b, seeds) in enumerate(groups):
            if i not in tabled_set:
                blocks[i] = storage.rows_to_table(
                    _play_python(game, name_a, name_b, seeds, strategies), ids=False
                )
        table = pa.concat_tables([blocks[i] for i in range(len(groups))]).combine_chunks()
    count = sum(len(seeds) for _, _, seeds in groups)
    match_ids = (
        np.zeros(count, dtype=np.int64) if ids is None else np.array([m for m, _ in ids], dtype=np.int64)
    )
    repetitions = (
        np.zeros(count, dtype=np.int64) if ids is None else np.array([r for _, r in ids], dtype=np.int64)
    )
    id_columns = [pa.array(match_ids, pa.int64()), pa.array(repetitions, pa.int64())]
    if table is None:
        return storage.SCHEMA.empty_table()
    return pa.Table.from_arrays(id_columns + table.columns, schema=storage.SCHEMA)


def _batch_can_play(game: Game, seeds: Sequence[int]) -> bool:
    """Whether every match of these seeds fits the batch engine's longest horizon (longer
    ones are played by ``play_match``)."""
    from powergame.batch import MAX_HORIZON, draw_horizons

    if game.continuation is None:
        return game.rounds is not None and game.rounds <= MAX_HORIZON
    if game.continuation**MAX_HORIZON < 1e-12:  # P(n > MAX_HORIZON) = w^MAX_HORIZON
        return True
    return bool(draw_horizons(game, seeds).max() <= MAX_HORIZON)


def _play_python(
    game: Game, name_a: str, name_b: str, seeds: Sequence[int], strategies: _ChunkStrategies
) -> list[dict[str, Any]]:
    """Rows (without match_id/repetition) from the Python engine."""
    registry = strategies.registry
    entry_a, entry_b = strategies.lookup(name_a, game, 0)[0], strategies.lookup(name_b, game, 1)[0]
    outside_a, outside_b = game.outside_options
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


def _play_tabled(
    game: Game,
    groups: Sequence[tuple[str, str, tuple[int, ...]]],
    strategies: _ChunkStrategies,
) -> pa.Table:
    """The per-match table (without ids) of pairs that both have a state table, played
    together by the batch engine; columns built straight from its arrays."""
    from powergame import power
    from powergame.batch import LEFT_BY_CODES, play_pairs

    looked_up = [(strategies.lookup(a, game, 0), strategies.lookup(b, game, 1)) for a, b, _ in groups]
    batch = play_pairs(
        game,
        [(known_a[2], known_b[2]) for known_a, known_b in looked_up],  # type: ignore[misc]
        [seeds for _, _, seeds in groups],
        keep_actions=True,
    )
    counts = [len(seeds) for _, _, seeds in groups]
    total = len(batch)

    pair_of_match = pa.array(np.repeat(np.arange(len(counts)), counts))

    def per_pair(values: list[Any]) -> pa.Array:
        return pa.array(values, pa.string()).take(pair_of_match)

    def constant(value: Any, kind: pa.DataType) -> pa.Array:
        return pa.array([value], kind).take(pa.array(np.zeros(total, dtype=np.int64)))

    left_by = pa.array(LEFT_BY_CODES, pa.string()).take(pa.array(batch.left_by))
    outside_a, outside_b = game.outside_options
    assert batch.actions_a is not None and batch.actions_b is not None
    columns = {
        "strategy_a": per_pair([a[0].name for a, _ in looked_up]),
        "strategy_b": per_pair([b[0].name for _, b in looked_up]),
        "family_a": per_pair([a[0].classifier["family"] for a, _ in looked_up]),
        "family_b": per_pair([b[0].classifier["family"] for _, b in looked_up]),
        "player_a": per_pair([a[1] for a, _ in looked_up]),
        "player_b": per_pair([b[1] for _, b in looked_up]),
        "seed": pa.array(batch.seeds, pa.int64()),
        "horizon": pa.array(batch.horizon, pa.int64()),
        "rounds_together": pa.array(batch.rounds_together, pa.int64()),
        "left_by": left_by,
        "exit_round": pa.array(batch.exit_round, pa.int64(), mask=batch.exit_round == 0),
        "censored": pa.array(batch.left_by == 0, pa.bool_()),
        **{
            name: pa.array(getattr(batch, name), pa.float64())
            for name in (
                "total_a",
                "total_b",
                "score_a",
                "score_b",
                "cooperation_a",
                "cooperation_b",
                "mutual_cooperation",
                "mean_stake",
            )
        },
        "structural_dependence_a": constant(power.structural_dependence(game, 0), pa.float64()),
        "structural_dependence_b": constant(power.structural_dependence(game, 1), pa.float64()),
        "power_index": constant(power.power_index(game), pa.float64()),
        "least_interest": constant(power.least_interest_partner(game), pa.string()),
        "realized_dependence_a": pa.array(batch.realized_dependence_a, pa.float64()),
        "realized_dependence_b": pa.array(batch.realized_dependence_b, pa.float64()),
        "power_shifts": pa.array(batch.power_shifts, pa.int64()),
        "power_share_a": pa.array(batch.power_share_a, pa.float64()),
        "power_share_b": pa.array(batch.power_share_b, pa.float64()),
        "outside_a": constant(outside_a, pa.float64()),
        "outside_b": constant(outside_b, pa.float64()),
        "actions_a": pa.array(batch.actions_a, pa.string()),
        "actions_b": pa.array(batch.actions_b, pa.string()),
    }
    return pa.Table.from_pydict(columns, schema=storage.MATCH_SCHEMA)


def check_strategy_names(spec: TournamentSpec, registry: RegistryLike) -> None:
    """Every name is known and names a different strategy; the error of a spec read from a
    file names the file and the list entry (before anything is written)."""
    resolved: dict[str, str] = {}
    for index, name in enumerate(spec.strategies):
        try:
            display = registry.get(name).name
            canonical = getattr(registry, "canonical_name", None)
            if canonical is not None:
                display = canonical(name)
            if display in resolved:
                raise ParameterError(
                    "strategies", name, f"names the same strategy as {resolved[display]!r}; list each once"
                )
        except (UnknownStrategyError, ParameterError) as exc:
            if not spec.source:
                raise
            if isinstance(exc, UnknownStrategyError):
                reason = _unknown_reason(exc)
            elif exc.name == "strategies":
                reason = exc.allowed
            else:  # a bad parameter of the strategy
                reason = f"{exc.name} = {exc.value!r} {exc.allowed}"
            raise ParameterError(f"{spec.source}: strategies[{index}]", name, reason) from None
        resolved[display] = name


def _unknown_reason(error: UnknownStrategyError) -> str:
    return f"no strategy has this name{error.hint} (`powergame strategies` lists them)"


# --- exact mode (powergame.exact_batch): every pairing solved as a Markov chain -----------------
def check_exact_strategies(names: Sequence[str], registry: RegistryLike, game: Game | None = None) -> None:
    """ParameterError naming every strategy that has no state table (exact mode needs one);
    with ``game``, a table known once the game is (in both roles) counts."""

    def tabled(name: str) -> bool:
        if game is None:
            return registry.create(name).state_table() is not None
        return all(table_in(registry.create(name), game, role) is not None for role in (0, 1))

    missing = [registry.get(name).name for name in names if not tabled(name)]
    if missing:
        raise ParameterError(
            "--exact",
            ", ".join(missing),
            "needs strategies with a state table; these have none (run without --exact to simulate them)",
        )


def solve_pairings(game: Game, tasks: Sequence[MatchTask], registry: RegistryLike) -> ExactBatch:
    """Every task's pairing solved exactly (``exact_many``), in order; a strategy without a
    state table in this game is refused with one clear error."""
    from powergame.exact_batch import exact_many

    players: dict[str, Player] = {}
    for name in {t.strategy_a for t in tasks} | {t.strategy_b for t in tasks}:
        players[name] = registry.create(name)
    tables = {
        (name, role): table_in(player, game, role) for name, player in players.items() for role in (0, 1)
    }
    check_exact_strategies(
        sorted({name for (name, _), table in tables.items() if table is None}), registry, game
    )
    batch = exact_many(
        game,
        [(tables[t.strategy_a, 0], tables[t.strategy_b, 1]) for t in tasks],  # type: ignore[misc]
        [(players[t.strategy_a].name, players[t.strategy_b].name) for t in tasks],
    )
    return batch


def solve_exact_table(game: Game, tasks: Sequence[MatchTask], registry: RegistryLike) -> pa.Table:
    """One row per task with the expected figures of its pairing, as an Arrow table of
    ``storage.EXACT_SCHEMA``: the per-match columns (seed and realized-only columns null)
    plus ``exact``, ``p_lasted``, ``p_left_a``/``_b``/``_both`` and the ``survival`` curve,
    built column by column from the solver's arrays (no per-row dicts or curve lists)."""
    from powergame import power
    from powergame.exact_batch import FIGURES

    batch = solve_pairings(game, tasks, registry)
    count = len(tasks)
    entries = {
        name: registry.get(name) for name in {t.strategy_a for t in tasks} | {t.strategy_b for t in tasks}
    }
    lengths = batch.survival_length
    curves = batch.survival
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    flat = curves[np.arange(curves.shape[1])[None, :] < lengths[:, None]] if count else np.zeros(0)
    outside_a, outside_b = game.outside_options
    constants = {
        "repetition": 0,
        "horizon": game.expected_horizon,
        "structural_dependence_a": power.structural_dependence(game, 0),
        "structural_dependence_b": power.structural_dependence(game, 1),
        "power_index": power.power_index(game),
        "least_interest": power.least_interest_partner(game),
        "outside_a": outside_a,
        "outside_b": outside_b,
        "exact": True,
    }
    arrays: dict[str, Any] = {
        "match_id": np.array([t.match_id for t in tasks], dtype=np.int64),
        "strategy_a": [entries[t.strategy_a].name for t in tasks],
        "strategy_b": [entries[t.strategy_b].name for t in tasks],
        "family_a": [entries[t.strategy_a].classifier["family"] for t in tasks],
        "family_b": [entries[t.strategy_b].classifier["family"] for t in tasks],
        "player_a": list(batch.player_a),
        "player_b": list(batch.player_b),
        "censored": batch.p_censored,
        "p_lasted": batch.p_censored,
        **{name: batch.figures[name] for name in FIGURES},
    }
    columns = []
    for field in storage.EXACT_SCHEMA:
        if field.name == "survival":
            columns.append(pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, pa.float64())))
        elif field.name in arrays:
            columns.append(pa.array(arrays[field.name], field.type))
        elif field.name in constants:
            columns.append(pa.array(np.full(count, constants[field.name]), field.type))
        else:  # seed, left_by, exit_round, power shifts and shares, actions: realized only
            columns.append(pa.nulls(count, field.type))
    return pa.Table.from_arrays(columns, schema=storage.EXACT_SCHEMA)


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


def play_chunk(job: ChunkJob) -> tuple[int, int, pa.Table | None]:
    """Play a chunk: returns (chunk id, number of matches, its per-match table). With an
    output folder the table is stored as the chunk's part file and not returned."""
    registry = _registry(job.registry_loader, job.plugins)
    if job.exact:
        table = solve_exact_table(job.game, job.tasks, registry)
    else:
        groups: list[tuple[str, str, tuple[int, ...]]] = []
        start = 0
        tasks = job.tasks
        while start < len(tasks):
            end = start
            pair = (tasks[start].strategy_a, tasks[start].strategy_b)
            while end < len(tasks) and (tasks[end].strategy_a, tasks[end].strategy_b) == pair:
                end += 1
            groups.append((*pair, tuple(t.seed for t in tasks[start:end])))
            start = end
        ids = [(t.match_id, t.repetition) for t in tasks]
        table = _play_groups(job.game, groups, _ChunkStrategies(registry), ids)
    if job.out_dir is None:
        return job.chunk_id, table.num_rows, table
    storage.write_part(Path(job.out_dir), job.chunk_id, table)
    return job.chunk_id, table.num_rows, None


def _start_worker(match_timeout: float, parent: int, locks: tuple[int, ...]) -> None:
    """A worker process's set-up: Ctrl-C is the parent's to handle (it reaches the whole
    process group); the per-match time limit; the inherited copies of the parent's folder
    locks are closed (the lock must go when the run's process does); and the worker exits
    as soon as its parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_match_time_limit(match_timeout)
    for descriptor in locks:
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _exit_with_parent(parent)


def _exit_with_parent(parent: int) -> None:
    """End this process when ``parent`` dies: at once on Linux (PR_SET_PDEATHSIG), and
    everywhere within ``PARENT_WATCH_SECONDS`` (a thread watching the parent's id)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="powergame-parent-watch", daemon=True).start()


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
    max_work: float | None = None,
    max_memory_gb: float | None = None,
    match_timeout: float = DEFAULT_MATCH_TIMEOUT,
    warn: Callable[[str], None] | None = None,
) -> TournamentResult:
    """Play the tournament ``spec`` describes.

    With ``out_dir`` every finished chunk is stored at once and the merged table and
    ``summary.json`` are written at the end; ``resume`` continues an interrupted run in
    that folder (same spec and plugin contents required; chunks that fail their checksum
    are played again) and ``force`` overwrites an old one.
    ``processes`` worker processes play the chunks (0 = all cores); the results are the
    same for any number. ``quiet=False`` shows a progress bar on stderr.

    Before anything is played the work is estimated (``powergame.work``) and refused
    above ``max_work`` expected rounds or ``max_memory_gb`` GB. A match that runs longer
    than ``match_timeout`` seconds (0: no limit) stops the run with
    ``MatchTimeLimitError`` naming its pairing. Broken plugins are reported through
    ``warn`` (default: ``warnings.warn``); only a requested strategy that is missing is
    an error.
    """
    started = time.perf_counter()
    workers = resolve_processes(processes)
    timeout = check_timeout(match_timeout)
    plugins = tuple(plugins)
    say = warn if warn is not None else _warn
    pairs = role_assignments(spec)
    total = match_count(spec, pairs)
    check_work(tournament_estimate(spec.game, total, spec.exact), max_work, max_memory_gb)
    registry = _registry(registry_loader, plugins)
    for error in getattr(registry, "errors", ()):
        say(str(error))
    check_strategy_names(spec, registry)
    if spec.exact:  # fail before anything is written
        check_exact_strategies(spec.strategies, registry, spec.game)
    size = max(1, total) if spec.exact else chunk_size(spec.game)  # exact: one chunk
    chunks = math.ceil(total / size)
    folder = Path(out_dir) if out_dir is not None else None
    # One run at a time per folder: a second run or --resume into it is refused meanwhile.
    with storage.folder_lock(folder) if folder is not None else contextlib.nullcontext():
        finished: dict[int, str | None] = {}
        if folder is not None:
            from powergame.plugins import plugin_fingerprints

            run_record = {
                "fingerprint": spec.fingerprint(),
                "spec": spec.to_dict(),
                "plugins": plugin_fingerprints(plugins),
                "chunk_size": size,
            }
            finished = storage.prepare_folder(folder, run_record, resume=resume, force=force, warn=say)
        resumed = len(finished)
        remaining = total - sum(min(size, total - chunk * size) for chunk in finished)
        jobs = (
            ChunkJob(
                i,
                tuple(chunk),
                spec.game,
                plugins,
                registry_loader,
                str(folder) if folder else None,
                spec.exact,
            )
            for i, chunk in iter_chunks(spec, size, skip=set(finished))
        )
        rows_by_chunk = _play_jobs(
            jobs, remaining, min(workers, chunks - resumed), finished, folder, quiet, timeout
        )
        play_seconds = time.perf_counter() - started

        if folder is not None:
            matches = storage.merge_parts(folder, range(chunks), csv=csv, expected_matches=total)
        else:
            matches = storage.tables_to_frame([rows_by_chunk[i] for i in sorted(rows_by_chunk)])
        summary = build_summary(
            spec,
            matches,
            plugins=plugins,
            counts={
                "strategies": len(spec.strategies),
                "pairings": len(pairs),
                "matches": total,
                "chunks": chunks,
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


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, stacklevel=3)


def _play_jobs(
    jobs: Iterable[ChunkJob],
    total: int,
    workers: int,
    finished: dict[int, str | None],
    folder: Path | None,
    quiet: bool,
    match_timeout: float,
) -> dict[int, pa.Table]:
    """Play the chunks (built lazily: a few ahead of the workers, so memory does not grow
    with their number) and record each as it finishes."""
    from tqdm import tqdm

    rows_by_chunk: dict[int, pa.Table] = {}
    with tqdm(total=total, unit="match", delay=1.0, disable=quiet, file=sys.stderr) as bar:

        def record(chunk_id: int, count: int, rows: pa.Table | None) -> None:
            if rows is not None:
                rows_by_chunk[chunk_id] = rows
            if folder is not None:
                finished[chunk_id] = storage.file_checksum(storage.part_path(folder, chunk_id))
                storage.write_manifest(folder, finished)
            bar.update(count)

        queue = iter(jobs)
        if workers <= 1:
            with limited(match_timeout):
                for job in queue:
                    record(*play_chunk(job))
            return rows_by_chunk
        context = multiprocessing.get_context("fork" if "fork" in _start_methods() else "spawn")
        pool = concurrent.futures.ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(match_timeout, os.getpid(), storage.held_lock_descriptors()),
        )
        try:
            running = {
                pool.submit(play_chunk, job)
                for job in itertools.islice(queue, workers * IN_FLIGHT_PER_WORKER)
            }
            while running:
                done, running = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    record(*future.result())
                running |= {pool.submit(play_chunk, job) for job in itertools.islice(queue, len(done))}
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
        "versions": dict(_installed_versions()),
        "counts": counts,
        "timing": timing,
        "headline": headline_tables(matches),
    }


@functools.lru_cache(maxsize=1)
def _installed_versions() -> tuple[tuple[str, str], ...]:
    # Reading package metadata takes about a millisecond; it cannot change during a run.
    return tuple(_versions().items())


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
    from . import analysis

    long = analysis.to_long(matches)  # once for both
    ranked = analysis.ranking(long)
    return {"ranking": json.loads(ranked.to_json(orient="records")), **analysis.headline(long, ranked)}
