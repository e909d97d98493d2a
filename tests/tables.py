"""State tables, games and checks shared by the engine tests (batch, exact, tournaments)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from powergame import Game, StateTable, StateTablePlayer, play_match
from powergame.game import StagePayoffs

NO_LEAVE = (0.0, 0.0, 0.0, 0.0)


class TablePlayer(StateTablePlayer):
    """Runs any table through the Python engine."""

    def __init__(self, table: StateTable, name: str = "Table") -> None:
        self.table = table
        self.name = name
        super().__init__()


def memory_one(first: float, cooperate: Sequence[float], leave: Sequence[float] = NO_LEAVE) -> StateTable:
    """Memory-one with leave: state 0 is the first round, state 1 + o follows outcome o
    (CC, CD, DC, DD, own action first); P(C) there is ``cooperate[o]``, and after
    outcome o the player leaves with probability ``leave[o]``."""
    after = tuple(tuple(1.0 if k == 1 + o else 0.0 for k in range(5)) for o in range(4))
    return StateTable(
        cooperate=(first, *cooperate),
        stake=(1.0,) * 5,
        leave=(tuple(leave),) * 5,  # type: ignore[arg-type]
        transition=(after,) * 5,
    )


def memory_one_code(code: str) -> StateTable:
    """Deterministic memory-one with leave from a code like "C" + "CDCL": the first move,
    then C, D or L (leave) after CC, CD, DC, DD."""
    return memory_one(
        float(code[0] == "C"), [float(ch == "C") for ch in code[1:]], [float(ch == "L") for ch in code[1:]]
    )


ALWAYS_COOPERATE = memory_one(1.0, (1, 1, 1, 1))
TIT_FOR_TAT = memory_one(1.0, (1, 0, 1, 0))
OUT_FOR_TAT = memory_one(1.0, (1, 1, 1, 1), leave=(0, 1, 0, 1))
HIT_AND_RUN = memory_one(0.0, (0, 0, 0, 0), leave=(1, 1, 1, 1))
# Tit for Tat that offers half a stake after the partner's D and leaves after mutual D.
STAKED_TFT = StateTable.deterministic(
    cooperate=[True, False],
    stake=[1.0, 0.5],
    leave=[[0, 0, 0, 0], [0, 0, 0, 1]],
    next_state=[[0, 1, 0, 1], [0, 1, 0, 1]],
)
CODES = ["".join(c) for c in itertools.product("CD", *(["CDL"] * 4))]


def played_rows(
    game: Game, make_a: Callable[[], Any], make_b: Callable[[], Any], seeds: Sequence[int]
) -> list[dict]:
    """The Python engine's summary row of each seed's match between fresh players, with the
    actions (as ``BatchResult.rows(..., with_actions=True)`` gives them)."""
    rows = []
    for seed in seeds:
        result = play_match(game, make_a(), make_b(), seed)
        row = result.summary()
        row["actions_a"], row["actions_b"] = result.actions_a, result.actions_b
        rows.append(row)
    return rows


def python_rows(game: Game, table_a: StateTable, table_b: StateTable, seeds: Sequence[int]) -> list[dict]:
    return played_rows(game, lambda: TablePlayer(table_a, "a"), lambda: TablePlayer(table_b, "b"), seeds)


games = st.builds(
    lambda sym, pay_b, va, vb, ka, kb, rounds, w: Game(
        payoffs=(StagePayoffs(3, 0, 5, 1), StagePayoffs(3, 0, 5, 1) if sym else StagePayoffs(*pay_b)),
        outside_options=(va, va if sym else vb),
        exit_costs=(ka, kb),
        rounds=None if w is not None else rounds,
        continuation=w,
    ),
    st.booleans(),
    st.tuples(*[st.integers(-2, 6)] * 4),
    st.sampled_from([0.0, 0.5, 1.0, 2.5, -1.0]),
    st.floats(-1, 4, allow_nan=False),
    st.sampled_from([0.0, 0.75]),
    st.sampled_from([0.0, 2.0]),
    st.integers(1, 25),
    st.one_of(st.none(), st.floats(0.0, 0.9)),
)


def within_sampling_error(samples: np.ndarray, expected: float, z: float = 5.0) -> bool:
    """|mean - expected| within z standard errors (plus a sliver for events too rare to
    show up in the sample at all)."""
    error = samples.std(ddof=1) / np.sqrt(len(samples))
    return abs(samples.mean() - expected) <= z * error + 1e-6 * max(1.0, abs(expected))
