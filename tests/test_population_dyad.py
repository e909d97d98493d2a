"""Faithful to the dyad model: with meet = 1, no breakup, no deaths and a fixed population,
a couple's relationship is a dyad match with an open horizon. Relationship lengths and
payoffs of tabled pairs must agree with the exact dyad chain (powergame.exact) within
sampling error (fixed seeds, bounds of 5 standard errors).

Two ways: N = 2 literally, and many separate dyads at once (a graph of disjoint edges, so
each agent can only ever re-meet its one neighbour: independent copies of N = 2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from powergame.exact import exact_match
from powergame.game import Game
from powergame.population import Adjacency, ChangeRule, Market, Population, StackedTables, TableStrategies
from powergame.registry import load_registry
from powergame.state_table import StateTable

HORIZON = 2000  # the exact chain's horizon: far beyond any sampled length (P(T > 2000) ~ 0)
OBSERVED = 200  # relationships that started this many ticks before the end are seen whole
STOCHASTIC_M1 = "M1(first=0.9, cc=0.95, cd=0.2, dc=0.7, dd=0.3, leave_cd=0.4, leave_dd=0.5)"
# Two states, random transitions, a stake of 0.5 in state 0: exercises every path of the tables.
WANDERER = StateTable(
    cooperate=(1.0, 0.3),
    stake=(0.5, 1.0),
    leave=((0.0, 0.3, 0.0, 0.6), (0.1, 0.5, 0.0, 0.4)),
    transition=(
        ((0.8, 0.2), (0.3, 0.7), (1.0, 0.0), (0.5, 0.5)),
        ((0.6, 0.4), (0.0, 1.0), (0.5, 0.5), (0.2, 0.8)),
    ),
)


def _tables(name_or_table: str | StateTable) -> StateTable:
    if isinstance(name_or_table, StateTable):
        return name_or_table
    table = load_registry(env=False).create(name_or_table).state_table()
    assert table is not None
    return table


def _relationships(
    table_a: StateTable, table_b: StateTable, copies: int, ticks: int, noise: float, seed: int
) -> dict:
    n = 2 * copies
    if copies == 1:
        graph = Adjacency.complete(2)
    else:  # node 2i (table a) is linked to node 2i + 1 (table b) only
        indptr = np.arange(n + 1)
        indices = np.arange(n) ^ 1
        graph = Adjacency.from_csr(n, indptr, indices)
    pop = Population(
        TableStrategies(StackedTables.build([table_a, table_b]), n),
        graph,
        np.arange(n) % 2,
        np.zeros(n),
        Market(noise=noise, meet=1.0, breakup=0.0),
        ChangeRule(rule="none"),
        seed=seed,
    )
    for _ in range(ticks):
        pop.step()
    finished, still_on = pop.take_relationships(), pop.open_relationships()
    assert np.all(finished["how"] == 0)  # every finished one ended by a leave
    rows = {key: np.concatenate((finished[key], still_on[key])) for key in finished}
    assert np.all(rows["strategy_a"] == 0) and np.all(rows["strategy_b"] == 1)
    # A relationship's start depends only on the earlier ones, not on its own length, so
    # those that started early enough to be seen whole are an unbiased sample (keeping only
    # the finished ones would favour short relationships).
    return {key: column[rows["start"] <= ticks - OBSERVED] for key, column in rows.items()}


def _check_against_exact(rows: dict, table_a: StateTable, table_b: StateTable, noise: float) -> None:
    exact = exact_match(Game(outside_options=(0.0, 0.0), rounds=HORIZON, noise=noise), table_a, table_b)
    assert exact.survival[OBSERVED] < 1e-9  # so the sample below is (almost surely) complete
    assert np.all(rows["length"] <= OBSERVED)
    m = rows["length"].size
    assert m > 1000
    lengths = rows["length"]
    # the distribution of lengths: P(T > t) at t = 1..8 within 5 binomial standard errors
    for t in range(1, 9):
        p = exact.survival[t]
        bound = 5 * math.sqrt(p * (1 - p) / m) + 1e-12
        assert abs(np.mean(lengths > t) - p) <= bound, (t, np.mean(lengths > t), p)
    # means of the length and of each partner's payoff (v = 0, so total = in-relationship payoff)
    for sample, expected in ((lengths, exact.rounds_together), (rows["payoff_a"], exact.total_a)):
        bound = 5 * np.std(sample) / math.sqrt(m)
        assert abs(np.mean(sample) - expected) <= bound, (np.mean(sample), expected, bound)
    bound = 5 * np.std(rows["payoff_b"]) / math.sqrt(m)
    assert abs(np.mean(rows["payoff_b"]) - exact.total_b) <= bound


@pytest.mark.parametrize(
    ("a", "b", "noise"),
    [
        (STOCHASTIC_M1, "Out-for-Tat", 0.05),
        (WANDERER, STOCHASTIC_M1, 0.02),
        ("Start Small", "Hot and Cold", 0.05),
    ],
    ids=["m1-vs-out-for-tat", "random-moves-and-stakes", "start-small-vs-hot-and-cold"],
)
def test_many_dyads_match_the_exact_chain(a: str | StateTable, b: str, noise: float) -> None:
    table_a, table_b = _tables(a), _tables(b)
    rows = _relationships(table_a, table_b, copies=500, ticks=OBSERVED + 40, noise=noise, seed=11)
    _check_against_exact(rows, table_a, table_b, noise)


def test_two_agents_literally_match_the_exact_chain() -> None:
    table_a, table_b = _tables(STOCHASTIC_M1), _tables("Out-for-Tat")
    rows = _relationships(table_a, table_b, copies=1, ticks=9000, noise=0.05, seed=5)
    # with N = 2 the next relationship starts the tick after one ends: no gaps, no overlaps
    assert np.array_equal(rows["start"][1:], rows["end"][:-1] + 1)
    assert np.array_equal(rows["length"], rows["end"] - rows["start"] + 1)
    _check_against_exact(rows, table_a, table_b, 0.05)
