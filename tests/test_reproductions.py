"""Reproductions of published results (docs/reproductions.md): each figure against the
paper's closed form or a value derived here, independently of the mean-field code."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from powergame.tournaments import reproductions as rep
from powergame.tournaments import reproductions_izquierdo as rep_iz

# --- Schüssler ------------------------------------------------------------------------------


def schuessler_by_recursion(conco: float, generations: int, exit_: float = 0.05) -> list[float]:
    """The pool written out for two strategies: couples CC (CONCO pairs), CD, DD as masses
    of couples; every round CC pairs survive the forced exit, every other couple ends, and
    the pool pairs at random."""
    R, S, T, P = 4.0, 1.0, 6.0, 2.0
    rounds = 200
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


# CoopSim's published figure of this setting: RPD_with_exit_option/Schuessler_RPD_1.eps in
# github.com/jecki/CoopSim, written by RPD_with_exit_option.py (same payoffs, forced exit,
# rounds, start 0.5). The pixel rows of its two curves at generations 0..50; PyPlotter maps a
# share y to the row int(484 y + 69 + 0.5), so each row pins the share to half a pixel.
COOPSIM_QUIT_FOR_TAT_ROWS = (
    311, 338, 363, 385, 404, 421, 434, 445, 454, 462, 468, 473, 477, 481, 484, 486, 488,
    490, 491, 493, 494, 494, 495, 496, 496, 497, 497, 497, 498, 498, 498, 498, 499, 499,
    499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499, 499,
)  # fmt: skip
COOPSIM_HAWK_ROWS = (
    311, 284, 259, 237, 218, 201, 188, 177, 168, 160, 154, 149, 145, 141, 138, 136, 134,
    132, 131, 129, 128, 128, 127, 126, 126, 125, 125, 125, 124, 124, 124, 124, 123, 123,
    123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123, 123,
)  # fmt: skip
COOPSIM_ROW_OF_ZERO, COOPSIM_ROWS_PER_UNIT = 69, 484  # the axis at share 0 and 1 (row 553)


def test_schuessler_matches_coopsim_published_curve() -> None:
    """All 51 generations of CONCO (QUIT FOR TAT) and ALL_D (HAWK) on CoopSim's plot,
    within the plot's resolution: half a pixel, 0.5 / 484 = 0.001 of a share."""
    ours = [0.5, *rep.schuessler_trajectory(0.5, 50)]
    half_pixel = 0.5 / COOPSIM_ROWS_PER_UNIT + 1e-9
    for conco, green, red in zip(ours, COOPSIM_QUIT_FOR_TAT_ROWS, COOPSIM_HAWK_ROWS, strict=True):
        assert abs(conco - (green - COOPSIM_ROW_OF_ZERO) / COOPSIM_ROWS_PER_UNIT) <= half_pixel
        assert abs((1 - conco) - (red - COOPSIM_ROW_OF_ZERO) / COOPSIM_ROWS_PER_UNIT) <= half_pixel


def test_schuessler_cooperation_collapses_with_forced_exit_0_2() -> None:
    """E. Arnold, on the same program: with forced exit 0.2 instead of 0.05 cooperation
    collapses. CONCO loses share in every generation from 0.5 and is gone after 50."""
    from powergame.population.mean_field import MeanFieldPool

    model = dataclasses.replace(rep.schuessler_model(0.5), breakup=0.2)
    run = MeanFieldPool(model).run(rep.SCHUESSLER_ROUNDS * 50, record_every=rep.SCHUESSLER_ROUNDS)
    shares = [0.5, *(float(r.shares[0]) for r in run.records)]
    assert all(later < earlier for earlier, later in itertools.pairwise(shares))
    assert shares[-1] < 1e-3
    assert shares[1:6] == pytest.approx(schuessler_by_recursion(0.5, 5, exit_=0.2), abs=1e-12)


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


