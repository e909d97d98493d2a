"""Steady states of a fixed pool against closed forms and against the dynamics run long."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from powergame.errors import ParameterError
from powergame.population.mean_field import DeathBirth, MeanFieldPool, PoolModel
from powergame.population.mean_field_steady import steady_state
from powergame.strategies import HitAndRun, Loyal, MemoryOne, OutForTat

R, S, T, P = 3.0, 0.0, 5.0, 1.0
LOYAL = Loyal().state_table()
OUT_FOR_TAT = OutForTat().state_table()
HIT_AND_RUN = HitAndRun().state_table()


@pytest.mark.parametrize(("meet", "breakup"), [(1.0, 0.1), (0.3, 0.1), (0.05, 0.5)])
def test_loyal_pool_in_closed_form(meet: float, breakup: float) -> None:
    steady = steady_state(PoolModel(tables=(LOYAL,), initial_shares=(1.0,), meet=meet, breakup=breakup))
    single = breakup / (breakup + meet * (1 - breakup))
    assert steady.share_coupled == pytest.approx(1 - single, abs=1e-13)
    assert steady.mean_length == pytest.approx(1 / breakup)
    assert steady.payoff[0] == pytest.approx((1 - (1 - meet) * single) * R)
    assert steady.cc == pytest.approx(1.0)


def test_discounted_value_of_being_single_in_closed_form() -> None:
    meet, breakup, delta, v = 0.4, 0.1, 0.9, 1.5
    model = PoolModel(
        tables=(LOYAL,), initial_shares=(1.0,), meet=meet, breakup=breakup, outside_options=(v,)
    )
    # V = (1 - m)(v + delta V) + m (D + E V): D = R / (1 - delta (1 - b)) the relationship's
    # discounted payoff, E = delta b / (1 - delta (1 - b)) the discount until it ends.
    together = R / (1 - delta * (1 - breakup))
    ending = delta * breakup / (1 - delta * (1 - breakup))
    value = ((1 - meet) * v + meet * together) / (1 - delta * (1 - meet) - meet * ending)
    steady = steady_state(model, discount=delta)
    assert steady.single_value[0] == pytest.approx((1 - delta) * value)
    assert steady.single_premium[0] == pytest.approx((1 - delta) * value - v)
    assert steady_state(model).single_value[0] == pytest.approx(steady_state(model).payoff[0])


def test_out_for_tat_and_hit_and_run_pool_in_closed_form() -> None:
    x, b = 0.6, 0.05
    model = PoolModel(tables=(OUT_FOR_TAT, HIT_AND_RUN), initial_shares=(x, 1 - x), breakup=b)
    steady = steady_state(model)
    # Hit and Run is always single at the start of a tick; Out-for-Tat singles s solve
    # x = s (1 + q (1/b - 1)) with q = s / (s + 1 - x) the pool's share of Out-for-Tat.
    s = brentq(lambda s: s * (1 + s / (s + 1 - x) * (1 / b - 1)) - x, 1e-12, x)
    q = s / (s + 1 - x)
    assert steady.singles == pytest.approx([s, 1 - x])
    assert steady.share_coupled == pytest.approx(x - s)
    assert steady.payoff[1] == pytest.approx(q * T + (1 - q) * P)
    assert steady.payoff[0] == pytest.approx(s * (q * R / b + (1 - q) * S) / x)
    assert steady.mean_length == pytest.approx((s * (q / b + (1 - q)) + (1 - x)) / (s + 1 - x))


def test_steady_state_is_where_the_dynamics_go() -> None:
    model = PoolModel(
        tables=(OUT_FOR_TAT, HIT_AND_RUN, MemoryOne(code="CCDCD").state_table()),
        initial_shares=(0.5, 0.3, 0.2),
        outside_options=(0.5, 2.0),
        class_shares=(0.7, 0.3),
        exit_costs=(0.1, 0.3),
        meet=0.5,
        breakup=0.05,
        noise=0.05,
    )
    steady = steady_state(model)
    figures = MeanFieldPool(model).run(2500).records[-1]
    assert figures.share_coupled == pytest.approx(steady.share_coupled, abs=1e-9)
    assert figures.cc == pytest.approx(steady.cc, abs=1e-9)
    assert figures.dd == pytest.approx(steady.dd, abs=1e-9)
    assert figures.payoff == pytest.approx(steady.by_strategy(steady.payoff), abs=1e-9)
    assert figures.mean_age > steady.mean_length  # couples alive are the longer ones (length bias)


def test_better_outside_option_pays_exactly_v_more_while_single() -> None:
    model = PoolModel(
        tables=(OUT_FOR_TAT, HIT_AND_RUN),
        initial_shares=(0.5, 0.5),
        outside_options=(0.0, 1.0),
        class_shares=(0.5, 0.5),
        meet=0.5,
        breakup=0.1,
    )
    steady = steady_state(model)
    # Classes only change what a single earns here: the gap is v times the share of ticks single.
    single_unmatched = (1 - model.meet) * steady.singles / steady.type_mass
    gap = steady.payoff.reshape(2, 2)[:, 1] - steady.payoff.reshape(2, 2)[:, 0]
    assert gap == pytest.approx(single_unmatched.reshape(2, 2)[:, 0])
    assert np.allclose(
        steady.in_couple_payoff.reshape(2, 2)[:, 0], steady.in_couple_payoff.reshape(2, 2)[:, 1]
    )


def test_steady_state_refuses_a_changing_population() -> None:
    model = PoolModel(tables=(LOYAL,), initial_shares=(1.0,), change=DeathBirth(expected_life=10))
    with pytest.raises(ParameterError, match="fixed population"):
        steady_state(model)
