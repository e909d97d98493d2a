"""Reproductions of published results (docs/reproductions.md): each figure against the
paper's closed form or a value derived here, independently of the mean-field code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from powergame.tournaments import reproductions as rep

# --- Schüssler ------------------------------------------------------------------------------


def schuessler_by_recursion(conco: float, generations: int) -> list[float]:
    """The pool written out for two strategies: couples CC (CONCO pairs), CD, DD as masses
    of couples; every round CC pairs survive the forced exit, every other couple ends, and
    the pool pairs at random."""
    R, S, T, P = 4.0, 1.0, 6.0, 2.0
    exit_, rounds = 0.05, 200
    shares = []
    for _ in range(generations):
        cc, cd, dd = conco * conco / 2, conco * (1 - conco), (1 - conco) ** 2 / 2
        earned_c = earned_d = 0.0
        for _ in range(rounds):
            earned_c += 2 * cc * R + cd * S
            earned_d += 2 * dd * P + cd * T
            single_c = 2 * cc * exit_ + cd
            single_d = 2 * dd + cd
            pool = single_c + single_d
            cc = cc * (1 - exit_) + single_c**2 / (2 * pool)
            cd = single_c * single_d / pool
            dd = single_d**2 / (2 * pool)
        conco = earned_c / (earned_c + earned_d)  # share x mean payoff, renormalised
        shares.append(conco)
    return shares


def test_schuessler_generations_follow_the_pool_recursion() -> None:
    ours = rep.schuessler_trajectory(0.5, 12)
    assert ours == pytest.approx(schuessler_by_recursion(0.5, 12), abs=1e-12)


def test_schuessler_invasion_threshold_and_rest_point() -> None:
    step = lambda x: schuessler_by_recursion(x, 1)[0] - x  # noqa: E731
    threshold = brentq(step, 0.005, 0.3, xtol=1e-12)
    rest = brentq(step, 0.5, 0.99, xtol=1e-12)
    assert 0.04 < threshold < 0.06 and 0.85 < rest < 0.93  # what docs/reproductions.md reports
    for x, grows in ((threshold - 0.002, False), (threshold + 0.002, True), (rest + 0.01, False)):
        assert (rep.schuessler_generation(x) > x) is grows


@pytest.mark.slow
def test_schuessler_reproduction_figures() -> None:
    result = rep.schuessler()
    step = lambda x: schuessler_by_recursion(x, 1)[0] - x  # noqa: E731
    figures = {f.what: f.ours for f in result.figures}
    assert figures["invasion threshold: below it CONCO dies out"] == pytest.approx(
        brentq(step, 0.005, 0.3), abs=1e-8
    )
    assert figures["stable rest point: CONCO share ALL_D cannot reduce"] == pytest.approx(
        brentq(step, 0.5, 0.99), abs=1e-8
    )


# --- Fujiwara-Greve & Okuno-Fujiwara --------------------------------------------------------


@pytest.mark.parametrize("payoffs", rep.FGO_PAYOFFS)
def test_c1_is_stable_from_the_published_threshold(payoffs) -> None:
    R, _, T, P = payoffs.as_tuple()
    assert rep.fgo_threshold(1, payoffs) == pytest.approx(math.sqrt((T - R) / (R - P)), abs=1e-9)


@pytest.mark.slow
def test_c1_resists_every_memory_one_mutant_just_above_the_threshold() -> None:
    payoffs = rep.FGO_PAYOFFS[1]
    delta = math.sqrt((payoffs.T - payoffs.R) / (payoffs.R - payoffs.P))
    mutants = rep.fgo_mutants(1)
    assert len(mutants) == 162 + 3 + 1
    above, _ = rep.fgo_best_gain(1, delta + 0.001, payoffs, mutants)
    below, _ = rep.fgo_best_gain(1, delta - 0.001, payoffs, mutants)
    assert above <= 1e-12 < below


def bimorphic_by_hand(delta: float, R: float, S: float, T: float, P: float) -> tuple[float, float]:
    """c_0 / d_0 shares alpha where both earn the same per period. d_0 is single at the
    start of every period; c_0 singles s solve alpha = s (1 + q (L - 1)) with q = s / (s + 1 - alpha)
    the pool's share of c_0 and L = 1 / (1 - delta^2) the length of a c_0 pair."""
    L = 1 / (1 - delta * delta)

    def gap(alpha: float) -> float:
        s = brentq(lambda s: s * (1 + s / (s + 1 - alpha) * (L - 1)) - alpha, 0.0, alpha)
        q = s / (s + 1 - alpha)
        c0 = s * (q * R * L + (1 - q) * S) / alpha
        d0 = q * T + (1 - q) * P
        return c0 - d0

    return brentq(gap, 1e-6, 0.5), brentq(gap, 0.5, 1 - 1e-6)


