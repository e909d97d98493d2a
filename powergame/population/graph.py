"""Who can meet whom: the population's graph as CSR adjacency arrays.

The complete graph (a well-mixed pool) is never built: ``Adjacency.complete(n)`` only
records its size. Any other networkx graph becomes two arrays, ``indptr`` (n + 1) and
``indices`` (2 x edges): the neighbours of node i are ``indices[indptr[i]:indptr[i + 1]]``.
Memory is O(N + edges).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Adjacency:
    """A graph on nodes 0..n-1: complete, or CSR arrays (see the module docstring)."""

    n: int
    indptr: np.ndarray | None = None
    indices: np.ndarray | None = None
    # every edge once (u < v), for the matching; filled by from_csr
    edge_u: np.ndarray | None = None
    edge_v: np.ndarray | None = None

    @classmethod
    def complete(cls, n: int) -> Adjacency:
        """Everyone can meet everyone; no edge is stored."""
        return cls(n=n)

    @classmethod
    def from_networkx(cls, graph: Any, nodes: list[Any] | None = None) -> Adjacency:
        """The adjacency of a networkx graph; agent i sits on ``nodes[i]`` (default: the
        graph's nodes in sorted order when they sort, else in insertion order).
        Self-loops are dropped."""
        import networkx as nx

        if nodes is None:
            nodes = ordered_nodes(graph)
        matrix = nx.to_scipy_sparse_array(graph, nodelist=nodes, format="csr", dtype=np.int8)
        matrix.setdiag(0)
        matrix.eliminate_zeros()
        matrix.sort_indices()
        return cls.from_csr(len(nodes), matrix.indptr, matrix.indices)

    @classmethod
    def from_csr(cls, n: int, indptr: np.ndarray, indices: np.ndarray) -> Adjacency:
        """From CSR arrays of a symmetric graph without self-loops."""
        indptr = np.asarray(indptr, dtype=np.int64)
        indices = np.asarray(indices, dtype=np.int64)
        owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        once = owner < indices
        return cls(n=n, indptr=indptr, indices=indices, edge_u=owner[once], edge_v=indices[once])

    @property
    def is_complete(self) -> bool:
        return self.indptr is None

    def degrees(self) -> np.ndarray:
        """The number of neighbours of each node."""
        if self.indptr is None:
            return np.full(self.n, self.n - 1, dtype=np.int64)
        return np.diff(self.indptr)

    @property
    def edges(self) -> int:
        """The number of (undirected) edges."""
        if self.indices is None:
            return self.n * (self.n - 1) // 2
        return int(self.indices.size // 2)

    def isolated(self) -> np.ndarray:
        """True for nodes without a neighbour (they stay single)."""
        return self.degrees() == 0


def ordered_nodes(graph: Any) -> list[Any]:
    """A graph's nodes in the order agents sit on them: sorted when they sort, else as inserted."""
    nodes = list(graph.nodes)
    try:
        return sorted(nodes)
    except TypeError:
        return nodes


def segments(adjacency: Adjacency, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each node of ``nodes`` its neighbours, flattened: (owner position in
    ``nodes``, neighbour) arrays of equal length."""
    assert adjacency.indptr is not None and adjacency.indices is not None
    starts = adjacency.indptr[nodes]
    counts = adjacency.indptr[nodes + 1] - starts
    total = int(counts.sum())
    owner = np.repeat(np.arange(nodes.size), counts)
    # position within each segment: arange(total) minus the segment's first position
    first = np.cumsum(counts) - counts
    offsets = np.arange(total) - np.repeat(first, counts)
    return owner, adjacency.indices[np.repeat(starts, counts) + offsets]
