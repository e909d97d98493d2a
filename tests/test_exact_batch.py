"""exact_many's closed forms: single paths (prefix + cycle) and doubling, against an
independent round-by-round walk over the whole deterministic memory-one space, against
the reference chain (exact_reference.py), and against hand results."""

from __future__ import annotations

import dataclasses
import itertools
import pickle

import numpy as np
import pytest
from exact_reference import reference_exact_match
from tables import ALWAYS_COOPERATE, memory_one, memory_one_code

from powergame import Game, StateTable
from powergame.errors import ParameterError
from powergame.exact import MAX_SURVIVAL_LENGTH
from powergame.exact_batch import FIGURES, exact_many
from powergame.game import StagePayoffs

CODES = ["".join(c) for c in itertools.product("CD", *(["CDL"] * 4))]
TABLES = {code: memory_one_code(code) for code in CODES}
ASYMMETRIC = (StagePayoffs(4, -1, 6, 0.5), StagePayoffs(2, 0, 3, 1))
GAMES = [
    Game(rounds=1),  # shorter than any prefix
    Game(rounds=2, outside_options=(1.5, -0.5), exit_costs=(0.5, 2.0)),
    Game(rounds=37, payoffs=ASYMMETRIC, outside_options=(0.25, 2.0), exit_costs=(0.0, 1.0)),
    Game(
        rounds=None, continuation=0.9, payoffs=ASYMMETRIC, outside_options=(2.5, 0.5), exit_costs=(1.0, 0.0)
    ),
    Game(rounds=None, continuation=0.0, outside_options=(1.0, 1.0)),
]


def walk_the_space(game: Game, codes_a: list[str], codes_b: list[str]) -> dict[str, np.ndarray]:
    """Plays every pair of codes round by round (from the letters, not from state tables):
    expected figures as sums over rounds, weighted by w^t under continuation."""
    letters_a = np.array([list(code) for code in codes_a])
    letters_b = np.array([list(code) for code in codes_b])
    count = len(codes_a)
    rows = np.arange(count)
    stage_a, stage_b = np.array(game.payoff_table(0)), np.array(game.payoff_table(1))
    v_a, v_b = game.outside_options
    k_a, k_b = game.exit_costs
    if game.continuation is None:
        assert game.rounds is not None
        rounds, w = game.rounds, 1.0
    else:
        w = game.continuation
        rounds = 1 if w == 0.0 else int(np.ceil(np.log(1e-17) / np.log(w)))
    c_a, c_b = letters_a[:, 0] == "C", letters_b[:, 0] == "C"
    alive = np.ones(count, dtype=bool)
    sums = {
        key: np.zeros(count) for key in ("together", "excess_a", "excess_b", "coop_a", "coop_b", "mutual")
    }
    left = {key: np.zeros(count) for key in ("a", "b", "both")}
    for t in range(rounds):
        weight = alive * w**t
        own_a = 2 * (~c_a) + (~c_b)  # outcome index from A's view, and from B's
        own_b = 2 * (~c_b) + (~c_a)
        after_a, after_b = letters_a[rows, 1 + own_a], letters_b[rows, 1 + own_b]
        leaves_a, leaves_b = after_a == "L", after_b == "L"
        sums["together"] += weight
        sums["excess_a"] += weight * (stage_a[own_a] - v_a - k_a * leaves_a)
        sums["excess_b"] += weight * (stage_b[own_b] - v_b - k_b * leaves_b)
        sums["coop_a"] += weight * c_a
        sums["coop_b"] += weight * c_b
        sums["mutual"] += weight * (c_a & c_b)
        left["a"] += weight * (leaves_a & ~leaves_b)
        left["b"] += weight * (~leaves_a & leaves_b)
        left["both"] += weight * (leaves_a & leaves_b)
        alive &= ~(leaves_a | leaves_b)
        c_a, c_b = after_a == "C", after_b == "C"
    horizon = game.expected_horizon
    together = sums["together"]
    return {
        "rounds_together": together,
        "p_left_a": left["a"],
        "p_left_b": left["b"],
        "p_left_both": left["both"],
        "total_a": horizon * v_a + sums["excess_a"],
        "total_b": horizon * v_b + sums["excess_b"],
        "cooperation_a": sums["coop_a"] / together,
        "cooperation_b": sums["coop_b"] / together,
        "mutual_cooperation": sums["mutual"] / together,
    }


