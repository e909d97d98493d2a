"""Exact-mode chunks are built column by column: the same table as a per-row build."""

from __future__ import annotations

from typing import Any

from powergame.game import Game
from powergame.registry import load_registry
from powergame.tournaments import storage
from powergame.tournaments.round_robin import enumerate_matches, solve_exact_table, solve_pairings
from powergame.tournaments.spec import TournamentSpec


def rows_of(game: Game, tasks: Any, registry: Any) -> list[dict[str, Any]]:
    """The table built row by row from ``ExactBatch.rows()``: the reference."""
    batch = solve_pairings(game, tasks, registry)
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
    columns = solve_exact_table(spec.game, tasks, registry)
    rows = storage.rows_to_table(rows_of(spec.game, tasks, registry))
    assert columns.schema.equals(rows.schema)
    assert columns.equals(rows)
    assert columns.num_rows == len(tasks) and len(columns["survival"][0]) > 1
