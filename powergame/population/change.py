"""Step 4 of a tick: strategy change (none, death-birth, revision, imitation,
generations) and mutation, vectorised over agents.

Selection reads ``pop.payoff``, this tick's payoffs from step 2 (a round payoff, or the
outside option for a single); payoff-proportional draws weigh by max(payoff, 0) and are
uniform when every weight is 0. An agent whose strategy is replaced loses its couple
(how = death or change); its partner becomes single.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from powergame.population.graph import segments

if TYPE_CHECKING:
    from powergame.population.engine import Population


def apply(pop: Population, t: int, rng: np.random.Generator, broken: np.ndarray) -> None:
    """Apply ``pop.change`` for tick ``t``; ``broken`` are the agents whose couple was
    broken exogenously this tick."""
    rule = pop.change.rule
    if rule == "death-birth":
        _death_birth(pop, t, rng)
    elif rule == "revision":
        _revision(pop, rng, broken)
    elif rule == "imitation":
        _imitation(pop, t, rng)
    elif rule == "generations":
        _generations(pop, t, rng)


def _death_birth(pop: Population, t: int, rng: np.random.Generator) -> None:
    from powergame.population.engine import DEATH

    dying = rng.choice(pop.n, rng.binomial(pop.n, 1.0 / pop.change.expected_life), replace=False)
    if dying.size == 0:
        return
    dying.sort()
    if pop.change.pool == "population" or pop.graph.is_complete:
        parents = _weighted_agents(pop, dying.size, rng)
    else:
        parents = _weighted_neighbours(pop, dying, np.maximum(pop.payoff, 0.0), rng)
    new = _mutate(pop, pop.strategy[parents], rng)
    pop.end_couples_of(dying, DEATH, t)
    pop.set_strategies(dying, new)


def _revision(pop: Population, rng: np.random.Generator, broken: np.ndarray) -> None:
    if broken.size == 0:
        return
    revisers = broken[rng.random(broken.size) < pop.change.prob_revision]
    if revisers.size == 0:
        return
    new = pop.strategy[_weighted_agents(pop, revisers.size, rng)]
    experiment = rng.random(revisers.size) < pop.change.prob_experimentation
    if experiment.any():
        new[experiment] = _one_gene(pop, pop.strategy[revisers[experiment]], rng)
    pop.set_strategies(revisers, _mutate(pop, new, rng))  # broken couples: already single


def _imitation(pop: Population, t: int, rng: np.random.Generator) -> None:
    from powergame.population.engine import CHANGE

    revisers = rng.choice(pop.n, rng.binomial(pop.n, pop.change.prob_revision), replace=False)
    revisers.sort()
    if pop.graph.is_complete:
        model = rng.integers(pop.n - 1, size=revisers.size)
        model += model >= revisers
    else:
        assert pop.graph.indptr is not None and pop.graph.indices is not None
        revisers = revisers[pop.graph.indptr[revisers + 1] > pop.graph.indptr[revisers]]
        start = pop.graph.indptr[revisers]
        degree = pop.graph.indptr[revisers + 1] - start
        model = pop.graph.indices[start + (rng.random(revisers.size) * degree).astype(np.int64)]
    gain = pop.payoff[model] - pop.payoff[revisers]
    with np.errstate(over="ignore"):
        p_adopt = 1.0 / (1.0 + np.exp(-pop.change.beta * gain))
    adopt = rng.random(revisers.size) < p_adopt
    revisers, new = revisers[adopt], _mutate(pop, pop.strategy[model[adopt]], rng)
    changed = new != pop.strategy[revisers]
    revisers, new = revisers[changed], new[changed]
    pop.end_couples_of(revisers, CHANGE, t)
    pop.set_strategies(revisers, new)


def _generations(pop: Population, t: int, rng: np.random.Generator) -> None:
    from powergame.population.engine import CHANGE

    if t % pop.change.generation:
        return
    k = pop.strategies.n_strategies
    totals, pop.generation_payoff = pop.generation_payoff, np.zeros(k)
    # the replicator step: each strategy's share becomes its share of the generation's total
    # payoff, as whole numbers of agents (largest remainders), placed at random
    shares = totals / totals.sum() if totals.sum() > 0 else np.bincount(pop.strategy, minlength=k) / pop.n
    exact = shares * pop.n
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: pop.n - int(counts.sum())]] += 1
    new = rng.permutation(np.repeat(np.arange(k), counts))
    everyone = np.arange(pop.n)
    pop.end_couples_of(everyone, CHANGE, t)
    pop.set_strategies(everyone, _mutate(pop, new, rng))


def _weighted_agents(pop: Population, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` agents drawn with replacement, with probability proportional to
    max(payoff, 0). By rejection: a uniform agent is kept with probability weight / bound
    (``pop.weight_bound`` bounds every weight), so a draw costs O(1), not O(N); if too few
    are kept (weights far below the bound) the rest come from the cumulative sums."""
    n = pop.n
    bound = pop.weight_bound
    if count == 0 or bound <= 0.0:
        return rng.integers(n, size=count)
    found: list[np.ndarray] = []
    need = count
    for _ in range(_REJECTION_ROUNDS):
        candidates = rng.integers(n, size=2 * need + 8)
        kept = candidates[rng.random(candidates.size) * bound < pop.payoff[candidates]][:need]
        found.append(kept)
        need -= kept.size
        if need == 0:
            return np.concatenate(found)
    weights = np.maximum(pop.payoff, 0.0)
    cumulative = np.cumsum(weights)
    if cumulative[-1] <= 0.0:
        found.append(rng.integers(n, size=need))
    else:
        drawn = np.searchsorted(cumulative, rng.random(need) * cumulative[-1], side="right")
        found.append(np.minimum(drawn, n - 1))
    return np.concatenate(found)


