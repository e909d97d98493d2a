"""The results folder of a population run (docs/populations.md, Results).

While a run goes on, every checkpoint writes the rows since the last one as part files
(``parts/<table>-<tick>.parquet``) and then the population's state (``checkpoint.pkl``,
with ``checkpoint.json`` saying which tick and which run). ``--resume`` drops any part
written after the checkpoint and continues from it. At the end the parts are joined into
``timeseries.parquet``, ``strategies.parquet`` and ``relationships.parquet`` (open
relationships added as censored rows), the final state of every agent is written to
``agents.parquet``, and ``summary.json`` last.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from powergame.population import HOW, RELATIONSHIP_FIELDS, TickFigures

TIMESERIES_COLUMNS = (
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
STRATEGY_COLUMNS = ("tick", "strategy", "count", "share", "mean_payoff")
# The relationships table: the engine's fields (RELATIONSHIP_FIELDS, one row per ended
# relationship) with the storage's own ``censored`` after ``end``: the relationships still
# open when the run ends are added as censored rows (end and how null).
_END = RELATIONSHIP_FIELDS.index("end") + 1
RELATIONSHIP_COLUMNS: tuple[str, ...] = (*RELATIONSHIP_FIELDS[:_END], "censored", *RELATIONSHIP_FIELDS[_END:])
TABLES = ("timeseries", "strategies", "relationships")
ENDED_BY = ("a", "b", "both")


def parts_dir(out_dir: Path) -> Path:
    return out_dir / "parts"


def write_segment(
    out_dir: Path,
    end_tick: int,
    figures: list[TickFigures],
    relationships: dict[str, np.ndarray] | None,
    names: tuple[str, ...],
) -> None:
    """The rows of the ticks up to ``end_tick`` since the last segment, as part files."""
    import pyarrow.parquet as pq

    folder = parts_dir(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"timeseries": timeseries_table(figures), "strategies": strategies_table(figures, names)}
    if relationships is not None:
        tables["relationships"] = relationships_table(relationships, names, censored=False)
    for kind, table in tables.items():
        tmp = folder / f".{kind}-{end_tick:012d}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, folder / f"{kind}-{end_tick:012d}.parquet")


def timeseries_table(figures: list[TickFigures]) -> Any:
    import pyarrow as pa

    columns = {c: [getattr(f, c) for f in figures] for c in TIMESERIES_COLUMNS}
    schema = pa.schema([("tick", pa.int64())] + [(c, pa.float64()) for c in TIMESERIES_COLUMNS[1:]])
    return pa.table(columns, schema=schema)


def strategies_table(figures: list[TickFigures], names: tuple[str, ...]) -> Any:
    import pyarrow as pa

    k = len(names)
    ticks = np.repeat(np.array([f.tick for f in figures], dtype=np.int64), k)
    counts = np.concatenate([f.counts for f in figures]) if figures else np.zeros(0, dtype=np.int64)
    sums = np.concatenate([f.payoff_sums for f in figures]) if figures else np.zeros(0)
    total = np.repeat(np.array([f.counts.sum() for f in figures], dtype=float), k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        share = counts / total if figures else np.zeros(0)
    index = np.tile(np.arange(k, dtype=np.int32), len(figures))
    return pa.table(
        {
            "tick": ticks,
            "strategy": pa.DictionaryArray.from_arrays(pa.array(index), pa.array(list(names), pa.string())),
            "count": counts.astype(np.int64),
            "share": share,
            "mean_payoff": mean,
        }
    )


def relationships_table(rows: dict[str, np.ndarray], names: tuple[str, ...], censored: bool) -> Any:
    import pyarrow as pa

    m = rows["relationship"].size
    dictionary = pa.array(list(names), pa.string())
    how = rows["how"].astype(np.int32)
    by = rows["ended_by"].astype(np.int32)
    columns = {
        "relationship": rows["relationship"].astype(np.int64),
        "node_a": rows["node_a"].astype(np.int64),
        "node_b": rows["node_b"].astype(np.int64),
        "strategy_a": pa.DictionaryArray.from_arrays(
            pa.array(rows["strategy_a"].astype(np.int32)), dictionary
        ),
        "strategy_b": pa.DictionaryArray.from_arrays(
            pa.array(rows["strategy_b"].astype(np.int32)), dictionary
        ),
        "outside_a": rows["outside_a"].astype(float),
        "outside_b": rows["outside_b"].astype(float),
        "start": rows["start"].astype(np.int64),
        "end": pa.array(rows["end"].astype(np.int64), mask=np.full(m, censored)),
        "censored": np.full(m, censored),
        "how": pa.DictionaryArray.from_arrays(
            pa.array(np.maximum(how, 0), mask=np.full(m, censored)), pa.array(list(HOW), pa.string())
        ),
        "ended_by": pa.DictionaryArray.from_arrays(
            pa.array(np.maximum(by - 1, 0), mask=by == 0), pa.array(list(ENDED_BY), pa.string())
        ),
        "length": rows["length"].astype(np.int64),
        "payoff_a": rows["payoff_a"].astype(float),
        "payoff_b": rows["payoff_b"].astype(float),
    }
    return pa.table({name: columns[name] for name in RELATIONSHIP_COLUMNS})  # in the columns' order


def agents_table(population: Any, names: tuple[str, ...]) -> Any:
    """The agents at the end of the run: node, strategy, outside option, partner (null if single)."""
    import pyarrow as pa

    partner = population.partner
    return pa.table(
        {
            "node": np.arange(population.n, dtype=np.int64),
            "strategy": pa.DictionaryArray.from_arrays(
                pa.array(population.strategy.astype(np.int32)), pa.array(list(names), pa.string())
            ),
            "outside": population.outside.astype(float),
            "partner": pa.array(partner.astype(np.int64), mask=partner < 0),
        }
    )


def write_agents(out_dir: Path, population: Any, names: tuple[str, ...]) -> None:
    import pyarrow.parquet as pq

    tmp = out_dir / ".agents.tmp"
    pq.write_table(agents_table(population, names), tmp)
    os.replace(tmp, out_dir / "agents.parquet")


def drop_parts_after(out_dir: Path, tick: int) -> None:
    """Remove part files of segments that end after ``tick`` (written after the checkpoint)."""
    folder = parts_dir(out_dir)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        stem = path.name.split(".")[0] if not path.name.startswith(".") else ""
        if not stem or int(stem.rsplit("-", 1)[1]) > tick:
            path.unlink()


def merge_parts(out_dir: Path, censored: dict[str, np.ndarray] | None, names: tuple[str, ...]) -> None:
    """Join the part files into the final tables (and the censored relationships)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = parts_dir(out_dir)
    for kind in TABLES:
        paths = sorted(folder.glob(f"{kind}-*.parquet")) if folder.is_dir() else []
        tables = [pq.read_table(p) for p in paths]
        if kind == "relationships":
            if censored is None:
                continue
            tables.append(relationships_table(censored, names, censored=True))
        if not tables:
            tables = [timeseries_table([]) if kind == "timeseries" else strategies_table([], names)]
        table = pa.concat_tables(
            [t.unify_dictionaries() if hasattr(t, "unify_dictionaries") else t for t in tables]
        )
        table = table.unify_dictionaries()
        tmp = out_dir / f".{kind}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, out_dir / f"{kind}.parquet")
    shutil.rmtree(folder, ignore_errors=True)


