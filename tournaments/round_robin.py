"""The round-robin tournament: every pair of strategies, R repetitions, one master seed.

Matches are enumerated in a fixed order (pair, role assignment, repetition); match i gets
its seed from ``numpy.random.SeedSequence(master).generate_state``, so the results do not
depend on how many worker processes play them. Matches are played in chunks of
consecutive ids; with an output folder each finished chunk is stored at once (see
``tournaments.storage``), which is what makes ``resume`` possible. The engine façade
(``powergame.play``) plays them; the runner adds the columns that are the tournament's.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
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
import pyarrow as pa

from powergame.arrow_arrays import array, gathered_strings
from powergame.errors import ParameterError, UnknownStrategyError, WorkerLostError
from powergame.game import Game
from powergame.play import AUTO, Entrant, Pairing, Pairings, auto_engine, get_engine, play
from powergame.play import table_in as table_in  # re-exported: callers import it from here
from powergame.player import Player
from powergame.time_limit import DEFAULT_MATCH_TIMEOUT, check_timeout, limited, set_match_time_limit
from powergame.work import check_work, tournament_estimate

from . import storage
from .parallel_runs import resolve_processes
from .seeding import match_seeds
from .spec import TournamentSpec

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd

    from .analysis import Sides

# A chunk holds about this many expected rounds: big enough that storing it costs little
# next to playing it (the batch engine plays 200k rounds of tabled pairs in a few ms), small
# enough that an interrupted run loses little (well under a second of the Python engine).
ROUNDS_PER_CHUNK = 200_000
# With every pairing in the batch engine a chunk of ROUNDS_PER_CHUNK rounds plays in about
# 5 ms, and building, storing and recording it cost another 3.6 ms: such runs are cut into
# chunks this many times larger (a chunk of the default spec then plays in about 60 ms).
BATCH_CHUNK_FACTOR = 10
PARENT_WATCH_SECONDS = 0.2  # how often a worker checks that the run's process still lives
IN_FLIGHT_PER_WORKER = 3  # chunks handed to each worker ahead of time (memory stays flat)
# The manifest is rewritten at most this often (and always when play ends or is stopped): a
# run killed outright plays again at most what finished in the last interval (with one
# process, or what finished while the next chunk played, if that took longer). Rewriting it
# for each of 400 chunks cost the run's process 0.4 s of CPU and 3 s of waiting on the disk.
MANIFEST_SECONDS = 0.25


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


def role_assignment_numbers(spec: TournamentSpec) -> tuple[np.ndarray, np.ndarray]:
    """``role_assignments`` as numbers in ``spec.strategies``: (A's, B's), in the same
    order, without a tuple each."""
    names = np.array(spec.strategies, dtype=object)
    first, second = np.triu_indices(len(names))  # by first, then second from first on
    same = names[first] == names[second] if len(names) else np.zeros(0, dtype=bool)
    copies = np.where(same, int(spec.self_play), 1 if spec.game.is_symmetric else 2)
    a, b = np.repeat(first, copies), np.repeat(second, copies)
    swapped = np.arange(len(a)) - np.repeat(np.cumsum(copies) - copies, copies) == 1  # (second, first)
    a[swapped], b[swapped] = b[swapped], a[swapped].copy()
    return a.astype(np.intp), b.astype(np.intp)


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


def chunk_size(game: Game, batch: bool = False) -> int:
    """Matches per chunk: about ``ROUNDS_PER_CHUNK`` expected rounds, ``BATCH_CHUNK_FACTOR``
    times more when the batch engine plays every pairing (``batch``). A resumed run keeps
    the chunks its folder was cut into."""
    rounds = ROUNDS_PER_CHUNK * (BATCH_CHUNK_FACTOR if batch else 1)
    return max(1, math.ceil(rounds / game.expected_horizon))


def batch_plays_every_pairing(spec: TournamentSpec, registry: RegistryLike) -> bool:
    """Whether the engine façade's ``auto`` gives every pairing of ``spec`` to the batch
    engine, whatever the seeds: both sides have a state table in their role of its game, no
    engine ranks before it, and no match can outlast the batch engine's longest horizon
    (under a continuation probability w, w ** MAX_HORIZON < 1e-12, as ``batch_can_play``)."""
    from powergame.batch import MAX_HORIZON

    game = spec.game
    if game.continuation is not None and game.continuation**MAX_HORIZON >= 1e-12:
        return False  # some seeds draw horizons the batch engine refuses
    strategies = _ChunkStrategies(registry)
    names = set(spec.strategies)
    a, b = ({name: strategies.lookup(name, game, role)[1] for name in names} for role in (0, 1))
    for first, second in role_assignments(spec):
        chosen = auto_engine(game, Pairing(a[first], b[second], ()))
        if chosen is None or chosen.name != "batch":
            return False
    return True


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
    registry entry and the strategy as the engines see it (``powergame.play.Entrant``:
    the player's name and its state table in that role of that game)."""

    def __init__(self, registry: RegistryLike) -> None:
        self.registry = registry
        try:
            self._known = _KNOWN_STRATEGIES.setdefault(registry, {})
        except TypeError:  # a registry that cannot be weakly referenced
            self._known = {}

    def lookup(self, name: str, game: Game, role: int) -> tuple[Any, Entrant]:
        key = (name, game, role)
        known = self._known.get(key)
        if known is None:
            known = (
                self.registry.get(name),
                Entrant.of(functools.partial(self.registry.create, name), game, role),
            )
            self._known[key] = known
        return known


