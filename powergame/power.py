"""Power measures: structural and realized dependence, the power index, power holders.

The principle of least interest: the partner who depends less on the relationship holds
more power. Structural dependence D_i = R_i - v_i is what mutual cooperation is worth
beyond the outside option; realized dependence d_i(t) is the mean payoff over the first t
rounds together minus v_i.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate, count, islice

from powergame.game import Game

TIE = "="  # neither partner holds power in a round where d_A(t) == d_B(t)


def structural_dependence(game: Game, role: int) -> float:
    """D_i = R_i - v_i."""
    return game.payoffs[role].R - game.outside_options[role]


def power_index(game: Game) -> float:
    """P_A = (D_B - D_A) / (|D_A| + |D_B|), in [-1, 1]; positive when A holds power, 0 when
    both D are 0."""
    d_a = structural_dependence(game, 0)
    d_b = structural_dependence(game, 1)
    scale = abs(d_a) + abs(d_b)
    return 0.0 if scale == 0 else (d_b - d_a) / scale


def least_interest_partner(game: Game) -> str | None:
    """ "A" or "B", whichever has the smaller D_i (more power); None when equal."""
    d_a = structural_dependence(game, 0)
    d_b = structural_dependence(game, 1)
    if d_a == d_b:
        return None
    return "A" if d_a < d_b else "B"


def realized_dependence(payoffs: Sequence[float], outside_option: float) -> float | None:
    """d_i(t) = mean of u_i over the rounds together - v_i (None before any round)."""
    if not payoffs:
        return None
    return sum(payoffs) / len(payoffs) - outside_option


def power_holders(
    payoffs_a: Sequence[float],
    payoffs_b: Sequence[float],
    outside_a: float,
    outside_b: float,
    *,
    first_round: int = 1,
    sum_a: float = 0.0,
    sum_b: float = 0.0,
) -> str:
    """One letter per round together: who holds power after that round, i.e. the partner
    with the smaller realized dependence d_i(t) ("A", "B", or "=" on a tie).

    A match folded in blocks continues from its earlier rounds: ``payoffs_*`` are then the
    payoffs from round ``first_round`` on and ``sum_*`` those of the rounds before it."""
    holders: list[str] = []
    append = holders.append
    running_a = islice(accumulate(payoffs_a, initial=sum_a), 1, None)
    running_b = islice(accumulate(payoffs_b, initial=sum_b), 1, None)
    for t, sum_a, sum_b in zip(count(first_round), running_a, running_b):
        # d_A(t) < d_B(t)  <=>  sum_a - t*v_A < sum_b - t*v_B (t > 0): compared on sums, and a
        # tie within a relative 1e-9 so that rounding does not split one. This runs once per
        # round of every match, hence the inlined abs and max.
        lhs = sum_a - t * outside_a
        rhs = sum_b - t * outside_b
        gap = lhs - rhs if lhs > rhs else rhs - lhs
        scale = lhs if lhs > -lhs else -lhs
        max_abs = rhs if rhs > -rhs else -rhs
        if max_abs > scale:
            scale = max_abs
        if gap <= 1e-9 * (scale if scale > 1.0 else 1.0):
            append(TIE)
        else:
            append("A" if lhs < rhs else "B")
    return "".join(holders)


def count_power_shifts(holders: str) -> int:
    """How often power changes hands: a round whose holder is A (or B) after the last
    round with a holder was B (or A). Rounds of tie keep the previous holder in office."""
    shifts = 0
    current = None
    for holder in holders:
        if holder == TIE:
            continue
        if current is not None and holder != current:
            shifts += 1
        current = holder
    return shifts


def power_shares(holders: str) -> tuple[float, float]:
    """Share of the rounds together in which A, and B, held power (ties count for neither)."""
    if not holders:
        return (0.0, 0.0)
    n = len(holders)
    return (holders.count("A") / n, holders.count("B") / n)
