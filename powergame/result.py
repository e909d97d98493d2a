"""The record of one match: plain data (strings, numbers, tuples) that pickles and turns
into JSON; every figure that can be derived from the transcript is a property."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from powergame import kernel, power
from powergame.game import Game

_C_AS_ONE = str.maketrans("CD", "10")


class MatchOutcome:
    """The figures of a match that follow the same way from what a record keeps, whether it
    keeps the transcript (``MatchResult``) or only running figures
    (``powergame.figures.MatchFigures``): the totals after an exit, the scores, what the
    game alone decides, and ``summary()``, the row of the match record. A subclass gives
    the identity fields, ``rounds_together``, ``cooperation_rates``,
    ``mutual_cooperation_rate``, ``mean_stake``, ``realized_dependence``,
    ``_payoff_sum(role)`` and ``_power_figures()``."""

    if TYPE_CHECKING:
        player_a: str
        player_b: str
        game: Game
        seed: int
        horizon: int
        left_by: str | None
        exit_round: int | None

        @property
        def rounds_together(self) -> int: ...
        @property
        def cooperation_rates(self) -> tuple[float, float]: ...
        @property
        def mutual_cooperation_rate(self) -> float: ...
        @property
        def mean_stake(self) -> float: ...
        @property
        def realized_dependence(self) -> tuple[float | None, float | None]: ...

    def _payoff_sum(self, role: int) -> float:
        """Sum of the role's payoffs over the rounds together."""
        raise NotImplementedError

    def _power_figures(self) -> tuple[int, tuple[float, float]]:
        """The power shifts and each partner's share of the rounds holding power."""
        raise NotImplementedError

    @property
    def censored(self) -> bool:
        """Nobody left: the relationship reached the horizon (right-censored)."""
        return self.left_by is None

    @property
    def totals(self) -> tuple[float, float]:
        """Raw totals over the whole horizon: payoffs together, v_i for every round after an
        exit, minus the exit cost of each partner who left."""
        return (self._total(0), self._total(1))

    def _total(self, role: int) -> float:
        paid_exit = self.left_by in ("AB"[role], "both") and bool(self.exit_round)  # declining is free
        return kernel.total_over_horizon(
            self._payoff_sum(role),
            self.rounds_together,
            self.horizon,
            self.game.outside_options[role],
            self.game.exit_costs[role],
            paid_exit,
        )

    @property
    def scores_per_round(self) -> tuple[float, float]:
        """Totals divided by the horizon n."""
        ta, tb = self.totals
        return (ta / self.horizon, tb / self.horizon)

    @property
    def structural_dependence(self) -> tuple[float, float]:
        return (power.structural_dependence(self.game, 0), power.structural_dependence(self.game, 1))

    @property
    def power_index(self) -> float:
        return power.power_index(self.game)

    @property
    def least_interest_partner(self) -> str | None:
        return power.least_interest_partner(self.game)

    def summary(self) -> dict[str, Any]:
        """The outcome figures (no per-round lists): one flat dict for tables, with the
        keys of ``powergame.record.ENGINE_COLUMNS`` in their order."""
        ta, tb = self.totals
        sa, sb = ta / self.horizon, tb / self.horizon  # scores_per_round without summing again
        ca, cb = self.cooperation_rates
        da, db = self.realized_dependence
        shifts, (ha, hb) = self._power_figures()
        dependence_a, dependence_b = self.structural_dependence
        return {
            "player_a": self.player_a,
            "player_b": self.player_b,
            "seed": self.seed,
            "horizon": self.horizon,
            "rounds_together": self.rounds_together,
            "left_by": self.left_by,
            "exit_round": self.exit_round,
            "censored": self.censored,
            "total_a": ta,
            "total_b": tb,
            "score_a": sa,
            "score_b": sb,
            "cooperation_a": ca,
            "cooperation_b": cb,
            "mutual_cooperation": self.mutual_cooperation_rate,
            "mean_stake": self.mean_stake,
            "structural_dependence_a": dependence_a,
            "structural_dependence_b": dependence_b,
            "power_index": self.power_index,
            "least_interest": self.least_interest_partner,
            "realized_dependence_a": da,
            "realized_dependence_b": db,
            "power_shifts": shifts,
            "power_share_a": ha,
            "power_share_b": hb,
        }


