"""Pairs that draw nothing at random: their joint tables laid end to end, each distinct match
played once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import kernel
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.state_table import StateTable

from .counters import _AS_SEEN_BY_B, _COUNT_MASK, _OUTCOME_COUNTS
from .figures import _figures
from .integral import _WholeTables
from .result import BatchResult, _result_of_parts
from .sizes import _chunks, _horizon_endings, draw_horizons


@dataclass(frozen=True)
class _DeterministicTable:
    """A state table that draws nothing at random, as arrays: by state s whether it
    withholds (1) or cooperates (0) and its stake; by (s, outcome) whether it leaves and
    the next state."""

    withhold: np.ndarray
    stake: np.ndarray
    leave: np.ndarray
    next_state: np.ndarray
    initial_state: int

    @classmethod
    def of(cls, table: StateTable) -> _DeterministicTable | None:
        """The arrays of ``table``, or None when any of its choices is random."""
        cooperate = np.asarray(table.cooperate)
        leave = np.asarray(table.leave, dtype=float).reshape(-1, 4)
        moves = np.asarray(table.transition, dtype=float).reshape(len(cooperate), 4, len(cooperate))
        point_mass = np.all((moves == 0.0) | (moves == 1.0)) and np.all(moves.sum(axis=2) == 1.0)
        if not (
            point_mass
            and np.all((cooperate == 0.0) | (cooperate == 1.0))
            and np.all((leave == 0.0) | (leave == 1.0))
        ):
            return None
        return cls(
            withhold=(cooperate == 0.0).astype(np.intp),
            stake=np.asarray(table.stake),
            leave=(leave == 1.0).astype(np.int8),
            next_state=np.argmax(moves, axis=2).astype(np.intp),
            initial_state=table.initial_state,
        )


@dataclass(frozen=True)
class _DeterministicJoint:
    """What ``_MergedProgram`` needs of one deterministic pair, indexed by g and f as in
    ``_joint_group`` (an extra ended state at g = ``ended`` earns and counts nothing)."""

    start: int
    ended: int
    step: np.ndarray  # by g: the f the round ends in
    next_g: np.ndarray  # by f
    leave_code: np.ndarray  # by f: 1 A leaves, 2 B leaves, 3 both
    payoff_a: np.ndarray  # by f
    payoff_b: np.ndarray
    counts: np.ndarray
    stake: np.ndarray  # by f (0 in the ended state)
    payoff_bound: float


def _deterministic_joints(
    game: Game, sides: Sequence[tuple[_DeterministicTable, _DeterministicTable]]
) -> list[_DeterministicJoint]:
    """The joint form of each deterministic pair; pairs of the same table sizes are built
    together, as rows of one array each."""
    by_shape: dict[tuple[int, int], list[int]] = {}
    for index, (side_a, side_b) in enumerate(sides):
        by_shape.setdefault((len(side_a.withhold), len(side_b.withhold)), []).append(index)
    v_a, v_b = game.outside_options
    stage_payoffs_a = np.asarray(game.payoff_table(0), dtype=float)
    stage_payoffs_b = np.asarray(game.payoff_table(1), dtype=float)[_AS_SEEN_BY_B]
    joints: dict[int, _DeterministicJoint] = {}
    for (n_a, n_b), members in by_shape.items():
        group_a = [sides[i][0] for i in members]
        group_b = [sides[i][1] for i in members]
        pairs = len(members)
        states = n_a * n_b
        live = 4 * states
        size = live + 4
        step = np.tile(np.arange(size, dtype=np.intp), (pairs, 1))
        withhold_a = np.stack([side.withhold for side in group_a])
        withhold_b = np.stack([side.withhold for side in group_b])
        step[:, 0:live:4] += (2 * withhold_a[:, :, None] + withhold_b[:, None, :]).reshape(pairs, states)
        next_a = np.stack([side.next_state for side in group_a])
        next_b = np.stack([side.next_state for side in group_b])[:, :, _AS_SEEN_BY_B]
        next_g = np.full((pairs, size), live, dtype=np.intp)
        next_g[:, :live] = (4 * (next_a[:, :, None, :] * n_b + next_b[:, None, :, :])).reshape(pairs, live)
        leave_a = np.stack([side.leave for side in group_a])
        leave_b = np.stack([side.leave for side in group_b])[:, :, _AS_SEEN_BY_B]
        leave_code = np.zeros((pairs, size), dtype=np.int8)
        leave_code[:, :live] = (leave_a[:, :, None, :] + 2 * leave_b[:, None, :, :]).reshape(pairs, live)
        stake_a = np.stack([side.stake for side in group_a])
        stake_b = np.stack([side.stake for side in group_b])
        stake_f = np.repeat(
            np.minimum(stake_a[:, :, None], stake_b[:, None, :]).reshape(pairs, states), 4, axis=1
        )
        stake = np.zeros((pairs, size))
        stake[:, :live] = stake_f
        stage_a = np.tile(stage_payoffs_a, states)
        stage_b = np.tile(stage_payoffs_b, states)
        payoff_a, payoff_b = np.zeros((pairs, size)), np.zeros((pairs, size))
        payoff_a[:, :live] = np.where(stake_f == 1.0, stage_a, kernel.round_payoff(stake_f, stage_a, v_a))
        payoff_b[:, :live] = np.where(stake_f == 1.0, stage_b, kernel.round_payoff(stake_f, stage_b, v_b))
        counts = np.zeros(size, dtype=np.int64)
        counts[:live] = np.tile(_OUTCOME_COUNTS, states)
        bounds = np.maximum(
            np.max(np.abs(payoff_a[:, :live] - v_a), axis=1), np.max(np.abs(payoff_b[:, :live] - v_b), axis=1)
        )
        for row, index in enumerate(members):
            joints[index] = _DeterministicJoint(
                start=4 * (group_a[row].initial_state * n_b + group_b[row].initial_state),
                ended=live,
                step=step[row],
                next_g=next_g[row],
                leave_code=leave_code[row],
                payoff_a=payoff_a[row],
                payoff_b=payoff_b[row],
                counts=counts,
                stake=stake[row],
                payoff_bound=float(bounds[row]),
            )
    return [joints[i] for i in range(len(sides))]


def _play_merged(
    game: Game,
    joints: Sequence[_DeterministicJoint],
    seeds: Sequence[tuple[int, ...]],
    chunk_size: int,
    max_cells: int,
    keep_actions: bool,
) -> BatchResult:
    """The matches of pairs that draw nothing at random, simulated together: the joint
    tables are laid end to end and each match walks its own pair's part."""
    for group in seeds:
        for seed in group:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise ParameterError("seed", seed, "must be a whole number >= 0")
    sizes = [joint.ended + 4 for joint in joints]
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    counts = [len(group) for group in seeds]
    stakes = np.concatenate([joint.stake for joint in joints])
    program = _MergedProgram(
        step=np.concatenate([joint.step + offset for joint, offset in zip(joints, offsets)]),
        next_g=np.concatenate([joint.next_g + offset for joint, offset in zip(joints, offsets)]),
        leave_code=np.concatenate([joint.leave_code for joint in joints]),
        payoff_a=np.concatenate([joint.payoff_a for joint in joints]),
        payoff_b=np.concatenate([joint.payoff_b for joint in joints]),
        counts=np.concatenate([joint.counts for joint in joints]),
        stake=None if all(np.all(joint.stake[: joint.ended] == 1.0) for joint in joints) else stakes,
        can_leave=bool(any(joint.leave_code.any() for joint in joints)),
        payoff_bound=max(joint.payoff_bound for joint in joints),
    )
    all_seeds = tuple(seed for group in seeds for seed in group)
    starts = offsets + np.array([joint.start for joint in joints], dtype=np.intp)
    ends = offsets + np.array([joint.ended for joint in joints], dtype=np.intp)
    if game.continuation is None:
        # A fixed horizon and nothing random: every match of a pair is the same match.
        # Play one per pair and repeat its figures for the pair's seeds.
        horizons = draw_horizons(game, [0] * len(joints))
        parts = [
            program.play(game, starts[start:stop], ends[start:stop], horizons[start:stop], keep_actions)
            for start, stop in _chunks(horizons, chunk_size, max_cells)
        ]
        return _result_of_parts(game, (), parts, keep_actions).repeated(np.asarray(counts), all_seeds)
    horizons = draw_horizons(game, all_seeds)
    start_g, ended_g = np.repeat(starts, counts), np.repeat(ends, counts)
    parts = [
        program.play(game, start_g[start:stop], ended_g[start:stop], horizons[start:stop], keep_actions)
        for start, stop in _chunks(horizons, chunk_size, max_cells)
    ]
    return _result_of_parts(game, all_seeds, parts, keep_actions)


