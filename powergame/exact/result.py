"""``ExactResult``: the expected outcome of one pair of state tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from powergame import power
from powergame.game import Game


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