def leave_below_pool_by_hand(gap: float, b: float) -> dict[str, np.ndarray]:
    """Loyal | Leave Below Outside Option(window=2) ("L") and Hot and Cold(hot=1) ("H"),
    half each; class h (30 %, v = 0.5 + gap) and l (v = 0.5); meet 1, breakup b, no noise.
    H plays C, D, C, D, ... whoever it meets and never leaves; L cooperates and leaves once
    the last two rounds paid less than its v on average. With H it is paid 3, 0, 3, 0, ...:
    a window's mean is 1.5, so L of class h leaves after round 2 when 0.5 + gap > 1.5; with
    L it is paid 3 a round, below v only for gap > 2.5 (not used here)."""
    types = [("L", "h"), ("L", "l"), ("H", "h"), ("H", "l")]  # the pool's type order
    mass = np.array([0.5 * 0.3, 0.5 * 0.7, 0.5 * 0.3, 0.5 * 0.7])
    leaves_h = 0.5 + gap > 1.5
    r = 1 - b  # a relationship survives a tick's breakup

    def alternating(first: float, second: float) -> float:  # sum_t r^(t-1) pi_t, pi = first, second, ...
        return (first + r * second) / (1 - r * r)

    def pair(a: tuple[str, str], c: tuple[str, str]) -> tuple[float, float, float]:
        """(rounds together, a's payoff in all, chance that a leaves) for a with partner c."""
        short = (a == ("L", "h") and c[0] == "H") or (c == ("L", "h") and a[0] == "H")
        if short and leaves_h:  # rounds 1 and 2 (the second if not broken after the first)
            paid = 3.0 + r * (0.0 if a[0] == "L" else 5.0)
            return 1 + r, paid, r * r if a[0] == "L" else 0.0
        if a[0] == "L" and c[0] == "L":
            return 1 / b, 3 / b, 0.0
        if a[0] == "H" and c[0] == "H":
            return 1 / b, alternating(3, 1), 0.0
        return 1 / b, alternating(3, 0) if a[0] == "L" else alternating(3, 5), 0.0

    figures = np.array([[pair(a, c) for c in types] for a in types])  # (4, 4, 3)
    length, earned, leaves = figures[..., 0], figures[..., 1], figures[..., 2]
    from scipy.optimize import fsolve

    singles = fsolve(lambda s: s * (1 + (length - 1) @ (s / s.sum())) - mass, mass / 5, xtol=1e-14)
    q = singles / singles.sum()
    together = (earned @ q) / (length @ q)
    leave_rate = singles * (leaves @ q) / mass

    def by_class(values: np.ndarray) -> np.ndarray:  # h, l: averaged over the class's agents
        return np.array([np.average(values[k::2], weights=mass[k::2]) for k in (0, 1)])

    return {
        "singles": singles,
        "together": together,
        "leave_rate": leave_rate,
        "leaves by class": by_class(leave_rate),
        "together by class": by_class(together),
    }


@pytest.mark.parametrize("gap", [1.0, 1.5])
def test_leave_below_outside_option_pool_by_hand(gap: float) -> None:
    from powergame.population.mean_field_steady import steady_state

    b = 0.05
    model = rep.least_interest_model(
        gap,
        names=("Loyal | Leave Below Outside Option(window=2)", "Hot and Cold(hot=1, cold=1)"),
        meet=1.0,
        breakup=b,
        noise=0.0,
    )
    steady = steady_state(model)
    hand = leave_below_pool_by_hand(gap, b)
    assert steady.singles == pytest.approx(hand["singles"], abs=1e-10)
    assert steady.in_couple_payoff == pytest.approx(hand["together"], abs=1e-10)
    assert steady.leave_rate == pytest.approx(hand["leave_rate"], abs=1e-10)
    high, low = steady.by_class(steady.leave_rate)
    if gap > 1:  # v = 2 > 1.5: the better-option class leaves, the other never does
        assert high > 0 and low == 0
        assert (high, low) == pytest.approx(tuple(hand["leaves by class"]), abs=1e-12)
    else:  # v = 1.5 is not below the window's mean 1.5: nobody leaves
        assert high == low == 0


