"""Many pairs at once (``powergame.batch.play_pairs``, what tournaments use): the same
figures as each pair played on its own, and as the Python engine for deterministic pairs."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tables import CODES, STAKED_TFT, TIT_FOR_TAT, games, memory_one, memory_one_code, python_rows

from powergame import Game, ParameterError
from powergame.batch import play_batch, play_pairs
from powergame.player import Player
from powergame.tournaments.round_robin import default_registry_loader, run_tournament
from powergame.tournaments.spec import TournamentSpec

GENEROUS = memory_one(1.0, (1.0, 0.3, 1.0, 0.3), leave=(0.0, 0.1, 0.0, 0.0))  # draws at random
tables = st.one_of(st.sampled_from(CODES).map(memory_one_code), st.just(STAKED_TFT), st.just(GENEROUS))


@settings(max_examples=40, deadline=None)
@given(
    games,
    st.lists(st.tuples(tables, tables, st.lists(st.integers(0, 2**40), max_size=4)), min_size=1, max_size=5),
    st.integers(1, 6),
)
def test_many_pairs_equal_each_pair_on_its_own(game, pairs, chunk_size):
    together = play_pairs(
        game,
        [(a, b) for a, b, _ in pairs],
        [seeds for _, _, seeds in pairs],
        chunk_size=chunk_size,
        keep_actions=True,
    )
    alone = []
    for a, b, seeds in pairs:
        alone += play_batch(game, a, b, seeds, chunk_size=chunk_size, keep_actions=True).rows(
            "a", "b", with_actions=True
        )
    assert together.rows("a", "b", with_actions=True) == alone


@settings(max_examples=30, deadline=None)
@given(
    games,
    st.lists(
        st.tuples(
            st.sampled_from(CODES).map(memory_one_code),
            st.one_of(st.sampled_from(CODES).map(memory_one_code), st.just(STAKED_TFT)),
            st.lists(st.integers(0, 2**40), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_deterministic_pairs_together_equal_the_python_engine(game, pairs):
    together = play_pairs(game, [(a, b) for a, b, _ in pairs], [s for _, _, s in pairs], keep_actions=True)
    expected = [row for a, b, seeds in pairs for row in python_rows(game, a, b, seeds)]
    assert together.rows("a", "b", with_actions=True) == expected


def test_pairs_by_hand():
    # Tit for Tat vs Always D (code DDDDD) for 4 rounds: A plays CDDD, B DDDD -> A earns
    # 0+1+1+1 = 3, B 5+1+1+1 = 8; Tit for Tat with itself earns 3 a round.
    game = Game(rounds=4)
    result = play_pairs(
        game, [(TIT_FOR_TAT, memory_one_code("DDDDD")), (TIT_FOR_TAT, TIT_FOR_TAT)], [[1], [2, 3]]
    )
    assert result.total_a.tolist() == [3.0, 12.0, 12.0]
    assert result.total_b.tolist() == [8.0, 12.0, 12.0]
    assert result.cooperation_a.tolist() == [0.25, 1.0, 1.0]
    assert result.seeds == (1, 2, 3)


def test_seed_lists_must_match_the_pairs():
    with pytest.raises(ParameterError, match="one per pair"):
        play_pairs(Game(rounds=3), [(TIT_FOR_TAT, TIT_FOR_TAT)], [[1], [2]])
    with pytest.raises(ParameterError, match="seed"):
        play_pairs(Game(rounds=3), [(TIT_FOR_TAT, TIT_FOR_TAT)], [[-1]])


# --- tournaments: tabled pairs played together give the Python engine's table ------------------
class _WithoutTables:
    """The project's registry, but its players hide their state tables (Python engine only)."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def get(self, name: str) -> Any:
        return self.registry.get(name)

    def create(self, name: str) -> Player:
        player = self.registry.create(name)
        player.state_table = lambda: None  # type: ignore[method-assign]
        return player


def _python_only_loader(plugins: tuple[str, ...]) -> _WithoutTables:
    return _WithoutTables(default_registry_loader(plugins))


@pytest.mark.parametrize(
    "game",
    [
        Game(rounds=12, outside_options=(1.5, 0.5)),
        Game(rounds=None, continuation=0.8, outside_options=(2.0, 0.0), exit_costs=(0.5, 0.0)),
    ],
)
def test_tabled_tournament_equals_the_python_engine(game: Game) -> None:
    names = ("M1(code=CCDCD)", "M1(code=DDDDD)", "M1(code=CCLCL)", "M1(code=DCDCD)", "Hit and Run")
    spec = TournamentSpec(name="t", strategies=names, game=game, repetitions=3, seed=4)
    fast = run_tournament(spec).matches
    slow = run_tournament(spec, registry_loader=_python_only_loader).matches
    pd.testing.assert_frame_equal(fast, slow)
    assert len(fast) == (5 + 2 * 10) * 3  # asymmetric: 5 self-plays, 10 pairs in both roles


def test_matches_longer_than_the_batch_engine_takes_are_played_by_the_python_engine(monkeypatch):
    import powergame.batch as batch
    import powergame.tournaments.round_robin as round_robin
    from powergame import Game, play, play_engines
    from powergame.tournaments.spec import TournamentSpec

    python_calls = []

    def spy(game, pairings):
        python_calls.extend((p.a.name, p.b.name) for p in pairings)
        return play_engines.python_play(game, pairings)

    monkeypatch.setitem(play._ENGINES, "python", dataclasses.replace(play.get_engine("python"), play=spy))
    spec = TournamentSpec(name="long", strategies=("Loyal", "Out For Tat"), game=Game(rounds=12))
    batched = round_robin.run_tournament(spec).matches
    assert python_calls == []  # both have tables and 12 rounds fit: the batch engine plays
    monkeypatch.setattr(batch, "MAX_HORIZON", 10)
    played = round_robin.run_tournament(spec).matches
    assert len(python_calls) == 3
    assert list(played["total_a"]) == list(batched["total_a"]) == [36.0, 36.0, 36.0]
