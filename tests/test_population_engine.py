"""The population engine: one tick by hand, invariants, and the strategy-change rules
against numbers computed from the rules themselves (fixed seeds, 5-sigma bounds)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from powergame.errors import ParameterError
from powergame.population import Adjacency, ChangeRule, Market, Population, StackedTables, TableStrategies
from powergame.strategies.memory_one import MemoryOne, memory_one_codes
from powergame.tournaments.population_setup import gene_neighbours
from powergame.tournaments.population_spec import memory_one_names

LOYAL, PARASITE, HIT_AND_RUN, OUT_FOR_TAT = "CCCCC", "DDDDD", "DLLLL", "CCLCL"


def population(
    codes: list[str],
    initial: list[int] | np.ndarray,
    *,
    graph: Adjacency | None = None,
    outside: float | np.ndarray = 0.0,
    by_strategy: list[float] | None = None,
    market: Market | None = None,
    change: ChangeRule | None = None,
    seed: int = 1,
) -> Population:
    initial = np.asarray(initial)
    n = initial.size
    tables = StackedTables.build([MemoryOne(code=c).state_table() for c in codes])
    return Population(
        TableStrategies(tables, n),
        graph or Adjacency.complete(n),
        initial,
        np.broadcast_to(np.asarray(outside, dtype=float), (n,)).copy(),
        market or Market(),
        change or ChangeRule(),
        seed,
        outside_by_strategy=None if by_strategy is None else np.asarray(by_strategy, dtype=float),
        gene_neighbours=gene_neighbours(tuple(f"M1(code={c})" for c in codes)),
    )


def test_loyal_couples_form_once_and_last() -> None:
    pop = population([LOYAL], [0] * 10)
    first = pop.step(record=True)
    assert first is not None
    assert (first.coupled, first.cc, first.separated, first.mean_age, first.mean_payoff) == (
        1.0,
        1.0,
        0.0,
        1.0,
        3.0,
    )
    assert first.new_couple_payoff == 3.0
    for _ in range(4):
        last = pop.step(record=True)
    assert last is not None and last.mean_age == 5.0 and math.isnan(last.new_couple_payoff)
    assert pop.take_relationships()["relationship"].size == 0
    still = pop.open_relationships()
    assert still["length"].tolist() == [5] * 5 and still["payoff_a"].tolist() == [15.0] * 5
    assert np.all(pop.partner[pop.partner] == np.arange(10))


def test_hit_and_run_pays_the_exit_cost_every_tick() -> None:
    pop = population([HIT_AND_RUN], [0] * 10, market=Market(exit_cost=0.5))
    for _ in range(3):
        figures = pop.step(record=True)
        assert figures is not None
        assert (figures.coupled, figures.dd, figures.separated, figures.mean_payoff) == (0.0, 1.0, 1.0, 0.5)
    rows = pop.take_relationships()
    assert sorted(rows["relationship"].tolist()) == list(range(15))
    assert set(rows["length"].tolist()) == {1} and set(rows["ended_by"].tolist()) == {3}  # both left
    assert set(rows["payoff_a"].tolist()) == {0.5} and set(rows["end"].tolist()) == {1, 2, 3}


def test_singles_earn_their_outside_option_when_nobody_meets() -> None:
    outside = np.linspace(0.0, 2.0, 6)
    pop = population([LOYAL], [0] * 6, outside=outside, market=Market(meet=0.0))
    figures = pop.step(record=True)
    assert figures is not None and figures.coupled == 0.0
    assert np.array_equal(pop.payoff, outside)


def test_out_for_tat_leaves_a_parasite_and_stays_with_its_own() -> None:
    # two agents of each; whatever the pairing, a mixed couple ends after round 1 with
    # Out-for-Tat leaving, a same-strategy couple never ends
    pop = population([OUT_FOR_TAT, PARASITE], [0, 0, 1, 1], seed=4)
    pop.step()
    rows = pop.take_relationships()
    for k in range(rows["relationship"].size):
        assert {int(rows["strategy_a"][k]), int(rows["strategy_b"][k])} == {0, 1}
        left_a = rows["ended_by"][k] in (1, 3)
        assert left_a == (rows["strategy_a"][k] == 0)
        assert rows["ended_by"][k] != 3


def test_breakup_count_is_binomial() -> None:
    pop = population([LOYAL], [0] * 2000, market=Market(breakup=0.1), seed=7)
    pop.step()
    broken = int((pop.take_relationships()["how"] == 1).sum())
    assert abs(broken - 100) <= 5 * math.sqrt(1000 * 0.1 * 0.9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_a_graph_couples_are_neighbours_and_no_two_adjacent_singles_remain(seed: int) -> None:
    graph = nx.watts_strogatz_graph(300, 4, 0.2, seed=seed)
    adjacency = Adjacency.from_networkx(graph)
    pop = population([LOYAL], [0] * 300, graph=adjacency, seed=seed)
    pop.step()
    coupled = np.flatnonzero(pop.partner >= 0)
    assert all(graph.has_edge(int(i), int(pop.partner[i])) for i in coupled)
    singles = set(np.flatnonzero(pop.partner < 0).tolist())
    assert not any(graph.has_edge(i, j) for i in singles for j in singles if i < j)  # a maximal matching


@given(
    seed=st.integers(0, 2**32),
    rule=st.sampled_from(["none", "death-birth", "imitation", "generations", "revision"]),
    meet=st.sampled_from([0.3, 1.0]),
    breakup=st.sampled_from([0.0, 0.2]),
    sparse=st.booleans(),
)
def test_invariants_hold_tick_after_tick(
    seed: int, rule: str, meet: float, breakup: float, sparse: bool
) -> None:
    codes = [OUT_FOR_TAT, PARASITE, HIT_AND_RUN, LOYAL, "CDCDL"]
    n = 40
    graph = Adjacency.from_networkx(nx.erdos_renyi_graph(n, 0.1, seed=seed)) if sparse else None
    change = ChangeRule(rule=rule, expected_life=5, generation=3, mutation=0.1, prob_revision=0.5)
    pop = population(
        codes,
        np.arange(n) % 5,
        graph=graph,
        outside=0.7,
        market=Market(meet=meet, breakup=breakup, noise=0.1, exit_cost=0.3),
        change=change,
        seed=seed,
    )
    earned = 0.0
    ticks = 12
    for _ in range(ticks):
        pop.step(record=True)
        earned += pop.payoff.sum()
        coupled = np.flatnonzero(pop.partner >= 0)
        assert np.all(pop.partner[pop.partner[coupled]] == coupled)
        lower = coupled[coupled < pop.partner[coupled]]  # a couple's figures live at its lower node
        assert np.all(pop.rel_start[lower] <= pop.tick) and len(set(pop.rel_id[lower].tolist())) == lower.size
        if graph is not None:
            assert all(
                pop.partner[i] in graph.indices[graph.indptr[i] : graph.indptr[i + 1]] for i in coupled
            )
    ended = pop.take_relationships()
    still = pop.open_relationships()
    started = pop.next_relationship
    # every relationship is either over (once) or still on
    ids = np.concatenate((ended["relationship"], still["relationship"]))
    assert sorted(ids.tolist()) == list(range(started))
    assert np.all(ended["length"] <= ended["end"] - ended["start"] + 1)
    # every payoff earned is in a relationship's row or was an outside option earned while
    # single (0.7 for each agent-tick not spent in a round together), exit costs included
    rows = {key: np.concatenate((ended[key], still[key])) for key in ended}
    in_rounds = rows["payoff_a"].sum() + rows["payoff_b"].sum()
    single_ticks = n * ticks - 2 * rows["length"].sum()
    assert earned == pytest.approx(in_rounds + 0.7 * single_ticks)


def test_generations_make_one_replicator_step() -> None:  # Schüssler's discrete step
    # nobody meets: each agent earns its strategy's outside option, 3 or 1; after one
    # generation the share of the first is 0.5 * 3 / (0.5 * 3 + 0.5 * 1) = 0.75
    n = 10_000
    pop = population(
        [LOYAL, PARASITE],
        np.arange(n) % 2,
        by_strategy=[3.0, 1.0],
        market=Market(meet=0.0),
        change=ChangeRule(rule="generations", generation=2),
        seed=3,
    )
    pop.step()
    assert np.mean(pop.strategy == 0) == 0.5  # not yet: a generation is two ticks
    pop.step()
    assert np.mean(pop.strategy == 0) == 0.75  # the replicator step, in whole agents


def test_death_birth_copies_in_proportion_to_payoff() -> None:
    # death probability 1/2; a newborn copies the first strategy with probability 0.75:
    # an agent of the first ends with it with probability 0.5 + 0.5 * 0.75, of the second 0.5 * 0.75
    n = 10_000
    pop = population(
        [LOYAL, PARASITE],
        np.arange(n) % 2,
        by_strategy=[3.0, 1.0],
        market=Market(meet=0.0),
        change=ChangeRule(rule="death-birth", expected_life=2.0),
        seed=5,
    )
    pop.step()
    p_first, p_second = 0.875, 0.375
    expected = n / 2 * (p_first + p_second)
    sd = math.sqrt(n / 2 * (p_first * (1 - p_first) + p_second * (1 - p_second)))
    assert abs(int((pop.strategy == 0).sum()) - expected) <= 5 * sd


def test_imitation_follows_the_fermi_rule() -> None:
    # beta = 50: an agent of the second strategy (v = 0) copies a first-strategy model
    # (v = 1) with probability 1 / (1 + e^-50) ~ 1, never the other way round
    n = 1000
    pop = population(
        [LOYAL, PARASITE],
        np.arange(n) % 2,
        by_strategy=[1.0, 0.0],
        market=Market(meet=0.0),
        change=ChangeRule(rule="imitation", beta=50.0, prob_revision=1.0),
        seed=9,
    )
    pop.step()
    p = (n / 2) / (n - 1)  # a second-strategy agent's model is of the first strategy
    expected = n / 2 + n / 2 * p
    assert abs(int((pop.strategy == 0).sum()) - expected) <= 5 * math.sqrt(n / 2 * p * (1 - p))


def test_revision_with_experimentation_changes_one_letter() -> None:
    codes = [name[8:-1] for name in memory_one_names()]
    n = 2000
    pop = population(
        codes,
        np.full(n, codes.index(LOYAL)),
        market=Market(breakup=1.0),
        change=ChangeRule(rule="revision", prob_revision=1.0, prob_experimentation=1.0),
        seed=2,
    )
    pop.step()  # every couple formed, broken, and every partner revised by experimenting
    new_codes = [codes[k] for k in pop.strategy]
    assert all(sum(x != y for x, y in zip(code, LOYAL)) == 1 for code in new_codes)
    assert len(set(new_codes)) == 9  # every neighbour of CCCCC appears
    # as in ES-1-outcome, the letter to change is chosen uniformly among the five
    first = sum(code[0] != "C" for code in new_codes)
    assert abs(first - n / 5) <= 5 * math.sqrt(n * 0.2 * 0.8)


def test_mutation_is_uniform_over_the_strategies() -> None:
    n, codes = 9000, [LOYAL, PARASITE, HIT_AND_RUN]
    pop = population(
        codes,
        np.zeros(n, dtype=int),
        market=Market(meet=0.0),
        change=ChangeRule(rule="death-birth", expected_life=1.0, mutation=1.0),
        seed=6,
    )
    pop.step()
    counts = np.bincount(pop.strategy, minlength=3)
    assert np.all(np.abs(counts - n / 3) <= 5 * math.sqrt(n * (1 / 3) * (2 / 3)))


def test_same_seed_same_run_and_ticks_are_independent_streams() -> None:
    def run(seed: int) -> tuple[np.ndarray, np.ndarray]:
        pop = population(
            [OUT_FOR_TAT, PARASITE, LOYAL],
            np.arange(300) % 3,
            market=Market(breakup=0.05, noise=0.05),
            change=ChangeRule(rule="death-birth", expected_life=20),
            seed=seed,
        )
        for _ in range(20):
            pop.step()
        return pop.strategy.copy(), pop.partner.copy()

    first, again, other = run(1), run(1), run(2)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_bad_engine_input_is_one_line() -> None:
    with pytest.raises(ParameterError, match="initial"):
        population([LOYAL], [0, 1, 0])
    with pytest.raises(ParameterError, match="expected_life"):
        ChangeRule(rule="death-birth", expected_life=0.5)
    with pytest.raises(ParameterError, match="breakup"):
        Market(breakup=1.5)
    assert len(memory_one_codes()) == 162


def test_death_ends_the_couple_and_names_who_died() -> None:
    # everyone dies every tick (expected life 1): after tick 1's round both partners die
    pop = population([LOYAL], [0] * 10, change=ChangeRule(rule="death-birth", expected_life=1.0))
    pop.step()
    rows = pop.take_relationships()
    assert rows["how"].tolist() == [2] * 5 and rows["ended_by"].tolist() == [3] * 5  # death, both
    assert rows["payoff_a"].tolist() == [3.0] * 5 and not np.any(pop.partner >= 0)


def test_death_birth_among_neighbours_copies_in_proportion_to_their_payoff() -> None:
    # components "x - centre - y" plus isolated nodes; nobody meets, so payoffs are the
    # outside options by strategy: x = 3, y = 1, centre and isolated 2. Everyone dies
    # (expected life 1): a centre's newborn copies x with probability 3 / (3 + 1), a leaf
    # copies its centre, an isolated node keeps its strategy.
    m, isolated = 3000, 10
    n = 3 * m + isolated
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    for k in range(m):
        graph.add_edges_from([(3 * k, 3 * k + 1), (3 * k, 3 * k + 2)])
    initial = np.array([2, 0, 1] * m + [2] * isolated)
    pop = population(
        [LOYAL, PARASITE, HIT_AND_RUN], initial, graph=Adjacency.from_networkx(graph),
        by_strategy=[3.0, 1.0, 2.0], market=Market(meet=0.0),
        change=ChangeRule(rule="death-birth", expected_life=1.0, pool="neighbours"), seed=8,
    )  # fmt: skip
    pop.step()
    centres = pop.strategy[0 : 3 * m : 3]
    assert set(centres.tolist()) <= {0, 1}
    assert abs(np.mean(centres == 0) - 0.75) <= 5 * math.sqrt(0.75 * 0.25 / m)
    assert np.all(pop.strategy[1 : 3 * m : 3] == 2) and np.all(pop.strategy[2 : 3 * m : 3] == 2)
    assert np.all(pop.strategy[3 * m :] == 2)
