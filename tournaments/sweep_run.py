"""Running a sweep: every cell is one ordinary run, on whatever executor, stored as it ends.

Layout of a sweep folder::

    sweep.json                 what is being swept (the sweep spec, plugins) and its fingerprint
    cells/cell-000012.parquet  the per-run table of cell 12 (for a tournament: one row per match)
    cells/cell-000012.json     cell 12's record: values, seed, done or failed (and why), figures
    sweep.parquet, sweep.csv   one row per cell: its values and headline figures (at the end)
    summary.json               spec, counts, failed cells, executor, timing, means per point

A cell's files are written by this process (workers send the table back), each to a
temporary name and then moved into place; the record comes last, so a cell with a record
that says done is finished. ``resume`` skips those and runs the rest again, failed ones
included. Plugin files are read here and sent with each cell, so workers on other
machines need only powergame itself.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powergame.errors import ParameterError, PluginError, UnknownStrategyError

from .sweep_executors import Executor, LocalExecutor
from .sweep_kinds import kind_for
from .sweep_spec import Cell, SweepSpec

SWEEP_FILE = "sweep.json"
CELLS_DIR = "cells"
TABLE_FILE = "sweep.parquet"
CSV_FILE = "sweep.csv"
SUMMARY_FILE = "summary.json"
OWN_FILES = (SWEEP_FILE, CELLS_DIR, TABLE_FILE, CSV_FILE, SUMMARY_FILE, "report")
CELL_COLUMNS = ("cell", "point", "replicate", "seed")


@dataclass(frozen=True)
class PluginFile:
    """A plugin file as it travels to a worker: its file name and its text."""

    name: str
    text: str


@dataclass(frozen=True)
class CellJob:
    """Everything a worker needs to run one cell: plain data only."""

    index: int
    kind: str
    data: dict[str, Any]
    plugins: tuple[PluginFile, ...] = ()


@dataclass(frozen=True)
class CellOutcome:
    """What a worker sends back: the cell's per-run table (Parquet bytes) and figures, or
    why it failed."""

    index: int
    table: bytes | None
    figures: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0


def run_cell(job: CellJob) -> CellOutcome:
    """Run one cell (on a worker); any error becomes a failed outcome naming it."""
    started = time.perf_counter()
    try:
        paths = materialize_plugins(job.plugins)
        table, figures = kind_for(job.kind).run(job.data, paths)
    except Exception as exc:
        return CellOutcome(job.index, None, error=describe_error(exc), seconds=time.perf_counter() - started)
    return CellOutcome(job.index, table, figures, seconds=time.perf_counter() - started)


def describe_error(exc: BaseException) -> str:
    """One line: the error, where it was raised and, for a strategy the worker does not
    know, how to make it known there."""
    text = f"{type(exc).__name__}: {exc}"
    # Where it went wrong: in the strategy's own code when an engine error wraps it.
    origin = exc.__cause__ if exc.__cause__ is not None and exc.__cause__.__traceback__ else exc
    frames = traceback.extract_tb(origin.__traceback__)
    if frames and not isinstance(exc, (ParameterError, PluginError)):
        last = frames[-1]
        text += f" ({Path(last.filename).name}, line {last.lineno})"
    if isinstance(exc, UnknownStrategyError):
        text += (
            "; strategies from installed packages must be installed on every worker "
            "(pip install the package there); --plugin files are sent with the cells"
        )
    return text


def plugin_files(paths: Sequence[str]) -> tuple[PluginFile, ...]:
    """Read the plugin files to send to the workers (ParameterError if one cannot be read)."""
    files = []
    for path in paths:
        try:
            files.append(PluginFile(Path(path).name, Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ParameterError(
                "--plugin",
                path,
                f"cannot be sent to the workers ({exc}); pass a readable .py file or install the "
                "plugin as a package on every worker",
            ) from None
    return tuple(files)


def materialize_plugins(files: Sequence[PluginFile]) -> tuple[str, ...]:
    """Write sent plugin files to a folder named by their content (once per process and
    content) and return their paths there."""
    paths = []
    for plugin in files:
        digest = hashlib.sha256(plugin.text.encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / f"powergame-plugins-{os.getuid()}" / digest
        path = folder / plugin.name
        if not path.is_file() or path.read_text(encoding="utf-8") != plugin.text:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{plugin.name}.tmp-{os.getpid()}"
            temporary.write_text(plugin.text, encoding="utf-8")
            os.replace(temporary, path)
        paths.append(str(path))
    return tuple(paths)


# --- the run ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the per-cell table, the summary (summary.json) and the folder."""

    spec: SweepSpec
    cells: Any  # pandas.DataFrame, one row per cell
    summary: dict[str, Any]
    out_dir: Path

    @property
    def failed(self) -> list[dict[str, Any]]:
        """The failed cells: index, values and the reason."""
        failed: list[dict[str, Any]] = self.summary["failed"]
        return failed


