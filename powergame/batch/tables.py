"""State tables as threshold arrays, and pairs of them folded into joint tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import kernel
from powergame.game import Game
from powergame.state_table import StateTable

from .counters import _AS_SEEN_BY_B, _OUTCOME_COUNTS


def _joint_group(
    game: Game,
    n_a: int,
    n_b: int,
    sides_a: Sequence[_TableArrays],
    sides_b: Sequence[_TableArrays],
    moves: bool = True,
) -> dict[str, Any]:
    """Both tables and the game folded into the joint state j = (state A, state B), for
    pairs of n_a x n_b states, one row per pair.

    Arrays indexed by g = 4j hold what depends on the state (each partner's chance to
    cooperate, as a threshold of its 32-bit uniform); arrays indexed by f = 4j + outcome
    hold what depends on the round's outcome (payoffs, leaving, the next state). An extra
    absorbing "ended" state (its four f included, g = 4 n_a n_b) earns and counts nothing,
    so matches that are over need no masking. Keys: ``choose`` (pairs, size, 2) uint64 by
    g, A's and B's uniform below this cooperates; ``payoff_a``/``payoff_b``/``stake`` by f
    (0 in the ended state); ``counts`` by f, packed increments of the cooperation counters;
    ``leave`` (pairs, size, 2) by f, the uniform below this leaves; ``next_g`` by f (rows
    where ``point_mass``); ``move_a``/``move_b`` (pairs, size, n) cumulative thresholds of
    the next state (None unless ``moves``); ``bound`` max |u_i - v_i| over outcomes, for the tie tolerance."""
    pairs = len(sides_a)
    states = n_a * n_b
    live = 4 * states  # f (and g) below this belong to a live joint state
    size = live + 4
    v_a, v_b = game.outside_options

    def distinct(sides: Sequence[_TableArrays]) -> tuple[list[_TableArrays], np.ndarray]:
        first: dict[int, int] = {}
        unique: list[_TableArrays] = []
        for side in sides:
            if id(side) not in first:
                first[id(side)] = len(unique)
                unique.append(side)
        return unique, np.array([first[id(side)] for side in sides], dtype=np.intp)

    by_side = {id(sides_a): distinct(sides_a), id(sides_b): distinct(sides_b)}

    def stacked(sides: Sequence[_TableArrays], name: str) -> np.ndarray:
        unique, index = by_side[id(sides)]  # each table's arrays stacked once, then gathered
        return np.stack([getattr(side, name) for side in unique])[index]

    choose = np.full((pairs, size, 2), _SURE, dtype=np.uint64)
    choose[:, 0:live:4, 0] = np.repeat(stacked(sides_a, "choose"), n_b, axis=1)
    choose[:, 0:live:4, 1] = np.tile(stacked(sides_b, "choose"), (1, n_a))
    # Per f = 4j + o (j = s_a * n_b + s_b); B sees outcome o as o_b (own action first).
    stake_a, stake_b = stacked(sides_a, "stake"), stacked(sides_b, "stake")
    stake_f = np.repeat(
        np.minimum(stake_a[:, :, None], stake_b[:, None, :]).reshape(pairs, states), 4, axis=1
    )
    stage_a = np.tile(np.asarray(game.payoff_table(0), dtype=float), states)
    stage_b = np.tile(np.asarray(game.payoff_table(1), dtype=float)[_AS_SEEN_BY_B], states)
    payoff_a, payoff_b, stake = np.zeros((pairs, size)), np.zeros((pairs, size)), np.zeros((pairs, size))
    payoff_a[:, :live] = np.where(stake_f == 1.0, stage_a, kernel.round_payoff(stake_f, stage_a, v_a))
    payoff_b[:, :live] = np.where(stake_f == 1.0, stage_b, kernel.round_payoff(stake_f, stage_b, v_b))
    stake[:, :live] = stake_f
    counts = np.zeros(size, dtype=np.int64)
    counts[:live] = np.tile(_OUTCOME_COUNTS, states)
    leave = np.zeros((pairs, size, 2), dtype=np.uint64)
    leave_a = stacked(sides_a, "leave")  # (pairs, n_a, 4)
    leave_b = stacked(sides_b, "leave")[:, :, _AS_SEEN_BY_B]
    leave[:, :live, 0] = np.broadcast_to(leave_a[:, :, None, :], (pairs, n_a, n_b, 4)).reshape(pairs, live)
    leave[:, :live, 1] = np.broadcast_to(leave_b[:, None, :, :], (pairs, n_a, n_b, 4)).reshape(pairs, live)
    point_mass = np.array(
        [a.next_state is not None and b.next_state is not None for a, b in zip(sides_a, sides_b)]
    )
    move_a = move_b = None
    if moves:
        move_a = np.full((pairs, size, n_a), _SURE, dtype=np.uint64)
        move_b = np.full((pairs, size, n_b), _SURE, dtype=np.uint64)
        move_a[:, :live] = np.broadcast_to(
            stacked(sides_a, "move")[:, :, None, :, :], (pairs, n_a, n_b, 4, n_a)
        ).reshape(pairs, live, n_a)
        move_b[:, :live] = np.broadcast_to(
            stacked(sides_b, "move")[:, :, _AS_SEEN_BY_B][:, None, :, :, :], (pairs, n_a, n_b, 4, n_b)
        ).reshape(pairs, live, n_b)
    next_g = np.full((pairs, size), live, dtype=np.intp)
    if point_mass.any():
        zeros_a, zeros_b = np.zeros((n_a, 4), dtype=np.intp), np.zeros((n_b, 4), dtype=np.intp)
        next_a = np.stack([zeros_a if a.next_state is None else a.next_state for a in sides_a])
        next_b = np.stack([zeros_b if b.next_state is None else b.next_state for b in sides_b])
        next_b = next_b[:, :, _AS_SEEN_BY_B]
        next_g[:, :live] = (4 * (next_a[:, :, None, :] * n_b + next_b[:, None, :, :])).reshape(pairs, live)
    bound = np.maximum(
        np.max(np.abs(payoff_a[:, :live] - v_a), axis=1), np.max(np.abs(payoff_b[:, :live] - v_b), axis=1)
    )
    return {
        "choose": choose,
        "payoff_a": payoff_a,
        "payoff_b": payoff_b,
        "stake": stake,
        "counts": counts,
        "leave": leave,
        "move_a": move_a,
        "move_b": move_b,
        "next_g": next_g,
        "point_mass": point_mass,
        "bound": bound,
    }


_SURE = 1 << 32  # the threshold of a sure event: every 32-bit uniform is below it


@dataclass(frozen=True)
class _TableArrays:
    """One state table as threshold arrays (``powergame.streams``): by state s the threshold
    of cooperating and the stake; by (s, outcome) the threshold of leaving, the cumulative
    thresholds of the next state and, when every transition is a point mass, the next state."""

    choose: np.ndarray  # (n,) uint64
    stake: np.ndarray  # (n,)
    leave: np.ndarray  # (n, 4) uint64
    move: np.ndarray  # (n, 4, n) uint64
    next_state: np.ndarray | None  # (n, 4) intp

    @classmethod
    def of(cls, table: StateTable) -> _TableArrays:
        form: _TableArrays | None = _TABLE_FORMS.get(table)
        if form is None:
            n = table.n_states
            moves = np.asarray(table.transition, dtype=float).reshape(n, 4, n)
            cumulative = np.cumsum(moves, axis=2)  # the Python engine's sums, in the same order
            move = _threshold_array(cumulative)
            # from the last state of positive probability on, the sure threshold
            last = n - 1 - np.argmax(moves[:, :, ::-1] > 0.0, axis=2)
            move[np.arange(n)[None, None, :] >= last[:, :, None]] = _SURE
            point_mass = bool(np.all((moves == 0.0) | (moves == 1.0)))
            form = cls(
                choose=_threshold_array(np.asarray(table.cooperate)),
                stake=np.asarray(table.stake, dtype=float),
                leave=_threshold_array(np.asarray(table.leave, dtype=float).reshape(n, 4)),
                move=move,
                next_state=np.argmax(moves, axis=2).astype(np.intp) if point_mass else None,
            )
            if len(_TABLE_FORMS) > 4096:
                _TABLE_FORMS.clear()
            _TABLE_FORMS[table] = form
        return form


_TABLE_FORMS: dict[StateTable, _TableArrays] = {}


def _threshold_array(probability: np.ndarray) -> np.ndarray:
    """``streams.threshold`` of every probability (round half to even, as Python's round)."""
    return np.rint(np.asarray(probability, dtype=float) * float(_SURE)).astype(np.uint64)


def _padded(blocks: Sequence[np.ndarray]) -> np.ndarray:
    """Row blocks of different widths stacked, padded on the right with the sure threshold
    (never at or below a uniform, so padding never counts)."""
    width = max(block.shape[1] for block in blocks)
    out = np.full((sum(len(block) for block in blocks), width), _SURE, dtype=np.uint64)
    start = 0
    for block in blocks:
        out[start : start + len(block), : block.shape[1]] = block
        start += len(block)
    return out
