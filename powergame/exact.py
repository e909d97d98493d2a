"""Exact expectations for two state-table strategies: the absorbing Markov chain of docs/model.md.

The joint state j = (state of A, state of B) at the start of a round determines everything
about that round. With noise e each played action is C with probability
p' = p(1 - e) + (1 - p)e, the two independently; after the outcome each partner leaves
with its own probability, and if both stay each moves on by its own transition. So:

- ``Q[j, k]``: the chance to start the next round together in state k (nobody leaves);
- ``v0``: the first round's state (a point mass on the initial states);
- per state: the expected payoff of the round ``u_i``, the chance that the round ends
  the relationship by A alone, B alone or both, and the expected cooperation and stake.

With mu_t = v0 Q^(t-1) (the chance to be together in round t, by state) every expectation
is a sum over rounds: a fixed horizon n sums t = 1..n; under continuation w round t is
reached with probability w^(t-1), so the sums become v0 (I - wQ)^(-1) x. The survival
curve is P(T > t) = v0 (wQ)^t 1 (w = 1 for a fixed horizon, t < n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import kernel, power
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.state_table import StateTable

SURVIVAL_FLOOR = 1e-12  # under continuation the survival curve stops below this
SERIES_TOLERANCE = 1e-13  # truncation error of the E[total / n] series, relative to the payoffs
MAX_SURVIVAL_LENGTH = 100_000  # longest survival curve kept for a fixed horizon


@dataclass(frozen=True)
class ExactResult:
    """Expected outcome of a match between two state tables (no sampling).

    Under continuation ``score_a`` is E[total / n], what the mean of simulated scores
    estimates; ``total_a`` is E[total]. Rates (cooperation, mutual cooperation, stake,
    realized dependence) are ratios of expectations over the rounds together, e.g.
    E[rounds A cooperated] / E[rounds together]. ``survival[t]`` is P(T > t) for
    t = 0, 1, ... (T = rounds together)."""

    player_a: str
    player_b: str
    game: Game
    expected_horizon: float
    rounds_together: float
    p_censored: float
    p_left_a: float
    p_left_b: float
    p_left_both: float
    total_a: float
    total_b: float
    score_a: float
    score_b: float
    cooperation_a: float
    cooperation_b: float
    mutual_cooperation: float
    mean_stake: float
    realized_dependence_a: float
    realized_dependence_b: float
    survival: tuple[float, ...]

    def summary(self) -> dict[str, Any]:
        """The keys of ``MatchResult.summary()`` as expectations; figures that only exist
        for one realized match (seed, who left, exit round, power shifts and shares) are
        None, and ``p_left_a``/``p_left_b``/``p_left_both`` say who ends it how often."""
        game = self.game
        return {
            "player_a": self.player_a,
            "player_b": self.player_b,
            "seed": None,
            "horizon": self.expected_horizon,
            "rounds_together": self.rounds_together,
            "left_by": None,
            "exit_round": None,
            "censored": self.p_censored,
            "total_a": self.total_a,
            "total_b": self.total_b,
            "score_a": self.score_a,
            "score_b": self.score_b,
            "cooperation_a": self.cooperation_a,
            "cooperation_b": self.cooperation_b,
            "mutual_cooperation": self.mutual_cooperation,
            "mean_stake": self.mean_stake,
            "structural_dependence_a": power.structural_dependence(game, 0),
            "structural_dependence_b": power.structural_dependence(game, 1),
            "power_index": power.power_index(game),
            "least_interest": power.least_interest_partner(game),
            "realized_dependence_a": self.realized_dependence_a,
            "realized_dependence_b": self.realized_dependence_b,
            "power_shifts": None,
            "power_share_a": None,
            "power_share_b": None,
            "p_left_a": self.p_left_a,
            "p_left_b": self.p_left_b,
            "p_left_both": self.p_left_both,
        }


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


MAX_JOINT_STATES = 4096  # a pair's joint chain beyond this is refused: its dense matrix alone is 128 MB


def markov_chain(game: Game, table_a: StateTable, table_b: StateTable) -> MarkovChain:
    """Build Q, v0 and the per-state expectations for one pair of tables."""
    if table_a.n_states * table_b.n_states > MAX_JOINT_STATES:
        raise ParameterError(
            "exact mode",
            f"{table_a.n_states} x {table_b.n_states} joint states",
            f"the joint chain may have at most {MAX_JOINT_STATES} states (its matrix is dense); "
            "simulate these strategies instead",
        )
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


def exact_match(
    game: Game, table_a: StateTable, table_b: StateTable, player_a: str = "A", player_b: str = "B"
) -> ExactResult:
    """The expected outcome of ``table_a`` (role A) against ``table_b`` under ``game``."""
    for role, table in (("table_a", table_a), ("table_b", table_b)):
        if not isinstance(table, StateTable):
            raise ParameterError(
                role,
                type(table).__name__,
                "must be a StateTable (from player.state_table()); a player without one can only be simulated",
            )
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


def _series_length(w: float) -> int:
    """Rounds after which P(n > t) = w^t is below SERIES_TOLERANCE."""
    if w == 0.0:
        return 1
    return max(1, math.ceil(math.log(SERIES_TOLERANCE) / math.log(w)))


def _per_round_weights(w: float, length: int) -> np.ndarray:
    """h_t = sum_{n >= t} P(n) / n, so that E[total / n] = v + sum_t h_t mu_t (u - v - k)
    (P(n) = (1 - w) w^(n-1); the tail beyond ``length`` is below SERIES_TOLERANCE)."""
    n = np.arange(1, length + 1)
    p_n_over_n = (1 - w) * w ** (n - 1) / n
    return np.cumsum(p_n_over_n[::-1])[::-1]
