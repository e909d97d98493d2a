"""Payoff sums and power figures in integers, when every payoff and outside option is a
whole number (the usual stage games): one int64 word per round holds both payoff sums
and the power balance, read off the recorded f after the rounds."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .counters import _COUNT_BITS, _COUNT_MASK
from .holders import _POWER_CELLS, _count_rows, _in_office


@dataclass(frozen=True)
class _WholeTables:
    """By f: each partner's payoff and the change of D = sum_A - sum_B - t (v_A - v_B) in a
    round (int64); ``low`` the smallest payoff, ``spread`` the largest minus it, ``step``
    the largest |change| of D, ``magnitude`` the largest |payoff| or |outside option|."""

    payoff_a: np.ndarray
    payoff_b: np.ndarray
    delta: np.ndarray
    low: int
    spread: int
    step: int
    magnitude: int
    _words: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, payoff_a: np.ndarray, payoff_b: np.ndarray, v_a: float, v_b: float) -> _WholeTables | None:
        """The tables, or None unless every payoff and both outside options are whole numbers
        of magnitude below 2^29."""
        values = np.concatenate([payoff_a, payoff_b, [v_a, v_b]])
        if not np.all(np.isfinite(values)) or not np.all(values == np.rint(values)):
            return None
        if float(np.max(np.abs(values))) >= _LIMIT:
            return None
        whole_a, whole_b = payoff_a.astype(np.int64), payoff_b.astype(np.int64)
        delta = whole_a - whole_b - (int(v_a) - int(v_b))
        low = int(min(whole_a.min(), whole_b.min()))
        return cls(
            payoff_a=whole_a,
            payoff_b=whole_b,
            delta=delta,
            low=low,
            spread=int(max(whole_a.max(), whole_b.max())) - low,
            step=int(np.abs(delta).max()),
            magnitude=int(np.max(np.abs(values))),
        )

    def integral(self, longest: int, counts: np.ndarray) -> tuple[np.ndarray, int, int, int] | None:
        """``(*layout, low)`` for the integer figures, or None when the layout does not fit."""
        layout = self.layout(longest, counts)
        return None if layout is None else (*layout, self.low)

    def layout(self, longest: int, counts: np.ndarray) -> tuple[np.ndarray, int, int] | None:
        """For matches of at most ``longest`` rounds: the word of each f, s and the bits
        below the sums (``base``), or None when the figures could leave the exact range (see
        ``_whole_figures``). The word is (u_A - low) 2^base + (u_B - low) 2^(base + s) +
        (change of D) 2^(base + 2s), below the sums, when there is room, the cooperation
        counts (``counts`` by f, packed as in ``counters``) in three fields of
        c = bits of ``longest`` (base = 3c, else 0). Summed over rounds it is the counters
        + S'_A 2^base + S'_B 2^(base + s) + D 2^(base + 2s) with 0 <= S'_i = sum_i - t low
        < 2^s: no field carries into the next, and D < 0 exactly when the word is negative,
        D > 0 when it is at least 2^(base + 2s)."""
        if 4 * longest * self.magnitude >= _LIMIT:
            return None
        bits = (longest * self.spread).bit_length()
        top = (longest * self.step).bit_length() + 2 * bits
        if top > _WORD_BITS:
            return None
        base = 3 * longest.bit_length() if top + 3 * longest.bit_length() <= _WORD_BITS else 0
        words = self._words.get((bits, base))
        if words is None:
            words = (
                (self.payoff_a - self.low)
                + ((self.payoff_b - self.low) << bits)
                + self.delta * (1 << 2 * bits)
            )
            words <<= base
            if base:
                c = base // 3
                for k in range(3):
                    words += ((counts >> (k * _COUNT_BITS)) & _COUNT_MASK) << (k * c)
            self._words[(bits, base)] = words
        return words, bits, base


_WORD_BITS = 61  # the fields of a word, its sign kept clear of any carry


_LIMIT = 1 << 29  # whole numbers: rounds x 4 x the largest magnitude stays below this


_ROW_BY_ROW = 256  # from this many matches the holder in office is carried row by row


def _whole_figures(
    words: np.ndarray, bits: int, base: int, low: int, recorded: np.ndarray, rounds_together: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Each match's payoff sums (A's, B's, as floats), power shifts, rounds of power held
    by A and by B and, when the words hold them (``base`` > 0), the packed cooperation
    counters (else None), from the recorded f (rounds x matches) and the words, s and base
    of ``_WholeTables.layout``: the figures ``_power_figures`` and the running float sums give.

    Why they are the same: every running sum is a whole number of magnitude below 2^29
    (rounds x largest change), exact in floats, so the float sums are these integers and
    lhs - rhs = sum_A - sum_B - t (v_A - v_B) is the integer D_t. ``power_holders`` calls a
    tie when |lhs - rhs| <= 1e-9 max(1, |lhs|, |rhs|) < 1, that is when D_t = 0; otherwise
    A holds power when D_t < 0 and B when D_t > 0, as ``_power_block`` decides (its
    tolerance is below 1 as well). Rows are taken a block at a time, each block continuing
    from the last (the running word and the holder in office)."""
    rounds, count = recorded.shape
    shifts = np.zeros(count, dtype=np.int64)
    share_a = np.zeros(count, dtype=np.int64)
    share_b = np.zeros(count, dtype=np.int64)
    running = np.zeros(count, dtype=np.int64)
    if rounds:
        rows = min(rounds, max(1, _POWER_CELLS // max(1, count)))
        values = np.empty((rows, count), dtype=np.int64)
        first = np.empty((rows, count), dtype=bool)
        second = np.empty((rows, count), dtype=bool)
        code = np.zeros((rows + 1, count), dtype=np.int8)  # row 0: the holder in office before
        zero = np.empty((rows + 1, count), dtype=bool)
        scratch = np.empty((rows + 1, count), dtype=bool)
        product = np.empty((rows, count), dtype=np.int8)
        ended = int(rounds_together.min()) < rounds
        above_zero = np.int64(1 << (base + 2 * bits))  # words from here on have D > 0
        for start in range(0, rounds, rows):
            size = min(rows, rounds - start)
            d = words.take(recorded[start : start + size], out=values[:size], mode="wrap")
            np.add(d[0], running, out=d[0])
            for t in range(1, size):
                np.add(d[t - 1], d[t], out=d[t])
            running[:] = d[size - 1]
            below = np.less(d, 0, out=first[:size])
            above = np.greater_equal(d, above_zero, out=second[:size])
            if ended:
                together = np.arange(start, start + size)[:, None] < rounds_together[None, :]
                below &= together
                above &= together
            share_a += _count_rows(below)
            share_b += _count_rows(above)
            block = code[: size + 1]
            np.subtract(below.view(np.int8), above.view(np.int8), out=block[1:])
            shifts += _shifts(block, zero[: size + 1], scratch[: size + 1], product[:size], first[:size])
    fields = running & ((1 << (base + 2 * bits)) - 1)
    sums = fields >> base
    sum_a = (sums & ((1 << bits) - 1)) + rounds * low
    sum_b = (sums >> bits) + rounds * low
    counters = None
    if base:
        c = base // 3
        counters = np.zeros(count, dtype=np.int64)
        for k in range(3):
            counters += ((fields >> (k * c)) & ((1 << c) - 1)) << (k * _COUNT_BITS)
    return sum_a.astype(float), sum_b.astype(float), shifts, share_a, share_b, counters


def _shifts(
    block: np.ndarray, zero: np.ndarray, scratch: np.ndarray, product: np.ndarray, flags: np.ndarray
) -> np.ndarray:
    """Power shifts in the rows 1.. of ``block`` (holder codes: 1 A, -1 B, 0 a tie) after
    the holder in office in row 0, which is left holding the one in office after the last
    row; the other arrays are scratch of the block's shape (``product``, ``flags`` one row less)."""
    size = len(block) - 1
    if block.shape[1] >= _ROW_BY_ROW:
        # The holder in office carried row by row, two small calls per row of many matches:
        # v = 3 code + office is 2..4 after an A, -1..1 (the office) after a tie, -4..-2
        # after a B, so sign(v) is the next office, and |v| = 2 a holder meeting the other
        # one in office: a shift.
        office = block[0]
        merged = np.multiply(block[1:], 3, out=product)
        for t in range(size):
            np.add(merged[t], office, out=merged[t])
            np.sign(merged[t], out=office)
        return _count_rows(np.equal(np.abs(merged, out=merged), 2, out=flags))
    holder = _in_office(block, np.equal(block, 0, out=zero), scratch)
    np.multiply(holder[1:], holder[:-1], out=product)
    block[0] = holder[size]
    return _count_rows(np.less(product, 0, out=flags))
