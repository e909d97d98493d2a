"""The independent slow chain the exact solver is checked against (one pair, dense).

The joint chain of two state tables built the plain way: Q over joint states
(state of A, state of B) from the tables' nested tuples, mu_t = v0 Q^(t-1) by doubling,
sums over a fixed horizon from the block power [[Q, I], [0, I]]^n and under continuation
v0 (I - wQ)^(-1) by a dense solve. It shares no code with ``powergame.exact`` beyond the
result type, the round rules in ``powergame.kernel`` and the series helpers, so the
solver's lumping, single paths, blocked walks and sparse path are all tested against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powergame import kernel
from powergame.exact import (
    MAX_SURVIVAL_LENGTH,
    SURVIVAL_FLOOR,
    ExactResult,
    _per_round_weights,
    _series_length,
)
from powergame.game import Game
from powergame.state_table import StateTable


@dataclass(frozen=True)
class MarkovChain:
    """The round-by-round chain over joint states j = state_A * n_B + state_B."""

    Q: np.ndarray  # (J, J) together again next round, in state k
    v0: np.ndarray  # (J,) first round
    payoff_a: np.ndarray  # (J,) expected u_A of a round played in state j
    payoff_b: np.ndarray
    ends_by_a: np.ndarray  # (J,) P(only A leaves after this round)
    ends_by_b: np.ndarray
    ends_by_both: np.ndarray
    cooperates_a: np.ndarray  # (J,) P(A's played action is C)
    cooperates_b: np.ndarray
    mutual: np.ndarray  # (J,) P(both played C)
    stake: np.ndarray  # (J,) the round's stake


_SWAP = np.array(kernel.AS_SEEN_BY_B)  # outcome seen by A -> the same outcome seen by B


def markov_chain(game: Game, table_a: StateTable, table_b: StateTable) -> MarkovChain:
    """Build Q, v0 and the per-state expectations for one pair of tables."""
    e = game.noise
    played_c_a = kernel.played_cooperation(np.array(table_a.cooperate), e)  # (nA,)
    played_c_b = kernel.played_cooperation(np.array(table_b.cooperate), e)  # (nB,)
    pa, pb = played_c_a[:, None], played_c_b[None, :]
    # P(outcome | j), outcome = (A's action, B's action): CC, CD, DC, DD
    p_outcome = np.stack([pa * pb, pa * (1 - pb), (1 - pa) * pb, (1 - pa) * (1 - pb)], axis=-1)
    leave_a = np.array(table_a.leave)[:, None, :]  # (nA, 1, 4) by A's view
    leave_b = np.array(table_b.leave)[:, _SWAP][None, :, :]  # (1, nB, 4) by A's view
    stay = p_outcome * (1 - leave_a) * (1 - leave_b)
    next_a = np.array(table_a.transition)  # (nA, 4, nA)
    next_b = np.array(table_b.transition)[:, _SWAP, :]  # (nB, 4, nB) by A's view
    n_a, n_b = len(played_c_a), len(played_c_b)
    joint = n_a * n_b
    Q = np.einsum("abo,aoc,bod->abcd", stay, next_a, next_b).reshape(joint, joint)

    stake = np.minimum(np.array(table_a.stake)[:, None], np.array(table_b.stake)[None, :])
    v_a, v_b = game.outside_options
    stage_a = np.array(game.payoff_table(0))  # by A's view of the outcome
    stage_b = np.array(game.payoff_table(1))[_SWAP]  # B's payoff, by A's view
    payoff_a = kernel.round_payoff(stake, p_outcome @ stage_a, v_a)
    payoff_b = kernel.round_payoff(stake, p_outcome @ stage_b, v_b)

    v0 = np.zeros(joint)
    v0[table_a.initial_state * n_b + table_b.initial_state] = 1.0
    return MarkovChain(
        Q=Q,
        v0=v0,
        payoff_a=payoff_a.ravel(),
        payoff_b=payoff_b.ravel(),
        ends_by_a=(p_outcome * leave_a * (1 - leave_b)).sum(-1).ravel(),
        ends_by_b=(p_outcome * (1 - leave_a) * leave_b).sum(-1).ravel(),
        ends_by_both=(p_outcome * leave_a * leave_b).sum(-1).ravel(),
        cooperates_a=np.broadcast_to(pa, (n_a, n_b)).ravel(),
        cooperates_b=np.broadcast_to(pb, (n_a, n_b)).ravel(),
        mutual=(pa * pb).ravel(),
        stake=stake.ravel(),
    )


def together_by_round(chain: MarkovChain, rounds: int) -> np.ndarray:
    """mu_t = v0 Q^(t-1) for t = 1..rounds, as rows (by doubling: log2(rounds) products)."""
    mu = chain.v0[None, :]
    power_of_q = chain.Q
    while len(mu) < rounds:
        mu = np.vstack([mu, mu @ power_of_q])
        power_of_q = power_of_q @ power_of_q
    return mu[:rounds]


def visits_fixed(chain: MarkovChain, rounds: int) -> np.ndarray:
    """sum_{t=1..n} mu_t = v0 (I + Q + ... + Q^(n-1)), via the block matrix
    [[Q, I], [0, I]]^n = [[Q^n, sum_{t<n} Q^t], [0, I]]."""
    joint = len(chain.v0)
    block = np.zeros((2 * joint, 2 * joint))
    block[:joint, :joint] = chain.Q
    block[:joint, joint:] = np.eye(joint)
    block[joint:, joint:] = np.eye(joint)
    partial_sum = np.linalg.matrix_power(block, rounds)[:joint, joint:]
    return chain.v0 @ partial_sum


def visits_discounted(chain: MarkovChain, w: float) -> np.ndarray:
    """sum_t w^(t-1) mu_t = v0 (I - wQ)^(-1)."""
    joint = len(chain.v0)
    return np.linalg.solve((np.eye(joint) - w * chain.Q).T, chain.v0)


def reference_exact_match(
    game: Game, table_a: StateTable, table_b: StateTable, player_a: str = "A", player_b: str = "B"
) -> ExactResult:
    """The expected outcome of ``table_a`` (role A) against ``table_b`` under ``game``."""
    chain = markov_chain(game, table_a, table_b)
    v_a, v_b = game.outside_options
    k_a, k_b = game.exit_costs
    horizon = game.expected_horizon
    if game.continuation is None:
        assert game.rounds is not None
        visits = visits_fixed(chain, game.rounds)
        mu = together_by_round(chain, min(game.rounds, MAX_SURVIVAL_LENGTH))
        survival = mu.sum(axis=1)
    else:
        w = game.continuation
        visits = visits_discounted(chain, w)
        mu = together_by_round(chain, _series_length(w))
        survival = mu.sum(axis=1) * w ** np.arange(len(mu))
        above = np.nonzero(survival >= SURVIVAL_FLOOR)[0]
        survival = survival[: above[-1] + 1]

    rounds_together = float(visits.sum())
    p_left_a = float(visits @ chain.ends_by_a)
    p_left_b = float(visits @ chain.ends_by_b)
    p_left_both = float(visits @ chain.ends_by_both)
    leaves_a = chain.ends_by_a + chain.ends_by_both
    leaves_b = chain.ends_by_b + chain.ends_by_both
    # Every round of the horizon earns v_i; a round together adds u_i - v_i; leaving costs k_i.
    excess_a = chain.payoff_a - v_a - k_a * leaves_a
    excess_b = chain.payoff_b - v_b - k_b * leaves_b
    total_a = horizon * v_a + float(visits @ excess_a)
    total_b = horizon * v_b + float(visits @ excess_b)
    if game.continuation is None:
        score_a, score_b = total_a / horizon, total_b / horizon
    else:
        weights = _per_round_weights(game.continuation, len(mu))
        score_a = v_a + float(weights @ (mu @ excess_a))
        score_b = v_b + float(weights @ (mu @ excess_b))

    in_relationship_a = float(visits @ chain.payoff_a)
    in_relationship_b = float(visits @ chain.payoff_b)
    return ExactResult(
        player_a=player_a,
        player_b=player_b,
        game=game,
        expected_horizon=horizon,
        rounds_together=rounds_together,
        p_censored=1.0 - p_left_a - p_left_b - p_left_both,
        p_left_a=p_left_a,
        p_left_b=p_left_b,
        p_left_both=p_left_both,
        total_a=total_a,
        total_b=total_b,
        score_a=score_a,
        score_b=score_b,
        cooperation_a=float(visits @ chain.cooperates_a) / rounds_together,
        cooperation_b=float(visits @ chain.cooperates_b) / rounds_together,
        mutual_cooperation=float(visits @ chain.mutual) / rounds_together,
        mean_stake=float(visits @ chain.stake) / rounds_together,
        realized_dependence_a=in_relationship_a / rounds_together - v_a,
        realized_dependence_b=in_relationship_b / rounds_together - v_b,
        survival=tuple(survival.tolist()),
    )
