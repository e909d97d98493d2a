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

from powergame import power
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


MAX_DENSE_STATES = 4096  # joint chains up to this size are solved with dense matrices (128 MB at most)
MAX_JOINT_STATES = 1 << 20  # larger joint chains are refused; between the two the chain is sparse
MAX_SPARSE_NONZEROS = 1 << 24  # nonzero transitions of a sparse joint chain (about 200 MB)


def exact_match(
    game: Game, table_a: StateTable, table_b: StateTable, player_a: str = "A", player_b: str = "B"
) -> ExactResult:
    """The expected outcome of ``table_a`` (role A) against ``table_b`` under ``game``:
    the one-pair case of ``powergame.exact_batch.exact_many``."""
    from powergame.exact_batch import exact_many

    for role, table in (("table_a", table_a), ("table_b", table_b)):
        if not isinstance(table, StateTable):
            raise ParameterError(
                role,
                type(table).__name__,
                "must be a StateTable (from player.state_table()); a player without one can only be simulated",
            )
    return exact_many(game, [(table_a, table_b)], [(player_a, player_b)]).result(0)


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
