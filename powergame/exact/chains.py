"""The chains of stacked pairs: joint chains, and lumped chains of five states when
the tables' next state depends on the round's outcome alone (every memory-one table)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powergame import kernel
from powergame.exact.tables import _SWAP, _played_cooperation, _Side, _side_by_outcome
from powergame.game import Game


@dataclass(frozen=True)
class _Chain:
    """Stacked chains of one group: Q (N, S, S), the start state (N,), per-state figures
    (N, S). Single-path chains may give, instead of Q, each state's only successor and the
    chance to go there (N, S)."""

    Q: np.ndarray | None
    start: np.ndarray
    figures: dict[str, np.ndarray]
    successor: np.ndarray | None = None
    chance: np.ndarray | None = None
    first_round_apart: bool = False  # state 0 is the start and is never entered again

    @property
    def states(self) -> int:
        if self.Q is not None:
            return self.Q.shape[1]
        assert self.successor is not None
        return self.successor.shape[1]

    def take(self, rows: np.ndarray) -> _Chain:
        """The chains ``rows`` without their figures."""
        return _Chain(
            Q=None if self.Q is None else self.Q[rows],
            start=self.start[rows],
            figures={},
            successor=None if self.successor is None else self.successor[rows],
            chance=None if self.chance is None else self.chance[rows],
            first_round_apart=self.first_round_apart,
        )

    @property
    def single_path(self) -> bool:
        """Every state has at most one successor."""
        if self.Q is None:
            return True
        if (np.count_nonzero(self.Q[:, 0], axis=1) > 1).any():  # most stochastic chains fail at once
            return False
        return bool((np.count_nonzero(self.Q, axis=2) <= 1).all())

    def transitions(self) -> np.ndarray:
        assert self.Q is not None, "a chain given by successors has no distribution to walk"
        return self.Q


def _joint_chain(game: Game, a: _Side, b: _Side) -> _Chain:
    """The chain over joint states j = state_A * n_B + state_B, stacked."""
    figures, stay = _joint_figures(game, a, b)
    count, n_a, n_b, _ = stay.shape
    Q = np.einsum("nabo,naoc,nbod->nabcd", stay, a.transition, b.transition).reshape(count, n_a * n_b, -1)
    return _Chain(Q=Q, start=a.initial * n_b + b.initial, figures=figures)


def _joint_figures(game: Game, a: _Side, b: _Side) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per joint state (N, n_A * n_B): the figures of a round played in it; and the chance
    of each outcome followed by nobody leaving (N, n_A, n_B, 4)."""
    pa, pb = _played_cooperation(a, game.noise), _played_cooperation(b, game.noise)  # (N, nA), (N, nB)
    pa4, pb4 = pa[:, :, None, None], pb[:, None, :, None]
    # P(outcome | joint state), (N, nA, nB, 4): CC, CD, DC, DD by A's view
    p_outcome = np.concatenate([pa4 * pb4, pa4 * (1 - pb4), (1 - pa4) * pb4, (1 - pa4) * (1 - pb4)], axis=-1)
    leave_a, leave_b = a.leave[:, :, None, :], b.leave[:, None, :, :]
    stay = p_outcome * (1 - leave_a) * (1 - leave_b)
    stake = np.minimum(a.stake[:, :, None], b.stake[:, None, :])
    v_a, v_b = game.outside_options
    stage_a, stage_b = _stages(game)
    joint = {
        "payoff_a": kernel.round_payoff(stake, p_outcome @ stage_a, v_a),
        "payoff_b": kernel.round_payoff(stake, p_outcome @ stage_b, v_b),
        "ends_by_a": (p_outcome * leave_a * (1 - leave_b)).sum(-1),
        "ends_by_b": (p_outcome * (1 - leave_a) * leave_b).sum(-1),
        "ends_by_both": (p_outcome * leave_a * leave_b).sum(-1),
        "cooperates_a": np.broadcast_to(pa[:, :, None], stake.shape),
        "cooperates_b": np.broadcast_to(pb[:, None, :], stake.shape),
        "mutual": pa[:, :, None] * pb[:, None, :],
        "stake": stake,
    }
    count = len(stake)
    return {key: np.ascontiguousarray(value).reshape(count, -1) for key, value in joint.items()}, stay


def _stages(game: Game) -> tuple[np.ndarray, np.ndarray]:
    """Both stage matrices indexed by A's view of the outcome."""
    return np.array(game.payoff_table(0)), np.array(game.payoff_table(1))[_SWAP]


