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
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import kernel, power, streams
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.state_table import StateTable

LEFT_BY_CODES: tuple[str | None, ...] = (None, "A", "B", "both")  # index = code in BatchResult.left_by

DEFAULT_CHUNK_SIZE = 4096  # fastest of 2048-16384 on 200-round pairs (benchmarks/batch_speed.py --chunk-size)
DEFAULT_MAX_CELLS = 1 << 21


@dataclass(frozen=True)
class BatchResult:
    """Per-match figures of a batch, one numpy array entry per seed (in seed order).

    ``left_by`` holds codes into ``LEFT_BY_CODES`` (0 nobody, 1 A, 2 B, 3 both) and
    ``exit_round`` is 0 where nobody left. ``actions_a``/``actions_b`` (played actions,
    after noise) are only kept when asked for.
    """

    game: Game
    seeds: tuple[int, ...]
    horizon: np.ndarray
    rounds_together: np.ndarray
    left_by: np.ndarray
    exit_round: np.ndarray
    total_a: np.ndarray
    total_b: np.ndarray
    score_a: np.ndarray
    score_b: np.ndarray
    cooperation_a: np.ndarray
    cooperation_b: np.ndarray
    mutual_cooperation: np.ndarray
    mean_stake: np.ndarray
    realized_dependence_a: np.ndarray
    realized_dependence_b: np.ndarray
    power_shifts: np.ndarray
    power_share_a: np.ndarray
    power_share_b: np.ndarray
    actions_a: tuple[str, ...] | None = None
    actions_b: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.seeds)

    @property
    def censored(self) -> np.ndarray:
        """Nobody left (the relationship reached the horizon)."""
        return self.left_by == 0

    def slice(self, start: int, stop: int) -> BatchResult:
        """The matches ``start`` to ``stop`` (exclusive) as a BatchResult of their own."""
        fields = {name: getattr(self, name)[start:stop] for name in _ARRAY_FIELDS}
        actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
        if self.actions_a is not None and self.actions_b is not None:
            actions = {"actions_a": self.actions_a[start:stop], "actions_b": self.actions_b[start:stop]}
        return BatchResult(game=self.game, seeds=self.seeds[start:stop], **fields, **actions)

    def repeated(self, counts: np.ndarray, seeds: tuple[int, ...]) -> BatchResult:
        """Match i repeated ``counts[i]`` times, with ``seeds`` (one per resulting match)."""
        index = np.repeat(np.arange(len(counts)), counts)
        fields = {name: getattr(self, name)[index] for name in _ARRAY_FIELDS}
        actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
        if self.actions_a is not None and self.actions_b is not None:
            actions = {
                "actions_a": tuple(self.actions_a[i] for i in index.tolist()),
                "actions_b": tuple(self.actions_b[i] for i in index.tolist()),
            }
        return BatchResult(game=self.game, seeds=seeds, **fields, **actions)

    @staticmethod
    def concatenate(game: Game, parts: Sequence[BatchResult], keep_actions: bool) -> BatchResult:
        """The matches of ``parts``, one after the other."""
        parts = [part for part in parts if len(part)]  # an empty part's arrays have no dtype to keep
        seeds = tuple(seed for part in parts for seed in part.seeds)
        return _result_of_parts(game, seeds, parts, keep_actions)

    def rows(self, player_a: str, player_b: str, with_actions: bool = False) -> list[dict[str, Any]]:
        """One dict per match with the keys and values of ``MatchResult.summary()``
        (plus ``actions_a``/``actions_b`` when ``with_actions`` and they were kept)."""
        if with_actions and self.actions_a is None:
            raise ParameterError("with_actions", True, "needs play_batch(..., keep_actions=True)")
        game = self.game
        constants = {
            "structural_dependence_a": power.structural_dependence(game, 0),
            "structural_dependence_b": power.structural_dependence(game, 1),
            "power_index": power.power_index(game),
            "least_interest": power.least_interest_partner(game),
        }
        columns = {name: getattr(self, name).tolist() for name in _ARRAY_FIELDS}
        rows = []
        for i, seed in enumerate(self.seeds):
            code = columns["left_by"][i]
            row: dict[str, Any] = {
                "player_a": player_a,
                "player_b": player_b,
                "seed": seed,
                "horizon": columns["horizon"][i],
                "rounds_together": columns["rounds_together"][i],
                "left_by": LEFT_BY_CODES[code],
                "exit_round": columns["exit_round"][i] or None,
                "censored": code == 0,
                "total_a": columns["total_a"][i],
                "total_b": columns["total_b"][i],
                "score_a": columns["score_a"][i],
                "score_b": columns["score_b"][i],
                "cooperation_a": columns["cooperation_a"][i],
                "cooperation_b": columns["cooperation_b"][i],
                "mutual_cooperation": columns["mutual_cooperation"][i],
                "mean_stake": columns["mean_stake"][i],
                "structural_dependence_a": constants["structural_dependence_a"],
                "structural_dependence_b": constants["structural_dependence_b"],
                "power_index": constants["power_index"],
                "least_interest": constants["least_interest"],
                "realized_dependence_a": columns["realized_dependence_a"][i],
                "realized_dependence_b": columns["realized_dependence_b"][i],
                "power_shifts": columns["power_shifts"][i],
                "power_share_a": columns["power_share_a"][i],
                "power_share_b": columns["power_share_b"][i],
            }
            if with_actions:
                assert self.actions_a is not None and self.actions_b is not None
                row["actions_a"] = self.actions_a[i]
                row["actions_b"] = self.actions_b[i]
            rows.append(row)
        return rows


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
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ParameterError("seed", seed, "must be a whole number >= 0")
    return seeds