@dataclass(frozen=True)
class _MergedProgram:
    """Joint tables of several deterministic pairs laid end to end (indices by g and f as
    in ``_joint_group``, shifted by each pair's offset)."""

    step: np.ndarray  # by g: the f the round ends in
    next_g: np.ndarray  # by f
    leave_code: np.ndarray  # by f: 1 A leaves, 2 B leaves, 3 both
    payoff_a: np.ndarray  # by f
    payoff_b: np.ndarray
    counts: np.ndarray
    stake: np.ndarray | None
    can_leave: bool
    payoff_bound: float

    def play(
        self,
        game: Game,
        start_g: np.ndarray,
        ended_g: np.ndarray,
        horizons: np.ndarray,
        keep_actions: bool,
    ) -> dict[str, Any]:
        """Walk every match round by round recording only its f; the payoffs, counters
        and running sums are then read off the recorded f at once."""
        count = len(horizons)
        longest = int(horizons.max())
        if longest > _COUNT_MASK:
            raise ParameterError(
                "horizon", longest, f"must be at most {_COUNT_MASK} rounds in the batch engine"
            )
        ending = _horizon_endings(horizons, longest)
        # Walk in f: a round's f follows from the last one through step[next_g[f]], one
        # lookup per round; the ended state's f is its g (step leaves it in place).
        compose = np.take(self.step, self.next_g)
        recorded = np.empty((longest, count), dtype=np.intp)
        np.take(self.step, start_g, out=recorded[0], mode="wrap")
        exit_round = np.zeros(count, dtype=np.int64)
        left_by = np.zeros(count, dtype=np.int8)
        alive = count
        rounds_played = longest
        for t in range(longest):
            f = recorded[t]
            if t in ending:
                reaching = ending[t]
                f[reaching] = ended_g[reaching]
                alive -= int(np.count_nonzero(left_by[reaching] == 0))
                if alive <= 0:
                    rounds_played = t
                    break
            leaving = None
            if self.can_leave:
                code = np.take(self.leave_code, f)
                leaving = np.flatnonzero(code)
                if len(leaving):
                    exit_round[leaving] = t + 1
                    left_by[leaving] = code[leaving]
                    alive -= len(leaving)
                    if alive <= 0:
                        rounds_played = t + 1
                        break
            if t + 1 < longest:
                np.take(compose, f, out=recorded[t + 1], mode="wrap")
                if leaving is not None and len(leaving):
                    recorded[t + 1][leaving] = ended_g[leaving]
        recorded = recorded[:rounds_played]
        whole = _WholeTables.of(self.payoff_a, self.payoff_b, *game.outside_options)
        # whole numbers: sums and power figures in integers
        integral = None if whole is None else whole.integral(longest, self.counts)
        sums = None
        if integral is None:
            payoffs = np.empty(len(self.payoff_a), dtype=complex)  # u_A + i u_B, as in _play_chunk
            payoffs.real, payoffs.imag = self.payoff_a, self.payoff_b
            sums = _running_sums(np.take(payoffs, recorded))
        counters = None
        if integral is None or integral[2] == 0:  # else the words count them
            counters = np.take(self.counts, recorded, mode="wrap").sum(axis=0, dtype=np.int64)
        stake_sum = None
        if self.stake is not None:
            stake_sum = _running_sums(np.take(self.stake, recorded))[-1] if rounds_played else np.zeros(count)
        return _figures(
            game,
            horizons,
            left_by,
            exit_round,
            sums,
            counters,
            stake_sum,
            recorded,
            keep_actions,
            self.payoff_bound,
            integral,
        )


def _running_sums(values: np.ndarray) -> np.ndarray:
    """Running sums down the rows of ``values``, in place and in round order (row by row
    is some 20 times faster than cumsum along axis 0, with the same additions)."""
    for t in range(1, len(values)):
        np.add(values[t - 1], values[t], out=values[t])
    return values