def _lumped_chain(game: Game, a: _Side, b: _Side) -> _Chain:
    """The five-state chain of two lumpable tables: 0 = first round, 1 + o = after outcome o.

    In a lumped state each side's table state has its own distribution (the two are
    independent), and for a fixed outcome every chance factorizes into an A part and a B
    part, so each figure is a product of two per-side expectations."""
    acts_a, leaves_a, dist_a = _side_by_outcome(a, game.noise, partner=False)
    acts_b, leaves_b, dist_b = _side_by_outcome(b, game.noise, partner=True)
    if (a.stake == 1.0).all() and (b.stake == 1.0).all():
        return _assemble_lumped(game, acts_a, leaves_a, acts_b, leaves_b)
    stage_a, stage_b = _stages(game)
    v_a, v_b = game.outside_options
    joint_stake = np.minimum(a.stake[:, :, None], b.stake[:, None, :])  # (N, nA, nB)
    pa, pb = _played_cooperation(a, game.noise), _played_cooperation(b, game.noise)
    act_a = np.stack([pa, pa, 1 - pa, 1 - pa], axis=-1)  # (N, nA, 4)
    act_b = np.stack([pb, 1 - pb, pb, 1 - pb], axis=-1)
    stake = np.einsum("nla,nab,nlb->nl", dist_a, joint_stake, dist_b)
    staked = np.einsum("nla,nao,nab,nbo,nlb->nlo", dist_a, act_a, joint_stake, act_b, dist_b)
    payoff_a = staked @ stage_a + (1 - stake) * v_a
    payoff_b = staked @ stage_b + (1 - stake) * v_b
    return _assemble_lumped(game, acts_a, leaves_a, acts_b, leaves_b, stake, payoff_a, payoff_b)


def _simple_lumped_figures(
    game: Game, parts: tuple[np.ndarray, np.ndarray], index_a: np.ndarray, index_b: np.ndarray
) -> np.ndarray:
    """The per-state figures of lumped chains of tables that always stake everything,
    stacked (N, figures in ``PER_STATE`` order but the stake, which is 1, 5), from
    per-table parts: each is a sum
    over outcomes of an A part times a B part. When the pairs are about every combination
    of the tables (a round robin), the sums are taken once for every combination, in one
    stacked matrix product, and gathered; else pair by pair."""
    (acts_a, leaves_a), (acts_b, leaves_b) = _split(parts)
    stage_a, stage_b = _stages(game)
    tables, count = len(acts_a), len(index_a)
    if tables * tables <= 4 * count:
        stays_a, stays_b = acts_a - leaves_a, acts_b - leaves_b
        first = np.zeros(4)
        first[0] = 1.0  # picks the outcome CC: each side's part of CC is its C
        side_a = np.stack(  # (8, 5, tables, 4): A's part of each figure
            [
                acts_a * stage_a,
                acts_a,
                leaves_a,
                stays_a,
                leaves_a,
                acts_a,
                np.broadcast_to(first, acts_a.shape),
                acts_a,
            ]
        ).transpose(0, 2, 1, 3)
        side_b = np.stack(  # (8, 5, 4, tables)
            [
                acts_b,
                acts_b * stage_b,
                stays_b,
                leaves_b,
                leaves_b,
                np.broadcast_to(first, acts_b.shape),
                acts_b,
                acts_b * first,
            ]
        ).transpose(0, 2, 3, 1)
        every = np.matmul(side_a, side_b).transpose(2, 3, 0, 1).reshape(tables * tables, 40)
        place = index_a * tables + index_b
        if count == tables * tables and (place == np.arange(count)).all():  # a round robin in order
            return every.reshape(count, 8, 5)
        return every.take(place, axis=0).reshape(count, 8, 5)
    stacked = np.empty((8, count, 5))  # written figure by figure, read pair by pair
    a, left_a = parts[0][index_a].transpose(1, 0, 2, 3)  # one gather a side
    b, left_b = parts[1][index_b].transpose(1, 0, 2, 3)
    outcome = a * b  # P(outcome) in each lumped state
    payoffs = outcome.reshape(-1, 4) @ np.stack([stage_a, stage_b], axis=1)  # (N * 5, 2)
    stacked[0] = payoffs[:, 0].reshape(count, 5)
    stacked[1] = payoffs[:, 1].reshape(count, 5)
    stay_a, stay_b = a - left_a, b - left_b
    np.einsum("nlo,nlo->nl", left_a, stay_b, out=stacked[2])
    np.einsum("nlo,nlo->nl", stay_a, left_b, out=stacked[3])
    np.einsum("nlo,nlo->nl", left_a, left_b, out=stacked[4])
    stacked[5] = a[:, :, 0]
    stacked[6] = b[:, :, 0]
    np.multiply(stacked[5], stacked[6], out=stacked[7])
    return stacked.transpose(1, 0, 2)


