"""A vectorized engine: many matches between two state-table strategies at once.

``play_batch`` runs one numpy step per round across all matches of a chunk, then
derives every figure of ``MatchResult.summary()`` from the recorded actions. It follows
the model of ``powergame.engine.play_match`` exactly (stakes, actions, noise, payoffs,
leaving, then the state transition), and reads every random choice (stochastic tables,
noise, continuation length) from the match's own stream (``powergame.streams``) as the
Python engine does: each match is the very match ``play_match`` plays with its seed,
whatever else is in the batch. Each
random choice compares a 32-bit uniform with its probability rounded to a multiple of
2^-32 (a choice of probability 0 or 1 stays sure); one 64-bit draw serves both partners.

Memory is bounded: matches are processed in chunks whose (matches x rounds) cell count
stays under ``max_cells`` (a single match longer than that is its own chunk).

Modules: ``play`` (entry points), ``program`` (the array program of many pairs),
``deterministic`` (pairs that draw nothing at random), ``tables`` (threshold and joint tables),
``figures``, ``holders`` and ``integral`` (per-match figures), ``result`` (``BatchResult``), ``sizes``
(seeds, horizons, chunks), ``counters`` and ``workspace``.
"""

from __future__ import annotations

from .counters import MAX_HORIZON
from .holders import _power_figures as _power_figures
from .play import play_batch, play_pairs
from .result import LEFT_BY_CODES, BatchResult
from .sizes import DEFAULT_CHUNK_SIZE, DEFAULT_MAX_CELLS, draw_horizons
from .sizes import _chunks as _chunks

__all__ = [
    "BatchResult",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_CELLS",
    "LEFT_BY_CODES",
    "MAX_HORIZON",
    "draw_horizons",
    "play_batch",
    "play_pairs",
]
