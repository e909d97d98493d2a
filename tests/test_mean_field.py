"""The mean-field pool against hand computations, the exact dyad chain, and its invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergame.errors import ParameterError
from powergame.exact import exact_match
from powergame.game import Game
from powergame.population.mean_field import (
    DeathBirth,
    Generations,
    Imitation,
    MeanFieldPool,
    PoolModel,
    Revision,
)
from powergame.state_table import StateTable
from powergame.strategies import HitAndRun, LeastInterest, Loyal, OutForTat, Parasite

R, S, T, P = 3.0, 0.0, 5.0, 1.0
LOYAL = Loyal().state_table()
PARASITE = Parasite().state_table()
OUT_FOR_TAT = OutForTat().state_table()
HIT_AND_RUN = HitAndRun().state_table()


def last(model: PoolModel, ticks: int):
    return MeanFieldPool(model).run(ticks).records[-1]


@pytest.mark.parametrize(("meet", "breakup"), [(1.0, 0.1), (0.3, 0.1), (0.5, 0.02)])
def test_loyal_pool_settles_where_the_two_state_chain_of_one_agent_says(meet: float, breakup: float) -> None:
    # One agent at the start of a tick: single -> coupled with meet(1 - b); coupled -> single with b.
    single = breakup / (breakup + meet * (1 - breakup))
    figures = last(PoolModel(tables=(LOYAL,), initial_shares=(1.0,), meet=meet, breakup=breakup), 3000)
    assert figures.share_coupled == pytest.approx(1 - single, abs=1e-12)
    playing = 1 - (1 - meet) * single
    assert figures.payoff[0] == pytest.approx(playing * R, abs=1e-12)
    assert figures.cc == pytest.approx(1.0)


def test_hit_and_run_couples_last_one_round() -> None:
    model = PoolModel(tables=(HIT_AND_RUN,), initial_shares=(1.0,), meet=0.4, outside_options=(2.0,))
    for figures in MeanFieldPool(model).run(5).records:
        assert figures.share_coupled == 0.0
        assert figures.separated == pytest.approx(0.4)
        assert figures.payoff[0] == pytest.approx(0.4 * P + 0.6 * 2.0)
        assert figures.dd == 1.0


def test_first_tick_of_out_for_tat_against_hit_and_run_by_hand() -> None:
    x, b = 0.7, 0.2
    model = PoolModel(tables=(OUT_FOR_TAT, HIT_AND_RUN), initial_shares=(x, 1 - x), breakup=b)
    first = last(model, 1)
    assert first.cc == pytest.approx(x * x)
    assert first.cd == pytest.approx(2 * x * (1 - x))
    assert first.dd == pytest.approx((1 - x) ** 2)
    assert first.share_coupled == pytest.approx(x * x * (1 - b))  # only CC couples stay, if not broken
    assert first.separated == pytest.approx(1 - x * x * (1 - b))
    assert first.payoff[0] == pytest.approx(x * R + (1 - x) * S)
    assert first.payoff[1] == pytest.approx(x * T + (1 - x) * P)
    assert first.mean_age == pytest.approx(1.0)


def test_death_birth_tick_by_hand() -> None:
    x, life = 0.6, 4.0
    d = 1 / life
    model = PoolModel(
        tables=(LOYAL, PARASITE), initial_shares=(x, 1 - x), change=DeathBirth(expected_life=life)
    )
    first = last(model, 1)
    w_loyal = x * (x * R + (1 - x) * S)
    w_parasite = (1 - x) * (x * T + (1 - x) * P)
    assert first.shares[0] == pytest.approx((1 - d) * x + d * w_loyal / (w_loyal + w_parasite))
    assert first.share_coupled == pytest.approx((1 - d) ** 2)


def test_revision_tick_by_hand() -> None:
    x, b, r, eps = 0.6, 0.3, 0.5, 0.2
    neighbours = ((0.0, 1.0), (1.0, 0.0))
    change = Revision(prob_revision=r, prob_experimentation=eps, neighbours=neighbours)
    model = PoolModel(tables=(LOYAL, PARASITE), initial_shares=(x, 1 - x), breakup=b, change=change)
    first = last(model, 1)
    w_loyal = x * (x * R + (1 - x) * S)
    w_parasite = (1 - x) * (x * T + (1 - x) * P)
    revising_loyal, revising_parasite = r * b * x, r * b * (1 - x)
    imitate = w_loyal / (w_loyal + w_parasite)
    expected = (
        x
        - revising_loyal
        + (revising_loyal + revising_parasite) * (1 - eps) * imitate
        + revising_parasite * eps  # a parasite's only neighbour is Loyal
    )
    assert first.shares[0] == pytest.approx(expected)


def fermi(gain: float, beta: float) -> float:
    return 1 / (1 + math.exp(-beta * gain))


def test_imitation_tick_by_hand_among_singles() -> None:
    """Nobody meets; strategy A earns v = 1, B v = 2 (v follows the strategy). An agent
    revises with r, meets a uniformly random other agent and copies it with the Fermi
    chance of the payoff gap, then mutates with mu to a uniform strategy."""
    x, r, beta, mu = 0.3, 0.4, 1.5, 0.1
    change = Imitation(prob_revision=r, beta=beta, mutation=mu)
    model = PoolModel(
        tables=(LOYAL, PARASITE),
        initial_shares=(x, 1 - x),
        outside_by_strategy=(1.0, 2.0),
        meet=0.0,
        change=change,
    )
    adopt_b = r * (1 - x) * fermi(1.0, beta)  # an A copies a B
    adopt_a = r * x * fermi(-1.0, beta)  # a B copies an A
    a_leaves = x * (adopt_b * (1 - mu / 2) + r * x * fermi(0.0, beta) * mu / 2)
    b_comes = (1 - x) * (adopt_a * (1 - mu / 2) + r * (1 - x) * fermi(0.0, beta) * mu / 2)
    assert last(model, 1).shares[0] == pytest.approx(x - a_leaves + b_comes, abs=1e-14)


def test_imitation_ends_the_couples_of_those_who_change() -> None:
    """Loyal couples only, all cooperating: payoffs equal, so an agent copies a random
    other agent with chance r / 2 and changes only by mutation to Parasite (mu / 2);
    either partner's change ends the couple."""
    r, mu = 0.5, 0.2
    model = PoolModel(
        tables=(LOYAL, PARASITE),
        initial_shares=(1.0, 0.0),
        change=Imitation(prob_revision=r, beta=2.0, mutation=mu),
    )
    change = r / 2 * mu / 2
    first = last(model, 1)
    assert first.shares[1] == pytest.approx(change, abs=1e-14)
    assert first.share_coupled == pytest.approx((1 - change) ** 2, abs=1e-14)