@pytest.mark.parametrize("game", GAMES)
def test_the_whole_deterministic_space_against_a_round_by_round_walk(game):
    codes_a, codes_b = zip(*itertools.product(CODES, CODES))
    batch = exact_many(game, [(TABLES[a], TABLES[b]) for a, b in zip(codes_a, codes_b)])
    walked = walk_the_space(game, list(codes_a), list(codes_b))
    for name, expected in walked.items():
        np.testing.assert_allclose(getattr(batch, name), expected, rtol=1e-12, atol=1e-9, err_msg=name)
    if game.continuation is None:
        np.testing.assert_allclose(batch.score_a, walked["total_a"] / game.rounds, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("game", GAMES)
def test_a_sample_of_the_space_equals_the_reference_chain_with_survival(game):
    rng = np.random.default_rng(7)
    pairs = [(TABLES[CODES[i]], TABLES[CODES[j]]) for i, j in rng.integers(0, len(CODES), (60, 2))]
    batch = exact_many(game, pairs)
    for index, (table_a, table_b) in enumerate(pairs):
        one, many = reference_exact_match(game, table_a, table_b), batch.result(index)
        for name in FIGURES + ("p_censored",):
            assert getattr(many, name) == pytest.approx(getattr(one, name), rel=1e-12, abs=1e-12), name
        assert many.survival == pytest.approx(one.survival, abs=1e-12)
    # Curves asked for one by one equal the ones built all at once.
    first = exact_many(game, pairs)
    curves = [first.survival_curve(i).copy() for i in range(len(pairs))]
    for index, curve in enumerate(curves):
        assert batch.survival[index, : batch.survival_length[index]].tolist() == curve.tolist()


def leaves_after_mutual_cooperation(q: float) -> StateTable:
    """Always cooperates; after CC leaves with probability q."""
    return memory_one(1.0, (1, 1, 1, 1), leave=(q, 0, 0, 0))


# Cooperates, then alternates D, C, D, ... whatever the partner does.
ALTERNATOR = StateTable.deterministic(
    cooperate=[True, False], stake=[1.0, 1.0], leave=[[0] * 4] * 2, next_state=[[1] * 4, [0] * 4]
)
PUNISHES_WITH_CHANCE = StateTable.deterministic(  # cooperates; after the partner's D leaves w.p. q
    cooperate=[True], stake=[1.0], leave=[[0, 0.3, 0, 0.3]], next_state=[[0] * 4]
)


@pytest.mark.parametrize("q", [0.0, 1e-12, 0.25, 1.0])
@pytest.mark.parametrize("rounds", [1, 2, 200, 10**6])
def test_a_cycle_of_one_round_with_a_leave_chance_by_hand(q, rounds):
    batch = exact_many(Game(rounds=rounds), [(leaves_after_mutual_cooperation(q), ALWAYS_COOPERATE)])
    # P(T > t) = (1 - q)^t; E[T] = sum_{t < n} (1 - q)^t.
    stay = 1.0 - q
    gap = 1.0 - stay  # q as the chain sees it (1 - q is rounded)
    expected = rounds if q == 0.0 else (1.0 - stay**rounds) / gap
    if 0.0 < q < 1e-9:
        expected = rounds - gap * rounds * (rounds - 1) / 2  # the series' first terms
    assert batch.rounds_together[0] == pytest.approx(expected, rel=1e-12)
    assert batch.p_left_a[0] == pytest.approx(q * expected, rel=1e-12)  # q in every round together
    assert batch.total_a[0] == pytest.approx(3.0 * expected, rel=1e-12)  # v = 0: R while together
    curve = batch.survival_curve(0)
    assert len(curve) == min(rounds, MAX_SURVIVAL_LENGTH)
    assert curve[:3] == pytest.approx([stay**t for t in range(min(rounds, 3))])


def test_a_two_round_cycle_by_hand():
    q, w = 0.3, 0.8
    fixed = exact_many(Game(rounds=7), [(ALTERNATOR, PUNISHES_WITH_CHANCE)])
    assert fixed.survival_curve(0).tolist() == pytest.approx(
        [1, 1, 1 - q, 1 - q, (1 - q) ** 2, (1 - q) ** 2, (1 - q) ** 3]
    )
    assert fixed.rounds_together[0] == pytest.approx(2 + 2 * (1 - q) + 2 * (1 - q) ** 2 + (1 - q) ** 3)
    assert fixed.p_left_b[0] == pytest.approx(1 - (1 - q) ** 3)
    cont = exact_many(Game(rounds=None, continuation=w), [(ALTERNATOR, PUNISHES_WITH_CHANCE)])
    assert cont.rounds_together[0] == pytest.approx((1 + w) / (1 - w * w * (1 - q)))
    assert cont.survival_curve(0)[:4].tolist() == pytest.approx([1, w, w * w * (1 - q), w**3 * (1 - q)])


def test_a_horizon_longer_than_the_kept_curve():
    rounds = MAX_SURVIVAL_LENGTH * 3
    out_for_tat, parasite = memory_one_code("CCLCL"), memory_one_code("DDDDD")
    batch = exact_many(Game(rounds=rounds), [(ALWAYS_COOPERATE, ALWAYS_COOPERATE), (out_for_tat, parasite)])
    assert batch.rounds_together.tolist() == [rounds, 1.0]
    assert batch.total_a[0] == 3.0 * rounds
    assert batch.survival_length.tolist() == [MAX_SURVIVAL_LENGTH] * 2
    assert batch.survival_curve(1)[:2].tolist() == [1.0, 0.0]


def test_mixed_groups_keep_pair_order_and_pickle():
    stochastic = memory_one(0.5, (0.9, 0.1, 0.8, 0.2), (0.0, 0.1, 0.0, 0.2))
    pairs = [
        (memory_one_code("CCLCL"), memory_one_code("DDDDD")),
        (stochastic, ALWAYS_COOPERATE),
        (ALTERNATOR, PUNISHES_WITH_CHANCE),
        (ALWAYS_COOPERATE, ALWAYS_COOPERATE),
    ]
    game = Game(rounds=12)
    batch = exact_many(game, pairs)
    copy = pickle.loads(pickle.dumps(batch))
    for index, (table_a, table_b) in enumerate(pairs):
        one = reference_exact_match(game, table_a, table_b)
        assert copy.survival_curve(index).tolist() == pytest.approx(one.survival)
        assert batch.score_b[index] == pytest.approx(one.score_b)
    assert batch.survival.shape == (4, 12)


def test_a_pair_that_is_not_two_tables_is_a_clear_error():
    from powergame.errors import ParameterError

    with pytest.raises(ParameterError, match="pairs"):
        exact_many(Game(rounds=5), [(ALWAYS_COOPERATE,)])  # type: ignore[list-item]


def random_memory_one(rng: np.random.Generator, stake: float = 1.0) -> StateTable:
    """A memory-one table with random chances to cooperate and to leave."""
    first, *cooperate = rng.random(5).tolist()
    leave = tuple((0.1 * rng.random(4)).tolist())
    table = memory_one(first, tuple(cooperate), leave=leave)
    return dataclasses.replace(table, stake=(stake,) * 5)


def assert_each_pair_is_the_reference_chain(game, pairs, batch) -> None:
    for index, (table_a, table_b) in enumerate(pairs):
        one, many = reference_exact_match(game, table_a, table_b), batch.result(index)
        for name in FIGURES + ("p_censored",):
            assert getattr(many, name) == pytest.approx(getattr(one, name), rel=1e-12, abs=1e-9), name
        assert many.survival == pytest.approx(one.survival, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("rounds", [3, 64, 129, 200, 1000])
@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_stochastic_memory_one_pairs_over_long_horizons_equal_the_reference_chain(rounds, noise):
    # Horizons on both sides of powers of two exercise every block split of the sums and curves.
    rng = np.random.default_rng(rounds)
    tables = [random_memory_one(rng) for _ in range(3)] + [random_memory_one(rng, stake=0.5)]
    pairs = [(a, b) for a in tables for b in tables] + [(ALTERNATOR, tables[0])]
    game = Game(rounds=rounds, noise=noise, outside_options=(0.5, 1.5), exit_costs=(0.2, 0.0))
    batch = exact_many(game, pairs)
    assert_each_pair_is_the_reference_chain(game, pairs, batch)


MIRROR_GAMES = [
    Game(rounds=37, payoffs=ASYMMETRIC, outside_options=(0.25, 2.0), exit_costs=(0.0, 1.0)),
    Game(rounds=37, noise=0.05, payoffs=ASYMMETRIC, outside_options=(0.25, 2.0), exit_costs=(0.0, 1.0)),
    Game(
        rounds=None, continuation=0.9, payoffs=ASYMMETRIC, outside_options=(1.0, 0.0), exit_costs=(0.3, 0.0)
    ),
]


@pytest.mark.parametrize("game", MIRROR_GAMES)
@pytest.mark.parametrize("curves_first", [False, True])
def test_both_orders_of_each_pair_equal_the_reference_chain(game, curves_first):
    # A pair and its mirror share one walk of the chain; the game treats A and B apart.
    rng = np.random.default_rng(11)
    tables = [TABLES[code] for code in ("CCLDL", "CCDCD", "DDDDD", "CCDDC", "CLCCC")]
    tables += [random_memory_one(rng) for _ in range(2)]
    pairs = [(a, b) for a in tables for b in tables]
    batch = exact_many(game, pairs)
    if curves_first:
        batch.survival  # noqa: B018  (every curve built at once before any is read)
    assert_each_pair_is_the_reference_chain(game, pairs, batch)


@pytest.mark.parametrize("game", MIRROR_GAMES)
def test_pairs_of_distinct_stochastic_tables_equal_the_reference_chain(game):
    # More tables than pairs: figures come pair by pair, not from every combination of tables.
    rng = np.random.default_rng(13)
    pairs = [(random_memory_one(rng), random_memory_one(rng)) for _ in range(20)]
    assert len({id(table) for pair in pairs for table in pair}) ** 2 > 4 * len(pairs)
    batch = exact_many(game, pairs)
    assert_each_pair_is_the_reference_chain(game, pairs, batch)


@pytest.mark.parametrize("unit_first", [False, True])
def test_a_table_held_at_stake_one_against_partial_stakes_is_refused_among_many_pairs(unit_first):
    rng = np.random.default_rng(5)
    unit = dataclasses.replace(random_memory_one(rng), unit_stakes_only=True)
    partial = random_memory_one(rng, stake=0.5)
    others = [random_memory_one(rng) for _ in range(5)] + [unit]
    pairs = [(a, b) for a in others for b in others]
    assert len(exact_many(Game(rounds=10), pairs)) == 36  # stake 1 everywhere: fine
    misfit = (unit, partial) if unit_first else (partial, unit)
    with pytest.raises(ParameterError, match="stake 1"):
        exact_many(Game(rounds=10), pairs + [misfit] + pairs)