_KNOWN_STRATEGIES: weakref.WeakKeyDictionary[Any, dict[tuple[str, Game, int], tuple[Any, Entrant]]] = (
    weakref.WeakKeyDictionary()
)


def _play_groups(
    game: Game,
    groups: Sequence[tuple[str, str, tuple[int, ...]]],
    strategies: _ChunkStrategies,
    ids: Sequence[tuple[int, int]] | np.ndarray | None = None,
    engine: str = AUTO,
) -> pa.Table:
    """The per-match table of ``groups`` (name A, name B, seeds), in order, played by the
    engine façade (``powergame.play``), with the columns the tournament gives added: each
    match's (match_id, repetition) from ``ids`` (default: 0, 0), the strategies' names and
    families and the outside options. With ``engine="exact"`` one row per group, of
    ``storage.EXACT_SCHEMA``."""
    # Each name is looked up once per role; a pairing refers to its two by number (a tournament
    # of 162 strategies has 26,244 pairings but only 324 entrants).
    sides: tuple[list[tuple[Any, Entrant]], list[tuple[Any, Entrant]]] = ([], [])
    numbers: tuple[dict[str, int], dict[str, int]] = ({}, {})
    chosen: tuple[list[int], list[int]] = ([], [])
    for name_a, name_b, _ in groups:
        for role, name in ((0, name_a), (1, name_b)):
            number = numbers[role].get(name)
            if number is None:
                number = numbers[role][name] = len(sides[role])
                sides[role].append(strategies.lookup(name, game, role))
            chosen[role].append(number)
    pairings = [Pairing(sides[0][a][1], sides[1][b][1], group[2]) for a, b, group in zip(*chosen, groups)]
    exact = get_engine(engine).exact if engine != AUTO else False
    schema = storage.EXACT_SCHEMA if exact else storage.SCHEMA
    if not groups:
        return schema.empty_table()
    played = play(game, pairings, engine)
    per_row = np.array(chosen, dtype=np.intp)  # (2, pairings): each side's number
    if not exact:  # a row per match
        per_row = np.repeat(per_row, [len(seeds) for _, _, seeds in groups], axis=1)
    return _tournament_table(game, played, sides, per_row, ids, schema)


def _play_exact(job: ChunkJob, strategies: _ChunkStrategies) -> pa.Table:
    """The table of an exact chunk (``storage.EXACT_SCHEMA``, one row per pairing): what
    ``_play_groups`` gives for its pairings, played from their numbers (``Pairings``)
    without a tuple or a ``Pairing`` each."""
    game, names = job.spec.game, job.spec.strategies
    first, second = (numbers[job.start : job.stop] for numbers in role_assignment_numbers(job.spec))
    if not len(first):
        return storage.EXACT_SCHEMA.empty_table()
    sides = tuple([strategies.lookup(name, game, role) for name in names] for role in (0, 1))
    entrant_a, entrant_b = ([entrant for _, entrant in side] for side in sides)
    played = play(game, Pairings(entrant_a, entrant_b, first, second, [(0,)] * len(first)), "exact")
    ids = np.zeros((len(first), 2), dtype=np.int64)
    ids[:, 0] = np.arange(job.start, job.start + len(first))
    return _tournament_table(game, played, sides, np.stack([first, second]), ids, storage.EXACT_SCHEMA)


