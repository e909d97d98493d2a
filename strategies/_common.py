"""Helpers shared by the strategies: parameter checks, instance names, stake ladders."""

from __future__ import annotations

from powergame.errors import ParameterError
from powergame.player import classifier as classifier  # re-exported: the library's modules use it

INF = float("inf")


def whole_number(name: str, value: object, minimum: int) -> int:
    """``value`` if it is an int >= ``minimum``, else ParameterError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(name, value, f"must be a whole number >= {minimum}")
    return value


def number_in(name: str, value: object, low: float, high: float, low_open: bool, allowed: str) -> float:
    """``value`` as a float if it lies in the interval from ``low`` (open if ``low_open``)
    to ``high`` (closed), else ParameterError with ``allowed`` as the explanation."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(name, value, allowed)
    x = float(value)
    if not (low < x <= high if low_open else low <= x <= high):
        raise ParameterError(name, value, allowed)
    return x


def stake_ladder(start: float, step: float) -> tuple[float, ...]:
    """The stakes start, start + step, ... up to 1 (the last rung is exactly 1)."""
    rungs: list[float] = []
    k = 0
    while True:
        x = round(start + k * step, 12)
        if x >= 1.0 - 1e-12:
            rungs.append(1.0)
            return tuple(rungs)
        rungs.append(x)
        k += 1
