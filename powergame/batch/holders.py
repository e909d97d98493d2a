"""Power holders, shifts and shares from the running payoff sums, in whole-array steps."""

from __future__ import annotations

import numpy as np

from .workspace import _reused


def _power_figures(
    real: np.ndarray, imag: np.ndarray, rounds_together: np.ndarray, v_a: float, v_b: float, bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Power shifts and rounds of power held by A and by B, from the (rounds x matches)
    running payoff sums of A (``real``) and B (``imag``). Holder after round t: the smaller
    of sum_i - t * v_i, a tie within the tolerance of ``powergame.power.power_holders``
    (a tie keeps the previous holder in office). Whole-array steps, no loop over rounds;
    a few hundred matches at a time, so that the steps run in the cache."""
    rounds, count = real.shape
    width = max(1, _POWER_CELLS // max(1, rounds))
    if count <= width:
        return _power_block(real, imag, rounds_together, v_a, v_b, bound)
    parts = [
        _power_block(
            real[:, i : i + width], imag[:, i : i + width], rounds_together[i : i + width], v_a, v_b, bound
        )
        for i in range(0, count, width)
    ]
    return tuple(np.concatenate(figure) for figure in zip(*parts))  # type: ignore[return-value]


_POWER_CELLS = 1 << 17  # (rounds x matches) cells of the power figures computed at once


def _power_block(
    real: np.ndarray, imag: np.ndarray, rounds_together: np.ndarray, v_a: float, v_b: float, bound: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_power_figures`` of some matches."""
    rounds, count = real.shape
    if rounds == 0:
        return (np.zeros(count, dtype=np.int64),) * 3
    shape = (rounds, count)
    elapsed = np.arange(1, rounds + 1, dtype=float)
    # lhs - rhs up to rounding: beyond ``reach`` the holder is certain (|lhs|, |rhs| <=
    # t * bound), and the cells within it are decided by the exact test of power_holders.
    diff = np.subtract(real, imag, out=_reused("diff", shape, float))
    if v_a != v_b:
        diff -= (elapsed * (v_a - v_b))[:, None]
    reach = 1e-9 * max(1.0, rounds * bound * 1.0001)
    first = np.less(diff, -reach, out=_reused("first", shape, bool))
    second = np.greater(diff, reach, out=_reused("second", shape, bool))
    # Holders coded +1 (A), -1 (B), 0 (a tie, or the match is over)
    code = np.subtract(first.view(np.int8), second.view(np.int8), out=_reused("code", shape, np.int8))
    together = None
    if int(rounds_together.min()) < rounds:
        together = np.arange(rounds)[:, None] < rounds_together[None, :]
        code *= together.view(np.int8)
    zero = np.equal(code, 0, out=first)
    near = np.not_equal(diff, 0.0, out=second)  # an exact 0 is a tie under any tolerance
    near &= zero
    if together is not None:
        near &= together
    if near.any():
        cell_rows, cell_columns = np.nonzero(near)
        t = elapsed[cell_rows]
        left = real[cell_rows, cell_columns] - t * v_a
        right = imag[cell_rows, cell_columns] - t * v_b
        scale = np.maximum(np.maximum(1.0, np.abs(left)), np.abs(right))
        decided = np.abs(left - right) > 1e-9 * scale
        code[cell_rows, cell_columns] = np.where(decided, np.where(left < right, 1, -1), 0)
        np.equal(code, 0, out=zero)
    wide = np.int16 if rounds < 1 << 15 else np.int64
    balance = code.sum(axis=0, dtype=wide).astype(np.int64)  # rounds held by A minus by B
    held = rounds - zero.view(np.int8).sum(axis=0, dtype=wide).astype(np.int64)
    holder = _in_office(code, zero, second)
    # a shift: the holders in office after two consecutive rounds have a negative product
    product = np.multiply(holder[1:], holder[:-1], out=_reused("product", (rounds - 1, count), np.int8))
    shifts = _count_rows(np.less(product, 0, out=first[1:]))
    return shifts, (held + balance) // 2, (held - balance) // 2


def _in_office(code: np.ndarray, zero: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """The holder in office after each round (rounds x matches): the last nonzero ``code``
    up to that round (0 before the first). ``zero`` marks code == 0 (overwritten);
    ``scratch`` is a bool array of the same shape. Filled by doubling: after the steps
    1, 2, ..., k every tie within 2k - 1 rounds of a holder has it, and a step that fills
    nothing leaves no tie that a holder precedes, so the steps stop early (runs of ties are
    short, or no holder came before them)."""
    rounds = len(code)
    if not zero.any():
        return code
    holder = _reused("holder", code.shape, np.int8)
    np.copyto(holder, code)
    step = 1
    while step < rounds:
        fill = np.not_equal(holder[:-step], 0, out=scratch[step:])
        fill &= zero[step:]
        if not fill.any():
            break
        np.copyto(holder[step:], holder[:-step].copy(), where=fill)
        zero[step:] ^= fill  # filled: no longer a tie without a holder
        step *= 2
    return holder


def _count_rows(flags: np.ndarray) -> np.ndarray:
    """Per column, how many rows are True (summing int8 rows into int16 is far faster than
    count_nonzero along axis 0 or an int64 sum)."""
    small = flags.view(np.int8)
    if len(flags) < 1 << 7:  # the counts fit in int8 itself: no cast per cell
        return small.sum(axis=0, dtype=np.int8).astype(np.int64)
    if len(flags) < 1 << 15:
        return small.sum(axis=0, dtype=np.int16).astype(np.int64)
    return small.sum(axis=0, dtype=np.int64)
