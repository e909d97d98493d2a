"""The state-table form of a strategy: finite states, everything chosen from the state.

A strategy with finite memory can be written as a table, which lets a vectorized engine
or an exact Markov computation run it without calling Python each round:

- in state ``s`` the player cooperates with probability ``cooperate[s]`` and offers
  ``stake[s]``;
- after the round's outcome ``o`` (own action, partner action, after noise: index 0..3 for
  CC, CD, DC, DD) it leaves with probability ``leave[s][o]``;
- if the relationship goes on, the next state is drawn from ``transition[s][o]``, a
  probability for each state.

``StateTablePlayer`` runs a table through the ordinary Player API, so a strategy defined
by its table works in every engine.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from powergame import streams
from powergame.actions import Action
from powergame.errors import ParameterError
from powergame.player import Player

if TYPE_CHECKING:
    import numpy as np

OUTCOMES = ("CC", "CD", "DC", "DD")  # own action first


def outcome_index(own: Action, partner: Action) -> int:
    """0..3 for CC, CD, DC, DD."""
    return 2 * own.value + partner.value


@dataclass(frozen=True)
class StateTable:
    """A finite-state strategy; see the module docstring."""

    cooperate: tuple[float, ...]
    stake: tuple[float, ...]
    leave: tuple[tuple[float, float, float, float], ...]
    transition: tuple[tuple[tuple[float, ...], ...], ...]
    initial_state: int = 0
    # True when the table holds only in rounds played at stake 1: a rule that reads the
    # round's payoffs from the two actions alone (Leave Below Outside Option) cannot see
    # the partner's stake. Such a table offers stake 1 itself and may meet only partners
    # whose stakes are all 1 (``stakes_fit``).
    unit_stakes_only: bool = False

    def __post_init__(self) -> None:
        n = len(self.cooperate)
        if n == 0:
            raise ParameterError("state table", "no states", "needs at least one state")
        object.__setattr__(self, "cooperate", tuple(float(p) for p in self.cooperate))
        object.__setattr__(self, "stake", tuple(float(x) for x in self.stake))
        object.__setattr__(self, "leave", tuple(tuple(float(p) for p in row) for row in self.leave))
        object.__setattr__(
            self,
            "transition",
            tuple(tuple(tuple(float(p) for p in dist) for dist in row) for row in self.transition),
        )
        if len(self.stake) != n or len(self.leave) != n or len(self.transition) != n:
            raise ParameterError("state table", "shape", f"every field needs {n} states")
        for s in range(n):
            _probability(f"cooperate[{s}]", self.cooperate[s])
            if not 0.0 < self.stake[s] <= 1.0:
                raise ParameterError(f"stake[{s}]", self.stake[s], "must be in (0, 1]")
            if len(self.leave[s]) != 4 or len(self.transition[s]) != 4:
                raise ParameterError(
                    "state table", f"state {s}", "needs one entry per outcome CC, CD, DC, DD"
                )
            for o in range(4):
                _probability(f"leave[{s}][{o}]", self.leave[s][o])
                dist = self.transition[s][o]
                if (
                    len(dist) != n
                    or any(not 0.0 <= p <= 1.0 for p in dist)
                    or not math.isclose(sum(dist), 1.0)
                ):
                    raise ParameterError(
                        f"transition[{s}][{o}]", dist, f"must be {n} probabilities summing to 1"
                    )
        if not 0 <= self.initial_state < n:
            raise ParameterError("initial_state", self.initial_state, f"must be a state 0..{n - 1}")
        if self.unit_stakes_only and not self.full_stakes:
            raise ParameterError("unit_stakes_only", True, "needs stake 1 in every state")

    @property
    def full_stakes(self) -> bool:
        """Every state offers stake 1."""
        return all(x == 1.0 for x in self.stake)

    @property
    def n_states(self) -> int:
        return len(self.cooperate)

    @functools.cached_property
    def arrays(self) -> TableArrays:
        """The table as read-only numpy arrays, built on first use and kept with the table
        (engines that read a table many times read these instead of nested tuples)."""
        import numpy as np

        n = self.n_states
        transition = np.array(self.transition, dtype=float).reshape(n, 4, n)
        arrays = TableArrays(
            cooperate=np.array(self.cooperate, dtype=float),
            stake=np.array(self.stake, dtype=float),
            leave=np.array(self.leave, dtype=float).reshape(n, 4),
            transition=transition,
            lumpable=bool((transition == transition[:1]).all()),
            full_stake=all(x == 1.0 for x in self.stake),
        )
        for values in (arrays.cooperate, arrays.stake, arrays.leave, arrays.transition):
            values.flags.writeable = False
        return arrays

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the table's fields only: the array form is rebuilt on demand."""
        state = dict(self.__dict__)
        state.pop("arrays", None)
        return state

    @property
    def is_deterministic(self) -> bool:
        """Every choice and transition has probability 0 or 1."""
        probs = [*self.cooperate, *(p for row in self.leave for p in row)]
        probs += [p for row in self.transition for dist in row for p in dist]
        return all(p in (0.0, 1.0) for p in probs)

    @classmethod
    def deterministic(
        cls,
        cooperate: Sequence[bool | float],
        stake: Sequence[float],
        leave: Sequence[Sequence[bool | float]],
        next_state: Sequence[Sequence[int]],
        initial_state: int = 0,
    ) -> StateTable:
        """Build a table whose transitions are given as next-state numbers."""
        n = len(cooperate)
        transition = tuple(
            tuple(tuple(1.0 if k == nxt else 0.0 for k in range(n)) for nxt in row) for row in next_state
        )
        return cls(
            cooperate=tuple(float(c) for c in cooperate),
            stake=tuple(stake),
            leave=tuple(tuple(float(x) for x in row) for row in leave),  # type: ignore[misc]
            transition=transition,
            initial_state=initial_state,
        )