_REJECTION_ROUNDS = 8


def _weighted_neighbours(
    pop: Population, nodes: np.ndarray, weights: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """For each node a neighbour drawn with probability proportional to ``weights``
    (uniform among its neighbours when they all weigh 0; itself when it has none)."""
    owner, neighbour = segments(pop.graph, nodes)
    counts = np.bincount(owner, minlength=nodes.size)
    w = weights[neighbour]
    cumulative = np.cumsum(w)
    end = np.cumsum(counts)
    start = end - counts
    before = np.where(start > 0, cumulative[np.maximum(start - 1, 0)], 0.0)
    total = (
        np.where(counts > 0, cumulative[np.maximum(end - 1, 0)] - before, 0.0)
        if w.size
        else np.zeros(nodes.size)
    )
    u = rng.random(nodes.size)
    chosen = nodes.copy()
    weighted = (counts > 0) & (total > 0)
    if weighted.any():
        target = before[weighted] + u[weighted] * total[weighted]
        pos = np.searchsorted(cumulative, target, side="right")
        pos = np.clip(pos, start[weighted], end[weighted] - 1)
        chosen[weighted] = neighbour[pos]
    flat = (counts > 0) & ~(total > 0)
    if flat.any():
        chosen[flat] = neighbour[start[flat] + (u[flat] * counts[flat]).astype(np.int64)]
    return chosen


def _mutate(pop: Population, adopted: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each adopted strategy replaced by a mutant with probability ``mutation``."""
    mu = pop.change.mutation
    if mu <= 0.0 or adopted.size == 0:
        return adopted
    hit = np.flatnonzero(rng.random(adopted.size) < mu)
    if hit.size == 0:
        return adopted
    adopted = adopted.copy()
    if pop.change.mutation_kind == "one_gene":
        adopted[hit] = _one_gene(pop, adopted[hit], rng)
    else:
        adopted[hit] = rng.integers(pop.strategies.n_strategies, size=hit.size)
    return adopted


def _one_gene(pop: Population, strategies: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random neighbour (one letter changed) of each strategy."""
    genes = pop.gene_neighbours
    assert genes is not None
    return genes[strategies, rng.integers(genes.shape[1], size=strategies.size)]
