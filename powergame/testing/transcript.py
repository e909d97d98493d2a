"""Readable counterexamples: the game, the rounds played and the decision that broke a claim."""

from __future__ import annotations

from typing import Any

from powergame.game import Game
from powergame.testing.harness import Decision, Run


def describe_game(game: Game) -> str:
    """One line: payoffs, outside options, exit costs, horizon, noise."""
    pay = [",".join(f"{x:g}" for x in p.as_tuple()) for p in game.payoffs]
    payoffs = pay[0] if pay[0] == pay[1] else f"A {pay[0]} / B {pay[1]}"
    horizon = (
        f"{game.rounds} rounds" if game.continuation is None else f"continuation w = {game.continuation:.12g}"
    )
    va, vb = game.outside_options
    ka, kb = game.exit_costs
    return (
        f"payoffs R,S,T,P = {payoffs}; outside options A {va:g}, B {vb:g}; "
        f"exit costs A {ka:g}, B {kb:g}; {horizon}; noise {game.noise:g}"
    )


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _leave(decision: Decision) -> str:
    if decision.played is None:
        return ""
    return {True: "LEAVES", False: "stays"}.get(decision.leave, _value(decision.leave))


def format_decisions(decisions: list[Decision], mark_round: int | None = None) -> str:
    """A table, one row per round: the strategy's stake, chosen and played action (``*``
    marks a flip by noise), the partner's stake and action, and the leave decision."""
    header = "  round | stake  chose played | partner stake played | leave"
    lines = [header]
    for d in decisions:
        flipped = "*" if d.played is not None and d.played is not d.action else " "
        marker = "  <--" if d.round == mark_round else ""
        lines.append(
            f"  {d.round:>5} | {_value(d.stake):>5}  {_value(d.action):>5} {_value(d.played):>5}{flipped}"
            f"|         {_value(d.partner_stake):>5} {_value(d.partner_action):>6} | {_leave(d)}{marker}"
        )
        if d.problem:
            lines.append(f"        {d.problem}")
    return "\n".join(lines)


def format_run(run: Run, title: str = "", mark_round: int | None = None) -> str:
    """The game, the role and seed, then the rounds of ``run``."""
    role = "AB"[run.role]
    head = f"{title}{run.strategy!r} as partner {role}, seed {run.seed}"
    return f"{head}\n  game: {describe_game(run.game)}\n{format_decisions(run.decisions, mark_round)}"


def counterexample(claim: str, broken: str, *runs: tuple[str, Run], mark_round: int | None = None) -> str:
    """The full message of a failed property: the claim, what broke it, then each run."""
    parts = [f"claim: {claim}", f"broken: {broken}"]
    for title, run in runs:
        parts.append(format_run(run, title, mark_round))
    return "\n".join(parts)