def _tournament_table(
    game: Game,
    played: pa.Table,
    sides: Sequence[Sequence[tuple[Any, Entrant]]],
    per_row: np.ndarray,
    ids: Sequence[tuple[int, int]] | np.ndarray | None,
    schema: pa.Schema,
) -> pa.Table:
    """``played`` (the engines' record) with the columns the tournament gives: each row's
    (match_id, repetition) from ``ids`` (default 0, 0), the names and families of its
    sides (``per_row[role]``: the row's number in ``sides[role]``, of (registry entry,
    entrant)) and the outside options."""
    total = played.num_rows

    def per_side(role: int, values: list[str]) -> pa.Array:
        return gathered_strings(values, per_row[role])

    outside_a, outside_b = game.outside_options
    identities = np.zeros((total, 2), dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
    given: dict[str, pa.Array] = {
        "match_id": array(identities[:, 0], pa.int64()),
        "repetition": array(identities[:, 1], pa.int64()),
        "strategy_a": per_side(0, [entry.name for entry, _ in sides[0]]),
        "strategy_b": per_side(1, [entry.name for entry, _ in sides[1]]),
        "family_a": per_side(0, [entry.classifier["family"] for entry, _ in sides[0]]),
        "family_b": per_side(1, [entry.classifier["family"] for entry, _ in sides[1]]),
        "outside_a": array(np.full(total, outside_a, dtype=np.float64), pa.float64()),
        "outside_b": array(np.full(total, outside_b, dtype=np.float64), pa.float64()),
    }
    columns = [given[field.name] if field.name in given else played.column(field.name) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema)


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

    strategies = _ChunkStrategies(registry)  # the entrants are kept for the chunks to play

    def tabled(name: str) -> bool:
        if game is None:
            return registry.create(name).state_table() is not None
        return all(strategies.lookup(name, game, role)[1].table is not None for role in (0, 1))

    missing = [registry.get(name).name for name in names if not tabled(name)]
    if missing:
        raise ParameterError(
            "--exact",
            ", ".join(missing),
            "needs strategies with a state table; these have none (run without --exact to simulate them)",
        )
    if game is not None:
        tables = [
            (registry.get(name).name, strategies.lookup(name, game, role)[1].table)
            for name in names
            for role in (0, 1)
        ]
        unit = [name for name, table in tables if table is not None and table.unit_stakes_only]
        partial = [name for name, table in tables if table is not None and not table.full_stakes]
        if unit and partial:
            raise ParameterError(
                "--exact",
                f"{unit[0]} against {partial[0]}",
                "needs tables that hold at every stake offered: the first reads payoffs at stake 1 and the "
                "second offers less (run without --exact to play this pair in the Python engine)",
            )


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to play one chunk: plain data, no Player objects. The
    chunk is matches [start, stop) of ``spec``; the worker enumerates them itself (sending
    a small spec costs the run's process less than sending a thousand tasks)."""

    chunk_id: int
    spec: TournamentSpec
    start: int
    stop: int
    plugins: tuple[str, ...]
    registry_loader: RegistryLoader
    out_dir: str | None
    whole: bool = False  # the run's only chunk: its part is stored as matches.parquet will be

    @property
    def tasks(self) -> list[MatchTask]:
        """The chunk's matches, in order."""
        return matches_between(self.spec, self.start, self.stop)


def play_chunk(job: ChunkJob, mapped: bool = False) -> tuple[int, int, pa.Table, str | None]:
    """Play a chunk: returns (chunk id, number of matches, its per-match table, the
    checksum of its part file). With an output folder the table is also stored as the
    chunk's part file (else the checksum is None); ``mapped``: the run's process will map
    the part for the table (``storage.write_part``)."""
    strategies = _ChunkStrategies(_registry(job.registry_loader, job.plugins))
    if job.spec.exact:  # one row per pairing
        table = _play_exact(job, strategies)
    else:
        groups, ids = _chunk_groups(job)
        table = _play_groups(job.spec.game, groups, strategies, ids)
    checksum = None
    if job.out_dir is not None:
        checksum = storage.write_part(Path(job.out_dir), job.chunk_id, table, whole=job.whole, mapped=mapped)
    return job.chunk_id, table.num_rows, table, checksum


def _play_chunk_in_worker(job: ChunkJob) -> tuple[int, int, pa.Table | None, str | None]:
    """``play_chunk`` in a worker process: a chunk stored in a part file is sent back without
    its table (the run's process maps the part, stored uncompressed for it, when it merges;
    receiving a pickled table of 1,000 matches through the pipe cost it 1.2 ms, and the
    worker 1.7 ms to send it)."""
    chunk_id, count, table, checksum = play_chunk(job, mapped=True)
    return chunk_id, count, None if job.out_dir is not None else table, checksum


Groups = list[tuple[str, str, tuple[int, ...]]]  # (name A, name B, the seeds of its matches)


def _chunk_groups(job: ChunkJob) -> tuple[Groups, np.ndarray]:
    """The chunk's runs of consecutive matches of one pairing (names and seeds) and each
    match's (match_id, repetition), as its ``tasks`` give them, computed from the range
    without a task per match: a tenth of the 1.1 ms a chunk of 1,000 matches spent building
    and grouping its tasks."""
    spec = job.spec
    pairs = role_assignments(spec)
    stop = min(job.stop, match_count(spec, pairs))
    start = min(job.start, stop)
    if start == stop:
        return [], np.zeros((0, 2), dtype=np.int64)
    seeds = match_seeds(spec.seed, start, stop)
    index = np.arange(start, stop, dtype=np.int64)
    ids = np.column_stack([index, index % spec.repetitions])
    groups: Groups = []
    for pair in range(start // spec.repetitions, -(-stop // spec.repetitions)):
        first = max(start, pair * spec.repetitions) - start
        last = min(stop, (pair + 1) * spec.repetitions) - start
        groups.append((*pairs[pair], tuple(seeds[first:last])))
    return groups, ids


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
    """A finished tournament: the per-match table (``table``, as Arrow; ``matches``, the
    same as a pandas DataFrame, built when first asked for), the summary (what
    ``summary.json`` holds) and the output folder (None for an in-memory run)."""

    spec: TournamentSpec
    table: pa.Table
    summary: dict[str, Any]
    out_dir: Path | None

    @functools.cached_property
    def matches(self) -> pd.DataFrame:
        """The per-match table as ``storage.load_matches`` gives it."""
        return storage.table_to_frame(self.table)

    @functools.cached_property
    def long(self) -> Sides:
        """The long table of ``tournaments.analysis`` (numpy columns; no pandas)."""
        from .analysis import sides

        return sides(self.table)


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
    question: str | None = None,
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
    an error. ``question`` is what the answer in the summary answers (default: the spec's
    description; ``powergame run`` passes the question of the spec file's header).
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
    # exact: one chunk
    size = max(1, total) if spec.exact else chunk_size(spec.game, batch_plays_every_pairing(spec, registry))
    folder = Path(out_dir) if out_dir is not None else None
    # One run at a time per folder: a second run or --resume into it is refused meanwhile.
    with storage.folder_lock(folder) if folder is not None else contextlib.nullcontext():
        if folder is not None and resume and not spec.exact:
            # A folder resumes in the chunks it was cut into, by whichever version: a match's
            # result does not depend on its chunk.
            size = storage.recorded_chunk_size(folder) or size
        chunks = math.ceil(total / size)
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
                spec,
                i * size,
                min(total, (i + 1) * size),
                plugins,
                registry_loader,
                str(folder) if folder else None,
                whole=chunks == 1,
            )
            for i in range(chunks)
            if i not in finished
        )
        tables = _play_jobs(jobs, remaining, min(workers, chunks - resumed), finished, folder, quiet, timeout)
        play_seconds = time.perf_counter() - started
        writing = None
        if folder is not None:
            matches, single = storage.gather_parts(
                folder, range(chunks), expected_matches=total, tables=tables
            )
            # The Parquet writer encodes in C++ without the interpreter's lock: it writes the
            # merged table on a second thread while this one builds the summary.
            writing = _in_background(storage.write_merged, folder, matches, csv=csv, single=single)
        else:
            ordered = [tables[i] for i in sorted(tables)]
            matches = pa.concat_tables(ordered) if ordered else storage.SCHEMA.empty_table()
        from .analysis import sides

        try:
            long = sides(matches)  # once for the summary and whoever reads the result
            summary = build_summary(
                spec,
                long,
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
                question=spec.description.strip() if question is None else question,
                timing={"play_seconds": round(play_seconds, 3)},
            )
        finally:
            if writing is not None:
                writing.result()  # written (or its error raised) before the run ends
        summary["timing"]["total_seconds"] = round(time.perf_counter() - started, 3)
        if folder is not None:
            storage.write_json_atomic(folder / storage.SUMMARY_FILE, summary)
        result = TournamentResult(spec=spec, table=matches, summary=summary, out_dir=folder)
        result.__dict__["long"] = long
        return result


def _in_background(function: Callable[..., None], *args: Any, **kwargs: Any) -> Future[None]:
    """``function(*args, **kwargs)`` on a thread of its own; its future."""
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(1, thread_name_prefix="powergame-merge")
    try:
        return executor.submit(function, *args, **kwargs)
    finally:
        executor.shutdown(wait=False)  # the thread ends when the function returns


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
    with their number) and record each as it finishes; returns the tables that came with
    their chunks (those played in this process, and all without a folder). A worker's
    stored chunk is left in its part file, which the merge maps (the page cache's pages, not
    memory of this process: see storage): reading each part back as its chunk finished cost
    this process 2-3 s of CPU on 1.6 million matches, taken from the workers' two cores."""
    rows_by_chunk: dict[int, pa.Table] = {}
    manifest = storage.ManifestWriter(folder, len(finished)) if folder is not None else None
    last_write = -math.inf

    def write_manifest(now: float) -> None:
        nonlocal last_write
        if manifest is not None and manifest.update(finished):
            last_write = now

    with _progress(total, quiet) as bar:

        def record(chunk_id: int, count: int, rows: pa.Table | None, checksum: str | None) -> None:
            if rows is not None:  # played here, or sent back (no folder)
                rows_by_chunk[chunk_id] = rows
            if folder is not None:
                finished[chunk_id] = checksum
                now = time.monotonic()
                if now - last_write >= MANIFEST_SECONDS:
                    write_manifest(now)
            bar.update(count)

        try:
            _play_queue(iter(jobs), workers, match_timeout, record, lambda: write_manifest(time.monotonic()))
        finally:  # every chunk stored so far is recorded, whether the run ends or is stopped
            if manifest is not None:
                manifest.close(finished)
    return rows_by_chunk


def _play_queue(
    queue: Iterator[ChunkJob],
    workers: int,
    match_timeout: float,
    record: Callable[[int, int, pa.Table | None, str | None], None],
    idle: Callable[[], None] = lambda: None,
) -> None:
    """Play the chunks here (``workers`` <= 1) or in a pool of worker processes, a few
    chunks ahead of them, and ``record`` each as it finishes; with a pool, ``idle`` is
    called whenever no chunk has finished for ``MANIFEST_SECONDS``."""
    if workers <= 1:
        with limited(match_timeout):
            for job in queue:
                record(*play_chunk(job))
        return
    import concurrent.futures  # only a pool needs them
    import concurrent.futures.process
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in _start_methods() else "spawn")
    pool = concurrent.futures.ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(match_timeout, os.getpid(), storage.held_lock_descriptors()),
    )
    try:
        running = {
            pool.submit(_play_chunk_in_worker, job)
            for job in itertools.islice(queue, workers * IN_FLIGHT_PER_WORKER)
        }
        while running:
            done, running = concurrent.futures.wait(
                running, timeout=MANIFEST_SECONDS, return_when=concurrent.futures.FIRST_COMPLETED
            )
            if not done:
                idle()
                continue
            # The workers' next chunks first: recording these must not keep a worker waiting.
            running |= {pool.submit(_play_chunk_in_worker, job) for job in itertools.islice(queue, len(done))}
            for future in done:
                record(*future.result())
    except concurrent.futures.process.BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        raise WorkerLostError() from None
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


