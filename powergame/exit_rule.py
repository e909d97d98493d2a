"""Exit rules: the extension point that gives any player a way to leave.

``ExitRule`` wraps an inner player (a library strategy, a plugin's, or an axelrod strategy
bridged by ``powergame.axelrod_bridge.AxelrodPlayer``), plays exactly as the inner player
does and also leaves when its own rule says so. The wrapper shares its History with the
inner player, so the inner player sees every action the engine records; it leaves when its
rule or the inner player says so (the inner player is asked every round, as the engine
would). The library's rules are in ``powergame.strategies.exit_rules``; a plugin writes its
own by subclassing ``ExitRule`` (docs/plugins.md).

A rule that only counts (withholdings in a row, withholdings in all, rounds) declares
``rule_counter``; the wrapper then has a state table when its inner player has one: the
product of the inner player's states and the rule's counter (see ``counter_product``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from powergame.actions import Action
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.names import instance_name
from powergame.player import History, Player, classifier
from powergame.state_table import StateTable

D = Action.D

# The rule's counter after one more round: (count so far, outcome 0..3 seen by the wrapped
# player) -> the new count, or None when the rule leaves after that round.
CounterStep = Callable[[int, int], "int | None"]


def partner_withheld(outcome: int) -> bool:
    """Whether the partner's (played) action in ``outcome`` = 2*own + partner was D."""
    return outcome % 2 == D.value


def counter_product(
    inner: StateTable, counts: int, step: CounterStep, unit_stakes_only: bool = False
) -> StateTable:
    """The table of ``inner`` run together with a counter 0..counts-1 that starts at 0.

    State ``s * counts + c`` is inner state ``s`` with count ``c``. The action and the
    stake come from the inner state; after outcome ``o`` the player leaves with
    probability 1 if the rule fires (``step(c, o)`` is None), else with the inner
    probability; the next inner state is drawn as the inner table draws it and the count
    moves to ``step(c, o)``. Laid out this way, one uniform number picks the same inner
    state in both tables, so a player of the product uses its random numbers exactly as
    the wrapper's inner player does. The product holds only at stake 1 if ``inner`` does
    or ``unit_stakes_only`` says the counter does.
    """
    n = inner.n_states * counts
    cooperate, stake, leave, transition = [], [], [], []
    for s in range(inner.n_states):
        for c in range(counts):
            cooperate.append(inner.cooperate[s])
            stake.append(inner.stake[s])
            leave_row, transition_row = [], []
            for o in range(4):
                next_count = step(c, o)
                # 1.0 rather than 1 - (1 - l)(1 - 1): the same number, without rounding,
                # and the inner probability itself when the rule does not fire.
                leave_row.append(1.0 if next_count is None else inner.leave[s][o])
                target = c if next_count is None else next_count  # unused once the rule fires
                dist = [0.0] * n
                for k, p in enumerate(inner.transition[s][o]):
                    dist[k * counts + target] = p
                transition_row.append(tuple(dist))
            leave.append(tuple(leave_row))
            transition.append(tuple(transition_row))
    return StateTable(
        cooperate=tuple(cooperate),
        stake=tuple(stake),
        leave=tuple(leave),  # type: ignore[arg-type]
        transition=tuple(transition),
        initial_state=inner.initial_state * counts,
        unit_stakes_only=inner.unit_stakes_only or unit_stakes_only,
    )


class ExitRule(Player):
    """Base of the exit wrappers: forwards everything to ``inner`` and adds ``rule_says_leave``.

    Subclasses set ``name``, ``rule_memory_depth`` and ``rule_uses_outside_options``,
    store their parameters in ``self.params`` and define ``rule_says_leave``.
    """

    is_wrapper = True
    classifier = classifier("neutral", float("inf"), can_leave=True)
    rule_uses_outside_options = False
    # A rule that may leave before a withholding inner player ever withholds breaks the
    # "withholds against an unconditional cooperator" claim, so the family is dropped.
    rule_may_preempt_withholding = False

    def __init__(self, inner: Player, **params: Any) -> None:
        if not isinstance(inner, Player):
            raise ParameterError("inner", inner, "must be a Player instance (the strategy to wrap)")
        self.inner = inner
        self.params = params
        super().__init__()
        self.name = f"{inner.name} | {instance_name(type(self).name, params)}"
        self.classifier = self._derived_classifier(inner.classifier)

    @property  # type: ignore[override]
    def history(self) -> History:
        """The played actions; always the same object as the inner player's history."""
        return self._history

    @history.setter
    def history(self, value: History) -> None:
        self._history = value
        if "inner" in vars(self):
            self.inner.history = value  # a nested wrapper passes it further in

    def rule_memory_depth(self) -> float:
        """How many past rounds the rule itself reads."""
        return float("inf")

    def rule_says_leave(self, opponent: Player) -> bool:
        """After both actions of the round are in the histories: does the rule end it?"""
        raise NotImplementedError

    def rule_counter(self) -> tuple[int, CounterStep] | None:
        """The rule as a counter for ``counter_product`` (how many counts, and the step),
        or None if the rule is not a small finite counter."""
        return None

    def _derived_classifier(self, inner: dict[str, Any]) -> dict[str, Any]:
        family = inner["family"]
        if family == "withholding" and self.rule_may_preempt_withholding:
            family = "neutral"
        return classifier(
            family,
            max(inner["memory_depth"], self.rule_memory_depth()),
            stochastic=bool(inner["stochastic"]),
            can_leave=True,
            uses_outside_options=bool(inner["uses_outside_options"]) or self.rule_uses_outside_options,
        )

    def join_match(self, game: Game, role: int, seed: int) -> None:
        super().join_match(game, role, seed)
        self.inner.join_match(game, role, seed)
        self.history = self.history  # join_match gave the inner player a fresh one

    def reset(self) -> None:
        super().reset()
        self.inner.reset()
        self.history = self.history

    def strategy(self, opponent: Player) -> Action:
        return self.inner.strategy(opponent)

    def stake(self, opponent: Player) -> float:
        return self.inner.stake(opponent)

    def leave(self, opponent: Player) -> bool:
        inner_leaves = self.inner.leave(opponent)  # always asked: it may update its state
        return self.rule_says_leave(opponent) or inner_leaves

    def state_table(self) -> StateTable | None:
        """The product of the inner player's table and the rule's counter; None when
        either has no finite form."""
        counter = self.rule_counter()
        inner = self.inner.state_table()
        if counter is None or inner is None:
            return None
        return counter_product(inner, *counter)
