"""The tables of one call as arrays: their cached array forms, stacked by size."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from powergame import kernel
from powergame.errors import ParameterError
from powergame.state_table import StateTable, TableArrays

_SWAP = np.array(kernel.AS_SEEN_BY_B)  # outcome seen by A -> the same outcome seen by B


@dataclass(frozen=True)
class _Side:
    """One side's tables for a group of pairs, stacked: (pairs, states, ...)."""

    cooperate: np.ndarray  # (N, n)
    stake: np.ndarray  # (N, n)
    leave: np.ndarray  # (N, n, 4), by A's view of the outcome
    transition: np.ndarray  # (N, n, 4, n), by A's view of the outcome
    initial: np.ndarray  # (N,)


@dataclass(frozen=True)
class _TableArrays:
    """The distinct tables of a call: per table its number of states, whether it is
    lumpable, stakes everything, and (lumpable tables) its lumped parts and whether its
    actions are certain; and its cached array forms (``StateTable.arrays``)."""

    size: np.ndarray
    lumpable: np.ndarray
    full_stake: np.ndarray
    unit_stakes_only: np.ndarray  # StateTable.unit_stakes_only
    certain: np.ndarray  # lumpable, and its actions (after noise) are certain in every lumped state
    parts: tuple[np.ndarray, np.ndarray]  # in role A and in role B, (tables, 2, 5, 4) each: acts, leaves
    forms: list[TableArrays]
    initial: np.ndarray
    cache: dict[int, tuple[np.ndarray, tuple[np.ndarray, ...]]]  # by number of states

    def side(self, indices: np.ndarray, n: int, as_partner: bool = False) -> _Side:
        """The tables ``indices`` (all of ``n`` states), stacked."""
        row_of, fields = self._of_size(n)
        rows = row_of[indices]
        cooperate, stake, leave, transition, initial = (field[rows] for field in fields)
        if as_partner:  # index outcomes by A's view
            leave, transition = leave[:, :, _SWAP], transition[:, :, _SWAP, :]
        return _Side(cooperate, stake, leave, transition, initial)

    def _of_size(self, n: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Every table of ``n`` states stacked (cooperate, stake, leave, transition, initial
        state), and each table's row in them."""
        if n not in self.cache:
            members = np.nonzero(self.size == n)[0]
            forms = [self.forms[i] for i in members.tolist()]
            row_of = np.zeros(len(self.forms), dtype=np.intp)
            row_of[members] = np.arange(len(members))
            fields = (
                np.stack([form.cooperate for form in forms]),
                np.stack([form.stake for form in forms]),
                np.stack([form.leave for form in forms]),
                np.stack([form.transition for form in forms]),
                self.initial[members],
            )
            self.cache[n] = (row_of, fields)
        return self.cache[n]


# A table's row of what exact_many reads of it at one noise level, kept with the table as
# bytes (joined and read back in one step, faster than stacking thousands of small arrays):
# states, lumpable, full stake, initial state, certain, unit stakes only, then its lumped parts in role A
# (acts, leaves; 2, 5, 4). In role B they are the same with the lumped states CD and DC
# exchanged and the outcomes seen from the other side (the same products, reordered).
_HEAD = 6
_ROW = _HEAD + 40
_MIRRORED = np.array([0, 1, 3, 2, 4])  # lumped state after outcome o -> after o seen by the other side
_AS_B = (
    np.arange(2)[:, None, None] * 20 + _MIRRORED[:, None] * 4 + _SWAP
).ravel()  # role B's columns of role A


def _table_arrays(
    pairs: Sequence[tuple[StateTable, StateTable]], noise: float
) -> tuple[_TableArrays, np.ndarray, np.ndarray]:
    """The distinct tables (by identity) of ``pairs`` as arrays at noise level ``noise``,
    and the number of each pair's table A and table B among them."""
    count = len(pairs)
    flat = list(itertools.chain.from_iterable(pairs))
    if len(flat) != 2 * count:
        raise ParameterError("pairs", "an entry that is not two tables", "(table A, table B) for every pair")
    if count <= 8:  # a dictionary beats sorting for a few tables
        seen: dict[int, int] = {}
        number = np.array([seen.setdefault(id(table), len(seen)) for table in flat], dtype=np.intp)
        tables = list({id(table): table for table in flat}.values())
    else:  # numbered in order of first appearance, as the dictionary does
        keys = np.fromiter(map(id, flat), dtype=np.int64, count=2 * count)
        _, first_at, number = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(first_at)
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        tables = [flat[i] for i in first_at[order].tolist()]
        number = rank[number.reshape(-1)]
    forms = [table.arrays for table in tables]
    key = ("exact row", noise)
    try:
        blobs = [form.derived[key] for form in forms]
    except KeyError:
        _derive_rows(tables, forms, noise, key)
        blobs = [form.derived[key] for form in forms]
    rows = np.frombuffer(b"".join(blobs)).reshape(len(forms), _ROW)
    as_a = rows[:, _HEAD:].reshape(len(forms), 2, 5, 4)
    as_b = rows[:, _HEAD + _AS_B].reshape(len(forms), 2, 5, 4)
    arrays = _TableArrays(
        size=rows[:, 0].astype(np.intp),
        lumpable=rows[:, 1] == 1.0,
        full_stake=rows[:, 2] == 1.0,
        unit_stakes_only=rows[:, 5] == 1.0,
        certain=rows[:, 4] == 1.0,
        parts=(as_a, as_b),
        forms=forms,
        initial=rows[:, 3].astype(np.intp),
        cache={},
    )
    return arrays, number[0::2], number[1::2]


def _derive_rows(tables: list[StateTable], forms: list[TableArrays], noise: float, key: object) -> None:
    """Compute and keep the row (``_ROW``) of every table in ``tables`` that has none at
    ``noise``: the lumped parts of ``_side_by_outcome`` in role A (zeros for tables that
    are not lumpable), computed for the tables of each size at once."""
    missing = [i for i, form in enumerate(forms) if key not in form.derived]
    chosen = [forms[i] for i in missing]
    rows = np.zeros((len(missing), _ROW))
    rows[:, 0] = [len(form.cooperate) for form in chosen]
    rows[:, 1] = [form.lumpable for form in chosen]
    rows[:, 2] = [form.full_stake for form in chosen]
    rows[:, 3] = [tables[i].initial_state for i in missing]
    rows[:, 5] = [tables[i].unit_stakes_only for i in missing]
    size = rows[:, 0].astype(np.intp)
    lumpable = rows[:, 1] == 1.0
    local = _TableArrays(
        size=size,
        lumpable=lumpable,
        full_stake=rows[:, 2] == 1.0,
        unit_stakes_only=rows[:, 5] == 1.0,
        certain=np.zeros(len(missing), dtype=bool),
        parts=(np.empty(0), np.empty(0)),
        forms=chosen,
        initial=rows[:, 3].astype(np.intp),
        cache={},
    )
    for n in sorted(set(size[lumpable].tolist())):  # (np.unique without indices imports numpy.ma)
        members = np.nonzero(lumpable & (size == n))[0]
        acts, leaves, _ = _side_by_outcome(local.side(members, n), noise, partner=False)
        computed = np.stack([acts, leaves], axis=1)  # (members, 2, 5, 4)
        plays = acts[:, :, 0]  # P(C) in each lumped state
        rows[members, 4] = ((plays == 0.0) | (plays == 1.0)).all(axis=1)
        rows[members, _HEAD:] = computed.reshape(len(members), -1)
    for row, form in zip(rows, chosen):
        form.derived[key] = row.tobytes()


def _played_cooperation(side: _Side, noise: float) -> np.ndarray:
    return kernel.played_cooperation(side.cooperate, noise)


def _side_by_outcome(side: _Side, noise: float, partner: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each lumped state and outcome o (A's view), (N, 5, 4): the chance that this side
    plays its part of o, and that it does and then leaves; plus the lumped states'
    distributions over the side's table states (N, 5, n)."""
    count, n = side.cooperate.shape
    dist = np.zeros((count, 5, n))
    dist[np.arange(count), 0, side.initial] = 1.0
    dist[:, 1:, :] = side.transition[:, 0, :, :]  # the same in every state: lumpable
    p = _played_cooperation(side, noise)
    own_c = (0, 2) if partner else (0, 1)  # outcomes in which this side played C
    act = np.stack([p if o in own_c else 1 - p for o in range(4)], axis=-1)  # (N, n, 4)
    return dist @ act, dist @ (act * side.leave), dist
