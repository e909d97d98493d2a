"""Strategies with a state table, stacked into numpy arrays so that every couple of the
population plays a round in a few array operations.

The states of all tables are numbered globally: table k's state s is ``offset[k] + s``.
Outcomes are indexed CC, CD, DC, DD from the agent's own point of view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from powergame import kernel
from powergame.state_table import StateTable, check_pool_stakes

SWAP = np.array(kernel.AS_SEEN_BY_B, dtype=np.int8)  # outcome seen by one partner -> seen by the other


@dataclass(frozen=True)
class StackedTables:
    """The tables of K strategies as flat arrays over their G states in total."""

    initial: np.ndarray  # (K,) global initial state of each strategy
    cooperate: np.ndarray  # (G,) P(C)
    stake: np.ndarray  # (G,) stake offered
    leave: np.ndarray  # (G * 4,) P(leave) after each outcome: index 4 * state + outcome
    next_state: np.ndarray  # (G * 4,) global next state (deterministic transitions), same index
    defects: np.ndarray  # (G,) True where P(C) is 0 (what deterministic actions read)
    leaves: np.ndarray  # (G * 4,) True where P(leave) is 1 (what deterministic leaves read)
    next_or_leave: np.ndarray  # (G * 4,) the next state, or -1 where P(leave) is 1
    cumulative: np.ndarray | None  # (G, 4, S) cumulative next-state distribution, if any is random
    offset: np.ndarray  # (K,) first global state of each table
    sizes: np.ndarray  # (K,) states of each table
    deterministic_actions: bool  # every P(C) is 0 or 1
    deterministic_leave: bool  # every P(leave) is 0 or 1
    full_stakes: bool  # every stake is 1

    @classmethod
    def build(cls, tables: Sequence[StateTable]) -> StackedTables:
        check_pool_stakes(tables)
        sizes = np.array([t.n_states for t in tables], dtype=np.int64)
        offset = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        cooperate = np.concatenate([np.asarray(t.cooperate, dtype=float) for t in tables])
        stake = np.concatenate([np.asarray(t.stake, dtype=float) for t in tables])
        leave = np.concatenate([np.asarray(t.leave, dtype=float).reshape(-1, 4) for t in tables])
        width = int(sizes.max())
        total = int(sizes.sum())
        cumulative = np.ones((total, 4, width))
        next_state = np.zeros((total, 4), dtype=np.int64)
        random_moves = False
        for k, table in enumerate(tables):
            trans = np.asarray(table.transition, dtype=float)  # (S, 4, S)
            rows = slice(offset[k], offset[k] + sizes[k])
            cumulative[rows, :, : sizes[k]] = np.cumsum(trans, axis=2)
            next_state[rows] = offset[k] + np.argmax(trans, axis=2)
            random_moves |= bool(np.any((trans > 0.0) & (trans < 1.0)))
        initial = offset + np.array([t.initial_state for t in tables], dtype=np.int64)
        return cls(
            initial=initial,
            cooperate=cooperate,
            stake=stake,
            leave=leave.reshape(-1),
            next_state=next_state.reshape(-1),
            defects=cooperate == 0.0,
            leaves=leave.reshape(-1) == 1.0,
            next_or_leave=np.where(leave.reshape(-1) == 1.0, -1, next_state.reshape(-1)),
            cumulative=cumulative if random_moves else None,
            offset=offset,
            sizes=sizes,
            deterministic_actions=bool(np.all((cooperate == 0.0) | (cooperate == 1.0))),
            deterministic_leave=bool(np.all((leave == 0.0) | (leave == 1.0))),
            full_stakes=bool(np.all(stake == 1.0)),
        )

    def next_states(
        self, states: np.ndarray, outcomes: np.ndarray, owner: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """The global next state after each (state, outcome); ``owner`` is each row's
        strategy (a random move stays within its own table)."""
        if self.cumulative is None:
            return self.next_state[4 * states + outcomes]
        cum = self.cumulative[states, outcomes]  # (n, S)
        u = rng.random(states.size)
        local = np.minimum((cum <= u[:, None]).sum(axis=1), self.sizes[owner] - 1)  # rounding gap below 1
        return self.offset[owner] + local
