"""The array program of many pairs: every match of a chunk simulated round by round, every
random choice read from the match's own stream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import streams
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.state_table import StateTable

from .counters import _COUNT_MASK
from .figures import _figures
from .integral import _WholeTables
from .sizes import _horizon_endings
from .tables import _SURE, _joint_group, _padded, _TableArrays
from .workspace import _reused


@dataclass(frozen=True)
class _Program:
    """The joint tables of many pairs laid end to end (pair i's g and f shifted by its
    offset), as one array program; arrays as in ``_joint_group``."""

    choose: np.ndarray
    choice_random: bool  # some partner's choice is neither sure nor impossible
    # choose capped at 2^32 - 1 as uint32 pairs, each pair read as one uint64 (one gather, and
    # uint32 compared with uint32): the same choice unless a sure threshold meets the uniform
    # 2^32 - 1, which a block of draws is checked for (``choose_sure``: any sure threshold)
    choose_capped: np.ndarray
    choose_sure: bool
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
    whole: _WholeTables | None  # whole-number payoffs

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
            choose_capped=np.minimum(choose, _SURE - 1).astype(np.uint32).view(np.uint64).reshape(-1),
            choose_sure=bool(np.any(choose == _SURE)),
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
            whole=_WholeTables.of(payoffs.real, payoffs.imag, *game.outside_options),
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
        # whole-number payoffs: the payoff sums are read off the recorded f after the rounds
        integral = None if self.whole is None else self.whole.integral(longest, self.counts)
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
        sums = None if integral else _reused("sums", (longest, count), complex)  # sums of u_A + i u_B
        stake_sums = _reused("stake_sums", (longest, count), float) if self.stake is not None else None
        counters = np.zeros(count, dtype=np.int64)
        g = start_g.copy()
        offsets = np.empty(count, dtype=np.intp)
        thresholds = np.empty(count, dtype=np.uint64)  # the gathered choose_capped
        capped = False
        earned = np.empty(count, dtype=complex)
        exit_round = np.zeros(count, dtype=np.int64)
        left_by = np.zeros(count, dtype=np.int8)
        leaving: np.ndarray | None = None
        alive = count
        rounds_played = longest
        counted = 0  # rounds whose outcomes are in the counters
        count_here = integral is None or integral[2] == 0  # else the words count them
        draws: dict[int, np.ndarray] = {}
        # each row's draws by purpose: views of the block, which is refilled in place
        row_draws = (
            [{p: uniforms[r, i] for p, i in slot.items()} for r in range(block_rounds)] if purposes else []
        )
        row_flips = [None] * block_rounds if flips is None else list(flips)
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
                if self.choice_random:
                    capped = not self.choose_sure or not np.any(
                        uniforms[:, slot[streams.CHOICE]] == np.uint32(_SURE - 1)
                    )
            if purposes:
                draws = row_draws[row]
            if count_here and t and t % _COUNT_BLOCK == 0:
                counters += self.counts.take(recorded[counted:t], mode="wrap").sum(axis=0)
                counted = t
            f = recorded[t]
            if t and compose is not None:
                # nothing random: a round's f follows from the last one in one lookup
                compose.take(recorded[t - 1], out=f, mode="wrap")
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
                    row_flips[row],
                    offsets,
                    sure_withhold,
                    thresholds if capped else None,
                )
            leaving = None
            if t in ending:
                reaching = ending[t]
                f[reaching] = ended_g[reaching]
                alive -= int(np.count_nonzero(left_by[reaching] == 0))  # the others left already
                if alive <= 0:
                    rounds_played = t
                    break
            if sums is not None:
                self.payoffs.take(f, out=earned, mode="wrap")
                if t:
                    np.add(sums[t - 1], earned, out=sums[t])
                else:
                    sums[t] = earned
            if stake_sums is not None:
                assert self.stake is not None
                self.stake.take(f, out=stake_sums[t], mode="wrap")
                if t:
                    np.add(stake_sums[t - 1], stake_sums[t], out=stake_sums[t])
            if not self.can_leave:
                continue
            if self.leave_code is not None:
                code = np.take(self.leave_code, f)
            else:
                np.less(draws[streams.LEAVE], self.leave.take(f, axis=0, mode="wrap"), out=flags)
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

        if count_here:
            counters += self.counts.take(recorded[counted : max(counted, rounds_played)], mode="wrap").sum(
                axis=0
            )
        recorded = recorded[:rounds_played]
        stake_sum = None
        if stake_sums is not None:
            stake_sum = stake_sums[rounds_played - 1].copy() if rounds_played else np.zeros(count)
        return _figures(
            game,
            horizons,
            left_by,
            exit_round,
            None if sums is None else sums[:rounds_played],
            counters if count_here else None,
            stake_sum,
            recorded,
            keep_actions,
            self.payoff_bound,
            integral,
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
        thresholds: np.ndarray | None,
    ) -> None:
        """Write round t's f into ``recorded[t]``: the state it starts in (``g``, updated
        from the round before), each partner's choice and the noise (``flips``, None without).
        With ``thresholds`` (a buffer) the choice compares with ``choose_capped``."""
        if t:
            f_before = recorded[t - 1]
            if self.next_g is not None:
                self.next_g.take(f_before, out=g, mode="wrap")
            else:
                g[:] = self._moved(draws[streams.MOVE], f_before)
            if leaving is not None:
                g[leaving] = ended_g[leaving]
        if self.choice_random and thresholds is not None:
            self.choose_capped.take(g, out=thresholds, mode="wrap")
            np.greater_equal(draws[streams.CHOICE], thresholds.view(np.uint32).reshape(-1, 2), out=withhold)
        elif self.choice_random:
            np.greater_equal(draws[streams.CHOICE], self.choose.take(g, axis=0, mode="wrap"), out=withhold)
        else:
            sure_withhold.take(g, axis=0, out=withhold, mode="wrap")
        if flips is not None:
            withhold ^= flips
        # Both flags of a match read as one little-endian uint16: A's + 256 * B's.
        _WITHHELD_PAIR.take(withhold.view("<u2")[:, 0], out=offsets, mode="wrap")
        np.add(g, offsets, out=recorded[t])

    def _moved(self, uniforms: np.ndarray, f: np.ndarray) -> np.ndarray:
        """The g after a round that ended in ``f``: each partner's next state drawn from its
        cumulative thresholds with its MOVE uniform of that round (``uniforms``, count x 2)."""
        assert self.move_a is not None and self.move_b is not None
        assert self.move_base is not None and self.move_n_b is not None
        next_a = np.count_nonzero(uniforms[:, 0:1] >= np.take(self.move_a, f, axis=0), axis=1)
        next_b = np.count_nonzero(uniforms[:, 1:2] >= np.take(self.move_b, f, axis=0), axis=1)
        return np.take(self.move_base, f) + 4 * (next_a * np.take(self.move_n_b, f) + next_b)


_COUNT_BLOCK = 16  # rounds whose outcomes are added to the counters at once


_DRAW_BLOCK = 16  # at most this many rounds of random draws made at once


_DRAW_CELLS = 1 << 15  # and at most this many 64-bit draws (a block stays in the cache)


_WITHHELD_PAIR = np.zeros(258, dtype=np.intp)  # by A's flag + 256 * B's: the outcome's offset


_WITHHELD_PAIR[[1, 256, 257]] = [2, 1, 3]


_LEFT_BY_OF_FLAGS = np.zeros(258, dtype=np.int8)  # by leave code (0-3) or uint16 of both leave flags


_LEFT_BY_OF_FLAGS[[1, 2, 3, 256, 257]] = [1, 2, 3, 2, 3]
