"""Large joint chains: solved as sparse matrices above MAX_DENSE_STATES, refused above
MAX_JOINT_STATES (or with too many transitions), with one clear error."""

import math

import numpy as np
import pytest
from exact_reference import reference_exact_match
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame import Game, ParameterError, StateTable
from powergame.exact import MAX_DENSE_STATES, MAX_JOINT_STATES, MAX_SPARSE_NONZEROS, exact_match
from powergame.exact_batch import FIGURES, exact_many


def chain_of(n: int) -> StateTable:
    """Cooperate, never leave, walk through n states in a ring."""
    return StateTable.deterministic(
        cooperate=[1] * n,
        stake=[1.0] * n,
        leave=[[0, 0, 0, 0]] * n,
        next_state=[[(s + 1) % n] * 4 for s in range(n)],
    )


def chancy_ring(n: int, seed: int, advance: float = 1.0) -> StateTable:
    """A ring of n states with a chance to cooperate and to leave in each state; it moves
    on with probability ``advance`` (else stays), whatever the outcome."""
    rng = np.random.default_rng(seed)
    cooperate = rng.random(n).tolist()
    leave = (0.05 * rng.random((n, 4))).tolist()
    transition = []
    for s in range(n):
        dist = [0.0] * n
        dist[(s + 1) % n] += advance
        dist[s] += 1.0 - advance
        transition.append((tuple(dist),) * 4)
    return StateTable(
        cooperate=tuple(cooperate),
        stake=(1.0,) * n,
        leave=tuple(tuple(row) for row in leave),  # type: ignore[misc]
        transition=tuple(transition),
    )


def test_the_limits_are_ordered():
    assert 64 * 64 == MAX_DENSE_STATES < 65 * 65 <= MAX_JOINT_STATES < MAX_SPARSE_NONZEROS


def test_a_joint_chain_over_the_limit_is_refused():
    big = chain_of(1025)  # 1025^2 joint states
    assert MAX_JOINT_STATES < 1025 * 1025
    game = Game(rounds=10)
    with pytest.raises(ParameterError, match=r"1025 x 1025 joint states.*at most 1,048,576 states"):
        exact_match(game, big, big)
    with pytest.raises(ParameterError, match=r"1025 x 1025 joint states \(A vs B\).*simulate"):
        exact_many(game, [(big, big)], [("A", "B")])


def test_a_sparse_chain_with_too_many_transitions_is_refused():
    # Every state of A may move to every state: 4 * 300^2 * 50 joint transitions, over the limit.
    n = 300
    assert 4 * n * n * 50 > MAX_SPARSE_NONZEROS
    spread = StateTable(
        cooperate=(1.0,) * n,
        stake=(1.0,) * n,
        leave=((0.0,) * 4,) * n,
        transition=(((1.0 / n,) * n,) * 4,) * n,
    )
    with pytest.raises(ParameterError, match=r"dense transitions"):
        exact_match(Game(rounds=5), spread, chain_of(50))


def test_a_joint_chain_at_the_dense_limit_is_solved():
    ring = chain_of(64)
    result = exact_many(Game(rounds=10, outside_options=(1.0, 1.0)), [(ring, ring)]).result(0)
    assert result.rounds_together == pytest.approx(10.0)
    assert result.total_a == pytest.approx(30.0)  # ten rounds of mutual cooperation, R = 3


@given(
    st.integers(2, 5),
    st.integers(1, 5),
    st.integers(0, 1000),
    st.sampled_from([0.6, 1.0]),
    st.one_of(
        st.builds(lambda n, e: Game(rounds=n, noise=e), st.integers(1, 30), st.sampled_from([0.0, 0.1])),
        st.builds(lambda w: Game(rounds=None, continuation=w, exit_costs=(0.5, 0.2)), st.floats(0.0, 0.95)),
    ),
)
@settings(max_examples=30, deadline=None)
def test_the_sparse_solver_equals_the_dense_one(n_a, n_b, seed, advance, game):
    table_a, table_b = chancy_ring(n_a, seed, advance), chancy_ring(n_b, seed + 1, advance)
    sparse = exact_many(game, [(table_a, table_b)], max_dense_states=0).result(0)
    dense = exact_many(game, [(table_a, table_b)]).result(0)
    reference = reference_exact_match(game, table_a, table_b)
    for name in FIGURES + ("p_censored",):
        assert getattr(sparse, name) == pytest.approx(getattr(dense, name), rel=1e-10, abs=1e-10), name
        assert getattr(sparse, name) == pytest.approx(getattr(reference, name), rel=1e-10, abs=1e-10), name
    assert sparse.survival == pytest.approx(dense.survival, abs=1e-12)


def test_a_chain_above_the_dense_limit_against_a_round_by_round_closed_form():
    # Both rings move on every round whatever happens, so the joint state of round t is
    # known (t mod 65, t mod 64): each round's chances multiply out by hand.
    n_a, n_b, rounds = 65, 64, 300
    assert n_a * n_b > MAX_DENSE_STATES
    table_a, table_b = chancy_ring(n_a, 1), chancy_ring(n_b, 2)
    game = Game(rounds=rounds, noise=0.05, outside_options=(1.0, 2.0))
    result = exact_match(game, table_a, table_b)
    (r_a, s_a, t_a, p_a), (r_b, s_b, t_b, p_b) = game.payoff_table(0), game.payoff_table(1)
    together, total_a, total_b, cooperated_a, left_a = 1.0, 0.0, 0.0, 0.0, 0.0
    survival, rounds_together = [], 0.0
    for t in range(rounds):
        survival.append(together)
        rounds_together += together
        x, y = table_a.cooperate[t % n_a], table_b.cooperate[t % n_b]
        x, y = x * 0.95 + (1 - x) * 0.05, y * 0.95 + (1 - y) * 0.05
        chances = [x * y, x * (1 - y), (1 - x) * y, (1 - x) * (1 - y)]  # CC, CD, DC, DD (A's view)
        leave_a = table_a.leave[t % n_a]
        leave_b = [table_b.leave[t % n_b][o] for o in (0, 2, 1, 3)]  # B's view of A's outcome
        total_a += together * sum(c * u for c, u in zip(chances, (r_a, s_a, t_a, p_a)))
        total_b += together * sum(c * u for c, u in zip(chances, (r_b, t_b, s_b, p_b)))
        cooperated_a += together * x
        left_a += together * sum(c * a * (1 - b) for c, a, b in zip(chances, leave_a, leave_b))
        stays = sum(c * (1 - a) * (1 - b) for c, a, b in zip(chances, leave_a, leave_b))
        # after an exit each partner earns its outside option for the rest of the horizon
        total_a += together * (1 - stays) * (rounds - t - 1) * 1.0
        total_b += together * (1 - stays) * (rounds - t - 1) * 2.0
        together *= stays
    assert result.rounds_together == pytest.approx(rounds_together, rel=1e-12)
    assert result.total_a == pytest.approx(total_a, rel=1e-12)
    assert result.total_b == pytest.approx(total_b, rel=1e-12)
    assert result.cooperation_a == pytest.approx(cooperated_a / rounds_together, rel=1e-12)
    assert result.p_left_a == pytest.approx(left_a, rel=1e-12)
    assert result.p_censored == pytest.approx(together, rel=1e-12)
    assert result.survival == pytest.approx(survival, rel=1e-12)
    assert not math.isclose(together, 0.0)  # the horizon is reached with a real chance
