"""Exact mode refuses joint chains too large for a dense matrix, with one clear error."""

import pytest

from powergame import Game, ParameterError, StateTable
from powergame.exact import MAX_JOINT_STATES, exact_match
from powergame.exact_batch import exact_many


def chain_of(n: int) -> StateTable:
    """Cooperate, never leave, walk through n states in a ring."""
    return StateTable.deterministic(
        cooperate=[1] * n,
        stake=[1.0] * n,
        leave=[[0, 0, 0, 0]] * n,
        next_state=[[(s + 1) % n] * 4 for s in range(n)],
    )


def test_a_joint_chain_over_the_limit_is_refused_by_both_solvers():
    big = chain_of(65)
    assert 65 * 65 > MAX_JOINT_STATES >= 64 * 64
    game = Game(rounds=10)
    with pytest.raises(ParameterError, match=r"65 x 65 joint states.*at most 4096 states"):
        exact_match(game, big, big)
    with pytest.raises(ParameterError, match=r"65 x 65 joint states \(A vs B\).*simulate"):
        exact_many(game, [(big, big)], [("A", "B")])


def test_a_joint_chain_at_the_limit_is_solved():
    ring = chain_of(64)
    result = exact_many(Game(rounds=10, outside_options=(1.0, 1.0)), [(ring, ring)]).result(0)
    assert result.rounds_together == pytest.approx(10.0)
    assert result.total_a == pytest.approx(30.0)  # ten rounds of mutual cooperation, R = 3
