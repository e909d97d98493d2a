"""The round rules of the exit game, written once for every engine (docs/model.md).

Each function takes plain floats or numpy arrays alike, so the Python engine, the batch
engine and the exact solver compute the same expressions. ``powergame.testing.invariants``
restates the rules independently and serves as the oracle the engines are checked against.

Outcomes are indexed from A's side: CC = 0, CD = 1, DC = 2, DD = 3 (A's action first), that
is ``2 * (A withholds) + (B withholds)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # the core is imported at CLI start, where numpy is not
    import numpy as np

#: A number, or an array of numbers computed element by element.
Number = TypeVar("Number", float, "np.ndarray")

OUTCOMES = ("CC", "CD", "DC", "DD")

#: The outcome seen from A -> the same outcome seen from B (CD and DC swap places).
AS_SEEN_BY_B = (0, 2, 1, 3)


def outcome_index(a_withholds: Number, b_withholds: Number) -> Number:
    """The outcome index from A's side: 2 * (A played D) + (B played D)."""
    return 2 * a_withholds + b_withholds


def seen_by_b(table_by_own_outcome: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """B's payoffs (R, S, T, P, indexed by B's own outcome) re-indexed by the outcome seen from A."""
    r, s, t, p = (table_by_own_outcome[i] for i in AS_SEEN_BY_B)
    return (r, s, t, p)


def played_cooperation(intended: Number, noise: float) -> Number:
    """P(the played action is C) when C is intended with probability ``intended`` and each
    action is flipped with probability ``noise``: p(1 - e) + (1 - p) e."""
    if not noise:
        return intended
    return intended * (1.0 - noise) + (1.0 - intended) * noise


def round_payoff(stake: Number, stage_payoff: Number | float, outside_option: Number | float) -> Number:
    """u_i = s * pi_i + (1 - s) * v_i: the part not staked earns the outside option."""
    return stake * stage_payoff + (1.0 - stake) * outside_option


def total_over_horizon(
    sum_together: Number,
    rounds_together: Number | float,
    horizon: Number | float,
    outside_option: float,
    exit_cost: float,
    paid_exit: Number | float,
) -> Number:
    """The raw total of one partner: what it earned together, its outside option for every
    round of the horizon after the exit, less its exit cost once if it left (``paid_exit``
    is 1 or True for a leaver, 0 or False otherwise)."""
    return sum_together + (horizon - rounds_together) * outside_option - paid_exit * exit_cost
