"""Step 1 of a tick: singles meet. Each single seeks a partner with probability ``meet``;
seekers are paired at random with seeking single neighbours."""

from __future__ import annotations

import numpy as np

from powergame.population.graph import Adjacency


def meet(
    adjacency: Adjacency, partner: np.ndarray, meet_probability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """New couples (a, b) with a < b, in the order they formed."""
    seekers = np.flatnonzero(partner < 0)
    if meet_probability < 1.0 and seekers.size:
        seekers = seekers[rng.random(seekers.size) < meet_probability]
    if seekers.size < 2:
        return _EMPTY, _EMPTY
    if adjacency.is_complete:
        return _pair_at_random(seekers, rng)
    return _pair_on_graph(adjacency, seekers, rng)


_EMPTY = np.zeros(0, dtype=np.int64)


def _pair_at_random(seekers: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A uniformly random pairing of the seekers (one left over if their number is odd)."""
    order = rng.permutation(seekers)
    pairs = order.size // 2
    x, y = order[0 : 2 * pairs : 2], order[1 : 2 * pairs : 2]
    return np.minimum(x, y), np.maximum(x, y)


def _pair_on_graph(
    adjacency: Adjacency, seekers: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A random greedy maximal matching of the seekers: the edges between seekers are
    taken in a uniformly random order and each is kept when both its ends are still
    unpaired. Computed in rounds: an edge whose random rank is the smallest at both of its
    ends is kept (the kept ones are disjoint, and are the ones the greedy order keeps),
    then the edges touching a paired node are dropped, until none is left."""
    seeking = np.zeros(adjacency.n, dtype=bool)
    seeking[seekers] = True
    assert adjacency.edge_u is not None and adjacency.edge_v is not None
    keep = seeking[adjacency.edge_u] & seeking[adjacency.edge_v]
    source, target = adjacency.edge_u[keep], adjacency.edge_v[keep]
    rank = rng.random(source.size)
    best = np.full(adjacency.n, np.inf)
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    while source.size:
        np.minimum.at(best, source, rank)
        np.minimum.at(best, target, rank)
        kept = (best[source] == rank) & (best[target] == rank)
        best[source] = np.inf
        best[target] = np.inf
        i, j = source[kept], target[kept]
        seeking[i] = False
        seeking[j] = False
        found_a.append(i)
        found_b.append(j)
        alive = seeking[source] & seeking[target]
        source, target, rank = source[alive], target[alive], rank[alive]
    if not found_a:
        return _EMPTY, _EMPTY
    return np.concatenate(found_a), np.concatenate(found_b)