def run_sweep(
    spec: SweepSpec,
    out_dir: str | os.PathLike[str],
    executor: Executor | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = True,
    plugins: Sequence[str] = (),
) -> SweepResult:
    """Run every cell of ``spec`` not yet finished in ``out_dir`` on ``executor`` (default:
    this process) and write the per-cell files, the sweep table and summary.json.

    The results are the same for any executor and any number of workers. A failed cell
    is recorded with its reason and the others still run; ``resume`` runs only the cells
    not finished (failed ones included), ``force`` overwrites an earlier sweep."""
    from . import storage

    started = time.perf_counter()
    plugins = tuple(plugins)
    kind = kind_for(spec.kind)
    _preflight(spec, plugins)
    shipped = plugin_files(_plugin_paths(plugins))
    folder = Path(out_dir)
    executor = executor if executor is not None else LocalExecutor(1)
    record = {"fingerprint": spec.fingerprint(), "sweep": spec.to_dict(), "plugins": list(plugins)}
    with storage.folder_lock(folder):
        _prepare_folder(folder, record, resume=resume, force=force)
        cells = spec.cells()
        records = _finished_records(folder, len(cells)) if resume else {}
        done_before = {i for i, r in records.items() if r["status"] == "done"}
        todo = [cell for cell in cells if cell.index not in done_before]
        jobs = [CellJob(cell.index, kind.name, spec.cell_data(cell), shipped) for cell in todo]
        received = _run_jobs(folder, todo, jobs, executor, records, len(cells), len(done_before), quiet)
        table = sweep_table(spec, [records[c.index] for c in cells if c.index in records])
        _write_table(folder, table)
        failed = [
            {"cell": r["cell"], "values": r["values"], "error": r["error"]}
            for r in (records[c.index] for c in cells if c.index in records)
            if r["status"] == "failed"
        ]
        summary = _summary(
            spec,
            plugins,
            records,
            failed,
            counts={
                "cells": len(cells),
                "points": len(spec.points),
                "replicates": spec.replicates,
                "done": sum(1 for r in records.values() if r["status"] == "done"),
                "failed": len(failed),
                "resumed": len(done_before),
                "run": len(todo),
                "received": received,
            },
            executor=executor.describe(),
            seconds=time.perf_counter() - started,
        )
        storage.write_json_atomic(folder / SUMMARY_FILE, summary)
    return SweepResult(spec, table, summary, folder)


def _preflight(spec: SweepSpec, plugins: tuple[str, ...]) -> None:
    """Fail before anything runs: the plugins the user named load, every strategy is known."""
    kind_for(spec.kind).preflight(spec.base, plugins, spec.source or "spec")


def _plugin_paths(plugins: tuple[str, ...]) -> list[str]:
    """The plugin files a cell needs: POWERGAME_PLUGINS' and the given ones (the workers
    load exactly these, not their own environment's)."""
    from powergame.plugins import env_plugin_paths

    return list(dict.fromkeys([*env_plugin_paths(), *plugins]))