def _check_sizes(chunk_size: int, max_cells: int) -> None:
    for name, value in (("chunk_size", chunk_size), ("max_cells", max_cells)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(name, value, "must be a whole number >= 1")


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
    counts = [len(group) for group in seeds]
    all_seeds = tuple(seed for group in seeds for seed in group)
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


def _result_of_parts(
    game: Game, seeds: tuple[int, ...], parts: Sequence[Any], keep_actions: bool
) -> BatchResult:
    """One BatchResult from consecutive parts (figure dicts or BatchResults) of its matches."""

    def field(part: Any, name: str) -> Any:
        return part[name] if isinstance(part, dict) else getattr(part, name)

    fields: dict[str, Any] = {}
    for name in _ARRAY_FIELDS:
        pieces = [field(part, name) for part in parts]
        fields[name] = np.concatenate(pieces) if pieces else np.zeros(0)
    actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
    if keep_actions:
        actions = {key: tuple(s for part in parts for s in field(part, key)) for key in actions}
    return BatchResult(game=game, seeds=seeds, **fields, **actions)


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
        start = 0
        for i in others:
            stop = start + len(seed_lists[i])
            parts[i] = played.slice(start, stop)
            start = stop
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
        start = 0
        for i in merged:
            stop = start + len(seed_lists[i])
            parts[i] = together.slice(start, stop)
            start = stop
    return BatchResult.concatenate(game, [parts[i] for i in range(len(pairs))], keep_actions)


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
        payoffs = np.empty(len(self.payoff_a), dtype=complex)  # u_A + i u_B, as in _play_chunk
        payoffs.real, payoffs.imag = self.payoff_a, self.payoff_b
        sums = _running_sums(np.take(payoffs, recorded))
        counters = np.take(self.counts, recorded).sum(axis=0, dtype=np.int64)
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
        )


def _running_sums(values: np.ndarray) -> np.ndarray:
    """Running sums down the rows of ``values``, in place and in round order (row by row
    is some 20 times faster than cumsum along axis 0, with the same additions)."""
    for t in range(1, len(values)):
        np.add(values[t - 1], values[t], out=values[t])
    return values


_ARRAY_FIELDS = (
    "horizon",
    "rounds_together",
    "left_by",
    "exit_round",
    "total_a",
    "total_b",
    "score_a",
    "score_b",
    "cooperation_a",
    "cooperation_b",
    "mutual_cooperation",
    "mean_stake",
    "realized_dependence_a",
    "realized_dependence_b",
    "power_shifts",
    "power_share_a",
    "power_share_b",
)


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


