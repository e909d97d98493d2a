"""The invasion graph: which strategy's single mutant takes over which population more
often than a neutral mutant would (1/N), as a networkx DiGraph; GraphML export; a drawing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .stability import TOLERANCE

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure


def invasion_graph(
    strategies: Sequence[str],
    rho: np.ndarray,
    population_size: int,
    stationary: np.ndarray | None = None,
    families: Sequence[str] = (),
) -> nx.DiGraph:
    """Nodes: the strategies (attributes ``stationary`` share and ``family`` when given).
    An edge i -> j when a single j-mutant fixes in an i-population with probability above
    1/N; attributes ``weight`` (that probability) and ``advantage`` (N times it: how many
    times more likely than a neutral mutant)."""
    import networkx as nx

    graph = nx.DiGraph(population_size=population_size)
    for index, name in enumerate(strategies):
        attributes: dict[str, Any] = {}
        if stationary is not None:
            attributes["stationary"] = float(stationary[index])
        if families:
            attributes["family"] = families[index]
        graph.add_node(name, **attributes)
    neutral = (1.0 + TOLERANCE) / population_size
    mask = rho > neutral
    np.fill_diagonal(mask, False)
    rows, cols = np.nonzero(mask)
    graph.add_edges_from(
        (
            strategies[i],
            strategies[j],
            {"weight": float(rho[i, j]), "advantage": float(rho[i, j] * population_size)},
        )
        for i, j in zip(rows.tolist(), cols.tolist())
    )
    return graph


def write_graphml(graph: nx.DiGraph, path: str | os.PathLike[str]) -> None:
    """The graph as GraphML (readable by networkx, Gephi, yEd, Cytoscape)."""
    import networkx as nx

    nx.write_graphml(graph, str(path))


def draw_invasion_graph(graph: nx.DiGraph, top: int = 12) -> Figure:
    """The invasion graph around the ``top`` strategies by stationary share (all when
    fewer): those strategies (blue) and, for each, its strongest invader and the
    population it invades most easily (orange), when it has them; node area the
    stationary share, arrow width the fixation advantage."""
    import networkx as nx
    from matplotlib.figure import Figure

    shares = nx.get_node_attributes(graph, "stationary")
    leaders = sorted(graph.nodes, key=lambda node: -shares.get(node, 0.0))[:top]
    nodes = list(leaders)
    for node in leaders:
        invaders = sorted(graph.out_edges(node, data="weight"), key=lambda edge: -edge[2])
        victims = sorted(graph.in_edges(node, data="weight"), key=lambda edge: -edge[2])
        for other in ([invaders[0][1]] if invaders else []) + ([victims[0][0]] if victims else []):
            if other not in nodes:
                nodes.append(other)
    sub = graph.subgraph(nodes)
    fig = Figure(figsize=(9.0, 7.5), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    positions = nx.circular_layout(nodes)
    largest = max([shares.get(node, 0.0) for node in nodes] + [1e-12])
    sizes = [300 + 2700 * shares.get(node, 0.0) / largest for node in nodes]
    colours = ["#9ecae1" if node in leaders else "#fdae6b" for node in nodes]
    edges = list(sub.edges(data="advantage", default=1.0))
    widths = [0.5 + 2.5 * min(1.0, np.log10(max(adv, 1.0)) / 2.0) for _, _, adv in edges]
    nx.draw_networkx_nodes(
        sub, positions, nodelist=nodes, ax=ax, node_size=sizes, node_color=colours, edgecolors="#555555"
    )
    nx.draw_networkx_edges(
        sub,
        positions,
        edgelist=[(a, b) for a, b, _ in edges],
        ax=ax,
        width=widths,
        edge_color="#555555",
        arrowsize=12,
        nodelist=nodes,
        node_size=sizes,
        connectionstyle="arc3,rad=0.08",
        alpha=0.7,
    )
    nx.draw_networkx_labels(sub, positions, ax=ax, font_size=8)
    ax.margins(0.18)
    count = graph.number_of_nodes()
    shown = (
        ""
        if len(nodes) == count
        else f"; the top {len(leaders)} of {count} by stationary share (blue),\ntheir strongest invaders and the populations they invade most easily (orange)"
    )
    ax.set_title(
        f"Invasion graph, N = {graph.graph.get('population_size')}{shown}\n"
        "arrow i -> j: a j-mutant takes over an i-population more often than 1/N",
        fontsize="medium",
    )
    ax.set_axis_off()
    return fig