def test_least_interest_figures_move_with_the_gap() -> None:
    result = {f.what: f.ours for f in rep.least_interest().figures}

    def figure(gap: float, what: str, entry_only: bool = False) -> float:
        if entry_only:
            return result[f"gap {gap:g}, no exit rule reads v: {what}, better-option class minus other"]
        return result[f"gap {gap:g}: {what}, better-option class minus other"]

    leaves, together = "leaves (per 100 ticks)", "earns per round together"
    assert figure(0, together) == pytest.approx(0, abs=1e-12)
    assert figure(0, leaves) == pytest.approx(0, abs=1e-12)
    # Within couples the better option pays while v is below R = 3 ...
    assert all(figure(g, together) > 0.1 for g in (0.5, 1, 1.5, 2))
    # ... and leaving follows v across the window means of the exit rules: below 1.5 the
    # better-option class leaves less (it is the one walked away from), above it more.
    assert figure(0.5, leaves) < 0 and figure(1, leaves) < 0
    assert figure(1.5, leaves) > 0.2 and figure(2, leaves) > 0.2
    # With v above R even mutual cooperation is left: much more leaving, and less earned
    # per round together (more first rounds with strangers).
    assert figure(3, leaves) > 10 * figure(2, leaves) and figure(3, together) < 0
    # Without the rules that read v, the better-option class leaves less at every gap.
    assert all(figure(g, leaves, entry_only=True) < 0 for g in (0.5, 1, 1.5, 2, 3))
    premium = [figure(g, "value of being single - v") for g in (0.5, 1, 2)]
    assert premium[0] > premium[1] > premium[2]  # the pool adds less to a better option


# --- LeLeLe (Izquierdo, Izquierdo & Vega-Redondo 2010) ---------------------------------------

LELELE = ("CSS", "CSL", "CLS", "CLL", "DSS", "DSL", "DLS", "DLL")


def lelele_by_hand(life: float, ticks: int, mutation: float = 0.05) -> list[tuple[float, np.ndarray]]:
    """LeLeLe's tick for masses, in LeLeLe's own order: every single is matched, pairs
    play, whoever is set to leave on the partner's move leaves, every agent dies with
    1/life and the newborns copy a strategy in proportion to the tick's total payoffs of
    its users (mutation: uniform over the eight). Per tick: the share of CC couples and
    the strategy shares at play."""
    coop = np.array([name[0] == "C" for name in LELELE])
    R, S, T, P = 3.0, 0.0, 4.0, 1.0
    pay = np.where(coop[:, None], np.where(coop[None, :], R, S), np.where(coop[None, :], T, P))
    leaves = np.array([[(name[1] if coop[j] else name[2]) == "L" for j in range(8)] for name in LELELE])
    stay = ~leaves & ~leaves.T
    d = 1 / life
    singles, pairs = np.full(8, 1 / 8), np.zeros((8, 8))  # pairs[i, j]: i-agents with a j partner
    out = []
    for _ in range(ticks):
        pairs = pairs + np.outer(singles, singles) / singles.sum()
        mass = pairs.sum(axis=1)
        earned = (pairs * pay).sum(axis=1)
        out.append(((pairs * np.outer(coop, coop)).sum() / pairs.sum(), mass))
        newborn = (1 - mutation) * earned / earned.sum() + mutation / 8
        pairs = pairs * stay * (1 - d) ** 2  # nobody left, both survived
        singles = (1 - d) * mass - pairs.sum(axis=1) + d * newborn
    return out


def test_lelele_codes_are_the_eight_strategies() -> None:
    codes = [rep_iz.lelele_code(name) for name in LELELE]
    assert codes == ["CCCCC", "CCLCL", "CLCLC", "CLLLL", "DDDDD", "DDLDL", "DLDLD", "DLLLL"]


