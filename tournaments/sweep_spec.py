"""Sweep specs: an ordinary spec plus a ``[sweep]`` table that varies some of its parameters.

::

    # ... an ordinary tournament spec (strategies, repetitions, seed, [game]) ...

    [sweep]
    replicates = 3                  # runs per point, each with its own seed

    [sweep.axes]                    # a full grid: every combination, first axis slowest
    outside_options.A = [0.5, 1.0, 1.5, 2.0, 2.5]
    noise = [0.0, 0.02]

or explicit points instead of axes (every point names the same parameters)::

    [sweep]
    points = [
        { continuation = 0.9, noise = 0.0 },
        { continuation = 0.99, noise = 0.05 },
    ]

A parameter is named by its path in the spec: ``noise``, ``rounds``, ``continuation``,
``outside_options`` (one number for both, or [A, B]), ``outside_options.A``,
``exit_costs.B``, ``payoffs.A`` ([R, S, T, P]), ``payoffs.T`` (both partners' T),
``payoffs.B.S``, ``repetitions``; ``game.noise`` is the same as ``noise``.

The sweep's cells are (point, replicate) pairs, numbered point by point; cell i runs the
base spec with the point's values and a seed drawn from ``SeedSequence(seed, spawn_key=(i,))``,
so a cell's result does not depend on where, when or next to what it ran.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import itertools
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from powergame.errors import ParameterError

from .sweep_kinds import SpecKind, kind_for

SWEEP_KEYS = ("replicates", "axes", "points")
SEED_MASK = (1 << 63) - 1
MAX_REPLICATES = 10_000


@dataclass(frozen=True)
class Cell:
    """One run of a sweep: its index, point, replicate, the point's values and its seed."""

    index: int
    point: int
    replicate: int
    values: tuple[tuple[str, Any], ...]
    seed: int


@dataclass(frozen=True)
class SweepSpec:
    """A base spec (plain data of kind ``kind``) and the points at which to run it.

    ``axes`` lists each varied parameter with its values in order (for a grid, the grid's
    values; for explicit points, the values in order of first appearance); ``points``
    holds every point's values in the order of ``axes``."""

    name: str
    kind: str
    base: dict[str, Any]
    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    points: tuple[tuple[Any, ...], ...]
    grid: bool = True
    replicates: int = 1
    description: str = ""
    source: str = field(default="", compare=False)

    @property
    def seed(self) -> int:
        """The master seed: the base spec's seed."""
        return int(self.base.get("seed", 0))

    @property
    def axis_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.axes)

    def cells(self) -> list[Cell]:
        """Every cell, in index order (point by point, replicates together)."""
        cells = []
        for point, values in enumerate(self.points):
            for replicate in range(self.replicates):
                index = point * self.replicates + replicate
                cells.append(
                    Cell(
                        index,
                        point,
                        replicate,
                        tuple(zip(self.axis_names, values)),
                        cell_seed(self.seed, index),
                    )
                )
        return cells

    def cell_data(self, cell: Cell) -> dict[str, Any]:
        """The plain data of the cell's ordinary spec (base + the point's values + its seed)."""
        return kind_for(self.kind).cell_data(self.base, dict(cell.values), cell.seed)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "base": self.base,
            "axes": [[name, list(values)] for name, values in self.axes],
            "points": [list(values) for values in self.points],
            "grid": self.grid,
            "replicates": self.replicates,
        }

    def fingerprint(self) -> str:
        """A hash of everything that decides the results (not the descriptions)."""
        data = self.to_dict()
        del data["description"]
        data["base"] = {k: v for k, v in data["base"].items() if k != "description"}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def with_seed(self, seed: int) -> SweepSpec:
        """The same sweep with another master seed."""
        base = copy.deepcopy(self.base)
        base["seed"] = seed
        kind_for(self.kind).check(base, "--seed")
        return dataclasses.replace(self, base=base)


def cell_seed(master: int, index: int) -> int:
    """The seed of cell ``index``: a function of the master seed and the index only."""
    state = np.random.SeedSequence(master, spawn_key=(index,)).generate_state(1, dtype=np.uint64)
    return int(state[0]) & SEED_MASK


