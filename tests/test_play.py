"""The engine façade (``powergame.play``): every engine gives the same record for the same
pairings and seeds where they are comparable, ``auto`` picks the batch engine where it can
and the Python engine elsewhere, unknown names are one-line errors, and an engine plugs
in by registering."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables import (
    CODES,
    STAKED_TFT,
    TIT_FOR_TAT,
    TablePlayer,
    games,
    memory_one,
    memory_one_code,
    python_rows,
    within_sampling_error,
)

from powergame import Action, C, Game, ParameterError, Player, record
from powergame import play as facade
from powergame.play import Engine, Entrant, Pairing, Pairings, engine_names, get_engine, play, register_engine
from powergame.play_engines import tables_can_play, tables_can_play_each
from powergame.record_arrow import EXACT_PLAYED_SCHEMA, PLAYED_SCHEMA
from powergame.state_table import StateTable

GENEROUS = memory_one(1.0, (1.0, 0.3, 1.0, 0.3), leave=(0.0, 0.1, 0.0, 0.0))
FICKLE = memory_one(0.9, (0.9, 0.2, 0.8, 0.3), leave=(0.0, 0.2, 0.0, 0.1))  # draws at random


class Untabled(Player):
    """Tit for Tat written as plain Python (no state table): only the Python engine plays it."""

    name = "Untabled TFT"

    def strategy(self, opponent: Player) -> Action:
        return opponent.history[-1] if opponent.history else C


def pairing(
    game: Game, table_a: StateTable | None, table_b: StateTable | None, seeds: Sequence[int]
) -> Pairing:
    def maker(table: StateTable | None, name: str) -> functools.partial[Player]:
        if table is None:
            return functools.partial(Untabled)
        return functools.partial(TablePlayer, table, name)

    return Pairing.of(game, maker(table_a, "a"), maker(table_b, "b"), seeds)


tables = st.one_of(
    st.sampled_from(CODES).map(memory_one_code), st.just(STAKED_TFT), st.just(FICKLE), st.just(GENEROUS)
)
noisy_games = st.tuples(games, st.sampled_from([0.0, 0.05])).map(
    lambda pair: dataclasses.replace(pair[0], noise=pair[1])
)


@settings(max_examples=30, deadline=None)
@given(
    noisy_games,
    st.lists(st.tuples(tables, tables, st.lists(st.integers(0, 2**40), max_size=3)), min_size=1, max_size=4),
)
def test_python_batch_and_auto_give_the_same_record(game: Game, specs: list) -> None:
    pairings = [pairing(game, a, b, seeds) for a, b, seeds in specs]
    by_python = play(game, pairings, "python")
    assert by_python.schema.equals(PLAYED_SCHEMA)
    assert by_python.equals(play(game, pairings, "batch"))
    assert by_python.equals(play(game, pairings, "auto"))
    # and the Python engine's rows are play_match's own, seed for seed
    expected = [row for a, b, seeds in specs for row in python_rows(game, a, b, seeds)]
    assert by_python.to_pylist() == expected


def test_auto_mixes_engines_and_keeps_the_pairings_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    game = Game(rounds=15, outside_options=(1.5, 0.5), noise=0.05)
    pairings = [
        pairing(game, TIT_FOR_TAT, FICKLE, [1, 2]),
        pairing(game, None, FICKLE, [3]),
        pairing(game, FICKLE, TIT_FOR_TAT, [4, 5, 6]),
        pairing(game, FICKLE, None, []),
        pairing(game, None, None, [7]),
    ]
    calls: list[tuple[str, int]] = []
    for name in ("batch", "python"):
        engine = get_engine(name)

        def spy(game: Game, chosen: Sequence[Pairing], engine: Engine = engine) -> pa.Table:
            calls.append((engine.name, len(chosen)))
            return engine.play(game, chosen)

        monkeypatch.setitem(facade._ENGINES, name, dataclasses.replace(engine, play=spy))
    mixed = play(game, pairings)
    assert sorted(calls) == [("batch", 2), ("python", 3)]  # each engine called once
    assert mixed.equals(play(game, pairings, "python"))
    assert mixed["seed"].to_pylist() == [1, 2, 3, 4, 5, 6, 7]


def test_the_batch_engine_refuses_what_it_cannot_play(monkeypatch: pytest.MonkeyPatch) -> None:
    game = Game(rounds=12)
    with pytest.raises(ParameterError, match="engine = 'batch'.*'Untabled TFT' \\(A\\) vs 'b' \\(B\\)"):
        play(game, [pairing(game, None, TIT_FOR_TAT, [1])], "batch")
    import powergame.batch as batch

    monkeypatch.setattr(batch, "MAX_HORIZON", 10)  # 12 rounds no longer fit
    assert not get_engine("batch").can_play(game, pairing(game, TIT_FOR_TAT, TIT_FOR_TAT, [1]))


# --- exact against simulated ------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 30),
    st.lists(
        st.tuples(st.sampled_from(CODES).map(memory_one_code), st.sampled_from(CODES).map(memory_one_code)),
        min_size=1,
        max_size=4,
    ),
)
def test_exact_equals_any_simulation_of_deterministic_pairs(rounds: int, pairs: list) -> None:
    # With fixed rounds and no noise a deterministic pair plays one match whatever the seed:
    # its expectation is that match.
    game = Game(rounds=rounds, outside_options=(1.5, 0.5), exit_costs=(0.5, 0.0))
    simulated = play(game, [pairing(game, a, b, [11, 12]) for a, b in pairs], "batch").to_pylist()
    solved = play(game, [pairing(game, a, b, [11, 12]) for a, b in pairs], "exact")
    assert solved.schema.equals(EXACT_PLAYED_SCHEMA)
    assert solved.num_rows == len(pairs)  # one row per pairing: seeds do not apply
    for index, row in enumerate(solved.to_pylist()):
        for match in simulated[2 * index : 2 * index + 2]:
            for column in record.EXACT_ENGINE_COLUMNS:
                value = match[column]
                if value is None or isinstance(value, str):
                    assert row[column] == value, column
                else:  # horizon, rounds_together and censored are expectations (floats) here
                    assert row[column] == pytest.approx(float(value), rel=1e-9, abs=1e-12), column
        assert row["seed"] is None and row["exact"] is True


def test_exact_is_the_mean_of_simulated_matches_within_5_sigma() -> None:
    game = Game(rounds=None, continuation=0.9, outside_options=(1.5, 0.5), noise=0.05)
    seeds = range(4000)
    simulated = play(game, [pairing(game, FICKLE, GENEROUS, seeds)], "batch")
    solved = play(game, [pairing(game, FICKLE, GENEROUS, seeds)], "exact").to_pylist()[0]
    for column in ("total_a", "total_b", "rounds_together", "mean_stake"):
        samples = np.asarray(simulated[column].to_numpy(), dtype=float)
        assert within_sampling_error(samples, solved[column]), column
    lasted = np.asarray(simulated["censored"].to_numpy(zero_copy_only=False), dtype=float)
    assert within_sampling_error(lasted, solved["censored"])


def test_exact_refuses_a_player_without_a_table() -> None:
    game = Game(rounds=5)
    with pytest.raises(ParameterError, match="engine = 'exact'.*needs? .*state table") as caught:
        play(game, [pairing(game, TIT_FOR_TAT, None, [0])], "exact")
    assert "\n" not in str(caught.value)


def entrant(game: Game, table: StateTable | None, role: int) -> Entrant:
    made = pairing(game, table, table, [0])
    return made.a if role == 0 else made.b


UNIT_ONLY = dataclasses.replace(memory_one_code("CCCLD"), unit_stakes_only=True)  # holds at stake 1 only
entrant_tables = st.one_of(st.none(), st.just(UNIT_ONLY), tables)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(entrant_tables, min_size=1, max_size=3),
    st.lists(entrant_tables, min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), max_size=8),
)
def test_pairings_as_columns_play_as_the_list_of_their_pairings(
    tables_a: list, tables_b: list, chosen: list
) -> None:
    game = Game(rounds=12, outside_options=(1.5, 0.5))
    entrants = [
        [entrant(game, table, role) for table in side] for role, side in enumerate((tables_a, tables_b))
    ]
    chosen = [(a % len(tables_a), b % len(tables_b)) for a, b in chosen]
    seeds = [(i,) for i in range(len(chosen))]
    columns = Pairings(*entrants, [a for a, _ in chosen], [b for _, b in chosen], seeds)
    listed = [Pairing(entrants[0][a], entrants[1][b], seed) for (a, b), seed in zip(chosen, seeds)]
    assert list(columns) == listed and columns[1:3] == listed[1:3]
    assert tables_can_play_each(game, columns).tolist() == [tables_can_play(game, p) for p in listed]
    outcomes = []
    for given_pairings in (listed, columns):
        try:
            outcomes.append(play(game, given_pairings, "exact"))
        except ParameterError as refused:
            outcomes.append(str(refused))
    if isinstance(outcomes[0], str):
        assert outcomes[1] == outcomes[0]  # the same first refused pairing named
    else:
        assert outcomes[1].equals(outcomes[0])


# --- names and the registry ---------------------------------------------------------------------
def test_an_unknown_engine_is_one_line_naming_the_allowed_ones() -> None:
    game = Game(rounds=5)
    with pytest.raises(ParameterError) as caught:
        play(game, [pairing(game, TIT_FOR_TAT, TIT_FOR_TAT, [0])], "fast")
    message = str(caught.value)
    assert message == "engine = 'fast' is not allowed: must be one of: auto, batch, exact, python"
    assert engine_names() == ("auto", "batch", "exact", "python")


def test_no_pairings_give_an_empty_table_of_the_record() -> None:
    assert play(Game(rounds=5), []).schema.equals(PLAYED_SCHEMA)
    assert play(Game(rounds=5), [], "exact").schema.equals(EXACT_PLAYED_SCHEMA)


def _doubled(game: Game, pairings: Sequence[Pairing]) -> pa.Table:
    """A toy engine: the Python engine's record with A's total doubled."""
    table = get_engine("python").play(game, pairings)
    index = table.schema.get_field_index("total_a")
    return table.set_column(index, "total_a", pa.compute.multiply(table["total_a"], 2.0))


@pytest.fixture
def toy() -> Iterator[Engine]:
    engine = register_engine(
        Engine("toy", lambda game, pairing: pairing.a.name == "toy-a", _doubled, "A named toy-a", auto=-1.0)
    )
    try:
        yield engine
    finally:
        facade.unregister_engine("toy")
    assert "toy" not in engine_names()


def test_a_registered_engine_is_played_by_name_and_chosen_by_auto(toy: Engine) -> None:
    game = Game(rounds=6)
    toyed = Pairing.of(game, functools.partial(TablePlayer, TIT_FOR_TAT, "toy-a"), Untabled, [1, 2])
    plain = pairing(game, TIT_FOR_TAT, TIT_FOR_TAT, [3])
    assert "toy" in engine_names()
    by_name = play(game, [toyed], "toy")
    assert by_name["total_a"].to_pylist() == [36.0, 36.0]  # 6 rounds of R = 3, doubled
    auto = play(game, [toyed, plain])  # the toy ranks first but takes only its own pairing
    assert auto["total_a"].to_pylist() == [36.0, 36.0, 18.0]
    with pytest.raises(ParameterError, match="engine = 'toy'.*A named toy-a"):
        play(game, [plain], "toy")


def test_a_registered_engine_plays_a_tournament(toy: Engine) -> None:
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import TournamentSpec

    register_engine(dataclasses.replace(toy, can_play=lambda game, pairing: True), replace=True)
    spec = TournamentSpec(name="toy", strategies=("Loyal", "Voice"), game=Game(rounds=4), repetitions=2)
    rows = run_tournament(spec).matches
    loyal = rows[(rows.strategy_a == "Loyal") & (rows.strategy_b == "Loyal")]
    assert list(loyal.total_a) == [24.0, 24.0] and list(loyal.total_b) == [12.0, 12.0]


def test_names_are_checked_when_registering() -> None:
    with pytest.raises(ParameterError, match="engine name = 'python'.*taken"):
        register_engine(get_engine("python"))
    with pytest.raises(ParameterError, match="engine name = 'auto'"):
        register_engine(dataclasses.replace(get_engine("python"), name="auto"))
    with pytest.raises(ParameterError, match="auto = 0.0 .*exact"):
        register_engine(dataclasses.replace(get_engine("exact"), name="exact2", auto=0.0))


def test_an_engine_that_gives_the_wrong_columns_is_refused(toy: Engine) -> None:
    game = Game(rounds=3)

    def wrong(game: Game, pairings: Sequence[Pairing]) -> pa.Table:
        return get_engine("python").play(game, pairings).drop_columns(["seed"])

    register_engine(dataclasses.replace(toy, play=wrong), replace=True)
    toyed = Pairing.of(game, functools.partial(TablePlayer, TIT_FOR_TAT, "toy-a"), Untabled, [1])
    with pytest.raises(ParameterError, match="engine = 'toy'.*must give 1 rows"):
        play(game, [toyed], "toy")
