"""The library's exit rules: wrappers that give any player a way to leave (the base class,
``powergame.exit_rule.ExitRule``, says how a wrapper works).

``LeaveAfterWithholdings(inner, k=3)`` plays exactly as ``inner`` and also leaves after
the partner's k-th withholding in a row. Three of the four rules only count, so around a
strategy with a state table they have one too (``powergame.exit_rule.counter_product``);
Leave Below Outside Option has one once the game is known, for rounds at stake 1.
"""

from __future__ import annotations

from powergame.actions import Action
from powergame.exit_rule import CounterStep, ExitRule, counter_product, partner_withheld
from powergame.player import Player
from powergame.state_table import StateTable

from ._common import whole_number
from ._payoff_window import MAX_WINDOW, counter_of, payoff_window_counter

C, D = Action.C, Action.D
OUTCOMES = ((C, C), (C, D), (D, C), (D, D))  # own action first, as a table's outcomes
MAX_TABLE_STATES = 256  # Leave Below Outside Option's table: inner states x counter states


class LeaveAfterWithholdings(ExitRule):
    """Leave after the partner's ``k``-th withholding in a row (the exit half of Tit for
    Tat with an exit threat, added to any strategy). Defined here."""

    name = "Leave After Withholdings"

    def __init__(self, inner: Player, k: int = 3) -> None:
        self.k = whole_number("k", k, 1)
        super().__init__(inner, k=self.k)

    def rule_memory_depth(self) -> float:
        return self.k

    def rule_says_leave(self, opponent: Player) -> bool:
        tail = opponent.history[-self.k :]
        return len(tail) == self.k and all(a is D for a in tail)

    def rule_counter(self) -> tuple[int, CounterStep]:
        """Counts the partner's current run of withholdings."""
        k = self.k

        def step(run: int, outcome: int) -> int | None:
            if not partner_withheld(outcome):
                return 0
            return run + 1 if run + 1 < k else None

        return k, step


class LeaveAfterTotalWithholdings(ExitRule):
    """Leave after the partner's ``k``-th withholding in all, in a row or not: a
    tolerance that is used up (Schüssler 1989's exit threat with a patience budget).
    Defined here."""

    name = "Leave After Total Withholdings"

    def __init__(self, inner: Player, k: int = 3) -> None:
        self.k = whole_number("k", k, 1)
        super().__init__(inner, k=self.k)

    def rule_says_leave(self, opponent: Player) -> bool:
        return opponent.history[-1] is D and opponent.history.defections >= self.k

    def rule_memory_depth(self) -> float:
        return float("inf")

    def rule_counter(self) -> tuple[int, CounterStep]:
        """Counts the partner's withholdings so far."""
        k = self.k

        def step(total: int, outcome: int) -> int | None:
            if not partner_withheld(outcome):
                return total
            return total + 1 if total + 1 < k else None

        return k, step


class LeaveBelowOutsideOption(ExitRule):
    """Leave when the mean payoff of the last ``window`` rounds (counted once that many
    have been played) falls below the own outside option: stay only while the
    relationship beats the comparison level for alternatives (Thibaut & Kelley 1959, The
    Social Psychology of Groups). Payoffs are computed as the engine does, from the
    played actions and the smaller of the two stakes. Defined here.

    A state table exists once the game is known (the rule reads v and the payoffs), when
    the inner player has a table offering stake 1 in every state, ``window`` is at most
    ``MAX_WINDOW`` and the product has at most ``MAX_TABLE_STATES`` states. A table's
    outcomes are the two actions only, so it cannot see the partner's stake: the table
    holds for rounds played at stake 1 (``StateTable.unit_stakes_only``), and the engines
    play it only against partners whose stakes are all 1. Otherwise the rule runs in the
    Python engine."""

    name = "Leave Below Outside Option"
    rule_uses_outside_options = True

    def __init__(self, inner: Player, window: int = 5) -> None:
        self.window = whole_number("window", window, 1)
        super().__init__(inner, window=self.window)

    def rule_memory_depth(self) -> float:
        return self.window

    def rule_says_leave(self, opponent: Player) -> bool:
        n = self.window
        if len(self.history) < n:
            return False
        game = self._game()
        own, partner = self.history, opponent.history
        total = 0.0
        for t in range(len(own) - n, len(own)):
            stake = min(own.stakes[t], partner.stakes[t])
            total += game.round_payoff(self.role, stake, own[t], partner[t])
        return total / n < self.own_outside_option

    def rule_counter(self) -> tuple[int, CounterStep] | None:
        """The last ``window - 1`` payoffs at stake 1, merged (``_payoff_window``); None
        before the game is known or for a window above ``MAX_WINDOW``."""
        if self.game is None or self.window > MAX_WINDOW:
            return None
        payoffs = tuple(self.game.round_payoff(self.role, 1.0, own, partner) for own, partner in OUTCOMES)
        rows = payoff_window_counter(payoffs, self.window, self.own_outside_option)  # type: ignore[arg-type]
        return counter_of(rows)

    def state_table(self) -> StateTable | None:
        inner = self.inner.state_table()
        if inner is None or not inner.full_stakes:
            return None
        counter = self.rule_counter()
        if counter is None or inner.n_states * counter[0] > MAX_TABLE_STATES:
            return None
        return counter_product(inner, *counter, unit_stakes_only=True)


class LeaveAfterRounds(ExitRule):
    """Leave after round ``rounds``, whatever happened: a relationship with a fixed term,
    such as a contract that is not renewed, whatever the inner strategy would do next.
    Defined here."""

    name = "Leave After Rounds"
    rule_may_preempt_withholding = True

    def __init__(self, inner: Player, rounds: int = 10) -> None:
        self.rounds = whole_number("rounds", rounds, 1)
        super().__init__(inner, rounds=self.rounds)

    def rule_says_leave(self, opponent: Player) -> bool:
        return len(self.history) >= self.rounds

    def rule_counter(self) -> tuple[int, CounterStep]:
        """Counts the rounds played."""
        rounds = self.rounds

        def step(played: int, outcome: int) -> int | None:
            return played + 1 if played + 1 < rounds else None

        return rounds, step
