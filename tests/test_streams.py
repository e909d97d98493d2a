"""Per-match random streams: the generator itself, and the engines agreeing seed for seed."""

from __future__ import annotations

import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame import Game, StateTable, StateTablePlayer, play_match, streams
from powergame.batch import play_batch, play_pairs
from powergame.game import StagePayoffs


class TablePlayer(StateTablePlayer):
    def __init__(self, table: StateTable) -> None:
        self.table = table
        super().__init__()


# --- the generator ------------------------------------------------------------------------------
def test_mix64_is_splitmix64():
    # SplitMix64's reference outputs: seeded 0, the first is 0xE220A8397B1DCDAF; seeded
    # 1234567, the first five below (Vigna's splitmix64.c, as used by xoshiro's seeding).
    assert streams.mix64(streams.GAMMA) == 0xE220A8397B1DCDAF
    state = 1234567
    outputs = [streams.mix64((state + n * streams.GAMMA) & streams.MASK64) for n in range(1, 6)]
    assert outputs == [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
        4593380528125082431,
        16408922859458223821,
    ]


@given(
    st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=20),
    st.integers(0, 10**6),
    st.sampled_from([streams.CHOICE, streams.NOISE, streams.LEAVE, streams.MOVE]),
)
def test_numpy_reads_the_same_bits_as_python(seeds, round_number, purpose):
    keys = streams.match_keys(seeds)
    assert keys.tolist() == [streams.match_key(seed) for seed in seeds]
    out = streams.bits_array(keys, round_number, purpose, np.empty_like(keys), np.empty_like(keys))
    assert out.tolist() == [streams.bits(streams.match_key(s), round_number, purpose) for s in seeds]
    halves = out.view(np.uint32).reshape(-1, 2)
    for role in (0, 1):
        expected = [streams.uniform32(streams.match_key(s), round_number, purpose, role) for s in seeds]
        assert halves[:, role].tolist() == expected


def test_huge_seeds_have_keys_too():
    seeds = [2**64, 2**64 + 1, 3 * 2**70]
    assert len({streams.match_key(seed) for seed in seeds}) == 3
    assert streams.match_keys(seeds).tolist() == [streams.match_key(seed) for seed in seeds]


def test_chance_frequency_is_p():
    # 200,000 draws at p = 0.3: sd of the frequency sqrt(0.21 / 200000) ~ 0.001; 5 sd = 0.0051
    key = streams.match_key(99)
    hits = sum(streams.chance(key, t, streams.CHOICE, t % 2, 0.3) for t in range(1, 200_001))
    assert abs(hits / 200_000 - 0.3) < 0.0052
    assert streams.chance(key, 1, streams.LEAVE, 0, 1.0) and not streams.chance(key, 1, streams.LEAVE, 0, 0.0)


def test_cumulative_thresholds_never_draw_an_impossible_state():
    thresholds = streams.cumulative_thresholds((0.0, 0.5, 0.0, 0.5, 0.0))
    assert thresholds == (0, 2**31, 2**31, 2**32, 2**32)
    assert {streams.pick(thresholds, u) for u in (0, 2**31 - 1, 2**31, 2**32 - 1)} == {1, 3}


def test_player_rng_is_counter_based_and_pickles():
    first = streams.player_rng(7, 0)
    numbers = [first.random() for _ in range(5)]
    assert [streams.player_rng(7, 0).random() for _ in range(1)] == numbers[:1]
    assert streams.player_rng(7, 1).random() != numbers[0]
    assert all(0.0 <= x < 1.0 for x in numbers)
    again = streams.player_rng(7, 0)
    again.random()
    copy = pickle.loads(pickle.dumps(again))
    assert [copy.random() for _ in range(4)] == numbers[1:]
    assert 0 <= copy.randrange(10) < 10 and copy.getrandbits(100) < 2**100
    seeded = streams.StreamRandom("7:3:leave")
    assert seeded.random() == streams.StreamRandom("7:3:leave").random()


# --- the engines, seed for seed -------------------------------------------------------------------
PROBABILITY = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))


