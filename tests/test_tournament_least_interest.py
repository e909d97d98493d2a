"""Least Interest gets its state table once the game is known: tournaments play it in the
batch engine and exact mode solves it."""

from __future__ import annotations

from powergame.game import Game
from powergame.registry import load_registry
from powergame.tournaments.round_robin import run_tournament, table_in
from powergame.tournaments.spec import TournamentSpec

# A has the better outside option: D_A = 3 - 2 = 1 < D_B = 3 - 1 = 2, so A holds power.
GAME = Game(rounds=20, outside_options=(2.0, 1.0))


def test_the_table_follows_the_role_in_the_game() -> None:
    registry = load_registry([])
    as_a = table_in(registry.create("Least Interest"), GAME, 0)
    as_b = table_in(registry.create("Least Interest"), GAME, 1)
    assert as_a is not None and as_b is not None
    assert as_a.cooperate == (0.0,)  # the least-dependent partner withholds
    assert as_b.cooperate == (1.0,)  # the more dependent one cooperates


def test_exact_mode_solves_least_interest_by_hand() -> None:
    spec = TournamentSpec(
        name="li", strategies=("Least Interest", "Loyal"), game=GAME, repetitions=1, exact=True
    )
    rows = run_tournament(spec, None).matches
    li_vs_loyal = rows[(rows.strategy_a == "Least Interest") & (rows.strategy_b == "Loyal")].iloc[0]
    # A withholds against a cooperator every round: T = 5 for A, S = 0 for B.
    assert (li_vs_loyal.score_a, li_vs_loyal.score_b) == (5.0, 0.0)
    loyal_vs_li = rows[(rows.strategy_a == "Loyal") & (rows.strategy_b == "Least Interest")].iloc[0]
    # In role B Least Interest cooperates: mutual cooperation, R = 3 each.
    assert (loyal_vs_li.score_a, loyal_vs_li.score_b) == (3.0, 3.0)


def test_simulated_rows_equal_the_python_engine_with_noise() -> None:
    from powergame.engine import play_match

    game = Game(rounds=30, outside_options=(2.0, 1.0), noise=0.1)
    spec = TournamentSpec(name="li", strategies=("Least Interest", "Voice"), game=game, repetitions=3, seed=4)
    registry = load_registry([])
    for row in run_tournament(spec, None).matches.itertuples():
        again = play_match(
            game, registry.create(row.strategy_a), registry.create(row.strategy_b), seed=row.seed
        )
        assert (again.actions_a, again.actions_b) == (row.actions_a, row.actions_b)
        assert again.summary()["total_a"] == row.total_a
