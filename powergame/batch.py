"""A vectorized engine: many matches between two state-table strategies at once.

``play_batch`` runs one numpy step per round across all matches of a chunk, then
derives every figure of ``MatchResult.summary()`` from the recorded actions. It follows
the model of ``powergame.engine.play_match`` exactly (stakes, actions, noise, payoffs,
leaving, then the state transition), and draws each match's horizon from its seed the
same way, so deterministic pairs give the very same figures as the Python engine. The
random choices of stochastic tables and the noise come from one numpy Generator per chunk,
seeded from that chunk's seeds: a pure function of the seeds (and the chunk size), equal
to the Python engine in distribution, not draw by draw.

Memory is bounded: matches are processed in chunks whose (matches x rounds) cell count
stays under ``max_cells`` (a single match longer than that is its own chunk).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import power
from powergame.engine import derive_seeds
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.state_table import StateTable

LEFT_BY_CODES: tuple[str | None, ...] = (None, "A", "B", "both")  # index = code in BatchResult.left_by

DEFAULT_CHUNK_SIZE = 8192
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
        columns = {
            name: getattr(self, name).tolist()
            for name in (
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
        }
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
    """Each match's horizon, drawn from its seed exactly as ``play_match`` does."""
    if game.continuation is None:
        assert game.rounds is not None
        return np.full(len(seeds), game.rounds, dtype=np.int64)
    return np.array(
        [game.draw_horizon(random.Random(derive_seeds(seed, 4)[0]).random()) for seed in seeds],
        dtype=np.int64,
    )


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
    as strings (memory grows with matches x rounds)."""
    for name, value in (("chunk_size", chunk_size), ("max_cells", max_cells)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(name, value, "must be a whole number >= 1")
    seeds = tuple(seeds)
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ParameterError("seed", seed, "must be a whole number >= 0")
    joint = _JointTables.of(game, table_a, table_b)
    horizons = draw_horizons(game, seeds)
    parts = [
        _play_chunk(game, joint, seeds[start:stop], horizons[start:stop], keep_actions)
        for start, stop in _chunks(horizons, chunk_size, max_cells)
    ]
    fields: dict[str, Any] = {}
    for name in _ARRAY_FIELDS:
        pieces = [part[name] for part in parts]
        fields[name] = np.concatenate(pieces) if pieces else np.zeros(0)
    actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
    if keep_actions:
        actions = {key: tuple(s for part in parts for s in part[key]) for key in actions}
    return BatchResult(game=game, seeds=seeds, **fields, **actions)


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
    while start < total:
        stop = start + 1
        longest = int(horizons[start])
        while stop < total and stop - start < chunk_size:
            longest_next = max(longest, int(horizons[stop]))
            if (stop - start + 1) * longest_next > max_cells:
                break
            longest = longest_next
            stop += 1
        bounds.append((start, stop))
        start = stop
    return bounds


_COUNT_BITS = 21  # cooperation counters are packed in one int64: A, B, mutual
_COUNT_MASK = (1 << _COUNT_BITS) - 1


@dataclass(frozen=True)
class _JointTables:
    """Both tables and the game folded into the joint state j = (state A, state B).

    Arrays indexed by g = 4j hold what depends on the state (the chance that each played
    action, after noise, is C); arrays indexed by f = 4j + outcome hold what depends on the
    round's outcome (payoffs, leaving, the next g). An extra absorbing "ended" state
    earns and counts nothing, so matches that are over need no masking.
    """

    ended: int  # g of the ended state
    start: int  # g of the first round
    played_c_a: np.ndarray  # by g: P(A's played action is C)
    played_c_b: np.ndarray
    withhold_a: np.ndarray | None  # by g: 2 when A surely plays D, else 0 (deterministic, no noise)
    withhold_b: np.ndarray | None  # by g: 1 when B surely plays D
    payoff_a: np.ndarray  # by f
    payoff_b: np.ndarray
    stake: np.ndarray | None  # by f, None when every stake is 1
    counts: np.ndarray  # by f: packed increments of the cooperation counters
    leave_a: np.ndarray  # by f: P(A leaves)
    leave_b: np.ndarray
    leave_is_random: bool
    can_leave: bool
    next_g: np.ndarray | None  # by f, when every transition is a point mass
    next_cumulative: np.ndarray | None  # by f: cumulative distribution of the next joint state
    payoff_bound: float  # max |u_i - v_i| over outcomes, for the tie tolerance

    @classmethod
    def of(cls, game: Game, table_a: StateTable, table_b: StateTable) -> _JointTables:
        n_a, n_b = table_a.n_states, table_b.n_states
        states = n_a * n_b
        size = 4 * (states + 1)
        noise = game.noise
        v_a, v_b = game.outside_options
        played_c_a = np.ones(size)
        played_c_b = np.ones(size)
        payoff_a, payoff_b, stake = np.zeros(size), np.zeros(size), np.zeros(size)
        counts = np.zeros(size, dtype=np.int64)
        leave_a, leave_b = np.zeros(size), np.zeros(size)
        transition = np.zeros((size, states + 1))
        transition[4 * states :, states] = 1.0
        for s_a in range(n_a):
            for s_b in range(n_b):
                j = s_a * n_b + s_b
                p_a, p_b = table_a.cooperate[s_a], table_b.cooperate[s_b]
                played_c_a[4 * j] = p_a * (1.0 - noise) + (1.0 - p_a) * noise if noise else p_a
                played_c_b[4 * j] = p_b * (1.0 - noise) + (1.0 - p_b) * noise if noise else p_b
                x = min(table_a.stake[s_a], table_b.stake[s_b])
                for o in range(4):
                    act_a, act_b = divmod(o, 2)
                    o_b = 2 * act_b + act_a
                    f = 4 * j + o
                    payoff_a[f] = _round_payoff(x, game.payoff_table(0)[o], v_a)
                    payoff_b[f] = _round_payoff(x, game.payoff_table(1)[o_b], v_b)
                    stake[f] = x
                    counts[f] = (act_a == 0) + ((act_b == 0) << _COUNT_BITS) + ((o == 0) << (2 * _COUNT_BITS))
                    leave_a[f] = table_a.leave[s_a][o]
                    leave_b[f] = table_b.leave[s_b][o_b]
                    transition[f, :states] = np.outer(
                        table_a.transition[s_a][o], table_b.transition[s_b][o_b]
                    ).ravel()
        point_mass = bool(np.all((transition == 0.0) | (transition == 1.0)))
        deterministic_a = noise == 0.0 and bool(np.all((played_c_a == 0.0) | (played_c_a == 1.0)))
        deterministic_b = noise == 0.0 and bool(np.all((played_c_b == 0.0) | (played_c_b == 1.0)))
        leaves = np.concatenate([leave_a, leave_b])
        bound = max(
            float(np.max(np.abs(payoff_a[: 4 * states] - v_a))),
            float(np.max(np.abs(payoff_b[: 4 * states] - v_b))),
        )
        return cls(
            ended=4 * states,
            start=4 * (table_a.initial_state * n_b + table_b.initial_state),
            played_c_a=played_c_a,
            played_c_b=played_c_b,
            withhold_a=np.where(played_c_a == 0.0, 2, 0).astype(np.intp) if deterministic_a else None,
            withhold_b=np.where(played_c_b == 0.0, 1, 0).astype(np.intp) if deterministic_b else None,
            payoff_a=payoff_a,
            payoff_b=payoff_b,
            stake=None if np.all(stake[: 4 * states] == 1.0) else stake,
            counts=counts,
            leave_a=leave_a,
            leave_b=leave_b,
            leave_is_random=not bool(np.all((leaves == 0.0) | (leaves == 1.0))),
            can_leave=bool(np.any(leaves > 0.0)),
            next_g=4 * np.argmax(transition, axis=1).astype(np.intp) if point_mass else None,
            next_cumulative=None if point_mass else _cumulative(transition, states),
            payoff_bound=bound,
        )


def _cumulative(transition: np.ndarray, states: int) -> np.ndarray:
    """Cumulative next-state distributions; a live state's row ends at exactly 1 so that
    rounding never sends a draw to the ended state."""
    cumulative = np.cumsum(transition, axis=1)
    cumulative[: 4 * states, states - 1 :] = 1.0
    return cumulative


def _round_payoff(stake: float, stage_payoff: float, outside: float) -> float:
    """u = s * pi + (1 - s) * v, computed as the Python engine does."""
    if stake == 1.0:
        return stage_payoff
    return stake * stage_payoff + (1.0 - stake) * outside


def _play_chunk(
    game: Game, joint: _JointTables, seeds: Sequence[int], horizons: np.ndarray, keep_actions: bool
) -> dict[str, Any]:
    """Simulate one chunk round by round, keeping the running payoff sums of every round."""
    count = len(seeds)
    longest = int(horizons.max())
    if longest > _COUNT_MASK:
        raise ParameterError("horizon", longest, f"must be at most {_COUNT_MASK} rounds in the batch engine")
    rng = np.random.default_rng(np.random.SeedSequence(list(seeds)))
    draws = {
        "choice_a": joint.withhold_a is None,
        "choice_b": joint.withhold_b is None,
        "leave_a": joint.leave_is_random,
        "leave_b": joint.leave_is_random,
        "next": joint.next_cumulative is not None,
    }
    streams = [name for name, needed in draws.items() if needed]
    ending = _horizon_endings(horizons, longest)

    g = np.full(count, joint.start, dtype=np.intp)
    f = np.empty(count, dtype=np.intp)
    sums_a = np.empty((longest, count))  # running sum of u_A after each round
    sums_b = np.empty((longest, count))
    running_a, running_b = np.zeros(count), np.zeros(count)
    counters = np.zeros(count, dtype=np.int64)
    stake_sum = np.zeros(count) if joint.stake is not None else None
    outcomes = np.empty((longest, count), dtype=np.int8) if keep_actions else None
    exit_round = np.zeros(count, dtype=np.int64)
    left_by = np.zeros(count, dtype=np.int8)
    alive = count
    rounds_played = longest

    for t in range(longest):
        if t in ending:
            reaching = ending[t]
            g[reaching] = joint.ended
            alive -= int(np.count_nonzero(left_by[reaching] == 0))  # the others left already
            if alive <= 0:
                rounds_played = t
                break
        uniform = dict(zip(streams, rng.random((len(streams), count)))) if streams else {}
        if joint.withhold_a is not None:
            np.add(g, np.take(joint.withhold_a, g), out=f)
        else:
            withheld = uniform["choice_a"] >= np.take(joint.played_c_a, g)
            np.add(g, withheld, out=f)
            np.add(f, withheld, out=f)
        if joint.withhold_b is not None:
            np.add(f, np.take(joint.withhold_b, g), out=f)
        else:
            np.add(f, uniform["choice_b"] >= np.take(joint.played_c_b, g), out=f)
        np.add(running_a, np.take(joint.payoff_a, f), out=running_a)
        np.add(running_b, np.take(joint.payoff_b, f), out=running_b)
        sums_a[t] = running_a
        sums_b[t] = running_b
        counters += np.take(joint.counts, f)
        if stake_sum is not None:
            assert joint.stake is not None
            stake_sum += np.take(joint.stake, f)
        if outcomes is not None:
            outcomes[t] = f & 3
        leaving = None
        if joint.can_leave:
            if joint.leave_is_random:
                quit_a = uniform["leave_a"] < np.take(joint.leave_a, f)
                quit_b = uniform["leave_b"] < np.take(joint.leave_b, f)
            else:
                quit_a = np.take(joint.leave_a, f) == 1.0
                quit_b = np.take(joint.leave_b, f) == 1.0
            leaving = quit_a | quit_b
            if leaving.any():
                exit_round[leaving] = t + 1
                left_by[leaving] = quit_a[leaving] + 2 * quit_b[leaving].astype(np.int8)
                alive -= int(np.count_nonzero(leaving))
            else:
                leaving = None
        if joint.next_g is not None:
            np.take(joint.next_g, f, out=g)
        else:
            assert joint.next_cumulative is not None
            below = uniform["next"][:, None] >= joint.next_cumulative[f]
            g = 4 * np.minimum(np.count_nonzero(below, axis=1), joint.ended // 4)
        if leaving is not None:
            g[leaving] = joint.ended
            if alive <= 0:
                rounds_played = t + 1
                break

    rounds_together = np.where(left_by > 0, exit_round, horizons)
    n = rounds_together.astype(float)
    v_a, v_b = game.outside_options
    after_exit = horizons - rounds_together
    total_a = running_a + after_exit * v_a
    total_b = running_b + after_exit * v_b
    total_a = np.where((left_by & 1) == 1, total_a - game.exit_costs[0], total_a)
    total_b = np.where((left_by & 2) == 2, total_b - game.exit_costs[1], total_b)
    shifts, share_a, share_b = _power_figures(
        sums_a[:rounds_played], sums_b[:rounds_played], rounds_together, v_a, v_b, joint.payoff_bound
    )
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
        "mean_stake": np.ones(count) if stake_sum is None else stake_sum / n,
        "realized_dependence_a": running_a / n - v_a,
        "realized_dependence_b": running_b / n - v_b,
        "power_shifts": shifts,
        "power_share_a": share_a / n,
        "power_share_b": share_b / n,
    }
    if outcomes is not None:
        figures["actions_a"] = _action_strings(outcomes[:rounds_played] >> 1, rounds_together)
        figures["actions_b"] = _action_strings(outcomes[:rounds_played] & 1, rounds_together)
    return figures


def _horizon_endings(horizons: np.ndarray, longest: int) -> dict[int, np.ndarray]:
    """For each round index t: the matches whose horizon is t (over before round t + 1)."""
    order = np.argsort(horizons, kind="stable")
    sorted_horizons = horizons[order]
    values, starts = np.unique(sorted_horizons, return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return {int(h): order[bounds[i] : bounds[i + 1]] for i, h in enumerate(values.tolist()) if h < longest}


def _power_figures(
    lhs: np.ndarray, rhs: np.ndarray, rounds_together: np.ndarray, v_a: float, v_b: float, bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power shifts and rounds of power held by A and by B, from the (rounds x matches)
    running payoff sums (overwritten). Holder after round t: the smaller of
    sum_i - t * v_i, a tie within the tolerance of ``powergame.power.power_holders``."""
    rounds = lhs.shape[0]
    elapsed = np.arange(1, rounds + 1, dtype=float)[:, None]
    if v_a:
        lhs -= elapsed * v_a
    if v_b:
        rhs -= elapsed * v_b
    together = None
    if int(rounds_together.min()) < rounds:
        together = np.arange(rounds)[:, None] < rounds_together[None, :]
    diff = lhs - rhs
    a_holds = diff < 0.0
    # |lhs|, |rhs| <= t * bound, so a tie needs |diff| below this; the exact test of
    # power_holders then runs only on those few cells.
    reach = 1e-9 * max(1.0, rounds * bound * 1.0001)
    tie = (diff <= reach) & (diff >= -reach)
    if together is not None:
        tie &= together
    has_ties = bool(tie.any())
    if has_ties:
        doubtful = tie & (diff != 0.0)  # an exact 0 is a tie under any tolerance
        if doubtful.any():
            cells = np.nonzero(doubtful)
            left, right = lhs[cells], rhs[cells]
            scale = np.maximum(np.maximum(1.0, np.abs(left)), np.abs(right))
            tie[cells] = np.abs(left - right) <= 1e-9 * scale
            has_ties = bool(tie.any())
    counted = ~tie if together is None else together & ~tie
    held_a = _count_rows(a_holds & counted)
    held_b = _count_rows(~a_holds & counted)
    if not has_ties:
        changed = a_holds[1:] != a_holds[:-1]
        if together is not None:
            changed &= together[1:]
        return _count_rows(changed), held_a, held_b
    # A tie keeps the previous holder in office: carry it forward row by row.
    shifted = np.zeros_like(a_holds)
    current = a_holds[0].copy()
    has_holder = counted[0].copy()
    for t in range(1, rounds):
        row, valid = a_holds[t], counted[t]
        np.not_equal(row, current, out=shifted[t])
        shifted[t] &= valid
        shifted[t] &= has_holder
        np.copyto(current, row, where=valid)
        has_holder |= valid
    return _count_rows(shifted), held_a, held_b


def _count_rows(flags: np.ndarray) -> np.ndarray:
    """Per column, how many rows are True (faster than count_nonzero along axis 0)."""
    return flags.view(np.int8).sum(axis=0, dtype=np.int64)


def _action_strings(withheld: np.ndarray, rounds_together: np.ndarray) -> list[str]:
    """Columns of 0 (C) / 1 (D) to strings, cut at each match's rounds together."""
    letters = np.take(np.frombuffer(b"CD", dtype=np.uint8), withheld.T)
    return [
        letters[i, :length].tobytes().decode("ascii") for i, length in enumerate(rounds_together.tolist())
    ]