@st.composite
def tables(draw: st.DrawFn) -> StateTable:
    """Any state table of 1-3 states: random choices, stakes, leave chances, and
    point-mass or random transitions."""
    n = draw(st.integers(1, 3))
    cooperate = [draw(PROBABILITY) for _ in range(n)]
    stake = [draw(st.sampled_from([1.0, 1.0, 0.5, 0.2])) for _ in range(n)]
    leave = [[draw(st.sampled_from([0.0, 0.0, 0.0, 1.0, 0.05, 0.3])) for _ in range(4)] for _ in range(n)]
    transition = []
    for _ in range(n):
        row = []
        for _ in range(4):
            weights = [draw(st.sampled_from([0.0, 0.0, 1.0, 0.3, 2.0])) for _ in range(n)]
            if sum(weights) == 0.0:
                weights[draw(st.integers(0, n - 1))] = 1.0
            row.append(tuple(w / sum(weights) for w in weights))
        transition.append(tuple(row))
    return StateTable(
        cooperate=tuple(cooperate),
        stake=tuple(stake),
        leave=tuple(tuple(r) for r in leave),  # type: ignore[misc]
        transition=tuple(transition),
        initial_state=draw(st.integers(0, n - 1)),
    )


games = st.builds(
    lambda horizon, noise, v_a, v_b, cost, temptation: Game(
        rounds=horizon if isinstance(horizon, int) else None,
        continuation=horizon if isinstance(horizon, float) else None,
        noise=noise,
        outside_options=(v_a, v_b),
        exit_costs=(cost, 0.0),
        payoffs=(StagePayoffs(3, 0, temptation, 1), StagePayoffs(3, 0, 5, 1)),
    ),
    st.one_of(st.integers(1, 30), st.sampled_from([0.5, 0.9])),
    st.sampled_from([0.0, 0.05, 0.3]),
    st.sampled_from([0.0, 1.0, 2.5]),
    st.sampled_from([0.0, 0.5, 3.5]),
    st.sampled_from([0.0, 1.0]),
    st.sampled_from([5.0, 4.0]),
)

COMPARED = (
    "horizon",
    "rounds_together",
    "left_by",
    "exit_round",
    "power_shifts",
    "power_share_a",
    "power_share_b",
    "cooperation_a",
    "cooperation_b",
    "mutual_cooperation",
)


def python_row(game: Game, table_a: StateTable, table_b: StateTable, seed: int) -> dict:
    result = play_match(game, TablePlayer(table_a), TablePlayer(table_b), seed=seed)
    return {**result.summary(), "actions_a": result.actions_a, "actions_b": result.actions_b}


@given(
    games, tables(), tables(), st.lists(st.integers(0, 2**63 - 1), min_size=1, max_size=6), st.integers(1, 4)
)
@settings(max_examples=120, deadline=None)
def test_python_and_batch_engines_agree_seed_for_seed(game, table_a, table_b, seeds, chunk_size):
    batch = play_batch(game, table_a, table_b, seeds, chunk_size=chunk_size, keep_actions=True)
    for row, seed in zip(batch.rows("table", "table", with_actions=True), seeds):
        expected = python_row(game, table_a, table_b, seed)
        assert (row["actions_a"], row["actions_b"]) == (expected["actions_a"], expected["actions_b"])
        assert {k: row[k] for k in COMPARED} == {k: expected[k] for k in COMPARED}
        for key in ("total_a", "total_b", "score_a", "mean_stake", "realized_dependence_b"):
            assert np.isclose(row[key], expected[key], rtol=1e-12, atol=1e-12)


@given(
    st.lists(st.tuples(tables(), tables()), min_size=1, max_size=4),
    st.integers(0, 2**62),
    st.integers(1, 9),
)
@settings(max_examples=25, deadline=None)
def test_a_match_does_not_depend_on_its_batch(pairs, first_seed, chunk_size):
    """Pairs played together, in any chunking, give each pair's matches on their own."""
    game = Game(rounds=12, noise=0.1)
    seeds = [[first_seed + 3 * i + k for k in range(3)] for i in range(len(pairs))]
    together = play_pairs(game, pairs, seeds, chunk_size=chunk_size, keep_actions=True)
    alone = [play_batch(game, a, b, group[::-1], keep_actions=True) for (a, b), group in zip(pairs, seeds)]
    expected = [row for part in alone for row in part.rows("a", "b", with_actions=True)[::-1]]
    assert together.rows("a", "b", with_actions=True) == expected
