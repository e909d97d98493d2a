"""Every engine's rows, the stored schemas and the analysis agree with the one match record."""

from __future__ import annotations

import dataclasses

from tables import OUT_FOR_TAT, TablePlayer, memory_one

from powergame import Game, play_match, record
from powergame.batch import play_batch
from powergame.batch.result import _ARRAY_FIELDS, BatchResult
from powergame.exact.result import ExactResult
from powergame.exact_batch import FIGURES, exact_many
from powergame.tournaments import analysis, storage

GAME = Game(rounds=12, noise=0.1, outside_options=(1.0, 0.5))
RANDOM = memory_one(0.7, (0.9, 0.2, 0.6, 0.1), (0.0, 0.3, 0.0, 0.2))


def test_the_python_engine_gives_the_engine_columns_in_order():
    summary = play_match(GAME, TablePlayer(OUT_FOR_TAT), TablePlayer(RANDOM), seed=3).summary()
    assert tuple(summary) == record.ENGINE_COLUMNS


def test_the_batch_engine_gives_the_same_columns():
    rows = play_batch(GAME, OUT_FOR_TAT, RANDOM, seeds=range(3)).rows("a", "b")
    assert all(tuple(row) == record.ENGINE_COLUMNS for row in rows)


def test_the_exact_solver_gives_the_engine_columns_and_only_exact_ones_besides():
    exact = set(record.names(record.EXACT_COLUMNS))
    for row in exact_many(GAME, [(OUT_FOR_TAT, RANDOM)]).rows():
        assert set(record.ENGINE_COLUMNS) <= set(row)
        assert set(row) - set(record.ENGINE_COLUMNS) <= exact


def test_stored_schemas_and_the_analysis_are_derived_from_the_record():
    assert storage.SCHEMA.names == list(record.names(record.MATCH_COLUMNS))
    assert storage.EXACT_SCHEMA.names == list(record.names(record.MATCH_COLUMNS + record.EXACT_COLUMNS))
    assert storage.MATCH_SCHEMA.names == [n for n in storage.SCHEMA.names if n not in record.ID_COLUMNS]
    assert set(analysis.REQUIRED_COLUMNS) <= set(storage.SCHEMA.names)
    expected = {c.name for c in record.MATCH_COLUMNS if c.expectation}
    assert {f.name for f in storage.EXACT_SCHEMA if str(f.type) == "double"} >= expected


def test_every_column_is_of_a_known_kind_and_named_once():
    columns = record.MATCH_COLUMNS + record.EXACT_COLUMNS
    assert all(
        c.kind in record.KINDS and c.given_by in ("engine", "tournament", "transcript") for c in columns
    )
    assert len({c.name for c in columns}) == len(columns)


def test_an_exact_row_holds_the_exact_engine_columns_and_leaves_the_realized_ones_null():
    rows = list(exact_many(GAME, [(OUT_FOR_TAT, RANDOM), (RANDOM, RANDOM)]).rows())
    for row in rows:
        assert {name for name in record.ENGINE_COLUMNS if row[name] is not None} == set(
            record.EXACT_ENGINE_COLUMNS
        )
        assert all(row[name] is not None for name in record.LEAVING_COLUMNS)


def test_the_per_game_columns_are_the_same_in_every_match_of_a_game():
    rows = play_batch(GAME, OUT_FOR_TAT, RANDOM, seeds=range(20)).rows("a", "b")
    rows += play_batch(GAME, RANDOM, RANDOM, seeds=range(20)).rows("b", "b")
    per_game = {c.name for c in record.MATCH_COLUMNS if c.per_game}
    assert per_game and all(len({row[name] for row in rows}) == 1 for name in per_game)
    varying = {name for name in record.PLAYED_FIGURES if len({row[name] for row in rows}) > 1}
    assert {"rounds_together", "total_a", "score_b", "cooperation_a"} <= varying


def test_the_batch_result_has_an_array_per_played_figure_but_censored():
    arrays = tuple(field.name for field in dataclasses.fields(BatchResult) if field.type == "np.ndarray")
    assert arrays == _ARRAY_FIELDS and "censored" not in arrays
    assert set(_ARRAY_FIELDS) | {"censored"} == set(record.PLAYED_FIGURES)


def test_the_exact_figures_are_what_an_exact_result_holds_besides_its_horizon_and_censoring():
    fields = {field.name for field in dataclasses.fields(ExactResult)}
    assert set(FIGURES) <= fields
    assert "horizon" not in FIGURES and "censored" not in FIGURES
    assert set(FIGURES) >= set(record.LEAVING_COLUMNS) | {
        "rounds_together",
        "total_a",
        "realized_dependence_b",
    }
