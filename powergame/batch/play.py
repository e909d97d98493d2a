"""The batch engine's entry points: one pair over many seeds, or many pairs at once."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from powergame import streams
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.state_table import StateTable, check_stakes_fit

from .deterministic import _deterministic_joints, _DeterministicTable, _play_merged
from .program import _Program
from .result import BatchResult, _result_of_parts
from .sizes import DEFAULT_CHUNK_SIZE, DEFAULT_MAX_CELLS, _check_sizes, _checked_seeds, _chunks, draw_horizons


def play_batch(
    game: Game,
    table_a: StateTable,
    table_b: StateTable,
    seeds: Sequence[int],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_cells: int = DEFAULT_MAX_CELLS,
    keep_actions: bool = False,
) -> BatchResult:
    """Play one match per seed between ``table_a`` (role A) and ``table_b`` (role B).

    ``chunk_size`` bounds the matches simulated together and ``max_cells`` the
    (matches x rounds) arrays of one chunk; ``keep_actions`` keeps the played actions
    as strings (memory grows with matches x rounds). Each match is the one ``play_match``
    plays with its seed, whatever the chunk size."""
    _check_sizes(chunk_size, max_cells)
    return _play_programs(
        game, [(table_a, table_b)], [_checked_seeds(seeds)], chunk_size, max_cells, keep_actions
    )


def _play_programs(
    game: Game,
    pairs: Sequence[tuple[StateTable, StateTable]],
    seeds: Sequence[tuple[int, ...]],
    chunk_size: int,
    max_cells: int,
    keep_actions: bool,
) -> BatchResult:
    """The matches of ``pairs`` simulated round by round in one array program, chunks
    cut across pairs; every random choice from each match's stream."""
    for table_a, table_b in pairs:
        check_stakes_fit(table_a, table_b)
    counts = [len(group) for group in seeds]
    all_seeds = tuple(itertools.chain.from_iterable(seeds))
    if not all_seeds:
        return _result_of_parts(game, (), [], keep_actions)
    program, starts, ends = _Program.of(game, pairs)
    horizons = draw_horizons(game, all_seeds)
    keys = streams.match_keys(all_seeds)
    start_g, ended_g = np.repeat(starts, counts), np.repeat(ends, counts)
    parts = [
        program.play(
            game,
            keys[start:stop],
            start_g[start:stop],
            ended_g[start:stop],
            horizons[start:stop],
            keep_actions,
        )
        for start, stop in _chunks(horizons, chunk_size, max_cells)
    ]
    return _result_of_parts(game, all_seeds, parts, keep_actions)


def _pair_slices(
    played: BatchResult, pairs: list[int], seed_lists: Sequence[Sequence[int]]
) -> dict[int, BatchResult]:
    """The rows of each of ``pairs`` (pair indices), played one after another in ``played``."""
    ends = np.cumsum([len(seed_lists[i]) for i in pairs])
    return {i: played.slice(int(end) - len(seed_lists[i]), int(end)) for i, end in zip(pairs, ends)}


def play_pairs(
    game: Game,
    pairs: Sequence[tuple[StateTable, StateTable]],
    seeds: Sequence[Sequence[int]],
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_cells: int = DEFAULT_MAX_CELLS,
    keep_actions: bool = False,
) -> BatchResult:
    """Play many pairs at once: one match per seed in ``seeds[i]`` between the tables of
    ``pairs[i]`` (role A first). Returns one BatchResult over all matches, pair after pair,
    with the figures ``play_batch`` gives for each pair on its own.

    All pairs are simulated together: those that draw nothing at random (deterministic
    tables, no noise) in one array program that plays each distinct match once, the others
    in another whose chunks are cut across pairs. A round costs a few numpy calls for all
    of them, not a few per pair, and every match is the one ``play_match`` plays with its
    seed."""
    if len(pairs) != len(seeds):
        raise ParameterError("seeds", f"{len(seeds)} seed lists", f"one per pair ({len(pairs)} pairs)")
    _check_sizes(chunk_size, max_cells)
    seed_lists = [_checked_seeds(group) for group in seeds]
    forms: dict[int, _DeterministicTable | None] = {}  # by id(): each table converted once
    for pair in pairs:
        for table in pair:
            if id(table) not in forms:
                forms[id(table)] = _DeterministicTable.of(table) if game.noise == 0.0 else None
    merged = [i for i, (a, b) in enumerate(pairs) if forms[id(a)] is not None and forms[id(b)] is not None]
    merged_set = set(merged)
    parts: dict[int, BatchResult] = {}
    others = [i for i in range(len(pairs)) if i not in merged_set]
    if others:
        played = _play_programs(
            game,
            [pairs[i] for i in others],
            [seed_lists[i] for i in others],
            chunk_size,
            max_cells,
            keep_actions,
        )
        if len(others) == len(pairs):
            return played
        parts.update(_pair_slices(played, others, seed_lists))
    if merged:
        joints = _deterministic_joints(
            game,
            [(forms[id(pairs[i][0])], forms[id(pairs[i][1])]) for i in merged],  # type: ignore[misc]
        )
        together = _play_merged(
            game, joints, [seed_lists[i] for i in merged], chunk_size, max_cells, keep_actions
        )
        if len(merged) == len(pairs):
            return together
        parts.update(_pair_slices(together, merged, seed_lists))
    return BatchResult.concatenate(game, [parts[i] for i in range(len(pairs))], keep_actions)
