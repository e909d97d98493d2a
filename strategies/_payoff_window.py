"""Leave Below Outside Option's memory as a finite counter, for its state table.

At stake 1 a round's payoff is read from the two actions alone, so the rule needs only
the payoffs of the last ``window - 1`` rounds (fewer in the first rounds): a counter over
those sequences decides after each outcome whether the window's mean falls below v.
Outcomes of equal payoff are one symbol, and sequences that decide alike in every future
are merged (Moore's partition refinement), so the counter has as few states as the rule
allows: one when the rule can never fire.
"""

from __future__ import annotations

import functools

from powergame.exit_rule import CounterStep

MAX_WINDOW = 6  # at most (4**6 - 1) / 3 = 1365 sequences before merging


def window_fires(payoffs: tuple[float, ...], window: int, v: float) -> bool:
    """The rule's test on a full window, summed in the order the rule sums it."""
    total = 0.0
    for p in payoffs:
        total += p
    return total / window < v


@functools.lru_cache(maxsize=256)
def payoff_window_counter(
    payoffs: tuple[float, float, float, float], window: int, v: float
) -> tuple[tuple[int | None, ...], ...]:
    """The merged counter: row c gives, for each outcome CC, CD, DC, DD (own payoff
    ``payoffs[o]`` at stake 1), the next count, or None when the rule leaves. Count 0 is
    the start."""
    seen: dict[tuple[float, ...], int] = {(): 0}
    order: list[tuple[float, ...]] = [()]
    raw: list[tuple[int | None, ...]] = []
    while len(raw) < len(order):
        kept = order[len(raw)]
        row: list[int | None] = []
        for p in payoffs:
            last = (*kept, p)
            if len(last) == window:
                if window_fires(last, window, v):
                    row.append(None)
                    continue
                last = last[1:]
            if last not in seen:
                seen[last] = len(order)
                order.append(last)
            row.append(seen[last])
        raw.append(tuple(row))
    return _merged(raw)


def _merged(raw: list[tuple[int | None, ...]]) -> tuple[tuple[int | None, ...], ...]:
    """The fewest states that leave after the same outcomes in every future; blocks are
    numbered by first appearance, so state 0 stays the start."""
    block = _numbered([tuple(nxt is None for nxt in row) for row in raw])
    while True:
        refined = _numbered(
            [(block[s], tuple(-1 if nxt is None else block[nxt] for nxt in row)) for s, row in enumerate(raw)]
        )
        if max(refined) == max(block):
            break
        block = refined
    merged: dict[int, tuple[int | None, ...]] = {}
    for s, row in enumerate(raw):
        merged.setdefault(block[s], tuple(None if nxt is None else block[nxt] for nxt in row))
    return tuple(merged[b] for b in range(len(merged)))


def _numbered(keys: list[object]) -> list[int]:
    index: dict[object, int] = {}
    return [index.setdefault(key, len(index)) for key in keys]


def counter_of(rows: tuple[tuple[int | None, ...], ...]) -> tuple[int, CounterStep]:
    """``rows`` as ``(counts, step)`` for ``powergame.exit_rule.counter_product``."""

    def step(count: int, outcome: int) -> int | None:
        return rows[count][outcome]

    return len(rows), step