def test_c0_d0_bimorphic_steady_states() -> None:
    payoffs = rep.FGO_PAYOFFS[0]
    low, high = rep.fgo_bimorphic_shares(rep.FGO_DELTA, payoffs)
    assert (low, high) == pytest.approx(bimorphic_by_hand(rep.FGO_DELTA, *payoffs.as_tuple()), abs=1e-9)
    # The upper one attracts death-birth dynamics from both sides; below the lower one c_0 dies out.
    assert rep.fgo_dynamics(high + 0.05, rep.FGO_DELTA, payoffs, 1500) == pytest.approx(high, abs=1e-6)
    assert rep.fgo_dynamics(low - 0.05, rep.FGO_DELTA, payoffs, 1500) < 1e-6


@pytest.mark.slow
def test_fujiwara_greve_reproduction_figures() -> None:
    result = rep.fujiwara_greve()
    checked = [f for f in result.figures if f.expected is not None]
    assert len(checked) == 2 and all(f.agrees for f in checked)


# --- The principle of least interest --------------------------------------------------------


def test_least_interest_pool_by_hand() -> None:
    """Least Interest and Out-for-Tat, half each; class h (30 %, v = 2) and l (v = 0.5);
    meet 1, breakup b, no noise. Least Interest withholds only as the less dependent partner
    of a mixed couple, so: (LI,h)-(OfT,l) plays DC once and Out-for-Tat leaves (unless
    broken first); (LI,h)-(LI,l) plays DC until broken; every other couple cooperates
    until broken."""
    from powergame.population.mean_field_steady import steady_state

    b, R, S, T = 0.05, 3.0, 0.0, 5.0
    model = rep.least_interest_model(
        1.5, names=("Least Interest", "Out-for-Tat"), meet=1.0, breakup=b, noise=0.0
    )
    steady = steady_state(model)
    types = [("LI", "h"), ("LI", "l"), ("OfT", "h"), ("OfT", "l")]  # the pool's type order
    mass = np.array([0.5 * 0.3, 0.5 * 0.7, 0.5 * 0.3, 0.5 * 0.7])
    short = {(("LI", "h"), ("OfT", "l")), (("OfT", "l"), ("LI", "h"))}
    length = np.array([[1.0 if (a, c) in short else 1 / b for c in types] for a in types])

    def per_round(a, c):  # what a earns per round with partner c
        if a == ("LI", "h") and c[1] == "l":
            return T
        if c == ("LI", "h") and a[1] == "l":
            return S
        return R

    earned = np.array(
        [[per_round(a, c) * length[i, j] for j, c in enumerate(types)] for i, a in enumerate(types)]
    )
    leaves = np.array(
        [[(1 - b) if (a, c) == (("OfT", "l"), ("LI", "h")) else 0.0 for c in types] for a in types]
    )

    def pool(s):
        q = s / s.sum()
        return s * (1 + (length - 1) @ q) - mass

    from scipy.optimize import fsolve

    s = fsolve(pool, mass / 5, xtol=1e-14)
    q = s / s.sum()
    assert steady.singles == pytest.approx(s, abs=1e-10)
    assert steady.in_couple_payoff == pytest.approx((earned @ q) / (length @ q), abs=1e-10)
    assert steady.leave_rate == pytest.approx(s * (leaves @ q) / mass, abs=1e-10)
    high, low = steady.by_class(steady.in_couple_payoff)
    assert high > low  # the better-option class earns more together ...
    high_leaves, low_leaves = steady.by_class(steady.leave_rate)
    assert high_leaves < low_leaves  # ... and is the one walked away from, here


def test_least_interest_figures_move_with_the_gap() -> None:
    result = {f.what: f.ours for f in rep.least_interest().figures}
    assert result["gap 0: earns per round together, better-option class minus other"] == pytest.approx(
        0, abs=1e-12
    )
    together = [
        result[f"gap {g:g}: earns per round together, better-option class minus other"] for g in (0.5, 2)
    ]
    assert together[0] == pytest.approx(together[1]) and together[0] > 0.1  # power, not its size, decides
    premium = [
        result[f"gap {g:g}: value of being single - v, better-option class minus other"] for g in (0.5, 1, 2)
    ]
    assert premium[0] > premium[1] > premium[2]  # the pool adds less to a better option
