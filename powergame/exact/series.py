"""Lengths and weights of the per-round series an exact solution sums."""

from __future__ import annotations

import math

import numpy as np

from powergame.exact.limits import MAX_SURVIVAL_LENGTH, SERIES_TOLERANCE
from powergame.game import Game


def _series_length(w: float) -> int:
    """Rounds after which P(n > t) = w^t is below SERIES_TOLERANCE."""
    if w == 0.0:
        return 1
    return max(1, math.ceil(math.log(SERIES_TOLERANCE) / math.log(w)))


def _per_round_weights(w: float, length: int) -> np.ndarray:
    """h_t = sum_{n >= t} P(n) / n, so that E[total / n] = v + sum_t h_t mu_t (u - v - k)
    (P(n) = (1 - w) w^(n-1); the tail beyond ``length`` is below SERIES_TOLERANCE)."""
    n = np.arange(1, length + 1)
    p_n_over_n = (1 - w) * w ** (n - 1) / n
    return np.cumsum(p_n_over_n[::-1])[::-1]


def _curve_length(game: Game) -> int:
    if game.continuation is None:
        assert game.rounds is not None
        return min(game.rounds, MAX_SURVIVAL_LENGTH)
    return _series_length(game.continuation)
