"""Every per-match figure of ``MatchResult.summary()`` from what a simulation recorded."""

from __future__ import annotations

from typing import Any

import numpy as np

from powergame import kernel
from powergame.game import Game

from .counters import _COUNT_BITS, _COUNT_MASK
from .holders import _power_figures
from .integral import _whole_figures


def _figures(
    game: Game,
    horizons: np.ndarray,
    left_by: np.ndarray,
    exit_round: np.ndarray,
    sums: np.ndarray | None,
    counters: np.ndarray | None,
    stake_sum: np.ndarray | None,
    recorded: np.ndarray,
    keep_actions: bool,
    payoff_bound: float,
    integral: tuple[np.ndarray, int, int, int] | None = None,
) -> dict[str, Any]:
    """Every per-match figure from what a simulation recorded: the per-round payoff sums
    u_A + i u_B (rounds x matches, overwritten), the packed cooperation counters, the
    stake sums (None when every stake is 1) and the recorded states (their low two bits
    are the outcome, read when actions are kept). With ``integral`` (whole-number payoffs:
    the words, s and base of ``_WholeTables.layout`` and the smallest payoff) ``sums`` may
    be None: the payoff sums and power figures are then read off the recorded f in
    integers, and the counters too when the words hold them (``counters`` may be None then)."""
    rounds_together = np.where(left_by > 0, exit_round, horizons)
    whole = None
    if integral is not None:
        whole = _whole_figures(*integral, recorded, rounds_together)
        running_a, running_b = whole[0], whole[1]
        if whole[5] is not None:
            counters = whole[5]
    else:
        assert sums is not None
        final = sums[-1] if len(sums) else np.zeros(len(horizons), dtype=complex)
        running_a, running_b = final.real.copy(), final.imag.copy()
    outcomes = None
    if keep_actions:  # match by match (matches x rounds): the low two bits of f (wrapping cast)
        outcomes = recorded.astype(np.uint8)
        outcomes &= 3
        outcomes = np.ascontiguousarray(outcomes.T)
    assert counters is not None, "counters are counted unless the words hold them"
    n = rounds_together.astype(float)
    v_a, v_b = game.outside_options
    k_a, k_b = game.exit_costs
    total_a = kernel.total_over_horizon(running_a, rounds_together, horizons, v_a, k_a, (left_by & 1) == 1)
    total_b = kernel.total_over_horizon(running_b, rounds_together, horizons, v_b, k_b, (left_by & 2) == 2)
    if whole is not None:
        shifts, share_a, share_b = whole[2:5]
    else:
        assert sums is not None
        shifts, share_a, share_b = _power_figures(
            sums.real, sums.imag, rounds_together, v_a, v_b, payoff_bound
        )
    figures: dict[str, Any] = {
        "horizon": horizons,
        "rounds_together": rounds_together,
        "left_by": left_by,
        "exit_round": exit_round,
        "total_a": total_a,
        "total_b": total_b,
        "score_a": total_a / horizons,
        "score_b": total_b / horizons,
        "cooperation_a": (counters & _COUNT_MASK) / n,
        "cooperation_b": ((counters >> _COUNT_BITS) & _COUNT_MASK) / n,
        "mutual_cooperation": (counters >> (2 * _COUNT_BITS)) / n,
        "mean_stake": np.ones(len(horizons)) if stake_sum is None else stake_sum / n,
        "realized_dependence_a": running_a / n - v_a,
        "realized_dependence_b": running_b / n - v_b,
        "power_shifts": shifts,
        "power_share_a": share_a / n,
        "power_share_b": share_b / n,
    }
    if outcomes is not None:
        figures["actions_a"] = _action_strings(outcomes >> 1, rounds_together)
        figures["actions_b"] = _action_strings(outcomes & 1, rounds_together)
    return figures


def _action_strings(withheld: np.ndarray, rounds_together: np.ndarray) -> list[str]:
    """Rows (matches x rounds) of 0 (C) / 1 (D) to strings, cut at each match's rounds
    together."""
    withheld += ord("C")  # "D" follows "C"
    text = withheld.tobytes().decode("ascii")  # one decode, then str slices
    width = withheld.shape[1]
    return [text[i * width : i * width + length] for i, length in enumerate(rounds_together.tolist())]