def is_sweep_file(path: str | Path) -> bool:
    """Whether a TOML file has a ``[sweep]`` table (False if it cannot be read)."""
    try:
        return "sweep" in tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec; the name defaults to the file's stem."""
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise ParameterError("spec", str(path), "must be an existing TOML file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(where, "TOML", f"must be valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ParameterError(where, "encoding", "must be UTF-8 text") from None
    data.setdefault("name", path.stem)
    return sweep_from_dict(data, where=where)


def sweep_from_dict(data: dict[str, Any], where: str = "spec") -> SweepSpec:
    """Validate a parsed sweep spec: the base spec, the ``[sweep]`` table and every cell's
    values (a bad value is reported before anything runs, naming the parameter)."""
    data = dict(data)
    table = data.pop("sweep", None)
    if not isinstance(table, dict):
        raise ParameterError(
            f"{where}: sweep", table, "is required: a [sweep] table with axes or points (see docs/sweeps.md)"
        )
    kind = kind_for(kind_name(data))
    base = kind.base_data(data, where)
    for key in table:
        if key not in SWEEP_KEYS:
            close = difflib.get_close_matches(key, SWEEP_KEYS, n=1)
            hint = f"did you mean sweep.{close[0]}? " if close else ""
            raise ParameterError(
                f"{where}: key", f"sweep.{key}", f"unknown key; {hint}allowed: {', '.join(SWEEP_KEYS)}"
            )
    replicates = table.get("replicates", 1)
    if (
        isinstance(replicates, bool)
        or not isinstance(replicates, int)
        or not 1 <= replicates <= MAX_REPLICATES
    ):
        raise ParameterError(
            f"{where}: sweep.replicates", replicates, f"must be a whole number in [1, {MAX_REPLICATES}]"
        )
    if ("axes" in table) == ("points" in table):
        raise ParameterError(f"{where}: sweep", sorted(table), "give either [sweep.axes] or sweep.points")
    if "axes" in table:
        axes, points = _grid(table["axes"], where)
    else:
        axes, points = _points(table["points"], where)
    for name, _ in axes:
        kind.resolve(name, where)
    spec = SweepSpec(
        name=base["name"],
        kind=kind.name,
        base=base,
        axes=axes,
        points=points,
        grid="axes" in table,
        replicates=replicates,
        description=base.get("description", ""),
        source=where,
    )
    for values in points:  # every point must make a valid spec
        kind.check(kind.cell_data(base, dict(zip(spec.axis_names, values)), spec.seed), where)
    return spec


def kind_name(data: dict[str, Any]) -> str:
    """Which kind of spec plain data is: ``population`` if it has a [population] table,
    else ``tournament``."""
    return "population" if "population" in data else "tournament"


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """TOML's dotted keys make nested tables (``outside_options.A = ...``); flatten them
    back to paths."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def _grid(
    axes_table: object, where: str
) -> tuple[tuple[tuple[str, tuple[Any, ...]], ...], tuple[tuple[Any, ...], ...]]:
    if not isinstance(axes_table, dict) or not axes_table:
        raise ParameterError(
            f"{where}: sweep.axes", axes_table, "must be a table of parameter = [values] ([sweep.axes])"
        )
    axes = []
    for name, values in _flatten(axes_table).items():
        if not isinstance(values, list) or not values:
            raise ParameterError(f"{where}: sweep.axes.{name}", values, "must be a non-empty list of values")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise ParameterError(f"{where}: sweep.axes.{name}", values, "each value may appear only once")
        axes.append((name, tuple(values)))
    points = tuple(itertools.product(*(values for _, values in axes)))
    return tuple(axes), points


def _points(
    points_list: object, where: str
) -> tuple[tuple[tuple[str, tuple[Any, ...]], ...], tuple[tuple[Any, ...], ...]]:
    allowed = "must be a non-empty list of tables, each naming the same parameters"
    if not isinstance(points_list, list) or not points_list:
        raise ParameterError(f"{where}: sweep.points", points_list, allowed)
    flat = []
    for i, point in enumerate(points_list):
        if not isinstance(point, dict) or not point:
            raise ParameterError(f"{where}: sweep.points[{i}]", point, allowed)
        flat.append(_flatten(point))
    names = list(flat[0])
    for i, point in enumerate(flat):
        if set(point) != set(names):
            raise ParameterError(
                f"{where}: sweep.points[{i}]",
                sorted(point),
                f"must name the same parameters as points[0]: {names}",
            )
    values = tuple(tuple(point[name] for name in names) for point in flat)
    if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
        raise ParameterError(f"{where}: sweep.points", points_list, "each point may appear only once")
    axes = []
    for column, name in enumerate(names):
        seen: list[Any] = []
        for point_values in values:
            if point_values[column] not in seen:
                seen.append(point_values[column])
        axes.append((name, tuple(seen)))
    return tuple(axes), values


__all__ = ["Cell", "SpecKind", "SweepSpec", "cell_seed", "is_sweep_file", "load_sweep", "sweep_from_dict"]