def test_a_generation_ends_every_couple_and_replicates_on_mean_payoff() -> None:
    x = 0.5
    model = PoolModel(tables=(LOYAL, PARASITE), initial_shares=(x, 1 - x), change=Generations(every=3))
    records = MeanFieldPool(model).run(3).records
    assert records[1].share_coupled == pytest.approx(1.0)
    assert records[2].share_coupled == 0.0
    # Nobody leaves within the generation: every tick repeats tick 1's payoffs.
    loyal, parasite = x * R + (1 - x) * S, x * T + (1 - x) * P
    assert records[2].shares[0] == pytest.approx(x * loyal / (x * loyal + (1 - x) * parasite))


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_survival_of_a_cohort_is_the_exact_dyad_chain_with_breakup_as_continuation(noise: float) -> None:
    breakup = 0.1
    model = PoolModel(tables=(OUT_FOR_TAT,), initial_shares=(1.0,), breakup=breakup, noise=noise, meet=0.5)
    curve = MeanFieldPool(model).survival(start_tick=4, length=30)
    exact = exact_match(Game(rounds=None, continuation=1 - breakup, noise=noise), OUT_FOR_TAT, OUT_FOR_TAT)
    assert curve == pytest.approx(np.asarray(exact.survival[:31]), abs=1e-14)
    assert curve[5] == pytest.approx(((1 - breakup) * (1 - noise) ** 2) ** 5)


def test_survival_mixes_the_pairs_that_meet_at_that_tick() -> None:
    x, b = 0.7, 0.1
    model = PoolModel(tables=(OUT_FOR_TAT, HIT_AND_RUN), initial_shares=(x, 1 - x), breakup=b)
    curve = MeanFieldPool(model).survival(start_tick=0, length=5)
    # Only CONCO-CONCO couples survive round 1 (share x^2 of new couples at tick 0).
    assert curve == pytest.approx([1.0] + [x * x * (1 - b) ** t for t in range(1, 6)])


def test_least_interest_tables_depend_on_the_classes() -> None:
    game_high_low = Game(outside_options=(2.0, 0.5))
    tables = {}
    for own, v_own in enumerate((2.0, 0.5)):
        for partner, v_partner in enumerate((2.0, 0.5)):
            player = LeastInterest()
            player.join_match(Game(outside_options=(v_own, v_partner)), 0, 0)
            tables[(0, own, partner)] = player.state_table()
    assert game_high_low.outside_options == (2.0, 0.5)
    share_high = 0.3
    model = PoolModel(
        tables=(LOYAL,),
        initial_shares=(1.0,),
        outside_options=(2.0, 0.5),
        class_shares=(share_high, 1 - share_high),
        class_tables=tuple(tables.items()),
        breakup=0.05,
    )
    figures = last(model, 200)
    # Nobody leaves, breakup hits every couple alike: couples stay a random mix of classes,
    # and only the mixed ones have a power holder, who withholds.
    assert figures.cd == pytest.approx(2 * share_high * (1 - share_high))
    assert figures.cc == pytest.approx(1 - 2 * share_high * (1 - share_high))


def _table(draw: st.DrawFn) -> StateTable:
    n = draw(st.integers(1, 3))
    prob = st.floats(0, 1)
    transition = []
    for _ in range(n):
        row = []
        for _ in range(4):
            weights = [draw(st.floats(0.01, 1)) for _ in range(n)]
            row.append(tuple(w / sum(weights) for w in weights))
        transition.append(tuple(row))
    return StateTable(
        cooperate=tuple(draw(prob) for _ in range(n)),
        stake=tuple(draw(st.floats(0.1, 1)) for _ in range(n)),
        leave=tuple(tuple(draw(prob) for _ in range(4)) for _ in range(n)),
        transition=tuple(transition),
    )


