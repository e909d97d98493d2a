"""Engine invariants, each a function that raises an AssertionError naming the broken
identity. They hold for every match whatever the strategies; the project's own tests run
them over hypothesis-drawn games and players."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable

from powergame.actions import Action
from powergame.engine import play_match
from powergame.game import Game
from powergame.player import Player
from powergame.result import MatchResult

TOLERANCE = 1e-9


def _close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def expected_totals(result: MatchResult) -> tuple[float, float]:
    """total_i = sum over rounds together of s*pi_i + (1 - s)*v_i, plus (n - t)*v_i,
    minus k_i if i left; computed from the transcript and the game alone."""
    game = result.game
    totals = []
    for role in (0, 1):
        own = result.actions_a if role == 0 else result.actions_b
        other = result.actions_b if role == 0 else result.actions_a
        v = game.outside_options[role]
        together = 0.0
        for t in range(result.rounds_together):
            s = min(result.stakes_a[t], result.stakes_b[t])
            pi = game.stage_payoff(role, Action[own[t]], Action[other[t]])
            together += s * pi + (1 - s) * v
        total = together + (result.horizon - result.rounds_together) * v
        left = result.left_by in ("AB"[role], "both")
        if left and result.rounds_together > 0:  # a partner who declined to enter pays nothing
            total -= game.exit_costs[role]
        totals.append(total)
    return totals[0], totals[1]


def check_payoff_accounting(result: MatchResult) -> None:
    """Reported totals equal the model's accounting identity."""
    want = expected_totals(result)
    got = result.totals
    for role in (0, 1):
        assert _close(got[role], want[role]), (
            f"total of partner {'AB'[role]} is {got[role]!r}, the accounting identity gives {want[role]!r} "
            f"(seed {result.seed}, actions {result.actions_a}/{result.actions_b}, left by {result.left_by})"
        )


def check_exit_final(result: MatchResult) -> None:
    """Nothing is recorded after the exit round; with no exit the match runs the horizon."""
    n = result.rounds_together
    lengths = {
        len(x)
        for x in (
            result.actions_a,
            result.actions_b,
            result.intended_a,
            result.intended_b,
            result.stakes_a,
            result.stakes_b,
            result.payoffs_a,
            result.payoffs_b,
        )
    }
    assert lengths == {n}, f"per-round records have lengths {sorted(lengths)}, expected {n} each"
    if result.left_by is None:
        assert result.exit_round is None and n == result.horizon, (
            f"nobody left but the match stopped after {n} of {result.horizon} rounds"
        )
    else:
        assert result.exit_round == n, f"exit round {result.exit_round} but {n} rounds were recorded"
        assert n <= result.horizon, f"{n} rounds recorded beyond the horizon {result.horizon}"


def score_bounds(game: Game, role: int) -> tuple[float, float]:
    """Per-round payoff bounds of partner ``role``: every u_i is a mix of an entry of its
    matrix and its outside option."""
    values = (*game.payoffs[role].as_tuple(), game.outside_options[role])
    return min(values), max(values)


def check_score_bounds(result: MatchResult) -> None:
    """n*lo - k_i <= total_i <= n*hi, with lo/hi the extreme entries of i's matrix and v_i."""
    for role in (0, 1):
        lo, hi = score_bounds(result.game, role)
        total = result.totals[role]
        cost = result.game.exit_costs[role]
        n = result.horizon
        assert (
            n * lo - cost - TOLERANCE * (1 + abs(n * lo)) <= total <= n * hi + TOLERANCE * (1 + abs(n * hi))
        ), f"total of partner {'AB'[role]} = {total!r} outside [{n * lo - cost!r}, {n * hi!r}]"


def check_no_leave_from_noise(
    game: Game, make_a: Callable[[], Player], make_b: Callable[[], Player], seed: int
) -> None:
    """Two players that never leave stay together to the horizon under any noise."""
    result = play_match(game, make_a(), make_b(), seed)
    assert result.left_by is None, (
        f"non-leaving players separated (left by {result.left_by} after round {result.exit_round}) "
        f"with noise {game.noise} and seed {seed}"
    )


def check_reproducible(
    game: Game, make_a: Callable[[], Player], make_b: Callable[[], Player], seed: int
) -> None:
    """The same seed gives the same result, and the result survives a pickle round trip."""
    first = play_match(game, make_a(), make_b(), seed)
    second = play_match(game, make_a(), make_b(), seed)
    assert first == second, f"seed {seed} gave two different results:\n{first}\n{second}"
    assert pickle.loads(pickle.dumps(first)) == first, "the result changed in a pickle round trip"


def check_result_invariants(result: MatchResult) -> None:
    """All the invariants that read one result: accounting, exit finality, score bounds."""
    check_payoff_accounting(result)
    check_exit_final(result)
    check_score_bounds(result)
