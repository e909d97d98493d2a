"""Exact-mode chunks are built column by column: the same table as the per-row path."""

from __future__ import annotations

from powergame.game import Game
from powergame.registry import load_registry
from powergame.tournaments import storage
from powergame.tournaments.round_robin import enumerate_matches, solve_exact, solve_exact_table
from powergame.tournaments.spec import TournamentSpec


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
    rows = storage.rows_to_table(solve_exact(spec.game, tasks, registry))
    assert columns.schema.equals(rows.schema)
    assert columns.equals(rows)
    assert columns.num_rows == len(tasks) and len(columns["survival"][0]) > 1