@pytest.mark.parametrize("life", [5, 25])
def test_lelele_pool_follows_the_mean_dynamics_written_out(life: int) -> None:
    from powergame.population.mean_field import MeanFieldPool

    ticks = 800
    ours = MeanFieldPool(rep_iz.lelele_model(life)).run(ticks).records
    hand = lelele_by_hand(life, ticks)
    assert max(abs(r.cc - h[0]) for r, h in zip(ours, hand)) < 1e-12
    assert max(np.abs(r.played_shares - h[1]).max() for r, h in zip(ours, hand)) < 1e-12


@pytest.mark.slow
def test_lelele_reproduction_figures() -> None:
    ticks, window = rep_iz.LELELE_TICKS, rep_iz.LELELE_WINDOW
    figures = rep_iz.lelele().figures
    assert len(figures) == len(rep_iz.LELELE_LIVES)
    expected = []
    for life, figure in zip(rep_iz.LELELE_LIVES, figures):
        tail = lelele_by_hand(life, ticks)[-window:]
        cc = sum(h[0] for h in tail) / window
        assert figure.ours == pytest.approx(cc, abs=1e-9)
        expected.append(cc)
    # the paper's statement on the independent derivation: no cooperation with short lives,
    # most couples cooperate with long ones, more the longer
    assert max(expected[:3]) < 0.01 and 0.5 < expected[3] < expected[4] < expected[5]


# The LeLeLe model's own regimes (LeLeLe.nlogo, github.com/luis-r-izquierdo/LeLeLe, interface
# defaults, with expected-life 25): the cc-regime is a tick whose share of CC outcomes lies in
# [0.62, 0.82], the dd-regime one whose share of DD outcomes lies in [0.80, 1.00]; the model
# counts the transitions between them.
LELELE_CC_REGIME, LELELE_DD_REGIME = (0.62, 0.82), (0.80, 1.00)


def lelele_rest(life: float, start: str | None, ticks: int = 3000, window: int = 500) -> tuple[float, float]:
    """Mean CC and DD shares of the couples over the last ``window`` ticks, from equal shares
    or from a population of ``start`` alone (LeLeLe's initial-strategy)."""
    model = rep_iz.lelele_model(life)
    if start is not None:
        shares = tuple(float(name == start) for name in rep_iz.LELELE_NAMES)
        model = dataclasses.replace(model, initial_shares=shares)
    _, _, tail = rep_iz.long_run(model, ticks, window)
    return (sum(r.cc for r in tail.records) / window, sum(r.dd for r in tail.records) / window)


def test_lelele_both_published_regimes_are_rest_points_at_the_default_life() -> None:
    """At the model's default expected life 25 the mean field has two attractors, one in
    each of the model's regimes: from equal shares the cooperative one, from a population of
    defectors who stay with cooperators (DSL) the defective one. A finite population drifts
    between the two, which is what the model's regime counters measure."""
    cc, _ = lelele_rest(25, None)
    assert LELELE_CC_REGIME[0] <= cc <= LELELE_CC_REGIME[1]
    cc_from_dsl, dd_from_dsl = lelele_rest(25, "DSL")
    assert LELELE_DD_REGIME[0] <= dd_from_dsl <= LELELE_DD_REGIME[1] and cc_from_dsl < 0.01


@pytest.mark.slow
def test_lelele_regimes_against_expected_life() -> None:
    """Short lives: only the defective regime, from either start; long lives: cooperation
    from either start (the defective attractor is gone)."""
    for life in (2, 5, 10):
        for start in (None, "DSL"):
            assert lelele_rest(life, start)[1] >= LELELE_DD_REGIME[0]
    for life in (50, 100):
        assert lelele_rest(life, "DSL")[0] > 0.75


# --- ES-1-outcome (Izquierdo, Izquierdo & Boyd 2025) -----------------------------------------


