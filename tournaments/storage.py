"""A tournament's output folder: per-match records written chunk by chunk, atomically, so
an interrupted run resumes without re-running or losing anything.

Layout of a results folder::

    run.json            what is being run (the spec, plugins) and its fingerprint
    manifest.json       ids of the chunks whose part file is complete
    parts/chunk-00007.parquet   the rows of one finished chunk
    matches.parquet     all rows, merged in match order (written at the end)
    matches.csv         the same, with --csv
    summary.json        spec, seed, versions, counts, timing and headline tables

Every file is written to a temporary name in the same folder and then moved into place
with ``os.replace``, so a reader (or a resumed run) sees either the old file or the new
one, never half of one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from powergame.errors import ParameterError

RUN_FILE = "run.json"
MANIFEST_FILE = "manifest.json"
PARTS_DIR = "parts"
MATCHES_FILE = "matches.parquet"
CSV_FILE = "matches.csv"
SUMMARY_FILE = "summary.json"
REPORT_DIR = "report"  # written by `powergame report` (tournaments.report); stale once results change
OWN_FILES = (RUN_FILE, MANIFEST_FILE, PARTS_DIR, MATCHES_FILE, CSV_FILE, SUMMARY_FILE, REPORT_DIR)

# The per-match table: one row per match, these columns in this order.
SCHEMA = pa.schema(
    [
        ("match_id", pa.int64()),
        ("repetition", pa.int64()),
        ("strategy_a", pa.string()),
        ("strategy_b", pa.string()),
        ("family_a", pa.string()),
        ("family_b", pa.string()),
        ("player_a", pa.string()),
        ("player_b", pa.string()),
        ("seed", pa.int64()),
        ("horizon", pa.int64()),
        ("rounds_together", pa.int64()),
        ("left_by", pa.string()),
        ("exit_round", pa.int64()),
        ("censored", pa.bool_()),
        ("total_a", pa.float64()),
        ("total_b", pa.float64()),
        ("score_a", pa.float64()),
        ("score_b", pa.float64()),
        ("cooperation_a", pa.float64()),
        ("cooperation_b", pa.float64()),
        ("mutual_cooperation", pa.float64()),
        ("mean_stake", pa.float64()),
        ("structural_dependence_a", pa.float64()),
        ("structural_dependence_b", pa.float64()),
        ("power_index", pa.float64()),
        ("least_interest", pa.string()),
        ("realized_dependence_a", pa.float64()),
        ("realized_dependence_b", pa.float64()),
        ("power_shifts", pa.int64()),
        ("power_share_a", pa.float64()),
        ("power_share_b", pa.float64()),
        ("outside_a", pa.float64()),
        ("outside_b", pa.float64()),
        ("actions_a", pa.string()),
        ("actions_b", pa.string()),
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
# What playing a match gives: every column but the match's id and repetition.
MATCH_SCHEMA = pa.schema([field for field in SCHEMA if field.name not in ("match_id", "repetition")])
NULLABLE_TEXT = ("left_by", "least_interest")

# The per-match table of an exact run: one row per pairing (repetition 0, seed null) with
# expectations in the numeric columns (so horizon, rounds_together and censored, the
# chance to last, are floats), the realized-only columns null, and the columns that say
# it is exact: who ends it how often and the survival curve P(T > t), t = 0, 1, ...
# (zero beyond its end).
_EXPECTED = {"horizon": pa.float64(), "rounds_together": pa.float64(), "censored": pa.float64()}
EXACT_SCHEMA = pa.schema(
    [pa.field(f.name, _EXPECTED.get(f.name, f.type)) for f in SCHEMA]
    + [
        ("exact", pa.bool_()),
        ("p_lasted", pa.float64()),
        ("p_left_a", pa.float64()),
        ("p_left_b", pa.float64()),
        ("p_left_both", pa.float64()),
        ("survival", pa.list_(pa.float64())),
    ]
)


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
    frame = table.to_pandas()
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
    path = Path(folder) / MATCHES_FILE
    if not path.is_file():
        raise ParameterError(
            "results folder", str(folder), f"must contain {MATCHES_FILE} (a finished `powergame run`)"
        )
    return table_to_frame(pq.read_table(path, schema=schema_of_file(path)))


# --- atomic writes ----------------------------------------------------------------------
def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` via a temporary file and ``os.replace``."""
    tmp = _temporary(path)
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _write_parquet_atomic(path: Path, table: pa.Table) -> None:
    tmp = _temporary(path)
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def part_path(folder: Path, chunk_id: int) -> Path:
    return folder / PARTS_DIR / f"chunk-{chunk_id:05d}.parquet"


