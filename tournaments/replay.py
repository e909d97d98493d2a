"""Replaying one match of a results folder from its own seed.

Every random draw of a match comes from its seed (``powergame.streams``), so the row of a
per-match table is reproduced exactly by ``play_match(game, A, B, seed=row.seed)``,
whichever engine played it and whatever else was in its chunk.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from powergame.engine import play_match
from powergame.errors import ParameterError
from powergame.result import MatchResult

from . import storage
from .round_robin import RegistryLoader, default_registry_loader
from .spec import spec_from_dict

# Columns a replay must reproduce (floats to 1e-9: the batch engine sums in the same order,
# but a table may have been written by another version's arithmetic).
_SAME = ("horizon", "rounds_together", "left_by", "exit_round", "actions_a", "actions_b", "power_shifts")
_CLOSE = ("total_a", "total_b", "score_a", "score_b")


@dataclass(frozen=True)
class Replay:
    """A replayed match, the row it replays and the columns that differ (empty: identical)."""

    result: MatchResult
    row: dict[str, Any]
    differing: tuple[str, ...]


def replay_match(
    folder: str | os.PathLike[str],
    match_id: int,
    registry_loader: RegistryLoader = default_registry_loader,
) -> Replay:
    """Play match ``match_id`` of the results ``folder`` again with its seed, with the spec
    and plugins recorded in the folder, and compare it with the stored row."""
    folder = Path(folder)
    run_path = folder / storage.RUN_FILE
    if not run_path.is_file():
        raise ParameterError(
            "results folder", str(folder), f"must hold {storage.RUN_FILE} (written by `powergame run`)"
        )
    record = json.loads(run_path.read_text(encoding="utf-8"))
    spec = spec_from_dict(record["spec"])
    if spec.exact:
        raise ParameterError(
            "results folder", str(folder), "is an exact-mode run: its rows are expectations, not matches"
        )
    row = _stored_row(folder, match_id)
    registry = registry_loader(tuple(record.get("plugins", ())))
    by_display = {registry.get(name).name: name for name in spec.strategies}
    name_a = by_display.get(row["strategy_a"], row["strategy_a"])
    name_b = by_display.get(row["strategy_b"], row["strategy_b"])
    result = play_match(spec.game, registry.create(name_a), registry.create(name_b), seed=int(row["seed"]))
    replayed = {**result.summary(), "actions_a": result.actions_a, "actions_b": result.actions_b}
    differing = [key for key in _SAME if _plain(replayed[key]) != _plain(row.get(key))]
    differing += [
        key for key in _CLOSE if not math.isclose(replayed[key], row[key], rel_tol=1e-9, abs_tol=1e-9)
    ]
    return Replay(result=result, row=row, differing=tuple(differing))


def _stored_row(folder: Path, match_id: int) -> dict[str, Any]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    path = folder / storage.MATCHES_FILE
    if not path.is_file():
        raise ParameterError(
            "results folder", str(folder), f"must contain {storage.MATCHES_FILE} (a finished run)"
        )
    table = pq.read_table(path)
    rows = table.filter(pc.equal(table["match_id"], match_id)).to_pylist()
    if not rows:
        raise ParameterError(
            "match id", match_id, f"must be one of the run's match ids 0..{table.num_rows - 1}"
        )
    return rows[0]


def _plain(value: Any) -> Any:
    """None for a missing value (NaN or None), a plain int for whole numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