def es1_by_hand(with_leave: bool, ticks: int, window: int = 1) -> tuple[list[str], list[float], np.ndarray]:
    """ES-1-outcome's tick for masses: couples by (own code, partner's code, the last
    outcome as the first saw it, or a new couple). All singles are matched; each action is
    flipped with 5 %; 1/20 of the couples break, and their members revise with 0.1 (5 %: a
    code one letter away, uniformly; else a code in proportion to its users' total payoff);
    a couple ends when either partner's letter for the outcome is L. Returns the codes, the
    share of CC couples per tick, and the strategy shares at play averaged over the last
    ``window`` ticks (at the end of each tick, as the pool reports them)."""
    breakup, noise, revision, experiment = 0.05, 0.05, 0.1, 0.05
    letters = "CDL" if with_leave else "CD"
    codes = [first + "".join(rest) for first in "CD" for rest in itertools.product(letters, repeat=4)]
    n = len(codes)
    index = {code: i for i, code in enumerate(codes)}
    neighbours = np.zeros((n, n))
    for i, code in enumerate(codes):
        for gene in range(5):
            others = [x for x in ("CD" if gene == 0 else letters) if x != code[gene]]
            for x in others:
                neighbours[i, index[code[:gene] + x + code[gene + 1 :]]] += 1 / (5 * len(others))
    pay = np.array([3.0, 0.0, 4.0, 1.0])  # CC, CD, DC, DD as the first saw it
    intend = np.array([[code[k] == "C" for k in range(5)] for code in codes])  # state 0: new
    p_own = np.where(intend, 1 - noise, noise)[:, None, :]
    p_other = np.where(intend, 1 - noise, noise)[None, :, [0, 1, 3, 2, 4]]  # partner's CD is my DC
    q = np.stack(
        [p_own * p_other, p_own * (1 - p_other), (1 - p_own) * p_other, (1 - p_own) * (1 - p_other)], axis=-1
    )  # (n, n, 5 states, 4 outcomes)
    expected_pay = q @ pay
    leave = np.array([[code[k] == "L" for k in range(1, 5)] for code in codes])
    ends = leave[:, None, :] | leave[None, :, [0, 2, 1, 3]]
    singles, couples = np.full(n, 1 / n), np.zeros((n, n, 5))
    cc, shares = [], np.zeros(n)
    for t in range(ticks):
        couples[:, :, 0] += np.outer(singles, singles) / singles.sum()
        by_outcome = np.einsum("ijk,ijko->ijo", couples, q)
        cc.append(by_outcome[..., 0].sum() / by_outcome.sum())
        mass = couples.sum(axis=(1, 2))
        earned = (couples * expected_pay).sum(axis=(1, 2))
        revisers = revision * breakup * mass
        singles = (breakup - revision * breakup) * mass
        singles += revisers @ (experiment * neighbours + (1 - experiment) * earned / earned.sum())
        kept = (1 - breakup) * by_outcome
        couples = np.zeros((n, n, 5))
        couples[:, :, 1:] = np.where(ends, 0.0, kept)
        singles += np.where(ends, kept, 0.0).sum(axis=(1, 2))
        if t >= ticks - window:
            shares += (singles + couples.sum(axis=(1, 2))) / window
    return codes, cc, shares


def test_es1_pool_follows_the_mean_dynamics_written_out() -> None:
    from powergame.population.mean_field import MeanFieldPool

    ticks = 300
    model = rep_iz.es1_model(with_leave=False)
    ours = MeanFieldPool(model).run(ticks).records
    codes, cc, shares = es1_by_hand(False, ticks)
    assert list(model.names) == codes
    assert max(abs(r.cc - h) for r, h in zip(ours, cc)) < 1e-12
    assert np.abs(ours[-1].shares - shares).max() < 1e-12


@pytest.mark.slow
def test_es1_with_the_option_to_leave_follows_the_mean_dynamics_written_out() -> None:
    from powergame.population.mean_field import MeanFieldPool

    ticks = 100
    ours = MeanFieldPool(rep_iz.es1_model(with_leave=True)).run(ticks).records
    _, cc, shares = es1_by_hand(True, ticks)
    assert max(abs(r.cc - h) for r, h in zip(ours, cc)) < 1e-12
    assert np.abs(ours[-1].shares - shares).max() < 1e-12


