"""Exact-mode chunks are built column by column (the exact engine behind ``powergame.play``,
then the tournament's columns): the same table as a per-row build from the solver's rows."""

from __future__ import annotations

from typing import Any

from powergame.exact_batch import exact_many
from powergame.game import Game
from powergame.play import table_in
from powergame.registry import load_registry
from powergame.tournaments import storage
from powergame.tournaments.round_robin import ChunkJob, default_registry_loader, enumerate_matches, play_chunk
from powergame.tournaments.spec import TournamentSpec


def rows_of(game: Game, tasks: Any, registry: Any) -> list[dict[str, Any]]:
    """The table built row by row from ``ExactBatch.rows()``: the reference."""
    players = {name: registry.create(name) for t in tasks for name in (t.strategy_a, t.strategy_b)}
    batch = exact_many(
        game,
        [(table_in(players[t.strategy_a], game, 0), table_in(players[t.strategy_b], game, 1)) for t in tasks],
        [(players[t.strategy_a].name, players[t.strategy_b].name) for t in tasks],
    )
    outside_a, outside_b = game.outside_options
    rows = []
    for index, (task, summary) in enumerate(zip(tasks, batch.rows())):
        entry_a, entry_b = registry.get(task.strategy_a), registry.get(task.strategy_b)
        row: dict[str, Any] = {
            "match_id": task.match_id,
            "repetition": 0,
            "strategy_a": entry_a.name,
            "strategy_b": entry_b.name,
            "family_a": entry_a.classifier["family"],
            "family_b": entry_b.classifier["family"],
        }
        row.update(summary)
        row.update(
            outside_a=outside_a,
            outside_b=outside_b,
            actions_a=None,
            actions_b=None,
            exact=True,
            p_lasted=summary["censored"],
            p_left_a=summary["p_left_a"],
            p_left_b=summary["p_left_b"],
            p_left_both=summary["p_left_both"],
            survival=batch.survival_curve(index),
        )
        rows.append(row)
    return rows


def test_columns_equal_the_rows() -> None:
    spec = TournamentSpec(
        name="exact",
        strategies=("Out For Tat", "Least Interest", "Generous Out For Tat", "M1(code=CDLCD)", "Start Small"),
        game=Game(rounds=30, outside_options=(1.5, 0.5), noise=0.05),
        exact=True,
    )
    registry = load_registry([])
    tasks = enumerate_matches(spec)
    job = ChunkJob(0, spec, 0, len(tasks), (), default_registry_loader, None)
    _, count, columns, checksum = play_chunk(job)
    assert count == len(tasks) and checksum is None
    rows = storage.rows_to_table(rows_of(spec.game, tasks, registry))
    assert columns.schema.equals(rows.schema)
    assert columns.equals(rows)
    assert columns.num_rows == len(tasks) and len(columns["survival"][0]) > 1