def _split(
    parts: tuple[np.ndarray, np.ndarray],
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Per-table parts (tables, 2, 5, 4) in role A and in role B as (acts, leaves) each."""
    as_a, as_b = parts
    return (as_a[:, 0], as_a[:, 1]), (as_b[:, 0], as_b[:, 1])


def _simple_lumped_q(
    parts: tuple[np.ndarray, np.ndarray], index_a: np.ndarray, index_b: np.ndarray
) -> np.ndarray:
    """Q (N, 5, 5) of the lumped chains of tables that always stake everything: from any
    state, to "after outcome o" with the chance that both play their part of o and stay."""
    (acts_a, leaves_a), (acts_b, leaves_b) = _split(parts)
    Q = np.zeros((len(index_a), 5, 5))
    np.multiply((acts_a - leaves_a)[index_a], (acts_b - leaves_b)[index_b], out=Q[:, :, 1:])
    return Q


def _outcome_path_chain(
    game: Game, parts: tuple[np.ndarray, np.ndarray], index_a: np.ndarray, index_b: np.ndarray
) -> _Chain:
    """``_simple_lumped_chain`` when both sides' actions are certain in every lumped state
    (after noise): each state has one outcome, so every figure is a gather by that
    outcome, and the only next state is "after that outcome"."""
    (acts_a, leaves_a), (acts_b, leaves_b) = _split(parts)
    count = len(index_a)
    cooperates_a = np.ascontiguousarray(acts_a[:, :, 0]).take(index_a, axis=0)  # (N, 5) of 0 or 1
    cooperates_b = np.ascontiguousarray(acts_b[:, :, 0]).take(index_b, axis=0)
    outcome = (3.0 - 2.0 * cooperates_a - cooperates_b).astype(np.intp)
    where = outcome + np.arange(0, 20, 4)  # in a table's (5, 4) block
    leave_a = leaves_a.reshape(-1).take(where + (index_a * 20)[:, None])
    leave_b = leaves_b.reshape(-1).take(where + (index_b * 20)[:, None])
    stays_a, stays_b = 1.0 - leave_a, 1.0 - leave_b
    stage_a, stage_b = _stages(game)
    figures = {
        "payoff_a": stage_a.take(outcome),
        "payoff_b": stage_b.take(outcome),
        "ends_by_a": leave_a * stays_b,
        "ends_by_b": stays_a * leave_b,
        "ends_by_both": leave_a * leave_b,
        "cooperates_a": cooperates_a,
        "cooperates_b": cooperates_b,
        "mutual": cooperates_a * cooperates_b,
        "stake": np.ones((count, 5)),
    }
    start = np.zeros(count, dtype=np.intp)
    return _Chain(Q=None, start=start, figures=figures, successor=outcome + 1, chance=stays_a * stays_b)


def _assemble_lumped(
    game: Game,
    acts_a: np.ndarray,
    leaves_a: np.ndarray,
    acts_b: np.ndarray,
    leaves_b: np.ndarray,
    stake: np.ndarray | None = None,
    payoff_a: np.ndarray | None = None,
    payoff_b: np.ndarray | None = None,
) -> _Chain:
    """The five-state chain from each side's (N, 5, 4) chances (see ``_side_by_outcome``);
    without ``stake`` every round stakes everything."""
    count = len(acts_a)
    stays_a, stays_b = acts_a - leaves_a, acts_b - leaves_b
    Q = np.zeros((count, 5, 5))
    Q[:, :, 1:] = stays_a * stays_b
    cooperates_a, cooperates_b = acts_a[:, :, 0], acts_b[:, :, 0]  # each side's part of CC is its C
    if stake is None or payoff_a is None or payoff_b is None:
        stage_a, stage_b = _stages(game)
        p_outcome = acts_a * acts_b
        stake = np.ones((count, 5))
        payoff_a, payoff_b = p_outcome @ stage_a, p_outcome @ stage_b
    figures = {
        "payoff_a": payoff_a,
        "payoff_b": payoff_b,
        "ends_by_a": (leaves_a * stays_b).sum(-1),
        "ends_by_b": (stays_a * leaves_b).sum(-1),
        "ends_by_both": (leaves_a * leaves_b).sum(-1),
        "cooperates_a": cooperates_a,
        "cooperates_b": cooperates_b,
        "mutual": cooperates_a * cooperates_b,
        "stake": stake,
    }
    return _Chain(Q=Q, start=np.zeros(count, dtype=np.intp), figures=figures, first_round_apart=True)