_COUNT_BITS = 21  # cooperation counters are packed in one int64: A, B, mutual
_COUNT_MASK = (1 << _COUNT_BITS) - 1
MAX_HORIZON = _COUNT_MASK  # the longest match the batch engine plays (its counters are packed)
# By outcome CC, CD, DC, DD (A's action first): the packed counter increments, and the
# index of the same outcome as B sees it (B's action first).
_OUTCOME_COUNTS = np.array([1 + (1 << _COUNT_BITS) + (1 << (2 * _COUNT_BITS)), 1, 1 << _COUNT_BITS, 0])
_AS_SEEN_BY_B = np.array(kernel.AS_SEEN_BY_B)


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


@dataclass(frozen=True)
class _Program:
    """The joint tables of many pairs laid end to end (pair i's g and f shifted by its
    offset), as one array program; arrays as in ``_joint_group``."""

    choose: np.ndarray
    choice_random: bool  # some partner's choice is neither sure nor impossible
    payoffs: np.ndarray  # by f: u_A + i u_B
    stake: np.ndarray | None  # by f, None when every stake is 1
    counts: np.ndarray
    leave: np.ndarray
    leave_code: np.ndarray | None  # by f, when leaving is never random: 1 A, 2 B, 3 both
    can_leave: bool
    next_g: np.ndarray | None
    move_a: np.ndarray | None  # (size, widest A) cumulative thresholds, when some move is random
    move_b: np.ndarray | None
    move_base: np.ndarray | None  # by f: the pair's offset (the ended g for ended f)
    move_n_b: np.ndarray | None  # by f: B's states in the pair
    payoff_bound: float

    @classmethod
    def of(
        cls, game: Game, pairs: Sequence[tuple[StateTable, StateTable]]
    ) -> tuple[_Program, np.ndarray, np.ndarray]:
        """The program of ``pairs`` and each pair's first g and ended g in it. Pairs of the
        same table sizes are folded together (``_joint_group``) and laid out group by group."""
        forms: dict[int, _TableArrays] = {}  # by id(): each table converted once
        for pair in pairs:
            for table in pair:
                if id(table) not in forms:
                    forms[id(table)] = _TableArrays.of(table)
        by_shape: dict[tuple[int, int], list[int]] = {}
        for index, (table_a, table_b) in enumerate(pairs):
            by_shape.setdefault((table_a.n_states, table_b.n_states), []).append(index)
        starts = np.empty(len(pairs), dtype=np.intp)
        ends = np.empty(len(pairs), dtype=np.intp)
        parts: dict[str, list[np.ndarray]] = {}
        # every transition a point mass: the next state is looked up, never drawn
        point_mass = all(form.next_state is not None for form in forms.values())
        bound, offset = 0.0, 0
        for (n_a, n_b), members in by_shape.items():
            built = _joint_group(
                game,
                n_a,
                n_b,
                [forms[id(pairs[i][0])] for i in members],
                [forms[id(pairs[i][1])] for i in members],
                moves=not point_mass,
            )
            live = 4 * n_a * n_b
            size = live + 4
            bases = offset + size * np.arange(len(members), dtype=np.intp)
            initial = [4 * (pairs[i][0].initial_state * n_b + pairs[i][1].initial_state) for i in members]
            starts[members] = bases + np.array(initial, dtype=np.intp)
            ends[members] = bases + live
            cells = len(members) * size
            for name in ("choose", "leave"):
                parts.setdefault(name, []).append(built[name].reshape(cells, 2))
            for name in ("stake", "payoff_a", "payoff_b"):
                parts.setdefault(name, []).append(built[name].reshape(cells))
            parts.setdefault("counts", []).append(np.tile(built["counts"], len(members)))
            parts.setdefault("live", []).append(np.tile(np.arange(size) < live, len(members)))
            parts.setdefault("next_g", []).append((built["next_g"] + bases[:, None]).reshape(cells))
            if not point_mass:
                parts.setdefault("move_a", []).append(built["move_a"].reshape(cells, n_a))
                parts.setdefault("move_b", []).append(built["move_b"].reshape(cells, n_b))
                move_base = np.repeat(bases, size).reshape(len(members), size)
                move_base[:, live:] += live
                parts.setdefault("move_base", []).append(move_base.reshape(cells))
                parts.setdefault("move_n_b", []).append(np.full(cells, n_b, dtype=np.intp))
            bound = max(bound, float(built["bound"].max()))
            offset += cells
        joined = {name: np.concatenate(pieces) for name, pieces in parts.items() if "move" not in name}
        choose, leave, stake, live_f = joined["choose"], joined["leave"], joined["stake"], joined["live"]
        payoffs = np.empty(len(stake), dtype=complex)
        payoffs.real, payoffs.imag = joined["payoff_a"], joined["payoff_b"]
        leave_sure = bool(np.all((leave == 0) | (leave == _SURE)))
        move: dict[str, np.ndarray | None] = dict.fromkeys(("move_a", "move_b", "move_base", "move_n_b"))
        if not point_mass:
            move["move_a"], move["move_b"] = _padded(parts["move_a"]), _padded(parts["move_b"])
            move["move_base"] = np.concatenate(parts["move_base"])
            move["move_n_b"] = np.concatenate(parts["move_n_b"])
        program = cls(
            choose=choose,
            choice_random=bool(np.any((choose != 0) & (choose != _SURE))),
            payoffs=payoffs,
            stake=None if np.all(stake[live_f] == 1.0) else stake,
            counts=joined["counts"],
            leave=leave,
            leave_code=((leave[:, 0] == _SURE) + 2 * (leave[:, 1] == _SURE)).astype(np.int8)
            if leave_sure
            else None,
            can_leave=bool(np.any(leave != 0)),
            next_g=joined["next_g"] if point_mass else None,
            payoff_bound=bound,
            **move,
        )
        return program, starts, ends

    def play(
        self,
        game: Game,
        keys: np.ndarray,
        start_g: np.ndarray,
        ended_g: np.ndarray,
        horizons: np.ndarray,
        keep_actions: bool,
    ) -> dict[str, Any]:
        """Simulate one chunk round by round recording each match's f and the running
        payoff sums, every random choice read from the match's stream (its ``keys``); the
        cooperation counters are read off the recorded f a block of rounds at a time."""
        count = len(horizons)
        longest = int(horizons.max())
        if longest > _COUNT_MASK:
            raise ParameterError(
                "horizon", longest, f"must be at most {_COUNT_MASK} rounds in the batch engine"
            )
        noise_threshold = streams.threshold(game.noise)
        noise = None
        if game.noise:  # a uint32 when it fits (2^32 does not): like types compare fastest
            noise = np.uint32(noise_threshold) if noise_threshold < _SURE else np.uint64(noise_threshold)
        ending = _horizon_endings(horizons, longest)
        # The purposes drawn, each a slot of a block of draws made for several rounds at
        # once (a few large numpy calls instead of many small ones). A MOVE slot holds the
        # draw of the round before: the next state is drawn when the next round starts.
        purposes = [streams.CHOICE] if self.choice_random else []
        purposes += [streams.NOISE] if noise is not None else []
        purposes += [streams.LEAVE] if self.can_leave and self.leave_code is None else []
        purposes += [streams.MOVE] if self.next_g is None else []
        slot = {purpose: i for i, purpose in enumerate(purposes)}
        block_rounds = max(1, min(_DRAW_BLOCK, _DRAW_CELLS // max(1, count * len(purposes))))
        lag = np.array([1 if purpose == streams.MOVE else 0 for purpose in purposes], dtype=np.int64)
        if purposes:
            block = np.empty((block_rounds, len(purposes), count), dtype=np.uint64)
            block_scratch = np.empty_like(block)
            # each slot's (count,) uint64 draws as (count, 2) uint32: A's, B's (little-endian)
            uniforms = block.view(np.uint32).reshape(block_rounds, len(purposes), count, 2)
            slots = np.array(purposes)
        flips = np.empty((block_rounds, count, 2), dtype=bool) if noise is not None else None
        withhold = np.empty((count, 2), dtype=bool)
        flags = np.empty((count, 2), dtype=bool)
        sure_withhold = self.choose == 0
        recorded = _reused("recorded", (longest, count), np.intp)
        sums = _reused("sums", (longest, count), complex)  # running sums of u_A + i u_B
        stake_sums = _reused("stake_sums", (longest, count), float) if self.stake is not None else None
        counters = np.zeros(count, dtype=np.int64)
        g = start_g.copy()
        offsets = np.empty(count, dtype=np.intp)
        earned = np.empty(count, dtype=complex)
        exit_round = np.zeros(count, dtype=np.int64)
        left_by = np.zeros(count, dtype=np.int8)
        leaving: np.ndarray | None = None
        alive = count
        rounds_played = longest
        counted = 0  # rounds whose outcomes are in the counters
        draws: dict[int, np.ndarray] = {}
        compose = None
        if not purposes and self.next_g is not None:
            after = self.next_g
            compose = after + np.take(_WITHHELD_PAIR, sure_withhold[after].view("<u2")[:, 0])
        for t in range(longest):
            round_number = t + 1
            row = t % block_rounds
            if purposes and row == 0:
                rounds = np.arange(round_number, round_number + block_rounds)[:, None] - lag[None, :]
                streams.bits_block(keys, rounds, slots, block, block_scratch)
                if flips is not None and noise is not None:  # the block's noise flips at once
                    np.less(uniforms[:, slot[streams.NOISE]], noise, out=flips)
            if purposes:
                draws = {p: uniforms[row, i] for p, i in slot.items()}
            if t and t % _COUNT_BLOCK == 0:
                counters += np.take(self.counts, recorded[counted:t]).sum(axis=0)
                counted = t
            f = recorded[t]
            if t and compose is not None:
                # nothing random: a round's f follows from the last one in one lookup
                np.take(compose, recorded[t - 1], out=f, mode="wrap")
                if leaving is not None:
                    f[leaving] = ended_g[leaving]
            else:
                self._walk(
                    t,
                    recorded,
                    g,
                    draws,
                    leaving,
                    ended_g,
                    withhold,
                    None if flips is None else flips[row],
                    offsets,
                    sure_withhold,
                )
            leaving = None
            if t in ending:
                reaching = ending[t]
                f[reaching] = ended_g[reaching]
                alive -= int(np.count_nonzero(left_by[reaching] == 0))  # the others left already
                if alive <= 0:
                    rounds_played = t
                    break
            np.take(self.payoffs, f, out=earned, mode="wrap")
            if t:
                np.add(sums[t - 1], earned, out=sums[t])
            else:
                sums[t] = earned
            if stake_sums is not None:
                assert self.stake is not None
                np.take(self.stake, f, out=stake_sums[t], mode="wrap")
                if t:
                    np.add(stake_sums[t - 1], stake_sums[t], out=stake_sums[t])
            if not self.can_leave:
                continue
            if self.leave_code is not None:
                code = np.take(self.leave_code, f)
            else:
                np.less(draws[streams.LEAVE], np.take(self.leave, f, axis=0, mode="wrap"), out=flags)
                code = flags.view("<u2")[:, 0]
            leaving = np.flatnonzero(code)
            if not len(leaving):
                leaving = None
                continue
            exit_round[leaving] = round_number
            # 1 A leaves, 2 B leaves, 3 both (from the uint16 of both flags: 1, 256, 257)
            left_by[leaving] = _LEFT_BY_OF_FLAGS[code[leaving]]
            alive -= len(leaving)
            if alive <= 0:
                rounds_played = round_number
                break

        counters += np.take(self.counts, recorded[counted : max(counted, rounds_played)]).sum(axis=0)
        recorded = recorded[:rounds_played]
        stake_sum = None
        if stake_sums is not None:
            stake_sum = stake_sums[rounds_played - 1].copy() if rounds_played else np.zeros(count)
        return _figures(
            game,
            horizons,
            left_by,
            exit_round,
            sums[:rounds_played],
            counters,
            stake_sum,
            recorded,
            keep_actions,
            self.payoff_bound,
        )

    def _walk(
        self,
        t: int,
        recorded: np.ndarray,
        g: np.ndarray,
        draws: dict[int, np.ndarray],
        leaving: np.ndarray | None,
        ended_g: np.ndarray,
        withhold: np.ndarray,
        flips: np.ndarray | None,
        offsets: np.ndarray,
        sure_withhold: np.ndarray,
    ) -> None:
        """Write round t's f into ``recorded[t]``: the state it starts in (``g``, updated
        from the round before), each partner's choice and the noise (``flips``, None without)."""
        if t:
            f_before = recorded[t - 1]
            if self.next_g is not None:
                np.take(self.next_g, f_before, out=g, mode="wrap")
            else:
                g[:] = self._moved(draws[streams.MOVE], f_before)
            if leaving is not None:
                g[leaving] = ended_g[leaving]
        if self.choice_random:
            np.greater_equal(
                draws[streams.CHOICE], np.take(self.choose, g, axis=0, mode="wrap"), out=withhold
            )
        else:
            np.take(sure_withhold, g, axis=0, out=withhold, mode="wrap")
        if flips is not None:
            withhold ^= flips
        # Both flags of a match read as one little-endian uint16: A's + 256 * B's.
        np.take(_WITHHELD_PAIR, withhold.view("<u2")[:, 0], out=offsets, mode="wrap")
        np.add(g, offsets, out=recorded[t])

    def _moved(self, uniforms: np.ndarray, f: np.ndarray) -> np.ndarray:
        """The g after a round that ended in ``f``: each partner's next state drawn from its
        cumulative thresholds with its MOVE uniform of that round (``uniforms``, count x 2)."""
        assert self.move_a is not None and self.move_b is not None
        assert self.move_base is not None and self.move_n_b is not None
        next_a = np.count_nonzero(uniforms[:, 0:1] >= np.take(self.move_a, f, axis=0), axis=1)
        next_b = np.count_nonzero(uniforms[:, 1:2] >= np.take(self.move_b, f, axis=0), axis=1)
        return np.take(self.move_base, f) + 4 * (next_a * np.take(self.move_n_b, f) + next_b)


_WORKSPACE = threading.local()
_WORKSPACE_BYTES = 1 << 25  # arrays up to this size are kept for the next chunk


def _reused(name: str, shape: tuple[int, int], dtype: Any) -> np.ndarray:
    """An uninitialised array for the (rounds x matches) records of one chunk, reused by the
    next chunk of this thread: a fresh large array costs a page fault per 4 KiB page
    (a tenth of a tournament's time), a reused one none. Nothing returned to a caller
    may be a view of it."""
    size = shape[0] * shape[1]
    buffer: np.ndarray | None = getattr(_WORKSPACE, name, None)
    if buffer is None or buffer.dtype != np.dtype(dtype) or len(buffer) < size:
        buffer = np.empty(size, dtype=dtype)
        if buffer.nbytes <= _WORKSPACE_BYTES:
            setattr(_WORKSPACE, name, buffer)
    return buffer[:size].reshape(shape)


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


_COUNT_BLOCK = 16  # rounds whose outcomes are added to the counters at once
_DRAW_BLOCK = 16  # at most this many rounds of random draws made at once
_DRAW_CELLS = 1 << 14  # and at most this many 64-bit draws (a block stays in the cache)
_WITHHELD_PAIR = np.zeros(258, dtype=np.intp)  # by A's flag + 256 * B's: the outcome's offset
_WITHHELD_PAIR[[1, 256, 257]] = [2, 1, 3]


_LEFT_BY_OF_FLAGS = np.zeros(258, dtype=np.int8)  # by leave code (0-3) or uint16 of both leave flags
_LEFT_BY_OF_FLAGS[[1, 2, 3, 256, 257]] = [1, 2, 3, 2, 3]


def _figures(
    game: Game,
    horizons: np.ndarray,
    left_by: np.ndarray,
    exit_round: np.ndarray,
    sums: np.ndarray,
    counters: np.ndarray,
    stake_sum: np.ndarray | None,
    recorded: np.ndarray,
    keep_actions: bool,
    payoff_bound: float,
) -> dict[str, Any]:
    """Every per-match figure from what a simulation recorded: the per-round payoff sums
    u_A + i u_B (rounds x matches, overwritten), the packed cooperation counters, the
    stake sums (None when every stake is 1) and the recorded states (their low two bits
    are the outcome, read when actions are kept)."""
    final = sums[-1] if len(sums) else np.zeros(len(horizons), dtype=complex)
    running_a, running_b = final.real.copy(), final.imag.copy()
    outcomes = None
    if keep_actions:  # match by match (matches x rounds): the low two bits of f (wrapping cast)
        outcomes = recorded.astype(np.uint8)
        outcomes &= 3
        outcomes = np.ascontiguousarray(outcomes.T)
    rounds_together = np.where(left_by > 0, exit_round, horizons)
    n = rounds_together.astype(float)
    v_a, v_b = game.outside_options
    k_a, k_b = game.exit_costs
    total_a = kernel.total_over_horizon(running_a, rounds_together, horizons, v_a, k_a, (left_by & 1) == 1)
    total_b = kernel.total_over_horizon(running_b, rounds_together, horizons, v_b, k_b, (left_by & 2) == 2)
    shifts, share_a, share_b = _power_figures(sums.real, sums.imag, rounds_together, v_a, v_b, payoff_bound)
    figures: dict[str, Any] = {
        "horizon": horizons,
        "rounds_together": rounds_together,
        "left_by": left_by,
        "exit_round": exit_round,
        "total_a": total_a,
        "total_b": total_b,
        "score_a": total_a / horizons,
        "score_b": total_b / horizons,
        "cooperation_a": (counters & _COUNT_MASK) / n,
        "cooperation_b": ((counters >> _COUNT_BITS) & _COUNT_MASK) / n,
        "mutual_cooperation": (counters >> (2 * _COUNT_BITS)) / n,
        "mean_stake": np.ones(len(horizons)) if stake_sum is None else stake_sum / n,
        "realized_dependence_a": running_a / n - v_a,
        "realized_dependence_b": running_b / n - v_b,
        "power_shifts": shifts,
        "power_share_a": share_a / n,
        "power_share_b": share_b / n,
    }
    if outcomes is not None:
        figures["actions_a"] = _action_strings(outcomes >> 1, rounds_together)
        figures["actions_b"] = _action_strings(outcomes & 1, rounds_together)
    return figures


def _horizon_endings(horizons: np.ndarray, longest: int) -> dict[int, np.ndarray]:
    """For each round index t: the matches whose horizon is t (over before round t + 1)."""
    order = np.argsort(horizons, kind="stable")
    sorted_horizons = horizons[order]
    values, starts = np.unique(sorted_horizons, return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return {int(h): order[bounds[i] : bounds[i + 1]] for i, h in enumerate(values.tolist()) if h < longest}


def _power_figures(
    real: np.ndarray, imag: np.ndarray, rounds_together: np.ndarray, v_a: float, v_b: float, bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power shifts and rounds of power held by A and by B, from the (rounds x matches)
    running payoff sums of A (``real``) and B (``imag``). Holder after round t: the smaller
    of sum_i - t * v_i, a tie within the tolerance of ``powergame.power.power_holders``
    (a tie keeps the previous holder in office). Whole-array steps, no loop over rounds;
    a few hundred matches at a time, so that the steps run in the cache."""
    rounds, count = real.shape
    width = max(1, _POWER_CELLS // max(1, rounds))
    if count <= width:
        return _power_block(real, imag, rounds_together, v_a, v_b, bound)
    parts = [
        _power_block(
            real[:, i : i + width], imag[:, i : i + width], rounds_together[i : i + width], v_a, v_b, bound
        )
        for i in range(0, count, width)
    ]
    return tuple(np.concatenate(figure) for figure in zip(*parts))  # type: ignore[return-value]


_POWER_CELLS = 1 << 17  # (rounds x matches) cells of the power figures computed at once


def _power_block(
    real: np.ndarray, imag: np.ndarray, rounds_together: np.ndarray, v_a: float, v_b: float, bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_power_figures`` of some matches."""
    rounds, count = real.shape
    if rounds == 0:
        return (np.zeros(count, dtype=np.int64),) * 3
    shape = (rounds, count)
    elapsed = np.arange(1, rounds + 1, dtype=float)
    # lhs - rhs up to rounding: beyond ``reach`` the holder is certain (|lhs|, |rhs| <=
    # t * bound), and the cells within it are decided by the exact test of power_holders.
    diff = np.subtract(real, imag, out=_reused("diff", shape, float))
    if v_a != v_b:
        diff -= (elapsed * (v_a - v_b))[:, None]
    reach = 1e-9 * max(1.0, rounds * bound * 1.0001)
    first = np.less(diff, -reach, out=_reused("first", shape, bool))
    second = np.greater(diff, reach, out=_reused("second", shape, bool))
    # Holders coded +1 (A), -1 (B), 0 (a tie, or the match is over)
    code = np.subtract(first.view(np.int8), second.view(np.int8), out=_reused("code", shape, np.int8))
    together = None
    if int(rounds_together.min()) < rounds:
        together = np.arange(rounds)[:, None] < rounds_together[None, :]
        code *= together.view(np.int8)
    zero = np.equal(code, 0, out=first)
    near = np.not_equal(diff, 0.0, out=second)  # an exact 0 is a tie under any tolerance
    near &= zero
    if together is not None:
        near &= together
    if near.any():
        cell_rows, cell_columns = np.nonzero(near)
        t = elapsed[cell_rows]
        left = real[cell_rows, cell_columns] - t * v_a
        right = imag[cell_rows, cell_columns] - t * v_b
        scale = np.maximum(np.maximum(1.0, np.abs(left)), np.abs(right))
        decided = np.abs(left - right) > 1e-9 * scale
        code[cell_rows, cell_columns] = np.where(decided, np.where(left < right, 1, -1), 0)
        np.equal(code, 0, out=zero)
    wide = np.int16 if rounds < 1 << 15 else np.int64
    balance = code.sum(axis=0, dtype=wide).astype(np.int64)  # rounds held by A minus by B
    held = rounds - zero.view(np.int8).sum(axis=0, dtype=wide).astype(np.int64)
    holder = _in_office(code, zero, second)
    # a shift: the holders in office after two consecutive rounds have a negative product
    product = np.multiply(holder[1:], holder[:-1], out=_reused("product", (rounds - 1, count), np.int8))
    shifts = _count_rows(np.less(product, 0, out=first[1:]))
    return shifts, (held + balance) // 2, (held - balance) // 2


def _in_office(code: np.ndarray, zero: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """The holder in office after each round (rounds x matches): the last nonzero ``code``
    up to that round (0 before the first). ``zero`` marks code == 0 (overwritten);
    ``scratch`` is a bool array of the same shape. Filled by doubling: after the steps
    1, 2, ..., k every tie within 2k - 1 rounds of a holder has it, and a step that fills
    nothing leaves no tie that a holder precedes, so the steps stop early (runs of ties are
    short, or no holder came before them)."""
    rounds = len(code)
    if not zero.any():
        return code
    holder = _reused("holder", code.shape, np.int8)
    np.copyto(holder, code)
    step = 1
    while step < rounds:
        fill = np.not_equal(holder[:-step], 0, out=scratch[step:])
        fill &= zero[step:]
        if not fill.any():
            break
        np.copyto(holder[step:], holder[:-step].copy(), where=fill)
        zero[step:] ^= fill  # filled: no longer a tie without a holder
        step *= 2
    return holder


def _count_rows(flags: np.ndarray) -> np.ndarray:
    """Per column, how many rows are True (summing int8 rows into int16 is far faster than
    count_nonzero along axis 0 or an int64 sum)."""
    small = flags.view(np.int8)
    if len(flags) < 1 << 15:
        return small.sum(axis=0, dtype=np.int16).astype(np.int64)
    return small.sum(axis=0, dtype=np.int64)


def _action_strings(withheld: np.ndarray, rounds_together: np.ndarray) -> list[str]:
    """Rows (matches x rounds) of 0 (C) / 1 (D) to strings, cut at each match's rounds
    together."""
    withheld += ord("C")  # "D" follows "C"
    text = withheld.tobytes().decode("ascii")  # one decode, then str slices
    width = withheld.shape[1]
    return [text[i * width : i * width + length] for i, length in enumerate(rounds_together.tolist())]
