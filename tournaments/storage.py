"""A tournament's output folder: per-match records written chunk by chunk, atomically, so
an interrupted run resumes without re-running or losing anything.

Layout of a results folder::

    run.json            what is being run (the spec, plugins) and its fingerprint
    manifest.json       ids of the chunks whose part file is complete, with checksums
    parts/chunk-00007.arrow     the rows of one finished chunk (Arrow IPC: LZ4, or uncompressed from a worker)
    matches.parquet     all rows, merged in match order (written at the end)
    matches.csv         the same, with --csv
    summary.json        spec, seed, versions, counts, timing and headline tables

Every file is written to a temporary name in the same folder and then moved into place
with ``os.replace``, so a reader (or a resumed run) sees either the old file or the new
one, never half of one. The bookkeeping files are also made durable (flushed to the disk
before they take their name, their folder after), and the part files a manifest lists
are flushed, in one batch, before that manifest is: after a power loss the manifest on
disk names only chunks whose part files reached the disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from powergame import record, record_arrow
from powergame.arrow_arrays import to_numpy
from powergame.errors import ParameterError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    import pandas as pd

RUN_FILE = "run.json"
MANIFEST_FILE = "manifest.json"
PARTS_DIR = "parts"
MATCHES_FILE = "matches.parquet"
CSV_FILE = "matches.csv"
SUMMARY_FILE = "summary.json"
REPORT_DIR = "report"  # written by `powergame report` (tournaments.report); stale once results change
OWN_FILES = (RUN_FILE, MANIFEST_FILE, PARTS_DIR, MATCHES_FILE, CSV_FILE, SUMMARY_FILE, REPORT_DIR)

# The per-match table: one row per match, the record's columns in their order (and, of an
# exact run, one row per pairing: see powergame.record_arrow).
SCHEMA = record_arrow.SCHEMA
EXACT_SCHEMA = record_arrow.EXACT_SCHEMA
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
# What playing a match gives: every column but the match's id and repetition.
MATCH_SCHEMA = pa.schema([field for field in SCHEMA if field.name not in record.ID_COLUMNS])
NULLABLE_TEXT = ("left_by", "least_interest")  # text that may be missing in a played match


def schema_for_rows(rows: Sequence[dict[str, Any]]) -> pa.Schema:
    """``EXACT_SCHEMA`` for the rows of an exact run, else ``SCHEMA``."""
    return EXACT_SCHEMA if rows and rows[0].get("exact") else SCHEMA


def schema_of_file(path: Path) -> pa.Schema:
    """The schema a stored per-match table was written with."""
    return EXACT_SCHEMA if "exact" in pq.read_schema(path).names else SCHEMA


# --- tables -----------------------------------------------------------------------------
def rows_to_table(rows: Sequence[dict[str, Any]], ids: bool = True) -> pa.Table:
    """Rows (dicts with at least the ``COLUMNS`` keys) as an Arrow table of ``SCHEMA``
    (``EXACT_SCHEMA`` for the rows of an exact run); with ``ids=False`` rows without
    match_id and repetition as a table of ``MATCH_SCHEMA``."""
    schema = schema_for_rows(rows) if ids else MATCH_SCHEMA
    return pa.Table.from_pydict({name: [row[name] for row in rows] for name in schema.names}, schema=schema)


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """The pandas form of the per-match table, with the nullable columns typed: exit_round
    as ``Int64`` and left_by / least_interest as ``string`` (missing values are <NA>)."""
    frame = table.to_pandas()  # imports pandas: only what reads a frame pays for it
    frame["exit_round"] = frame["exit_round"].astype("Int64")
    for column in NULLABLE_TEXT:
        frame[column] = frame[column].astype("string")
    return frame


def rows_to_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the per-match DataFrame (same types as ``load_matches``)."""
    return table_to_frame(rows_to_table(rows))


def tables_to_frame(tables: Sequence[pa.Table]) -> pd.DataFrame:
    """Per-match tables (of one schema), one after the other, as the per-match DataFrame."""
    return table_to_frame(pa.concat_tables(tables) if tables else SCHEMA.empty_table())