def write_part(folder: Path, chunk_id: int, rows: Sequence[dict[str, Any]] | pa.Table) -> None:
    """Store the rows (or the table) of one finished chunk (atomically)."""
    table = rows if isinstance(rows, pa.Table) else rows_to_table(rows)
    _write_parquet_atomic(part_path(folder, chunk_id), table)


# --- the run's bookkeeping ------------------------------------------------------------------
def read_manifest(folder: Path) -> set[int]:
    """Ids of the chunks recorded as finished."""
    path = folder / MANIFEST_FILE
    if not path.is_file():
        return set()
    return set(json.loads(path.read_text(encoding="utf-8"))["finished_chunks"])


def write_manifest(folder: Path, finished: Iterable[int]) -> None:
    """Record which chunks are finished (atomically)."""
    write_json_atomic(folder / MANIFEST_FILE, {"finished_chunks": sorted(finished)})


LOCK_FILE = ".lock"


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` while a run writes to it: another run (or a
    ``--resume``) into the same folder is refused until this one ends. The operating
    system drops the lock when the process dies, kill -9 included."""
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
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare_folder(folder: Path, run_record: dict[str, Any], resume: bool, force: bool) -> set[int]:
    """Make ``folder`` ready for the run described by ``run_record`` (which must hold a
    ``fingerprint``) and return the chunks already finished (empty unless resuming).

    A non-empty folder is an error unless ``resume`` (same fingerprint required) or
    ``force`` (this tool's own files in it are deleted first).
    """
    if folder.exists() and not folder.is_dir():
        raise ParameterError("--out", str(folder), "must be a folder, not a file")
    existing = [p for p in folder.iterdir() if p.name != LOCK_FILE] if folder.is_dir() else []
    if existing and resume:
        return _resume_state(folder, run_record)
    if existing and not force:
        raise ParameterError(
            "--out",
            str(folder),
            "is not empty; use --resume to continue the run in it or --force to overwrite it",
        )
    if existing:
        _remove_own_files(folder)
    (folder / PARTS_DIR).mkdir(parents=True, exist_ok=True)
    write_manifest(folder, [])
    write_json_atomic(folder / RUN_FILE, run_record)
    return set()


def _resume_state(folder: Path, run_record: dict[str, Any]) -> set[int]:
    run_path = folder / RUN_FILE
    if not run_path.is_file():
        raise ParameterError(
            "--resume", str(folder), f"needs a folder written by `powergame run` (no {RUN_FILE} in it)"
        )
    previous = json.loads(run_path.read_text(encoding="utf-8"))
    if previous.get("fingerprint") != run_record["fingerprint"] or previous.get("plugins") != run_record.get(
        "plugins"
    ):
        differing = sorted(
            key
            for key in set(previous.get("spec", {})) | set(run_record["spec"])
            if key != "description" and previous.get("spec", {}).get(key) != run_record["spec"].get(key)
        )
        if previous.get("plugins") != run_record.get("plugins"):
            differing.append("plugins")
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
    finished = read_manifest(folder)
    return {chunk for chunk in finished if part_path(folder, chunk).is_file()}


def _remove_own_files(folder: Path) -> None:
    for name in OWN_FILES:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def merge_parts(folder: Path, chunk_ids: Sequence[int], csv: bool = False) -> pd.DataFrame:
    """Merge the part files of ``chunk_ids`` into ``matches.parquet`` (and ``matches.csv``),
    rows in match order; return the merged table."""
    paths = [part_path(folder, chunk) for chunk in sorted(chunk_ids)]
    schema = schema_of_file(paths[0]) if paths else SCHEMA
    tables = [pq.read_table(path, schema=schema) for path in paths]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    table = table.sort_by("match_id")
    _write_parquet_atomic(folder / MATCHES_FILE, table)
    frame = table_to_frame(table)
    if csv:
        tmp = _temporary(folder / CSV_FILE)
        text = frame
        if "survival" in frame.columns:  # the curve as space-separated numbers in one cell
            text = frame.assign(survival=[" ".join(map(repr, map(float, c))) for c in frame["survival"]])
        text.to_csv(tmp, index=False)
        os.replace(tmp, folder / CSV_FILE)
    return frame