@dataclass(frozen=True)
class MatchResult(MatchOutcome):
    """What happened in one match.

    ``actions_a``/``actions_b`` are the played actions (after noise) as strings of C and
    D, one letter per round together; ``intended_*`` are the actions chosen before noise.
    ``payoffs_*`` are u_i for the rounds together. ``left_by`` is "A", "B", "both" or
    None, and ``exit_round`` the round after which the relationship ended (0 when a partner
    declined to enter: nobody played, and nobody pays an exit cost).
    """

    player_a: str
    player_b: str
    game: Game
    seed: int
    horizon: int
    actions_a: str
    actions_b: str
    intended_a: str
    intended_b: str
    stakes_a: tuple[float, ...]
    stakes_b: tuple[float, ...]
    payoffs_a: tuple[float, ...]
    payoffs_b: tuple[float, ...]
    left_by: str | None
    exit_round: int | None

    # --- duration and exit ------------------------------------------------------------
    @property
    def rounds_together(self) -> int:
        return len(self.actions_a)

    @property
    def stakes(self) -> tuple[float, ...]:
        """The stake of each round together: min of the two offers."""
        return tuple(min(a, b) for a, b in zip(self.stakes_a, self.stakes_b))

    def _payoff_sum(self, role: int) -> float:
        return float(sum(self.payoffs_a if role == 0 else self.payoffs_b))

    # --- behaviour while together -----------------------------------------------------
    @property
    def cooperation_rates(self) -> tuple[float, float]:
        """Share of rounds together in which each partner played C (after noise)."""
        n = self.rounds_together
        if n == 0:
            return (0.0, 0.0)
        return (self.actions_a.count("C") / n, self.actions_b.count("C") / n)

    @property
    def mutual_cooperation_rate(self) -> float:
        n = self.rounds_together
        if n == 0:
            return 0.0
        # Rounds where both played C, counted on bit masks (C = 1) rather than letter by letter.
        both = int(self.actions_a.translate(_C_AS_ONE), 2) & int(self.actions_b.translate(_C_AS_ONE), 2)
        return both.bit_count() / n

    @property
    def mean_stake(self) -> float:
        if not self.stakes_a:
            return 0.0
        if min(self.stakes_a) == 1.0 and min(self.stakes_b) == 1.0:
            return 1.0  # every stake is 1 (the sum of n ones over n is exactly 1)
        stakes = self.stakes
        return sum(stakes) / len(stakes)

    # --- power ------------------------------------------------------------------------
    @property
    def realized_dependence(self) -> tuple[float | None, float | None]:
        """d_i at the end of the relationship."""
        va, vb = self.game.outside_options
        return (
            power.realized_dependence(self.payoffs_a, va),
            power.realized_dependence(self.payoffs_b, vb),
        )

    @property
    def power_holders(self) -> str:
        va, vb = self.game.outside_options
        return power.power_holders(self.payoffs_a, self.payoffs_b, va, vb)

    @property
    def power_shifts(self) -> int:
        return power.count_power_shifts(self.power_holders)

    @property
    def power_shares(self) -> tuple[float, float]:
        return power.power_shares(self.power_holders)

    def _power_figures(self) -> tuple[int, tuple[float, float]]:
        holders = self.power_holders  # once for both figures
        return power.count_power_shifts(holders), power.power_shares(holders)

    # --- plain data ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: the summary, the game and the round-by-round transcript."""
        data = self.summary()
        data["game"] = self.game.to_dict()
        data["rounds"] = [
            {
                "round": t + 1,
                "action_a": self.actions_a[t],
                "action_b": self.actions_b[t],
                "intended_a": self.intended_a[t],
                "intended_b": self.intended_b[t],
                "stake_a": self.stakes_a[t],
                "stake_b": self.stakes_b[t],
                "payoff_a": self.payoffs_a[t],
                "payoff_b": self.payoffs_b[t],
                "power_holder": holder,
            }
            for t, holder in zip(range(self.rounds_together), self.power_holders)
        ]
        return data
