"""Game options shared by every command that plays matches (match, tournament)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from powergame.errors import ParameterError
from powergame.game import Game, StagePayoffs


def _pair_of_numbers(option: str, text: str) -> tuple[float, float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1:
        parts = parts * 2
    try:
        if len(parts) != 2:
            raise ValueError
        return (float(parts[0]), float(parts[1]))
    except ValueError:
        raise ParameterError(option, text, "must be one number or two numbers A,B such as 2,1") from None


def parse_payoffs(text: str) -> tuple[StagePayoffs, StagePayoffs]:
    """``"3,0,5,1"`` (both partners) or ``"3,0,5,1/4,0,6,1"`` (A/B)."""
    sides = text.split("/")
    if len(sides) > 2:
        raise ParameterError("--payoffs", text, "must be R,S,T,P or R,S,T,P/R,S,T,P")
    stages = [StagePayoffs.parse(side) for side in sides]
    return (stages[0], stages[-1])


def game_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the game's options to a click command (it receives them as keyword args;
    pass them to ``game_from_options``)."""
    options = [
        click.option(
            "--rounds", "-n", type=int, default=None, help="Fixed horizon: rounds per match [default: 200]."
        ),
        click.option(
            "--continuation",
            "-w",
            type=float,
            default=None,
            help="Continuation probability w in [0, 1): each match lasts a geometric number of rounds, mean 1/(1-w).",
        ),
        click.option(
            "--payoffs",
            default="3,0,5,1",
            show_default=True,
            help="Stage payoffs R,S,T,P for both partners, or R,S,T,P/R,S,T,P for A/B.",
        ),
        click.option(
            "--outside",
            default="0,0",
            show_default=True,
            help="Outside options VA,VB: what each partner earns per round once the relationship is over.",
        ),
        click.option(
            "--exit-cost", default="0,0", show_default=True, help="One-off exit costs KA,KB (>= 0)."
        ),
        click.option(
            "--noise", type=float, default=0.0, show_default=True, help="Probability each action is flipped."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def game_from_options(
    rounds: int | None, continuation: float | None, payoffs: str, outside: str, exit_cost: str, noise: float
) -> Game:
    """The Game the options describe (ParameterError names any bad value)."""
    try:
        return Game(
            payoffs=parse_payoffs(payoffs),
            outside_options=_pair_of_numbers("--outside", outside),
            exit_costs=_pair_of_numbers("--exit-cost", exit_cost),
            noise=noise,
            rounds=rounds,
            continuation=continuation,
        )
    except ParameterError as exc:
        if exc.name in ("rounds", "continuation"):  # name the option the user typed
            raise ParameterError(f"--{exc.name}", exc.value, exc.allowed) from None
        raise
