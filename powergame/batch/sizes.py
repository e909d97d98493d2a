"""Seeds, horizons and chunks: what the batch engine checks and cuts before it plays."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from powergame import streams
from powergame.errors import ParameterError
from powergame.game import Game

DEFAULT_CHUNK_SIZE = 4096  # fastest of 2048-16384 on 200-round pairs (benchmarks/batch_speed.py --chunk-size)


DEFAULT_MAX_CELLS = 1 << 21


def draw_horizons(game: Game, seeds: Sequence[int]) -> np.ndarray:
    """Each match's horizon, drawn from its seed's stream exactly as ``play_match`` does."""
    if game.continuation is None:
        assert game.rounds is not None
        return np.full(len(seeds), game.rounds, dtype=np.int64)
    uniforms = streams.horizon_uniforms(streams.match_keys(seeds))
    w = game.continuation
    if w == 0.0:
        return np.ones(len(seeds), dtype=np.int64)
    lengths = np.log1p(-uniforms) / math.log(w)
    horizons = 1 + np.floor(lengths).astype(np.int64)
    # numpy's logarithms may differ from the math module's in the last bit: where that could
    # move the floor, take the Python engine's own computation
    near = np.flatnonzero(np.abs(lengths - np.rint(lengths)) <= 1e-9 * np.maximum(1.0, lengths))
    for i in near.tolist():
        horizons[i] = game.draw_horizon(float(uniforms[i]))
    return horizons


def _checked_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    seeds = tuple(seeds)
    if seeds and set(map(type, seeds)) == {int} and min(seeds) >= 0:  # the usual case, at C speed
        return seeds
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ParameterError("seed", seed, "must be a whole number >= 0")
    return seeds


def _check_sizes(chunk_size: int, max_cells: int) -> None:
    for name, value in (("chunk_size", chunk_size), ("max_cells", max_cells)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(name, value, "must be a whole number >= 1")


def _chunks(horizons: np.ndarray, chunk_size: int, max_cells: int) -> list[tuple[int, int]]:
    """Consecutive (start, stop) ranges with at most ``chunk_size`` matches and
    count x longest horizon <= ``max_cells`` (at least one match each)."""
    bounds = []
    start = 0
    total = len(horizons)
    sizes = np.arange(1, min(chunk_size, total) + 1)
    while start < total:
        window = horizons[start : start + chunk_size]
        # count x longest-so-far only grows along the window, so the fitting ones are a prefix
        cells = sizes[: len(window)] * np.maximum.accumulate(window)
        stop = start + max(1, int(np.count_nonzero(cells <= max_cells)))
        bounds.append((start, stop))
        start = stop
    return bounds


def _horizon_endings(horizons: np.ndarray, longest: int) -> dict[int, np.ndarray]:
    """For each round index t: the matches whose horizon is t (over before round t + 1)."""
    order = np.argsort(horizons, kind="stable")
    sorted_horizons = horizons[order]
    values, starts = np.unique(sorted_horizons, return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return {int(h): order[bounds[i] : bounds[i + 1]] for i, h in enumerate(values.tolist()) if h < longest}
