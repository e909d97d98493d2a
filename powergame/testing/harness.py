"""Drive a strategy through a scripted history, recording every decision it makes.

The harness does what the engine does in each round (stake, action, then leave once both
actions are in the histories) but the partner's actions and stakes come from a script and,
optionally, so do the strategy's own *played* actions: a played action that differs from
the chosen one is what execution noise does, so any own history is reachable in a game
with noise. Nothing is validated here; each property reads the decisions it cares about.
A run stops where the engine would: after a leave, a raise, an invalid value, or (a
harness addition) a change to the partner.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from powergame.actions import Action
from powergame.game import Game
from powergame.player import HistoryWriteError, Player, record_round
from powergame.testing.partners import ScriptedPartner

Factory = Callable[[], Player]


@dataclass(frozen=True)
class Script:
    """A history to impose: the partner's played actions and offered stakes per round and,
    unless ``own_actions`` is None, the strategy's own played actions."""

    partner_actions: tuple[Action, ...]
    partner_stakes: tuple[float, ...]
    own_actions: tuple[Action, ...] | None = None

    def __len__(self) -> int:
        return len(self.partner_actions)

    def round(self, t: int) -> tuple[Action | None, Action, float]:
        """(own played or None, partner action, partner stake) of round ``t`` (from 1)."""
        own = None if self.own_actions is None else self.own_actions[t - 1]
        return own, self.partner_actions[t - 1], self.partner_stakes[t - 1]


@dataclass
class Decision:
    """What the strategy did in round ``round``; ``played`` is None for the probe round
    after the script (stake and action asked, nothing played)."""

    round: int
    stake: Any = None
    action: Any = None
    played: Action | None = None
    partner_stake: float | None = None
    partner_action: Action | None = None
    leave: Any = None
    problem: str | None = None  # raised, invalid value, or changed the partner
    problem_kind: str | None = None  # "raised", "invalid", "bad-stake", "mutated"


@dataclass
class Run:
    """One drive of one strategy through one script."""

    strategy: str
    game: Game
    role: int
    seed: int
    script: Script
    decisions: list[Decision] = field(default_factory=list)
    left: bool = False

    @property
    def stopped_early(self) -> bool:
        return self.left or any(d.problem for d in self.decisions)

    def decision(self, t: int) -> Decision | None:
        return self.decisions[t - 1] if t <= len(self.decisions) else None

    def round_key(self, t: int) -> tuple[Any, ...] | None:
        """What round ``t`` left in the histories (both actions, both stakes)."""
        d = self.decision(t)
        if d is None or d.played is None:
            return None
        return (d.played, d.stake, d.partner_action, d.partner_stake)


def overrides(player: Player, method: str) -> bool:
    """The engine only calls stake()/leave() of classes that override them."""
    return getattr(type(player), method) is not getattr(Player, method)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return ("list", id(value), tuple(value), tuple(getattr(value, "stakes", ())))
    if isinstance(value, random.Random):
        return ("rng", value.getstate())
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    return value


def fingerprint(player: Player) -> dict[str, Any]:
    """A comparable snapshot of a player's attributes (history and stakes by value)."""
    return {key: _freeze(value) for key, value in vars(player).items()}


def describe_change(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Which attributes differ between two fingerprints, for a failure message."""
    keys = sorted(set(before) | set(after))
    changed = [k for k in keys if before.get(k, "<absent>") != after.get(k, "<absent>")]
    return ", ".join(changed)


def drive(
    factory: Factory,
    game: Game,
    role: int,
    seed: int,
    script: Script,
    probe: bool = True,
    reseed_each_decision: bool = False,
) -> Run:
    """Play ``script`` with a fresh strategy from ``factory`` in ``role``; with ``probe``,
    also ask its stake and action for the round after the script. With
    ``reseed_each_decision`` the strategy's generator is reseeded from (seed, round,
    decision) before every call, so two runs draw the same numbers for the same decision
    however many numbers were drawn before it."""
    player = factory()
    partner = ScriptedPartner(script.partner_actions, script.partner_stakes)
    run = Run(getattr(player, "name", type(player).__name__), game, role, seed, script)
    probe_decision = Decision(round=1)
    try:
        player.join_match(game, role, seed)
    except Exception as exc:
        probe_decision.problem = f"join_match (reset) raised {type(exc).__name__}: {exc}"
        probe_decision.problem_kind = "raised"
        run.decisions.append(probe_decision)
        return run
    partner.join_match(game, 1 - role, 0)
    asks_stake = overrides(player, "stake")
    asks_leave = overrides(player, "leave")

    def ask(decision: Decision, method: str) -> tuple[bool, Any]:
        if reseed_each_decision:
            # seeded in place: a strategy may hold a bound method of its generator
            player.rng.seed(f"{seed}:{decision.round}:{method}")
        before = fingerprint(partner)
        try:
            value = getattr(player, method)(partner)
        except HistoryWriteError:
            decision.problem = f"{method}() tried to change a history (histories are read-only)"
            decision.problem_kind = "mutated"
            return False, None
        except Exception as exc:
            decision.problem = f"{method}() raised {type(exc).__name__}: {exc}"
            decision.problem_kind = "raised"
            return False, None
        after = fingerprint(partner)
        if after != before:
            decision.problem = f"{method}() changed the partner ({describe_change(before, after)})"
            decision.problem_kind = "mutated"
            return False, value
        return True, value

    last = len(script) + (1 if probe else 0)
    for t in range(1, last + 1):
        decision = Decision(round=t)
        run.decisions.append(decision)
        ok, decision.stake = ask(decision, "stake") if asks_stake else (True, 1.0)
        if not ok:
            return run
        if isinstance(decision.stake, bool) or not isinstance(decision.stake, (int, float)):
            decision.problem = f"stake() returned {decision.stake!r}, not a number"
            decision.problem_kind = "bad-stake"
            return run
        if not 0.0 < decision.stake <= 1.0:
            decision.problem = f"stake() returned {decision.stake!r}, outside (0, 1]"
            decision.problem_kind = "bad-stake"
            return run
        ok, decision.action = ask(decision, "strategy")
        if not ok:
            return run
        if decision.action is not Action.C and decision.action is not Action.D:
            decision.problem = f"strategy() returned {decision.action!r}, not C or D"
            decision.problem_kind = "invalid"
            return run
        if t > len(script):
            return run
        own, partner_action, partner_stake = script.round(t)
        decision.played = decision.action if own is None else own
        decision.partner_action, decision.partner_stake = partner_action, partner_stake
        record_round(player.history, decision.played, float(decision.stake))
        record_round(partner.history, partner_action, partner_stake)
        if asks_leave:
            ok, decision.leave = ask(decision, "leave")
            if not ok:
                return run
            if decision.leave is not True and decision.leave is not False:
                decision.problem = f"leave() returned {decision.leave!r}, not True or False"
                decision.problem_kind = "invalid"
                return run
            if decision.leave:
                run.left = True
                return run
        else:
            decision.leave = False
    return run