@pytest.mark.slow
def test_es1_reproduction_figures() -> None:
    ticks, window = rep_iz.ES1_TICKS, rep_iz.ES1_WINDOW
    figures = {f.what: f.ours for f in rep_iz.es1().figures}
    found = {}
    for with_leave, label in ((True, rep_iz.ES1_LABELS[True]), (False, rep_iz.ES1_LABELS[False])):
        codes, cc, shares = es1_by_hand(with_leave, ticks, window)
        expected_cc = sum(cc[-window:]) / window
        assert figures[f"{label}: share of CC couples"] == pytest.approx(expected_cc, abs=1e-9)
        for rank, i in enumerate(np.argsort(-shares)[:5], start=1):
            name = "-".join(codes[i])
            assert figures[f"{label}: share of the {rank}. most common code, {name}"] == pytest.approx(
                shares[i], abs=1e-9
            )
        found[with_leave] = (expected_cc, sum(s for c, s in zip(codes, shares) if "L" not in c))
    # the paper's statements on the independent derivation: more cooperation with the
    # option to leave, and codes that never leave nearly gone when they may
    assert found[True][0] > found[False][0] + 0.2
    assert found[True][1] < 0.1


def es1_notebook_gain(b: float, error: float, delta: float) -> float:
    """F_j(e_i) - F_i(e_i) for i = D-C-D-C-C, j = D-C-D-D-C: what a rare j earns per tick
    more than the residents in a population of i, with R, S, T, P = b, 0, b + 1, 1, action
    error ``error`` and a partnership going on with ``delta``. The closed form the authors'
    Mathematica file derives (ES-1-outcome, mathematica-supporting-files/
    proposition-1-proof-assistant.nb, Out[41])."""
    e, d = error, delta
    numerator = (
        d
        * (e - 1)
        * e
        * (2 * e - 1)
        * (-1 + d * (2 * e - 1) * (-1 + (b - 1) * d * (1 - 2 * e) ** 2 - (b - 3) * e))
    )
    return -numerator / ((-1 + d * (1 - 2 * e) ** 2) * (-1 + d * e * (2 * e - 1)))


def test_es1_published_closed_form_for_a_rare_mutant() -> None:
    """Our pool against the authors' closed form on a grid of their assumptions (b > 1,
    delta (1 - 2 error)^2 > error); their Reduce finds the gain positive on all of it, so
    D-C-D-C-C is never a Nash strategy: so do we, at every point."""
    from powergame.game import StagePayoffs
    from powergame.population.mean_field import PoolModel
    from powergame.population.mean_field_steady import steady_state

    resident, mutant = rep.table("M1(code=DCDCC)"), rep.table("M1(code=DCDDC)")
    checked = 0
    for b, error, delta in itertools.product(
        (1.2, 2.0, 3.0, 5.0), (0.01, 0.05, 0.1, 0.2), (0.5, 0.8, 0.95, 0.99)
    ):
        if delta * (1 - 2 * error) ** 2 <= error:
            continue
        model = PoolModel(
            tables=(resident, mutant),
            initial_shares=(1.0, 0.0),  # a mutant of mass 0 meets only residents
            payoffs=StagePayoffs(R=b, S=0, T=b + 1, P=1),
            noise=error,
            meet=1.0,
            breakup=1 - delta,
        )
        pairs = steady_state(model).pairs
        # every single is matched at once, so a payoff per tick is a partnership's total over its length
        gain = pairs.payoff[1, 0] / pairs.length[1, 0] - pairs.payoff[0, 0] / pairs.length[0, 0]
        assert gain == pytest.approx(es1_notebook_gain(b, error, delta), abs=1e-12)
        assert gain > 0
        checked += 1
    assert checked == 60


def test_long_run_reports_every_tick_and_averages_the_last_ones() -> None:
    done: list[int] = []
    cc, shares, tail = rep_iz.long_run(rep_iz.lelele_model(25), 40, 5, done.append)
    assert sum(done) == 40 and len(tail.records) == 5
    hand = lelele_by_hand(25, 40)
    assert cc == pytest.approx(sum(h[0] for h in hand[-5:]) / 5, abs=1e-12)
    assert sum(shares) == pytest.approx(1.0)
