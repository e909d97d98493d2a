"""The tables of one call as arrays: their cached array forms, stacked by size."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

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
    """The distinct tables of a call, by their cached array forms (``StateTable.arrays``)."""

    size: np.ndarray
    lumpable: np.ndarray
    full_stake: np.ndarray
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

    def lumped_parts(self, noise: float) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
        """Per table, (tables, 5, 4) arrays of ``_side_by_outcome`` in role A and in role B:
        (acts as A, leaves as A, acts as B, leaves as B), zeros for tables that are not
        lumpable; and per table whether its actions are certain (after noise) in every
        lumped state. Each table's parts are computed once per noise level and kept with it."""
        key = ("exact lumped parts", noise)
        forms = self.forms
        missing = [i for i in np.nonzero(self.lumpable)[0].tolist() if key not in forms[i].derived]
        if missing:
            missing_index = np.array(missing, dtype=np.intp)
            for n in np.unique(self.size[missing_index]).tolist():
                members = missing_index[self.size[missing_index] == n]
                found = []
                for partner in (False, True):
                    acts, leaves, _ = _side_by_outcome(self.side(members, n, partner), noise, partner)
                    found += [acts, leaves]
                computed = np.stack(found, axis=1)  # (members, 4, 5, 4)
                plays = computed[:, 0, :, 0]  # P(C) as A in each lumped state (the same as B)
                certain = ((plays == 0.0) | (plays == 1.0)).all(axis=1).tolist()
                for row, i in enumerate(members.tolist()):
                    forms[i].derived[key] = (computed[row], certain[row])
        zeros = (np.zeros((4, 5, 4)), False)
        found_parts = [form.derived.get(key, zeros) for form in forms]
        parts = np.stack([part for part, _ in found_parts], axis=1)
        certain_tables = np.array([certain for _, certain in found_parts], dtype=bool)
        return tuple(parts), certain_tables

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


def _table_arrays(
    pairs: Sequence[tuple[StateTable, StateTable]],
) -> tuple[_TableArrays, np.ndarray, np.ndarray]:
    """The distinct tables (by identity) of ``pairs`` as arrays, and the number of each
    pair's table A and table B among them."""
    count = len(pairs)
    flat = list(itertools.chain.from_iterable(pairs))
    if len(flat) != 2 * count:
        raise ParameterError("pairs", "an entry that is not two tables", "(table A, table B) for every pair")
    if count <= 8:  # a dictionary beats sorting for a few tables
        seen: dict[int, int] = {}
        number = np.array([seen.setdefault(id(table), len(seen)) for table in flat], dtype=np.intp)
        tables = list({id(table): table for table in flat}.values())
    else:
        keys = np.fromiter(map(id, flat), dtype=np.int64, count=2 * count)
        _, first_at, number = np.unique(keys, return_index=True, return_inverse=True)
        tables = [flat[i] for i in first_at.tolist()]
        number = number.reshape(-1).astype(np.intp)
    forms = [table.arrays for table in tables]
    arrays = _TableArrays(
        size=np.fromiter((len(form.cooperate) for form in forms), dtype=np.intp, count=len(forms)),
        lumpable=np.fromiter((form.lumpable for form in forms), dtype=bool, count=len(forms)),
        full_stake=np.fromiter((form.full_stake for form in forms), dtype=bool, count=len(forms)),
        forms=forms,
        initial=np.fromiter(map(_INITIAL, tables), dtype=np.intp, count=len(tables)),
        cache={},
    )
    return arrays, number[0::2], number[1::2]


_INITIAL = attrgetter("initial_state")


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