class _NoProgress:
    def update(self, count: int) -> None:
        pass


def _progress(total: int, quiet: bool) -> Any:
    """A progress bar on stderr (tqdm, imported only when one is shown)."""
    if quiet:
        return contextlib.nullcontext(_NoProgress())
    from tqdm import tqdm

    return tqdm(total=total, unit="match", delay=1.0, file=sys.stderr)


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


# --- the summary ------------------------------------------------------------------------------
def build_summary(
    spec: TournamentSpec,
    matches: Any,
    plugins: tuple[str, ...],
    counts: dict[str, Any],
    timing: dict[str, Any],
    exact: bool = False,
    question: str = "",
) -> dict[str, Any]:
    """What ``summary.json`` holds: spec, seed, versions, counts, timing, headline tables,
    the answer to the spec's question (``tournaments.answer``) and, in exact mode, a note
    that each pairing was solved once. ``matches`` is the per-match table (Arrow or pandas)
    or its ``analysis.sides``."""
    from . import analysis
    from .answer import answer

    long = analysis.sides(matches)  # once for the headline and the answer
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
        "headline": headline_tables(long),
        "answer": answer(long, question),
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


def headline_tables(matches: Any) -> dict[str, Any]:
    """JSON-ready headline figures: the ranking per strategy (its numbers rounded to 10
    decimals, ``analysis.json_number``) and the family-level figures of
    ``tournaments.analysis.headline``. ``matches`` is the per-match table (Arrow or pandas)
    or its ``analysis.sides``."""
    from . import analysis

    long = analysis.sides(matches)  # once for both
    ranked = analysis.ranking_columns(long)
    ranking = [{k: analysis.json_number(v) for k, v in row.items()} for row in analysis.rows(ranked)]
    return {"ranking": ranking, **analysis.headline(long, ranked)}