def load_matches(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The per-match table of a results folder (``matches.parquet``)."""
    return table_to_frame(load_match_table(folder))


def load_match_table(folder: str | os.PathLike[str]) -> pa.Table:
    """``load_matches`` as an Arrow table."""
    path = Path(folder) / MATCHES_FILE
    if not path.is_file():
        raise ParameterError(
            "results folder", str(folder), f"must contain {MATCHES_FILE} (a finished `powergame run`)"
        )
    try:
        return pq.read_table(path, schema=schema_of_file(path))
    except (pa.ArrowException, OSError) as exc:
        raise ParameterError(
            "results folder",
            str(folder),
            f"its {MATCHES_FILE} cannot be read ({type(exc).__name__}); run it again",
        ) from None


# --- atomic writes ----------------------------------------------------------------------
def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_json_atomic(path: Path, data: Any, indent: int | None = 2, first: Sequence[Path] = ()) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and ``os.replace``, durably
    (``_replace_durably``; ``first``: files and folders flushed along with it, before it
    takes its name). ``indent=None``: on one line, which json encodes in C, several times
    faster."""
    tmp = _temporary(path)
    tmp.write_text(json.dumps(data, indent=indent, sort_keys=False, default=str) + "\n", encoding="utf-8")
    _replace_durably(tmp, path, first)


# At most this many files are flushed at once: the file system commits concurrent flushes
# together (a manifest naming 20 new part files took 18 ms on threads against 43-51 ms with
# the parts flushed one after another).
FSYNC_THREADS = 8


def _replace_durably(tmp: Path, path: Path, first: Sequence[Path] = ()) -> None:
    """Move the written file ``tmp`` to ``path`` so that a power loss leaves the old file or
    the whole new one: ``tmp`` and ``first`` are flushed to the disk before the rename (without
    it a file system may store the new name before the data, leaving an empty file), the
    folder after it (the rename itself)."""
    _fsync_all([*first, tmp])
    os.replace(tmp, path)
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    """Flush a file's data or a folder's entries to the disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_all(paths: Sequence[Path]) -> None:
    """``_fsync`` every path, several at a time on threads (fsync waits without the
    interpreter's lock)."""
    if len(paths) <= 1:
        for path in paths:
            _fsync(path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(FSYNC_THREADS, len(paths)), thread_name_prefix="powergame-fsync") as pool:
        for _ in pool.map(_fsync, paths):  # raises the first error
            pass


# Rows per Parquet row group of a table with survival curves: the writer holds a whole group's
# encoded pages at once, so smaller groups bound its memory (an exact run of the 162-strategy
# space peaked 35 MiB lower than with one group of 26,244 rows, for a file 0.1 MB larger).
ROW_GROUP_ROWS = 4096
# Rows per row group of a simulated run's table (about 40 bytes a row once encoded): fewer,
# larger groups cost the writer less per column (800,000 rows: 0.7 s of CPU against 0.9 s
# with groups of 4,096) and read back faster.
MATCH_ROW_GROUP_ROWS = 65_536


# An exact run's survival curves (200 numbers a pairing, 5.2 M for the 162-strategy space) are
# stored plain and LZ4-compressed rather than dictionary-encoded, and without min/max statistics:
# the dictionary's hashing of every number cost the run ~40 ms of CPU more for a file 0.2 MB
# smaller, the statistics (which no reader filters curves by) ~8 ms.
CURVE_COLUMN = "survival"
CURVE_PATH = "survival.list.element"
CURVE_COMPRESSION = "lz4"
# Columns whose values are (nearly) all different: a dictionary only costs its hashing and
# falls back to plain pages anyway. Dictionary-encoding the ids and seeds made them larger
# (match_id 4.6 MB against 3.2 MB plain at 800,000 rows) and their encoding three times
# slower; the transcripts are 1 in 7 distinct. Every other column (names, flags, figures
# with a few thousand distinct values) stays dictionary-encoded, all Snappy-compressed.
PLAIN_COLUMNS = frozenset({"match_id", "repetition", "seed", "actions_a", "actions_b", CURVE_COLUMN})


def _write_parquet(table: pa.Table, where: Path) -> None:
    names = table.column_names
    dictionary = [name for name in names if name not in PLAIN_COLUMNS]
    if CURVE_COLUMN not in names:
        pq.write_table(table, where, row_group_size=MATCH_ROW_GROUP_ROWS, use_dictionary=dictionary)
        return
    others = [name for name in names if name != CURVE_COLUMN]
    pq.write_table(
        table,
        where,
        row_group_size=ROW_GROUP_ROWS,
        use_dictionary=dictionary,
        compression={**dict.fromkeys(others, "snappy"), CURVE_PATH: CURVE_COMPRESSION},
        write_statistics=others,
    )


def _write_parquet_atomic(path: Path, table: pa.Table) -> None:
    tmp = _temporary(path)
    _write_parquet(table, tmp)
    os.replace(tmp, path)


# Part files are the run's own (read back by the merge and a resumed run): Arrow's IPC file
# format, read back memory-mapped (``_read_part_file``). A part a worker process stores for
# the run's process to merge is uncompressed, so that the merged table's buffers are the
# part's pages, which the worker left in the page cache, instead of memory the run's process
# allocates and fills: on the virtual machines we measure on, memory a process touches for the
# first time costs about 2 s of system time a GB, and decompressing the LZ4 parts of 1.6 million
# matches (750 MB) cost the run's process 2-3 s, mapping uncompressed ones 0.3 s
# (docs/processes.md). The price is disk: 460 bytes a match against about 100 with LZ4. A part
# the run's process stores itself, whose table it keeps, is read back only by a resumed run and
# is LZ4-compressed. A part is never rewritten in place while a table of it may be in use (a
# truncated mapping is a bus error): parts are written to a temporary file and renamed, and
# removed by unlinking. The only chunk of a run (an exact run has one) is stored as Parquet
# instead, in the merged file's form, so that the merge copies it.
PART_SUFFIX = ".arrow"
WHOLE_PART_SUFFIX = ".parquet"
PART_COMPRESSION = "lz4"  # of a part the run's process keeps the table of (see above)
PART_BATCH_ROWS = 4096
# The heap is trimmed around storing a chunk only when it is the run's only one or this large
# (an exact run's): for a chunk of 1,000 matches the trimming cost 320 page faults and 0.6 ms
# of system time each time, as the next chunk took the memory back.
TRIM_BYTES = 32 << 20


def part_path(folder: Path, chunk_id: int, suffix: str = PART_SUFFIX) -> Path:
    """Where the part file of chunk ``chunk_id`` goes (``suffix``: ``WHOLE_PART_SUFFIX`` for
    the only chunk of a run)."""
    return folder / PARTS_DIR / f"chunk-{chunk_id:05d}{suffix}"


def stored_part_path(folder: Path, chunk_id: int) -> Path | None:
    """The part file stored for chunk ``chunk_id`` (Arrow, or Parquet: the only chunk of a
    run, or any chunk of a folder written before parts were Arrow files); None if none is."""
    for suffix in (PART_SUFFIX, WHOLE_PART_SUFFIX):
        path = part_path(folder, chunk_id, suffix)
        if path.is_file():
            return path
    return None


def write_part(
    folder: Path,
    chunk_id: int,
    rows: Sequence[dict[str, Any]] | pa.Table,
    whole: bool = False,
    mapped: bool = False,
) -> str:
    """Store the rows (or the table) of one finished chunk (atomically); returns the part
    file's checksum (``file_checksum``), computed before the file takes its name. ``whole``:
    the chunk is the whole run, stored as ``matches.parquet`` will be (the merge copies it).
    ``mapped``: another process will map it for its table, so it is stored uncompressed.

    The part is not flushed to the disk here: ``write_manifest`` flushes the parts it records
    for the first time, all at once, before the manifest names them (flushing each part of
    1,000 matches and its folder kept the writer waiting 4-6 ms, three times what storing
    it takes: ``benchmarks/durable_writes.py --parts``)."""
    table = rows if isinstance(rows, pa.Table) else rows_to_table(rows)
    trim = whole or table.nbytes >= TRIM_BYTES
    if trim:  # what playing the chunk freed goes back to the system before the writer's buffers come
        _trim_heap()
    path = part_path(folder, chunk_id, WHOLE_PART_SUFFIX if whole else PART_SUFFIX)
    tmp = _temporary(path)
    if whole:
        _write_parquet(table, tmp)  # straight to the file: a whole-file buffer would add its size to the peak
    else:
        _write_ipc(table, tmp, None if mapped else PART_COMPRESSION)
    checksum = file_checksum(tmp)  # read back from the page cache, before the part becomes visible
    os.replace(tmp, path)
    # A part of the other kind for this chunk (an earlier version's Parquet part of a chunk
    # played again on resume) would only take disk space: one part file per chunk.
    other = part_path(folder, chunk_id, PART_SUFFIX if whole else WHOLE_PART_SUFFIX)
    with contextlib.suppress(FileNotFoundError):
        other.unlink()
    if trim:
        pa.default_memory_pool().release_unused()  # and the writer's buffers after it
        _trim_heap()
    return checksum


def _write_ipc(table: pa.Table, where: Path, compression: str | None = PART_COMPRESSION) -> None:
    # One thread: Arrow's pool compressing a small part's columns in parallel cost 0.9 ms of
    # CPU a chunk against 0.5 ms.
    options = pa.ipc.IpcWriteOptions(compression=compression, use_threads=False)
    with pa.OSFile(str(where), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=PART_BATCH_ROWS)


def read_part(folder: Path, chunk_id: int) -> pa.Table:
    """The table of one stored chunk."""
    path = stored_part_path(folder, chunk_id)
    if path is None:
        raise FileNotFoundError(part_path(folder, chunk_id))
    return _read_part_file(path)


def _trim_heap() -> None:
    """Return the C heap's free memory to the system (glibc's ``malloc_trim``; elsewhere
    nothing). numpy frees into that heap and Arrow allocates from its own pool, so without
    this a large chunk's write would come on top of what its solving left free."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)


# --- the run's bookkeeping ------------------------------------------------------------------
def file_checksum(path: Path) -> str:
    """A 64-bit BLAKE2b digest of the file's bytes (hex): what the manifest records per chunk."""
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(folder: Path, name: str) -> Any:
    """A bookkeeping file's data; a damaged one is a one-line ParameterError naming it."""
    path = folder / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParameterError(
            "results folder",
            str(folder),
            f"its {name} is damaged ({type(exc).__name__}); use --force to start the run over",
        ) from None


def recorded_chunk_size(folder: Path) -> int | None:
    """The matches per chunk the run in ``folder`` was cut into (its ``run.json``); None when
    there is no readable record of it."""
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError, AttributeError):
        size = json.loads((folder / RUN_FILE).read_text(encoding="utf-8")).get("chunk_size")
        if isinstance(size, int) and not isinstance(size, bool) and size > 0:
            return size
    return None


def read_checksums(folder: Path) -> dict[int, str | None]:
    """The chunks recorded as finished, each with its part file's checksum (None when the
    manifest has none, as written by an older version)."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return {}
    data = _read_json(folder, MANIFEST_FILE)
    try:
        checksums = data.get("checksums", {})
        return {int(chunk): checksums.get(str(int(chunk))) for chunk in data["finished_chunks"]}
    except (AttributeError, KeyError, TypeError, ValueError):
        raise ParameterError(
            "results folder",
            str(folder),
            f"its {MANIFEST_FILE} is damaged; use --force to start the run over",
        ) from None


def read_manifest(folder: Path) -> set[int]:
    """Ids of the chunks recorded as finished."""
    return set(read_checksums(folder))


def write_manifest(folder: Path, finished: Mapping[int, str | None] | Iterable[int]) -> None:
    """Record which chunks are finished (atomically and durably), with the checksum of each
    part file when ``finished`` maps chunk ids to checksums. The part files of the chunks
    the manifest on disk does not list yet (with that checksum) are flushed to the disk
    first, with the ``parts`` folder, so that the manifest never names a part a power loss
    could take back."""
    checksums = dict(finished) if isinstance(finished, Mapping) else dict.fromkeys(finished)
    first = _unrecorded_parts(folder, checksums)
    write_json_atomic(
        folder / MANIFEST_FILE,
        {
            "finished_chunks": sorted(checksums),
            "checksums": {str(chunk): value for chunk, value in sorted(checksums.items()) if value},
        },
        indent=None,  # rewritten as chunks finish; indented, json encodes it in Python
        first=[*first, folder / PARTS_DIR] if first else (),
    )


class ManifestWriter:
    """Writes ``manifest.json`` on a thread of its own, so that flushing the part files it
    names (``write_manifest``) never holds up play. ``update(finished)`` hands it the
    finished chunks; while a write is under way it is skipped (the next write takes the
    chunks finished meanwhile). ``close(finished)`` writes what is left and waits. A write's
    error is raised by the next call."""

    def __init__(self, folder: Path, recorded: int) -> None:
        self.folder = folder
        self.recorded = recorded  # chunks the manifest on disk (or being written) holds
        self._pending: Future[None] | None = None
        self._thread: ThreadPoolExecutor | None = None

    def update(self, finished: Mapping[int, str | None], wait: bool = False) -> bool:
        """Start writing a manifest of ``finished`` unless it holds no new chunk or (without
        ``wait``) the previous write is still under way; whether one was started. ``wait``:
        wait for the previous write, and for this one."""
        if self._pending is not None and (wait or self._pending.done()):
            pending, self._pending = self._pending, None
            pending.result()
        if len(finished) == self.recorded or self._pending is not None:
            return False
        if self._thread is None:
            from concurrent.futures import ThreadPoolExecutor

            self._thread = ThreadPoolExecutor(1, thread_name_prefix="powergame-manifest")
        self._pending = self._thread.submit(write_manifest, self.folder, dict(finished))
        self.recorded = len(finished)
        if wait:
            pending, self._pending = self._pending, None
            pending.result()
        return True

    def close(self, finished: Mapping[int, str | None]) -> None:
        """Write the manifest of ``finished`` if it holds new chunks, and wait until written."""
        try:
            self.update(finished, wait=True)
        finally:
            if self._thread is not None:
                self._thread.shutdown()


def _unrecorded_parts(folder: Path, checksums: Mapping[int, str | None]) -> list[Path]:
    """The stored part files of the chunks in ``checksums`` that the manifest on disk does
    not list with the same checksum (all of them when it is missing or damaged)."""
    try:
        recorded = read_checksums(folder)
    except ParameterError:
        recorded = {}
    paths = []
    for chunk, checksum in checksums.items():
        if chunk in recorded and recorded[chunk] == checksum:
            continue
        path = stored_part_path(folder, chunk)
        if path is not None:
            paths.append(path)
    return paths


LOCK_FILE = ".lock"
_HELD_LOCKS: set[int] = set()  # descriptors of the folder locks this process holds


def held_lock_descriptors() -> tuple[int, ...]:
    """The file descriptors of the folder locks held now (a forked worker closes its copies,
    so that the lock goes away with the run that took it)."""
    return tuple(_HELD_LOCKS)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` while a run writes to it: another run (or a
    ``--resume``) into the same folder is refused until this one ends. The operating
    system drops the lock when the process dies, kill -9 included (worker processes do
    not keep it: they close their inherited copy when they start)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ParameterError(
                "--out",
                str(folder),
                "is in use by another run right now; wait for it or choose another folder",
            ) from None
        _HELD_LOCKS.add(handle.fileno())
        try:
            yield
        finally:
            _HELD_LOCKS.discard(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_folder(
    folder: Path,
    run_record: dict[str, Any],
    resume: bool,
    force: bool,
    warn: Callable[[str], None] | None = None,
) -> dict[int, str | None]:
    """Make ``folder`` ready for the run described by ``run_record`` (which must hold a
    ``fingerprint``) and return the chunks already finished with their checksums (empty
    unless resuming; a chunk whose part file is missing, damaged or not this run's is
    left out, so it is played again, and ``warn`` is told).

    A non-empty folder is an error unless ``resume`` (same fingerprint required) or
    ``force`` (the folder must be a results folder; only the files a run writes are
    deleted, anything else in it stays).
    """
    if folder.exists() and not folder.is_dir():
        raise ParameterError("--out", str(folder), "must be a folder, not a file")
    existing = [p for p in folder.iterdir() if p.name != LOCK_FILE] if folder.is_dir() else []
    if existing and resume:
        return _resume_state(folder, run_record, warn)
    if existing and not force:
        raise ParameterError(
            "--out",
            str(folder),
            "is not empty; use --resume to continue the run in it or --force to overwrite it",
        )
    if existing:
        if not (folder / RUN_FILE).is_file():
            raise ParameterError(
                "--force",
                str(folder),
                f"overwrites only a results folder (one with {RUN_FILE}); this one holds other files: "
                "choose an empty or new folder",
            )
        _remove_own_files(folder)
    (folder / PARTS_DIR).mkdir(parents=True, exist_ok=True)
    write_manifest(folder, {})
    write_json_atomic(folder / RUN_FILE, run_record)
    return {}


def _resume_state(
    folder: Path, run_record: dict[str, Any], warn: Callable[[str], None] | None
) -> dict[int, str | None]:
    run_path = folder / RUN_FILE
    if not run_path.is_file():
        raise ParameterError(
            "--resume", str(folder), f"needs a folder written by `powergame run` (no {RUN_FILE} in it)"
        )
    previous = _read_json(folder, RUN_FILE)
    if not isinstance(previous, dict) or not isinstance(previous.get("spec", {}), dict):
        raise ParameterError(
            "results folder", str(folder), f"its {RUN_FILE} is damaged; use --force to start over"
        )
    if previous.get("fingerprint") != run_record["fingerprint"] or previous.get("plugins") != run_record.get(
        "plugins"
    ):
        differing = sorted(
            key
            for key in set(previous.get("spec", {})) | set(run_record["spec"])
            if key != "description" and previous.get("spec", {}).get(key) != run_record["spec"].get(key)
        )
        if previous.get("plugins") != run_record.get("plugins"):
            differing.append(
                "plugins" + _plugin_difference(previous.get("plugins"), run_record.get("plugins"))
            )
        raise ParameterError(
            "--resume",
            str(folder),
            "the folder holds a different tournament (differs in: "
            + (", ".join(differing) or "format")
            + "); resume with the same spec, seed and plugins, or use --force to start over",
        )
    if previous.get("chunk_size") != run_record.get("chunk_size"):
        raise ParameterError(
            "--resume",
            str(folder),
            f"the folder was cut into chunks of {previous.get('chunk_size')} matches by another version "
            f"(this one uses {run_record.get('chunk_size')}); use --force to start over",
        )
    (folder / PARTS_DIR).mkdir(exist_ok=True)
    for leftover in list(folder.glob(".*.tmp-*")) + list((folder / PARTS_DIR).glob(".*.tmp-*")):
        leftover.unlink(missing_ok=True)
    try:
        recorded = read_checksums(folder)
    except ParameterError:  # cut short (a power loss before writes were flushed): nothing counts as finished
        recorded = {}
        if warn is not None:
            warn(
                f"{MANIFEST_FILE} is empty or damaged (cut short, e.g. by a power loss): no chunk "
                "counts as finished, every chunk is played again"
            )
        write_manifest(folder, {})
    verified: dict[int, str | None] = {}
    for chunk, checksum in sorted(recorded.items()):
        path = stored_part_path(folder, chunk)
        if path is None:
            continue
        if checksum is not None and file_checksum(path) == checksum:
            verified[chunk] = checksum
            continue
        if warn is not None:
            why = "has no recorded checksum" if checksum is None else "is damaged or not this run's"
            warn(
                f"{path.relative_to(folder)} {why} (its checksum differs from the manifest): playing it again"
            )
        path.unlink()
    if verified != recorded:  # the manifest on disk names only verified parts (write_manifest relies on it)
        write_manifest(folder, verified)
    return verified


def _plugin_difference(before: Any, now: Any) -> str:
    """`` (my_strategies.py changed)`` when the plugin records say which file changed."""
    try:
        old = {item["file"]: item.get("sha256") for item in before if "file" in item}
        new = {item["file"]: item.get("sha256") for item in now if "file" in item}
    except (TypeError, KeyError, AttributeError):
        return ""
    changed = sorted(name for name in old.keys() & new.keys() if old[name] != new[name])
    return f" ({', '.join(changed)} changed since the run started)" if changed else ""


_OWN_PART = re.compile(r"chunk-\d{5,}\.(parquet|arrow)|\.chunk-\d{5,}\.(parquet|arrow)\.tmp-\d+")
_OWN_TEMPORARY = re.compile(r"\.(run|manifest|summary)\.json\.tmp-\d+|\.matches\.(parquet|csv)\.tmp-\d+")
# What `powergame report` writes into REPORT_DIR.
REPORT_FILES = (
    "report.html",
    "pairs.csv",
    "survival_by_family.png",
    "survival_by_strategy.png",
    "ranking.png",
    "pair_survival_heatmap.png",
    "power_vs_score.png",
)


def _remove_own_files(folder: Path) -> None:
    """Delete what a run (and ``powergame report``) wrote, and nothing else: the
    bookkeeping files, the part files by their names, the report's files; a folder left
    empty goes too."""
    for name in (RUN_FILE, MANIFEST_FILE, MATCHES_FILE, CSV_FILE, SUMMARY_FILE):
        (folder / name).unlink(missing_ok=True)
    for path in folder.iterdir():
        if path.is_file() and _OWN_TEMPORARY.fullmatch(path.name):
            path.unlink()
    for directory, pattern in ((folder / PARTS_DIR, _OWN_PART), (folder / REPORT_DIR, None)):
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            own = pattern.fullmatch(path.name) if pattern is not None else path.name in REPORT_FILES
            if own and path.is_file():
                path.unlink()
        with contextlib.suppress(OSError):
            directory.rmdir()  # only when empty: anything of the user's stays


def merge_parts(
    folder: Path,
    chunk_ids: Sequence[int],
    csv: bool = False,
    expected_matches: int | None = None,
    tables: Mapping[int, pa.Table] | None = None,
) -> pd.DataFrame:
    """Merge the part files of ``chunk_ids`` into ``matches.parquet`` (and ``matches.csv``),
    rows in match order; return the merged table. With ``expected_matches`` the rows must
    hold match ids 0, 1, ... each exactly once (else a ParameterError, nothing written)."""
    return table_to_frame(merge_part_tables(folder, chunk_ids, csv=csv, expected_matches=expected_matches))


def merge_part_tables(
    folder: Path,
    chunk_ids: Sequence[int],
    csv: bool = False,
    expected_matches: int | None = None,
    tables: Mapping[int, pa.Table] | None = None,
) -> pa.Table:
    """``merge_parts`` returning the Arrow table; ``tables`` holds chunks already in memory
    (each equal to its part file), which are then not read back. A single part already in
    match order is copied as it is: the same bytes a rewrite would give, without encoding
    them again."""
    table, single = gather_parts(folder, chunk_ids, expected_matches=expected_matches, tables=tables)
    write_merged(folder, table, csv=csv, single=single)
    return table


def gather_parts(
    folder: Path,
    chunk_ids: Sequence[int],
    expected_matches: int | None = None,
    tables: Mapping[int, pa.Table] | None = None,
) -> tuple[pa.Table, Path | None]:
    """The rows of the part files of ``chunk_ids`` in match order (``tables``: chunks already
    in memory, not read back), and the path of the only part file when there is one, it is in
    match order already and stored as Parquet (``write_merged`` then copies it). With ``expected_matches`` the
    rows must hold match ids 0, 1, ... each exactly once (else a ParameterError)."""
    chunks = sorted(chunk_ids)
    known = tables or {}
    stored = {
        chunk: path for chunk in chunks if chunk not in known and (path := stored_part_path(folder, chunk))
    }
    read = [_read_part_file(path) for path in stored.values()]
    found = dict(zip(stored, read, strict=True))
    # A missing part fails the count below.
    parts = [
        known[chunk] if chunk in known else found[chunk]
        for chunk in chunks
        if chunk in known or chunk in found
    ]
    if parts and any(not part.schema.equals(parts[0].schema) for part in parts):
        parts = [
            part if part.schema.equals(parts[0].schema) else part.cast(parts[0].schema) for part in parts
        ]
    schema = parts[0].schema if parts else SCHEMA
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    ids = to_numpy(table.column("match_id"))
    ordered = bool(np.all(ids[1:] > ids[:-1]))
    if not ordered:
        table = table.sort_by("match_id")
        ids = to_numpy(table.column("match_id"))
    if expected_matches is not None and (
        len(ids) != expected_matches or (len(ids) and not (ids == np.arange(len(ids))).all())
    ):
        raise ParameterError(
            "results folder",
            str(folder),
            f"its part files hold {len(ids)} rows, not match ids 0..{expected_matches - 1} each once; "
            "use --force to start the run over",
        )
    single = stored_part_path(folder, chunks[0]) if len(chunks) == 1 and ordered else None
    return table, single if single is not None and single.suffix == WHOLE_PART_SUFFIX else None


def _read_part_file(path: Path, schema: pa.Schema | None = None) -> pa.Table:
    """A part file's table, Arrow or Parquet by its suffix (``schema``: the one it must have;
    None: ``SCHEMA``, or ``EXACT_SCHEMA`` for an exact run's)."""
    if path.suffix == PART_SUFFIX:
        # Mapped: the table's buffers are slices of the mapping, which lives as long as they do
        # (closing the file gives back only its descriptor: a run maps thousands of parts).
        # One thread: handing a small part's buffers out costs more.
        with pa.memory_map(str(path)) as source:
            mapped = source.read_buffer()
        table = pa.ipc.open_file(
            pa.BufferReader(mapped), options=pa.ipc.IpcReadOptions(use_threads=False)
        ).read_all()
        if schema is None or table.schema.equals(schema):
            return table
        return table.cast(schema)
    # One file on one thread: a thousand small Parquet parts read this way cost a third of
    # what ``pq.read_table`` (a dataset per file) costs.
    table = pq.ParquetFile(path).read(use_threads=False)
    if schema is None:
        schema = EXACT_SCHEMA if "exact" in table.column_names else SCHEMA
    if table.schema.equals(schema):
        return table
    return pq.read_table(path, schema=schema)


def write_merged(folder: Path, table: pa.Table, csv: bool = False, single: Path | None = None) -> None:
    """Write the merged per-match ``table`` as ``matches.parquet`` (and ``matches.csv``),
    each atomically; ``single``: the one part file that already holds exactly these rows,
    copied instead of encoded again."""
    if single is not None:
        tmp = _temporary(folder / MATCHES_FILE)
        shutil.copyfile(single, tmp)
        os.replace(tmp, folder / MATCHES_FILE)
    else:
        _write_parquet_atomic(folder / MATCHES_FILE, table)
    if csv:
        frame = table_to_frame(table)
        tmp = _temporary(folder / CSV_FILE)
        text = frame
        if "survival" in frame.columns:  # the curve as space-separated numbers in one cell
            text = frame.assign(survival=[" ".join(map(repr, map(float, c))) for c in frame["survival"]])
        text.to_csv(tmp, index=False)
        os.replace(tmp, folder / CSV_FILE)
