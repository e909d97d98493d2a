"""Step 1 of a tick: singles meet. Each single seeks a partner with probability ``meet``;
seekers are paired at random with seeking single neighbours."""

from __future__ import annotations

import numpy as np

from powergame.population.graph import Adjacency, segments

MAX_PROPOSAL_ROUNDS = 64


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
    """Rounds of proposals: each unpaired seeker proposes to a uniformly random unpaired
    seeking neighbour; a proposal with the smallest random priority at both of its ends is
    accepted (the accepted ones are disjoint). Repeats until nobody can propose."""
    seeking = np.zeros(adjacency.n, dtype=bool)
    seeking[seekers] = True
    best = np.full(adjacency.n, np.inf)
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    candidates = seekers
    for _ in range(MAX_PROPOSAL_ROUNDS):
        candidates = candidates[seeking[candidates]]
        owner, neighbour = segments(adjacency, candidates)
        keep = seeking[neighbour]
        owner, neighbour = owner[keep], neighbour[keep]
        if neighbour.size == 0:
            break
        # one uniformly random kept neighbour per proposer (owner is sorted)
        counts = np.bincount(owner, minlength=candidates.size)
        proposers = np.flatnonzero(counts)
        first = np.cumsum(counts) - counts
        pick = first[proposers] + (rng.random(proposers.size) * counts[proposers]).astype(np.int64)
        i, j = candidates[proposers], neighbour[pick]
        priority = rng.random(i.size)
        np.minimum.at(best, i, priority)
        np.minimum.at(best, j, priority)
        accepted = (best[i] == priority) & (best[j] == priority)
        best[i] = np.inf
        best[j] = np.inf
        i, j = i[accepted], j[accepted]
        seeking[i] = False
        seeking[j] = False
        found_a.append(np.minimum(i, j))
        found_b.append(np.maximum(i, j))
    if not found_a:
        return _EMPTY, _EMPTY
    return np.concatenate(found_a), np.concatenate(found_b)
