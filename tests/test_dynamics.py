"""Evolutionary dynamics: every number checked against one worked out independently here
(closed forms, an absorbing chain solved by linear algebra, a stationary distribution
worked by hand, textbook fixed points)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame.errors import ParameterError
from powergame.tournaments import fixation, replicator, stability
from powergame.tournaments.dynamics import DynamicsSettings, analyse
from powergame.tournaments.dynamics_files import parse_shares
from powergame.tournaments.invasion import invasion_graph, write_graphml
from powergame.tournaments.payoff_matrix import from_bimatrix, from_matrix, payoffs_from_matches


# --- fixation probabilities ---------------------------------------------------------------
@pytest.mark.parametrize(("n_pop", "beta", "delta"), [(10, 0.5, 1.0), (25, 0.1, -2.0), (3, 2.0, 0.5)])
def test_fermi_fixation_under_constant_selection_matches_the_closed_form(n_pop, beta, delta):
    # A mutant earning delta more than the resident whatever the mix: T-/T+ = exp(-beta delta)
    # for every k, so rho = (1 - e^{-beta delta}) / (1 - e^{-N beta delta}) (Traulsen et al. 2006).
    m = np.array([[1.0, 1.0], [1.0 + delta, 1.0 + delta]])
    rho = fixation.fixation_probabilities(m, n_pop, "fermi", beta=beta)
    q = math.exp(-beta * delta)
    assert rho[0, 1] == pytest.approx((1 - q) / (1 - q**n_pop), rel=1e-12)
    q_back = math.exp(beta * delta)
    assert rho[1, 0] == pytest.approx((1 - q_back) / (1 - q_back**n_pop), rel=1e-12)


@pytest.mark.parametrize(("n_pop", "r"), [(10, 1.5), (50, 1.1), (4, 0.6)])
def test_moran_fixation_with_constant_fitness_matches_the_closed_form(n_pop, r):
    # fitness = payoff (w = 1): mutant r, resident 1 -> rho = (1 - 1/r) / (1 - 1/r^N) (Nowak 2006, eq. 6.4)
    m = np.array([[1.0, 1.0], [r, r]])
    rho = fixation.fixation_probabilities(m, n_pop, "moran", w=1.0)
    assert rho[0, 1] == pytest.approx((1 - 1 / r) / (1 - 1 / r**n_pop), rel=1e-12)


def _absorption_by_linear_algebra(m, n_pop, resident, mutant, ratio_of):
    """The chance a single mutant takes over, from the birth-death chain's transition matrix
    solved as a linear system (no product formula)."""
    chain = np.zeros((n_pop + 1, n_pop + 1))
    for k in range(1, n_pop):
        pj = ((k - 1) * m[mutant, mutant] + (n_pop - k) * m[mutant, resident]) / (n_pop - 1)
        pi = (k * m[resident, mutant] + (n_pop - k - 1) * m[resident, resident]) / (n_pop - 1)
        up, down = ratio_of(k, pj, pi)
        chain[k, k + 1], chain[k, k - 1], chain[k, k] = up, down, 1 - up - down
    chain[0, 0] = chain[n_pop, n_pop] = 1.0
    system = np.eye(n_pop + 1) - chain
    system[0], system[n_pop] = 0.0, 0.0
    system[0, 0] = system[n_pop, n_pop] = 1.0
    target = np.zeros(n_pop + 1)
    target[n_pop] = 1.0
    return np.linalg.solve(system, target)[1]


@pytest.mark.parametrize("n_pop", [2, 3, 8, 20])
def test_fixation_in_a_2x2_game_matches_the_absorbing_chain(n_pop):
    m = np.array([[3.0, 0.5], [4.0, 1.0]])  # frequency dependent
    beta, w = 0.7, 0.3

    def fermi(k, pj, pi):
        move = k / n_pop * (n_pop - k) / n_pop
        return move / (1 + math.exp(-beta * (pj - pi))), move / (1 + math.exp(beta * (pj - pi)))

    def moran(k, pj, pi):
        fj, fi = 1 - w + w * pj, 1 - w + w * pi
        total = k * fj + (n_pop - k) * fi
        return k * fj / total * (n_pop - k) / n_pop, (n_pop - k) * fi / total * k / n_pop

    rho_f = fixation.fixation_probabilities(m, n_pop, "fermi", beta=beta)
    rho_m = fixation.fixation_probabilities(m, n_pop, "moran", w=w)
    for resident, mutant in ((0, 1), (1, 0)):
        expected_f = _absorption_by_linear_algebra(m, n_pop, resident, mutant, fermi)
        expected_m = _absorption_by_linear_algebra(m, n_pop, resident, mutant, moran)
        assert rho_f[resident, mutant] == pytest.approx(expected_f, rel=1e-9)
        assert rho_m[resident, mutant] == pytest.approx(expected_m, rel=1e-9)


def test_two_players_fix_by_the_fermi_rule_itself():
    # N = 2: one step decides, rho = 1 / (1 + exp(-beta (m[j, i] - m[i, j]))).
    m = np.array([[0.0, 2.0], [3.0, 7.0]])
    rho = fixation.fixation_probabilities(m, 2, "fermi", beta=0.4)
    assert rho[0, 1] == pytest.approx(1 / (1 + math.exp(-0.4 * (3.0 - 2.0))))


@pytest.mark.parametrize(("b", "favoured"), [(0.9, False), (1.1, True)])
def test_weak_selection_follows_the_condition_of_nowak_et_al_2004(b, favoured):
    # Mutant A in a population of B, payoffs a (A-A), b (A-B), c (B-A), d (B-B). Under weak
    # selection rho_A > 1/N iff a(N-2) + b(2N-1) > c(N+1) + d(2N-4) (Nowak, Sasaki, Taylor &
    # Fudenberg 2004, Nature 428:646). With a, c, d = 3, 1, 2 and N = 20 the boundary is b = 1.
    a, c, d, n_pop = 3.0, 1.0, 2.0, 20
    assert (a * (n_pop - 2) + b * (2 * n_pop - 1) > c * (n_pop + 1) + d * (2 * n_pop - 4)) == favoured
    m = np.array([[d, c], [b, a]])  # index 0 is B (resident), 1 is A (mutant)
    moran = fixation.fixation_probabilities(m, n_pop, "moran", w=1e-3)
    fermi = fixation.fixation_probabilities(m, n_pop, "fermi", beta=1e-3)
    assert (moran[0, 1] > 1 / n_pop) == favoured
    assert (fermi[0, 1] > 1 / n_pop) == favoured


@pytest.mark.parametrize("n_pop", [2, 7, 100])
def test_neutral_drift_fixes_with_one_over_n(n_pop):
    m = np.array([[3.0, 0.0, 2.0], [5.0, 1.0, 0.5], [1.0, 4.0, 2.5]])
    assert np.allclose(fixation.fixation_probabilities(m, n_pop, "fermi", beta=0.0), 1 / n_pop, rtol=1e-12)
    assert np.allclose(fixation.fixation_probabilities(m, n_pop, "moran", w=0.0), 1 / n_pop, rtol=1e-12)


def test_strong_selection_keeps_precision_in_log_space():
    m = np.array([[1.0, 1.0], [6.0, 6.0]])  # mutant 5 ahead, N = 200, beta = 5
    rho = fixation.fixation_probabilities(m, 200, "fermi", beta=5.0)
    # back-invasion: (1 - e^{25}) / (1 - e^{25 * 200}) ~ e^{25 - 5000}... underflows to 0 but never NaN
    assert rho[0, 1] == pytest.approx(1 - math.exp(-25.0), rel=1e-12)
    assert 0 <= rho[1, 0] < 1e-300


matrices = st.integers(2, 4).flatmap(
    lambda n: st.lists(st.floats(0.0, 5.0), min_size=n * n, max_size=n * n).map(
        lambda xs: np.array(xs).reshape(n, n)
    )
)


@settings(max_examples=60, deadline=None)
@given(matrices, st.integers(2, 30), st.floats(0.0, 3.0))
def test_fermi_ratio_of_fixation_probabilities(m, n_pop, beta):
    # rho[i, j] / rho[j, i] = exp(beta * sum_k (pi_j(k) - pi_i(k))) (Traulsen et al. 2006, eq. 4)
    rho = fixation.fixation_probabilities(m, n_pop, "fermi", beta=beta)
    assert ((rho > 0) & (rho <= 1)).all()
    i, j = 0, 1
    total = 0.0
    for k in range(1, n_pop):
        pj = ((k - 1) * m[j, j] + (n_pop - k) * m[j, i]) / (n_pop - 1)
        pi = (k * m[i, j] + (n_pop - k - 1) * m[i, i]) / (n_pop - 1)
        total += pj - pi
    assert math.log(rho[i, j]) - math.log(rho[j, i]) == pytest.approx(beta * total, abs=1e-8)


# --- stationary distribution ------------------------------------------------------------
def test_three_strategy_stationary_distribution_worked_by_hand():
    # N = 2, beta = ln 2, m[j, i] - m[i, j] = 1 whenever j > i: rho = 2/3 up the order, 1/3 down.
    # Embedded chain (mutant picked among the 2 others): from 0 to 1 and to 2 each 1/3; from 1
    # to 0 1/6, to 2 1/3; from 2 to 0 1/6, to 1 1/6. Balance: 4 p0 = p1 + p2, p2 = p0 + p1, so
    # p = (1, 3/2, 5/2) / 5 = (1/5, 3/10, 1/2).
    m = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    rho = fixation.fixation_probabilities(m, 2, "fermi", beta=math.log(2))
    assert rho[0, 1] == pytest.approx(2 / 3) and rho[2, 1] == pytest.approx(1 / 3)
    assert fixation.stationary_distribution(rho) == pytest.approx([1 / 5, 3 / 10, 1 / 2], rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(matrices, st.integers(2, 40), st.floats(0.0, 2.0))
def test_stationary_distribution_is_stationary(m, n_pop, beta):
    rho = fixation.fixation_probabilities(m, n_pop, "fermi", beta=beta)
    n = len(m)
    chain = rho / (n - 1)
    np.fill_diagonal(chain, 0.0)
    np.fill_diagonal(chain, 1 - chain.sum(axis=1))
    p = fixation.stationary_distribution(rho)
    assert p.sum() == pytest.approx(1.0) and (p >= 0).all()
    assert p @ chain == pytest.approx(p, abs=1e-10)


# --- replicator ---------------------------------------------------------------------------
@pytest.mark.parametrize(("v", "c"), [(2.0, 4.0), (1.0, 3.0), (3.0, 5.0)])
@pytest.mark.parametrize("continuous", [False, True])
def test_hawk_dove_replicator_settles_at_v_over_c_hawks(v, c, continuous):
    m = np.array([[(v - c) / 2, v], [0.0, v / 2]])
    run = replicator.continuous if continuous else replicator.discrete
    trajectory = run(m, 400, np.array([0.1, 0.9]), ("Hawk", "Dove"))
    assert trajectory.final[0] == pytest.approx(v / c, abs=1e-6)
    assert trajectory.shares.sum(axis=1) == pytest.approx(np.ones(401))


def test_discrete_replicator_is_axelrods_update():
    m = np.array([[3.0, 0.0], [5.0, 1.0]])
    x = np.array([0.6, 0.4])
    fitness = [3 * 0.6 + 0 * 0.4, 5 * 0.6 + 1 * 0.4]  # 1.8, 3.4
    mean = 0.6 * fitness[0] + 0.4 * fitness[1]
    step = replicator.discrete(m, 1, x).shares[1]
    assert step == pytest.approx([0.6 * 1.8 / mean, 0.4 * 3.4 / mean])


@settings(max_examples=40, deadline=None)
@given(matrices, st.booleans())
def test_replicator_stays_on_the_simplex(m, is_continuous):
    trajectory = replicator.one_population(m - 1.0, 30, is_continuous=is_continuous)  # some payoffs negative
    assert (trajectory.shares >= 0).all()
    assert trajectory.shares.sum(axis=1) == pytest.approx(np.ones(31))


def test_two_populations_converge_to_different_strategies():
    # A's best answer to anything is strategy 0, B's is strategy 1 (the bimatrix's only strict Nash pair).
    a = np.array([[4.0, 3.0], [1.0, 2.0]])
    b = np.array([[1.0, 2.0], [0.5, 3.0]])
    role_a, role_b = replicator.two_populations(a, b, 300, strategies=("x", "y"))
    assert role_a.converged_to() == "x" and role_b.converged_to() == "y"
    assert stability.strict_nash_pairs(a, b) == [(0, 1)]


# --- stability ----------------------------------------------------------------------------
def test_nash_strict_nash_and_ess_on_textbook_games():
    dilemma = stability.symmetric_stability(np.array([[3.0, 0.0], [5.0, 1.0]]))
    assert dilemma["strict_nash"].tolist() == [False, True] and dilemma["ess"].tolist() == [False, True]
    # m[0,0] == m[1,0] but m[0,1] > m[1,1]: an ESS that is not a strict Nash equilibrium
    tie = stability.symmetric_stability(np.array([[1.0, 1.0], [1.0, 0.0]]))
    assert tie.loc[0].tolist() == [True, False, True]
    hawk_dove = stability.symmetric_stability(np.array([[-1.0, 2.0], [0.0, 1.0]]))
    assert not hawk_dove["nash"].any()


def test_unbeatable_means_no_mutant_beats_one_over_n():
    rho = np.array([[0.1, 0.05, 0.1], [0.3, 0.1, 0.02], [0.09, 0.099, 0.1]])
    assert stability.unbeatable(rho, 10).tolist() == [True, False, True]


# --- payoff matrix ------------------------------------------------------------------------
def _rows(a, b, scores):
    return [{"strategy_a": a, "strategy_b": b, "score_a": sa, "score_b": sb} for sa, sb in scores]


def test_payoff_matrix_means_and_standard_errors_from_simulated_matches():
    rows = (
        _rows("X", "X", [(3, 3), (2, 2.5), (3, 3)])
        + _rows("X", "Y", [(1, 4), (0, 5), (2, 3)])
        + _rows("Y", "X", [(4, 0.5), (4, 1.5)])
        + _rows("Y", "Y", [(1, 1), (1, 2), (2, 1)])
    )
    payoffs = payoffs_from_matches(pd.DataFrame(rows))
    assert payoffs.strategies == ("X", "Y") and not payoffs.exact
    assert payoffs.a[0, 1] == pytest.approx(1.0) and payoffs.b[0, 1] == pytest.approx(4.0)
    assert payoffs.se_a[0, 1] == pytest.approx(statistics.stdev([1, 0, 2]) / math.sqrt(3))
    assert payoffs.se_b[1, 0] == pytest.approx(statistics.stdev([0.5, 1.5]) / math.sqrt(2))
    m = payoffs.symmetric()
    # X against Y: as A 1.0, as B (against Y as A) mean(0.5, 1.5) = 1.0
    assert m[0, 1] == pytest.approx((1.0 + 1.0) / 2)
    assert m[1, 0] == pytest.approx((4.0 + 4.0) / 2)
    assert m[0, 0] == pytest.approx(statistics.mean([3, 2, 3, 3, 2.5, 3]))
    se = payoffs.symmetric_se()
    expected = (
        math.sqrt(
            (statistics.stdev([1, 0, 2]) / math.sqrt(3)) ** 2
            + (statistics.stdev([0.5, 1.5]) / math.sqrt(2)) ** 2
        )
        / 2
    )
    assert se[0, 1] == pytest.approx(expected)
    assert se[0, 0] == pytest.approx(statistics.stdev([3, 2.25, 3]) / math.sqrt(3))


def test_one_role_assignment_is_mirrored_for_a_symmetric_game():
    rows = _rows("X", "X", [(3, 3)]) + _rows("X", "Y", [(0.9, 1.4)]) + _rows("Y", "Y", [(1, 1)])
    payoffs = payoffs_from_matches(pd.DataFrame(rows).assign(exact=True))
    assert payoffs.exact and payoffs.mirrored[1, 0]
    assert payoffs.a[1, 0] == pytest.approx(1.4) and payoffs.b[1, 0] == pytest.approx(0.9)
    assert payoffs.symmetric() == pytest.approx(np.array([[3.0, 0.9], [1.4, 1.0]]))


def test_results_without_self_play_or_with_missing_pairs_are_refused():
    no_self = _rows("X", "Y", [(1, 1)]) + _rows("Y", "X", [(1, 1)])
    with pytest.raises(ParameterError, match="self_play = true"):
        payoffs_from_matches(pd.DataFrame(no_self))
    gap = (
        _rows("X", "X", [(1, 1)])
        + _rows("Y", "Y", [(1, 1)])
        + _rows("Z", "Z", [(1, 1)])
        + _rows("X", "Y", [(1, 1)])
    )
    with pytest.raises(ParameterError, match="no match between"):
        payoffs_from_matches(pd.DataFrame(gap))
    with pytest.raises(ParameterError, match="lacking score_a"):
        payoffs_from_matches(pd.DataFrame({"strategy_a": ["X"], "strategy_b": ["X"]}))


def test_perturbed_payoffs_move_a_mirrored_cell_with_its_source():
    rows = (
        _rows("X", "X", [(3, 3), (2, 2)])
        + _rows("X", "Y", [(0, 4), (2, 6)])
        + _rows("Y", "Y", [(1, 1), (1, 2)])
    )
    payoffs = payoffs_from_matches(pd.DataFrame(rows))
    draw = payoffs.perturbed(np.random.default_rng(1))
    assert draw.a[1, 0] == draw.b[0, 1] and draw.b[1, 0] == draw.a[0, 1]
    assert draw.a[0, 1] != payoffs.a[0, 1]


# --- the whole analysis -------------------------------------------------------------------
def test_analysis_of_the_prisoners_dilemma():
    payoffs = from_matrix([[3.0, 0.0], [5.0, 1.0]], ["C", "D"])
    result = analyse(payoffs, DynamicsSettings(population_size=10, beta=1.0, generations=200, roles=True))
    assert result.replicator.converged_to() == "D"
    assert [t.converged_to() for t in result.roles] == ["D", "D"]
    assert result.strict_pairs == [("D", "D")]
    assert result.winner() == "D" and result.winner("replicator") == "D"
    assert result.stability.set_index("strategy").loc["D", "unbeatable_fermi"]
    assert result.noise["exact"] is True
    assert list(result.graph().edges) == [("C", "D")]


def test_sampling_error_flags_a_ranking_within_noise():
    rng = np.random.default_rng(5)
    # X and Y equal in expectation; Z far behind: X vs Y within noise, the gap to Z beyond it.
    means = {("X", "X"): 3.0, ("X", "Y"): 3.0, ("Y", "X"): 3.0, ("Y", "Y"): 3.0}
    rows = []
    for a in "XYZ":
        for b in "XYZ":
            base_a = means.get((a, b), 0.5 if a == "Z" else 2.0)
            base_b = means.get((a, b), 0.5 if b == "Z" else 2.0)
            rows += _rows(a, b, zip(base_a + rng.normal(0, 1, 30), base_b + rng.normal(0, 1, 30)))
    result = analyse(payoffs_from_matches(pd.DataFrame(rows)), DynamicsSettings(population_size=20, draws=60))
    steps = result.noise["ranking_steps"]
    assert {steps[0]["above"], steps[0]["below"]} == {"X", "Y"} and steps[0]["within_noise"]
    assert steps[1]["below"] == "Z" and not steps[1]["within_noise"]
    assert "within noise" in result.text()


def test_a_strict_nash_margin_smaller_than_the_error_is_within_noise():
    # m[P, P] = 3 against m[Q, P] = 2.95, each cell two matches at mean -1 and mean +1 (standard
    # error 1): P is strict Nash on the means but only by 0.05, so about half the draws keep it.
    means = {("P", "P"): 3.0, ("P", "Q"): 1.0, ("Q", "P"): 2.95, ("Q", "Q"): 2.0}
    rows = []
    for (a, b), mean_a in means.items():
        mean_b = means[(b, a)]
        rows += _rows(a, b, [(mean_a - 1, mean_b - 1), (mean_a + 1, mean_b + 1)])
    result = analyse(payoffs_from_matches(pd.DataFrame(rows)), DynamicsSettings(population_size=10, draws=60))
    assert result.matrix == pytest.approx(np.array([[3.0, 1.0], [2.95, 2.0]]))
    assert result.stability["strict_nash"].tolist() == [True, True]
    assert result.noise["stability_kept"]["strict_nash"]["P"] < 0.95
    assert "strict Nash within noise: P" in result.text()


def test_unknown_standard_errors_are_said_not_guessed():
    rows = (
        _rows("X", "X", [(3, 3)])
        + _rows("X", "Y", [(0, 5)])
        + _rows("Y", "X", [(5, 0)])
        + _rows("Y", "Y", [(1, 1)])
    )
    result = analyse(payoffs_from_matches(pd.DataFrame(rows)), DynamicsSettings(population_size=5))
    assert "unknown" in result.noise["note"]


def test_invasion_graph_edges_and_graphml(tmp_path):
    import networkx as nx

    rho = np.array([[0.1, 0.3, 0.05], [0.02, 0.1, 0.1], [0.5, 0.2, 0.1]])
    graph = invasion_graph(["a", "b", "c"], rho, 10, np.array([0.2, 0.3, 0.5]))
    assert sorted(graph.edges) == [("a", "b"), ("c", "a"), ("c", "b")]
    assert graph.edges["c", "a"]["weight"] == pytest.approx(0.5)
    write_graphml(graph, tmp_path / "g.graphml")
    back = nx.read_graphml(tmp_path / "g.graphml")
    assert sorted(back.edges) == sorted(graph.edges) and back.nodes["c"]["stationary"] == pytest.approx(0.5)


# --- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"population_size": 1}, "--population-size"),
        ({"beta": -0.5}, "--beta"),
        ({"shares": (0.5, 0.4)}, "sum to 1"),
        ({"shares": (0.5, 0.4, 0.1)}, "one share for each"),
        ({"generations": 0}, "--generations"),
        ({"moran_w": 1.5}, "--moran-w"),
    ],
)
def test_bad_settings_are_one_clear_error(changes, message):
    payoffs = from_matrix([[3.0, 0.0], [5.0, 1.0]])
    with pytest.raises(ParameterError, match=message):
        analyse(payoffs, DynamicsSettings(**changes))


def test_default_moran_w_is_the_payoff_itself_or_keeps_fitness_at_one_half():
    assert fixation.default_moran_w(np.array([[0.5, 3.0], [5.0, 1.0]])) == 1.0
    # smallest payoff -1: w = 1 / (2 * (1 - (-1))) = 1/4, so that fitness 1 - w + w * (-1) = 1/2
    assert fixation.default_moran_w(np.array([[-1.0, 3.0], [5.0, 1.0]])) == pytest.approx(0.25)


def test_moran_w_that_makes_a_fitness_negative_is_refused():
    with pytest.raises(ParameterError, match="use w < 0.5"):
        fixation.fixation_probabilities(np.array([[1.0, -1.0], [0.0, 1.0]]), 5, "moran", w=0.6)


def test_shares_parse_by_order_or_by_name():
    names = ("M1(code=CCLCL)", "Start Small(T=3)", "Loyal")
    assert parse_shares("0.5,0.25,0.25", names) == pytest.approx((0.5, 0.25, 0.25))
    assert parse_shares("M1(code=CCLCL)=0.75; Loyal=0.25", names) == pytest.approx((0.75, 0.0, 0.25))
    with pytest.raises(ParameterError, match="sum to 1"):
        parse_shares("Loyal=0.5", names)
    with pytest.raises(ParameterError, match="must name strategies"):
        parse_shares("Nobody=1", names)


def test_bimatrix_with_mismatched_shapes_is_refused():
    with pytest.raises(ParameterError, match="square"):
        from_bimatrix(np.ones((2, 2)), np.ones((3, 3)))