@dataclass(frozen=True, eq=False)
class TableArrays:
    """``StateTable.arrays``: the fields as arrays, and two facts engines branch on.

    ``lumpable``: the next-state distribution after each outcome is the same in every
    state (every memory-one table), so the state after a round depends on its outcome
    alone. ``derived`` holds what engines compute from the table alone (keyed by engine
    and parameters, e.g. the noise), so it is computed once per table."""

    cooperate: np.ndarray  # (n,)
    stake: np.ndarray  # (n,)
    leave: np.ndarray  # (n, 4)
    transition: np.ndarray  # (n, 4, n)
    lumpable: bool
    full_stake: bool
    derived: dict[Any, Any] = field(default_factory=dict)


def _probability(name: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ParameterError(name, p, "must be a probability in [0, 1]")


def chance(rng: random.Random, p: float) -> bool:
    """True with probability ``p`` from ``rng``; draws no random number when p is 0 or 1.
    (To play the same transcript as a state table, decide with ``Player.chance``.)"""
    if p >= 1.0:
        return True
    if p <= 0.0:
        return False
    return rng.random() < p


class StateTablePlayer(Player):
    """A player that follows a ``StateTable``. Subclasses build ``self.table`` in
    ``__init__`` (before or after calling ``super().__init__()``)."""

    table: StateTable

    def __init__(self) -> None:
        super().__init__()
        self.current_state = self.table.initial_state
        self._left = False

    def state_table(self) -> StateTable:
        return self.table

    def reset(self) -> None:
        super().reset()
        self.current_state = self.table.initial_state
        self._left = False

    def stake(self, opponent: Player) -> float:
        return self.table.stake[self.current_state]

    def strategy(self, opponent: Player) -> Action:
        p = self.table.cooperate[self.current_state]
        return Action.C if self.chance(p) else Action.D

    def leave(self, opponent: Player) -> bool:
        s = self.current_state
        o = outcome_index(self.history[-1], opponent.history[-1])
        if self.chance(self.table.leave[s][o], streams.LEAVE):
            return True
        dist = self.table.transition[s][o]
        if 1.0 in dist:
            self.current_state = dist.index(1.0)
        else:
            u = streams.uniform32(self.stream_key, len(self.history), streams.MOVE, self.role)
            self.current_state = streams.pick(_cumulative_thresholds(dist), u)
        return False


def stakes_fit(table_a: StateTable, table_b: StateTable) -> bool:
    """Whether the two tables play their match exactly: a table that holds only at stake 1
    (``unit_stakes_only``) needs a partner whose stakes are all 1."""
    return not (
        (table_a.unit_stakes_only and not table_b.full_stakes)
        or (table_b.unit_stakes_only and not table_a.full_stakes)
    )


def check_stakes_fit(table_a: StateTable, table_b: StateTable) -> None:
    """ParameterError unless ``stakes_fit(table_a, table_b)``."""
    if not stakes_fit(table_a, table_b):
        raise ParameterError(
            "state tables",
            "a table that holds only at stake 1 against a partner offering less",
            "play this pair in the Python engine (the table's rule reads payoffs at stake 1)",
        )


def pool_stakes_fit(tables: Sequence[StateTable]) -> bool:
    """``stakes_fit`` for a pool in which any two of ``tables`` may meet."""
    return not (any(t.unit_stakes_only for t in tables) and any(not t.full_stakes for t in tables))


def check_pool_stakes(tables: Sequence[StateTable]) -> None:
    """``check_stakes_fit`` for a pool in which any two of ``tables`` may meet."""
    unit = next((t for t in tables if t.unit_stakes_only), None)
    partial = next((t for t in tables if not t.full_stakes), None)
    if unit is not None and partial is not None:
        check_stakes_fit(unit, partial)


@functools.lru_cache(maxsize=4096)
def _cumulative_thresholds(dist: tuple[float, ...]) -> tuple[int, ...]:
    return streams.cumulative_thresholds(dist)