def save_checkpoint(out_dir: Path, population: Any, meta: dict[str, Any]) -> None:
    """The population's state at ``meta['tick']``, written atomically."""
    tmp = out_dir / ".checkpoint.tmp"
    with open(tmp, "wb") as handle:
        pickle.dump(population, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, out_dir / "checkpoint.pkl")
    write_json(out_dir / "checkpoint.json", meta)


def load_checkpoint(out_dir: Path) -> tuple[Any, dict[str, Any]] | None:
    """(population, meta) of the last checkpoint, or None when there is none."""
    meta_path, state_path = out_dir / "checkpoint.json", out_dir / "checkpoint.pkl"
    if not meta_path.is_file() or not state_path.is_file():
        return None
    meta = json.loads(meta_path.read_text())
    with open(state_path, "rb") as handle:
        population = pickle.load(handle)
    if population.tick != meta.get("tick"):
        return None
    return population, meta


def remove_checkpoint(out_dir: Path) -> None:
    for name in ("checkpoint.pkl", "checkpoint.json"):
        (out_dir / name).unlink(missing_ok=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=_plain) + "\n")
    os.replace(tmp, path)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON: {type(value).__name__}")


@dataclass
class PopulationResults:
    """A finished population run read back: the three tables (pandas) and the summary."""

    out_dir: Path
    summary: dict[str, Any]
    timeseries: Any
    strategies: Any
    relationships: Any | None
    agents: Any | None = None


def load_population_results(out_dir: str | os.PathLike[str]) -> PopulationResults:
    """Read a population results folder."""
    import pandas as pd

    from powergame.errors import ParameterError

    out = Path(out_dir)
    summary_path = out / "summary.json"
    if not summary_path.is_file():
        raise ParameterError(
            "results", str(out), "must be a folder written by `powergame evolve` (no summary.json)"
        )
    summary = json.loads(summary_path.read_text())
    rel = out / "relationships.parquet"
    agents = out / "agents.parquet"
    return PopulationResults(
        out_dir=out,
        summary=summary,
        timeseries=pd.read_parquet(out / "timeseries.parquet"),
        strategies=pd.read_parquet(out / "strategies.parquet"),
        relationships=pd.read_parquet(rel) if rel.is_file() else None,
        agents=pd.read_parquet(agents) if agents.is_file() else None,
    )