def _run_jobs(
    folder: Path,
    cells: list[Cell],
    jobs: list[CellJob],
    executor: Executor,
    records: dict[int, dict[str, Any]],
    total: int,
    done_before: int,
    quiet: bool,
) -> int:
    """Run the jobs and store each cell as it ends; returns how many results arrived."""
    from tqdm import tqdm

    received = 0
    stored: set[int] = set()
    with tqdm(total=total, initial=done_before, unit="cell", disable=quiet, file=sys.stderr) as bar:
        for position, outcome in executor.map_unordered(run_cell, jobs):
            received += 1
            cell = cells[position]
            if cell.index in stored:  # never expected: a cell is stored once
                continue
            if not isinstance(outcome, CellOutcome):
                reason = (
                    f"{type(outcome).__name__}: {outcome}"
                    if isinstance(outcome, BaseException)
                    else repr(outcome)
                )
                outcome = CellOutcome(cell.index, None, error=f"its worker was lost ({reason})")
            records[cell.index] = _store_cell(folder, cell, outcome)
            stored.add(cell.index)
            bar.update(1)
    return received


def _cell_name(index: int) -> str:
    return f"cell-{index:06d}"


def _store_cell(folder: Path, cell: Cell, outcome: CellOutcome) -> dict[str, Any]:
    from . import storage

    cells_dir = folder / CELLS_DIR
    record = {
        "cell": cell.index,
        "point": cell.point,
        "replicate": cell.replicate,
        "seed": cell.seed,
        "values": dict(cell.values),
        "status": "failed" if outcome.error is not None else "done",
        "error": outcome.error,
        "figures": outcome.figures,
        "seconds": round(outcome.seconds, 4),
    }
    if outcome.table is not None:
        path = cells_dir / f"{_cell_name(cell.index)}.parquet"
        temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        temporary.write_bytes(outcome.table)
        os.replace(temporary, path)
    storage.write_json_atomic(cells_dir / f"{_cell_name(cell.index)}.json", _json_ready(record))
    return record


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _finished_records(folder: Path, count: int) -> dict[int, dict[str, Any]]:
    """The stored records of the cells (a done cell whose table is missing counts as not run)."""
    records = {}
    for path in sorted((folder / CELLS_DIR).glob("cell-*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        index = record.get("cell")
        if not isinstance(index, int) or not 0 <= index < count:
            continue
        if record.get("status") == "done" and not path.with_suffix(".parquet").is_file():
            continue
        record["figures"] = {
            k: (math.nan if v is None else v) for k, v in (record.get("figures") or {}).items()
        }
        records[index] = record
    return records


def _prepare_folder(folder: Path, record: dict[str, Any], resume: bool, force: bool) -> None:
    from . import storage

    sweep_file = folder / SWEEP_FILE
    if resume and force:
        raise ParameterError("--resume", True, "give --resume or --force, not both")
    if sweep_file.is_file() and not force:
        if not resume:
            raise ParameterError(
                "--out",
                str(folder),
                "holds an earlier sweep: add --resume to continue it or --force to overwrite it",
            )
        try:
            old = json.loads(sweep_file.read_text(encoding="utf-8"))
        except ValueError:
            old = {}
        if old.get("fingerprint") != record["fingerprint"] or old.get("plugins") != record["plugins"]:
            raise ParameterError(
                "--resume",
                str(folder),
                "this folder holds a different sweep (spec, seed or plugins differ); use another "
                "--out or --force",
            )
    elif folder.is_dir() and any(p.name != storage.LOCK_FILE for p in folder.iterdir()) and not force:
        if resume:
            raise ParameterError("--resume", str(folder), "holds no sweep to resume")
        raise ParameterError(
            "--out", str(folder), "is not empty and holds no sweep: choose an empty folder or add --force"
        )
    if force:
        for name in OWN_FILES:
            path = folder / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    (folder / CELLS_DIR).mkdir(parents=True, exist_ok=True)
    storage.write_json_atomic(sweep_file, record)


# --- the tables --------------------------------------------------------------------------------
def plain_value(value: Any) -> Any:
    """An axis value as a table cell: numbers and strings as they are, lists as JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


def sweep_table(spec: SweepSpec, records: Sequence[dict[str, Any]]) -> Any:
    """One row per cell, in cell order: cell, point, replicate, seed, the values of the
    axes, status, error and every headline figure (NaN where a cell has none)."""
    import pandas as pd

    figure_names: list[str] = []
    for record in records:
        for name in record["figures"]:
            if name not in figure_names:
                figure_names.append(name)
    fixed = [n for n in figure_names if "." not in n]
    per_family = sorted((n for n in figure_names if "." in n), key=lambda n: (n.split(".", 1)[0], n))
    rows = []
    for record in records:
        row: dict[str, Any] = {name: record[name] for name in CELL_COLUMNS}
        row.update({name: plain_value(record["values"][name]) for name in spec.axis_names})
        row["status"] = record["status"]
        row["error"] = record["error"]
        for name in fixed + per_family:
            row[name] = record["figures"].get(name, math.nan if name != "best_strategy" else None)
        rows.append(row)
    columns = [*CELL_COLUMNS, *spec.axis_names, "status", "error", *fixed, *per_family]
    return pd.DataFrame(rows, columns=columns)


def _write_table(folder: Path, table: Any) -> None:
    path = folder / TABLE_FILE
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    table.to_parquet(temporary, index=False)
    os.replace(temporary, path)
    csv_temporary = folder / f".{CSV_FILE}.tmp-{os.getpid()}"
    table.to_csv(csv_temporary, index=False)
    os.replace(csv_temporary, folder / CSV_FILE)


def point_means(spec: SweepSpec, table: Any) -> list[dict[str, Any]]:
    """Per point: its values, how many replicates finished and the mean of every numeric
    figure over them."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    done = table[table["status"] == "done"]
    numeric = [
        c
        for c in table.columns
        if c not in (*CELL_COLUMNS, *spec.axis_names)
        and is_numeric_dtype(table[c])
        and not is_bool_dtype(table[c])
    ]
    means = []
    for point, values in enumerate(spec.points):
        rows = done[done["point"] == point]
        entry: dict[str, Any] = {
            "point": point,
            "values": dict(zip(spec.axis_names, values)),
            "replicates": len(rows),
        }
        entry.update({c: float(rows[c].astype(float).mean()) if len(rows) else math.nan for c in numeric})
        means.append(entry)
    return means


def _summary(
    spec: SweepSpec,
    plugins: tuple[str, ...],
    records: dict[int, dict[str, Any]],
    failed: list[dict[str, Any]],
    counts: dict[str, Any],
    executor: dict[str, Any],
    seconds: float,
) -> dict[str, Any]:
    from .round_robin import _installed_versions

    table = sweep_table(spec, [records[i] for i in sorted(records)])
    return _json_ready(
        {
            "kind": "sweep",
            "name": spec.name,
            "spec_kind": spec.kind,
            "spec": spec.to_dict(),
            "seed": spec.seed,
            "fingerprint": spec.fingerprint(),
            "plugins": list(plugins),
            "axes": {name: list(values) for name, values in spec.axes},
            "counts": counts,
            "failed": failed,
            "executor": executor,
            "timing": {
                "total_seconds": round(seconds, 3),
                "cell_seconds": round(sum(r.get("seconds", 0.0) for r in records.values()), 3),
            },
            "versions": dict(_installed_versions()),
            "points": point_means(spec, table),
        }
    )


def load_sweep_table(folder: str | os.PathLike[str]) -> Any:
    """The per-cell table of a finished sweep folder (``sweep.parquet``)."""
    import pandas as pd

    path = Path(folder) / TABLE_FILE
    if not path.is_file():
        raise ParameterError(
            "sweep folder", str(folder), f"must contain {TABLE_FILE} (a finished `powergame sweep`)"
        )
    return pd.read_parquet(path)


def load_cell(folder: str | os.PathLike[str], index: int) -> Any:
    """The per-run table of one cell: for a tournament the per-match DataFrame, for a
    population run its strategies table."""
    import pyarrow.parquet as pq

    from . import storage

    path = Path(folder) / CELLS_DIR / f"{_cell_name(index)}.parquet"
    if not path.is_file():
        raise ParameterError("cell", index, f"has no table in {folder} (not run, or failed)")
    if "match_id" not in pq.read_schema(path).names:  # not a tournament's per-match table
        return pq.read_table(path).to_pandas()
    return storage.table_to_frame(pq.read_table(path, schema=storage.schema_of_file(path)))