@st.composite
def models(draw: st.DrawFn) -> PoolModel:
    count = draw(st.integers(1, 3))
    tables = tuple(_table(draw) for _ in range(count))
    weights = [draw(st.floats(0.05, 1)) for _ in range(count)]
    shares = tuple(w / sum(weights) for w in weights)
    change = draw(
        st.sampled_from(
            [
                None,
                DeathBirth(expected_life=5, mutation=0.1),
                Revision(0.5, 0.3),
                Imitation(0.7, beta=2.0, mutation=0.1),
                Generations(every=4),
            ]
        )
    )
    return PoolModel(
        tables=tables,
        initial_shares=shares,
        outside_options=(0.5, 2.0),
        class_shares=(0.4, 0.6),
        exit_costs=(0.0, 0.3),
        noise=draw(st.floats(0, 0.2)),
        meet=draw(st.floats(0, 1)),
        breakup=draw(st.floats(0, 1)),
        change=change,
    )


@given(models())
def test_mass_is_conserved_and_never_negative(model: PoolModel) -> None:
    pool = MeanFieldPool(model)
    state = pool.initial_state()
    classes = state.singles.reshape(model.n_strategies, model.n_classes).sum(axis=0)
    for _ in range(12):
        state, figures = pool.step(state)
        assert state.singles.min() >= -1e-12 and state.couples.min() >= -1e-12
        mass = pool.type_mass(state)
        assert mass.sum() == pytest.approx(1.0, abs=1e-12)
        # outside-option classes stay with the nodes, whatever the strategy change
        assert mass.reshape(model.n_strategies, model.n_classes).sum(axis=0) == pytest.approx(classes)
        assert figures.shares.sum() == pytest.approx(1.0)
        assert 0.0 <= figures.share_coupled <= 1.0 + 1e-12
        if not math.isnan(figures.cc):
            assert figures.cc + figures.cd + figures.dd == pytest.approx(1.0)
        # every couple is seen from both sides: the couple tensor is its own mirror image
        assert state.couples.sum(axis=2) == pytest.approx(state.couples.sum(axis=2).T, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"initial_shares": (0.5, 0.4)}, "initial_shares"),
        ({"meet": 1.5}, "meet"),
        ({"breakup": -0.1}, "breakup"),
        ({"change": DeathBirth(expected_life=0.5)}, "expected_life"),
        ({"change": Revision(prob_revision=2.0)}, "prob_revision"),
        ({"change": Generations(every=0)}, "every"),
        ({"change": Imitation(beta=-1.0)}, "beta"),
        ({"class_shares": (0.5, 0.5)}, "outside_options"),
    ],
)
def test_bad_parameters_name_the_key(kwargs: dict, key: str) -> None:
    base = {"tables": (LOYAL, PARASITE), "initial_shares": (0.5, 0.5)}
    with pytest.raises(ParameterError) as error:
        PoolModel(**{**base, **kwargs})
    assert error.value.name == key


@pytest.mark.parametrize(
    "change",
    [
        None,
        DeathBirth(expected_life=8, mutation=0.1),
        Revision(0.5, 0.2),
        Imitation(0.3, 2.0),
        Generations(7),
    ],
)
def test_not_following_ages_changes_no_other_figure(change) -> None:
    model = PoolModel(
        tables=(OUT_FOR_TAT, HIT_AND_RUN, LOYAL),
        initial_shares=(0.5, 0.3, 0.2),
        noise=0.05,
        meet=0.6,
        breakup=0.05,
        change=change,
    )
    with_ages = MeanFieldPool(model).run(30).records
    without = MeanFieldPool(model, ages=False).run(30).records
    assert with_ages[-1].mean_age > 1.0
    for a, b in zip(with_ages, without):
        assert math.isnan(b.mean_age)
        assert np.array_equal(a.shares, b.shares) and np.array_equal(a.payoff, b.payoff)
        assert (a.cc, a.cd, a.dd, a.share_coupled, a.separated) == (
            b.cc,
            b.cd,
            b.dd,
            b.share_coupled,
            b.separated,
        )


def test_advance_is_step_without_the_figures() -> None:
    model = PoolModel(
        tables=(OUT_FOR_TAT, HIT_AND_RUN, LOYAL),
        initial_shares=(0.5, 0.3, 0.2),
        noise=0.05,
        breakup=0.05,
        change=Revision(0.5, 0.2),
    )
    pool = MeanFieldPool(model)
    stepped = advanced = pool.initial_state()
    for _ in range(25):
        stepped, _ = pool.step(stepped)
        advanced = pool.advance(advanced)
    assert advanced.tick == stepped.tick == 25
    for name in ("singles", "couples", "age", "generation_payoff", "generation_mass"):
        assert np.array_equal(getattr(advanced, name), getattr(stepped, name))
