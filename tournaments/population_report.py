"""The report of a population run: PNG plots and one self-contained ``report.html``.

- strategy shares over time, and the market (share in a couple, outcomes, separations);
- Kaplan–Meier survival of relationships by strategy pair and by outside-option pair
  (the event is a leave; relationships ended by breakup, death, a strategy change or the
  end of the run are censored there: they would have lasted at least that long);
- who leaves whom: by strategy, and by which partner had the better outside option;
- the payoff split within couples by outside-option class (does the partner who wants
  less of the relationship get more of it?);
- for graphs up to ``MAX_DRAWN_NODES`` nodes, the graph coloured by final strategy.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from powergame.errors import ParameterError

from .population_storage import PopulationResults, load_population_results
from .report import STYLE, _image, html_table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

REPORT_DIR = "report"
MAX_DRAWN_NODES = 3000
MAX_LINES = 8  # strategies (or pairs) drawn one by one; the rest are summed as "other"
EQUAL = 1e-9


def is_population_results(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds a finished population run."""
    import json

    path = Path(folder) / "summary.json"
    try:
        return bool(json.loads(path.read_text()).get("kind") == "population")
    except (OSError, ValueError):
        return False


# --- tables ----------------------------------------------------------------------------------
def kaplan_meier_counts(length: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Kaplan–Meier S(t) = P(length > t) for whole-number lengths, by counting (fast for
    millions of relationships): ``time``, ``survival``, ``at_risk``, ``events``."""
    length = np.asarray(length, dtype=np.int64)
    event = np.asarray(event, dtype=bool)
    if length.size == 0:
        return pd.DataFrame(columns=["time", "survival", "at_risk", "events"])
    top = int(length.max())
    ends = np.bincount(length, minlength=top + 1)
    events = np.bincount(length[event], minlength=top + 1)
    at_risk = length.size - np.concatenate(([0], np.cumsum(ends)[:-1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / np.maximum(at_risk, 1), 1.0)
    return pd.DataFrame(
        {"time": np.arange(top + 1), "survival": np.cumprod(factor), "at_risk": at_risk, "events": events}
    )


def _median(curve: pd.DataFrame) -> float | None:
    below = curve[curve["survival"] <= 0.5]
    return float(below["time"].iloc[0]) if len(below) else None


def with_sides(rel: pd.DataFrame) -> pd.DataFrame:
    """Relationships that played at least a round, with the partners ordered by outside
    option: ``better``/``worse`` columns (v, strategy, payoff per round, left), ``unequal``."""
    played = rel[rel["length"] > 0].copy()
    a_better = played["outside_a"] >= played["outside_b"]
    for side, pick_a in (("better", a_better), ("worse", ~a_better)):
        for column in ("outside", "strategy", "payoff"):
            played[f"{column}_{side}"] = np.where(pick_a, played[f"{column}_a"], played[f"{column}_b"])
        who = played["ended_by"].astype(object)
        left_a = who.isin(["a", "both"])
        left_b = who.isin(["b", "both"])
        played[f"left_{side}"] = np.where(pick_a, left_a, left_b)
    played["unequal"] = (played["outside_better"] - played["outside_worse"]) > EQUAL
    return played


def split_by_outside(rel: pd.DataFrame) -> pd.DataFrame:
    """Per pair of outside options: relationships, mean length, each side's payoff per
    round, the better-option partner's share of the couple's payoff, and who left."""
    played = with_sides(rel)
    played["per_round_better"] = played["payoff_better"] / played["length"]
    played["per_round_worse"] = played["payoff_worse"] / played["length"]
    left = played[played["how"] == "leave"]
    rows = []
    for (vb, vw), group in played.groupby(["outside_better", "outside_worse"]):
        total = group["payoff_better"] + group["payoff_worse"]
        ended = left[(left["outside_better"] == vb) & (left["outside_worse"] == vw)]
        sided = vb - vw > EQUAL  # with equal options "better" and "worse" mean nothing
        rows.append(
            {
                "outside_options": f"{vb:g} & {vw:g}",
                "relationships": len(group),
                "mean_length": group["length"].mean(),
                # with equal options both sides are one class: their pooled mean, twice
                "payoff_per_round_better": group["per_round_better"].mean()
                if sided
                else pd.concat([group["per_round_better"], group["per_round_worse"]]).mean(),
                "payoff_per_round_worse": group["per_round_worse"].mean()
                if sided
                else pd.concat([group["per_round_better"], group["per_round_worse"]]).mean(),
                "share_to_better": group["payoff_better"].sum() / total.sum()
                if sided and total.sum()
                else np.nan,
                "left_by_better_share": ended["left_better"].mean() if sided and len(ended) else np.nan,
                "left_by_worse_share": ended["left_worse"].mean() if sided and len(ended) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def who_leaves_whom(rel: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """Leaves by (leaver's strategy, left partner's strategy), most frequent first; a
    leave by both counts for both."""
    left = rel[rel["how"] == "leave"]
    by = left["ended_by"].astype(object)
    parts = [
        pd.DataFrame(
            {
                "leaver": left.loc[by.isin(["a", "both"]), "strategy_a"].astype(str),
                "left": left.loc[by.isin(["a", "both"]), "strategy_b"].astype(str),
            }
        ),
        pd.DataFrame(
            {
                "leaver": left.loc[by.isin(["b", "both"]), "strategy_b"].astype(str),
                "left": left.loc[by.isin(["b", "both"]), "strategy_a"].astype(str),
            }
        ),
    ]
    table = pd.concat(parts).value_counts().rename("leaves").reset_index()
    table["share"] = table["leaves"] / max(int(table["leaves"].sum()), 1)
    return table.head(top)


def _pair_label(rel: pd.DataFrame) -> pd.Series:
    a, b = rel["strategy_a"].astype(str), rel["strategy_b"].astype(str)
    first = np.where(a <= b, a, b)
    second = np.where(a <= b, b, a)
    return pd.Series([f"{x} & {y}" for x, y in zip(first, second)], index=rel.index)


# --- plots -----------------------------------------------------------------------------------
def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def plot_shares(strategies: pd.DataFrame) -> Figure:
    shares = strategies.pivot_table(
        index="tick", columns="strategy", values="share", observed=True, aggfunc="sum"
    )
    order = shares.max().sort_values(ascending=False).index
    shown = list(order[:MAX_LINES])
    fig = _figure(9, 4.5)
    ax = fig.add_subplot()
    for name in shown:
        ax.plot(shares.index, shares[name], label=str(name))
    if len(order) > MAX_LINES:
        ax.plot(
            shares.index, shares[order[MAX_LINES:]].sum(axis=1), color="#999999", linestyle=":", label="other"
        )
    ax.set(xlabel="tick", ylabel="share of agents", title="Strategy shares", ylim=(0, 1))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_market(timeseries: pd.DataFrame) -> Figure:
    fig = _figure(9, 4)
    ax = fig.add_subplot()
    for column, label in (
        ("coupled", "in a couple"),
        ("cc", "couples CC"),
        ("cd", "couples CD"),
        ("dd", "couples DD"),
        ("separated", "separated this tick"),
    ):
        ax.plot(timeseries["tick"], timeseries[column], label=label)
    ax.set(xlabel="tick", ylabel="share", ylim=(0, 1), title="The market")
    right = ax.twinx()
    right.plot(
        timeseries["tick"], timeseries["mean_age"], color="#444444", linestyle="--", label="mean age (right)"
    )
    right.set_ylabel("mean relationship age (rounds)")
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(
        lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="upper left", bbox_to_anchor=(1.08, 1.0)
    )
    return fig


def plot_survival(rel: pd.DataFrame, groups: pd.Series, title: str) -> Figure:
    fig = _figure(9, 4.5)
    ax = fig.add_subplot()
    event = (rel["how"] == "leave").to_numpy()
    counts = groups.value_counts()
    for label in counts.index[:MAX_LINES]:
        mask = (groups == label).to_numpy()
        curve = kaplan_meier_counts(rel["length"].to_numpy()[mask], event[mask])
        ax.step(curve["time"], curve["survival"], where="post", label=f"{label} ({counts[label]})")
    ax.set(xlabel="rounds together", ylabel="P(no leave yet)", title=title, ylim=(0, 1.02))
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(left=0)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def plot_exact_survival(curves: pd.DataFrame) -> Figure:
    """Exact survival curves of the mean field, one per start tick."""
    figure = _figure(7.0, 4.0)
    axes = figure.subplots()
    for start, curve in curves.groupby("start"):
        axes.step(curve["t"], curve["survival"], where="post", label=f"begun at tick {start}")
    axes.set_xlabel("rounds together")
    axes.set_ylabel("P(still together)")
    axes.set_ylim(0, 1.02)
    axes.legend(fontsize="small")
    return figure


def plot_graph(results: PopulationResults) -> Figure | None:
    """The graph coloured by final strategy; None when it is complete or too big."""
    from .population_setup import build_graph, setup_rng
    from .population_spec import population_spec_from_dict

    summary = results.summary
    if (
        results.agents is None
        or summary["graph"]["kind"] == "complete"
        or summary["graph"]["nodes"] > MAX_DRAWN_NODES
    ):
        return None
    spec = population_spec_from_dict(summary["spec"], source=summary.get("source", ""))
    try:
        _, graph = build_graph(spec, setup_rng(spec))
    except ParameterError:  # a graph file that moved since the run
        return None
    import networkx as nx

    from powergame.population.graph import ordered_nodes

    nodes = ordered_nodes(graph)
    if spec.graph.kind in ("grid", "torus"):
        position = {node: node for node in nodes}
    else:
        position = nx.spring_layout(graph, seed=1, iterations=40)
    strategies = results.agents["strategy"].astype(str).to_numpy()
    names = sorted(set(strategies), key=lambda s: -np.sum(strategies == s))
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    colour = {name: cmap(k % 20) for k, name in enumerate(names)}
    fig = _figure(8, 8)
    ax = fig.add_subplot()
    xy = np.array([position[node] for node in nodes], dtype=float)
    edges = np.array(
        [(nodes.index(u), nodes.index(v)) for u, v in graph.edges()] if len(nodes) <= 500 else [], dtype=int
    )
    if edges.size:
        for u, v in edges:
            ax.plot(xy[[u, v], 0], xy[[u, v], 1], color="#cccccc", linewidth=0.4, zorder=1)
    ax.scatter(xy[:, 0], xy[:, 1], c=[colour[s] for s in strategies], s=max(4.0, 4000 / len(nodes)), zorder=2)
    for name in names[:MAX_LINES]:
        ax.scatter([], [], color=colour[name], label=name)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_axis_off()
    ax.set_title("The graph at the end, coloured by strategy")
    return fig


# --- page ------------------------------------------------------------------------------------
def _run_line(summary: dict[str, Any]) -> str:
    """One line saying what was run."""
    if summary["engine"] == "mean-field":
        return (
            f"{summary['ticks_done']} ticks of an infinite well-mixed population (mean field, exact), "
            f"seed {summary['seed']}."
        )
    graph = summary["graph"]
    return (
        f"{summary['ticks_done']} ticks, {graph['nodes']} agents on a {graph['kind']} graph "
        f"({graph['edges']} edges, {graph['isolated']} isolated), {summary['relationships']} relationships, "
        f"{summary['engine']} engine, seed {summary['seed']}."
    )


def _exact_survival(folder: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The mean field's exact survival curves, where the run has them."""
    path = Path(folder) / "survival.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def render_population_report(
    folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None
) -> Path:
    """Write the PNG plots and ``report.html`` of a population run into ``out`` (default
    ``folder/report``); return the page's path."""
    results = load_population_results(folder)
    target = Path(out) if out is not None else Path(folder) / REPORT_DIR
    if target.exists() and not target.is_dir():
        raise ParameterError("--out", str(target), "must be a folder, not a file")
    target.mkdir(parents=True, exist_ok=True)
    figures: dict[str, Any] = {
        "shares.png": plot_shares(results.strategies),
        "market.png": plot_market(results.timeseries),
    }
    rel = results.relationships
    sections_rel: list[str] = []
    if rel is not None and len(rel):
        played = rel[rel["length"] > 0]
        sides = with_sides(rel)
        figures["survival_by_pair.png"] = plot_survival(
            played, _pair_label(played), "Relationships by strategy pair"
        )
        outside_label = pd.Series(
            [f"v {b:g} & {w:g}" for b, w in zip(sides["outside_better"], sides["outside_worse"])],
            index=sides.index,
        )
        figures["survival_by_outside.png"] = plot_survival(
            sides, outside_label, "Relationships by the partners' outside options"
        )
    exact_curves = _exact_survival(folder)
    if exact_curves is not None:
        figures["survival_exact.png"] = plot_exact_survival(exact_curves)
    graph_figure = plot_graph(results)
    if graph_figure is not None:
        figures["graph.png"] = graph_figure
    images = {}
    for name, figure in figures.items():
        figure.savefig(target / name, format="png")
        images[name] = (target / name).read_bytes()
    summary = results.summary
    final = pd.DataFrame(
        sorted(summary["final"]["shares"].items(), key=lambda kv: -kv[1]), columns=["strategy", "final_share"]
    )
    if exact_curves is not None:
        sections_rel = [
            "<h2>Which relationships last</h2>",
            _image(images["survival_exact.png"], "exact survival"),
            '<p class="note">Exact survival of a relationship begun at the given tick (mean field: no '
            "sampling, no censoring).</p>",
        ]
    if rel is not None and len(rel):
        sections_rel = [
            "<h2>Which relationships last</h2>",
            _image(images["survival_by_pair.png"], "survival by strategy pair"),
            _image(images["survival_by_outside.png"], "survival by outside options"),
            '<p class="note">Kaplan–Meier curves; the event is a leave. Relationships ended by breakup, '
            "death or a strategy change, and those still on at the end, are censored.</p>",
            "<h2>Who wants less of the relationship, and who gets more of it</h2>",
            html_table(split_by_outside(rel)),
            '<p class="note">Couples by their two outside options (better & worse). share to better: the '
            "better-option partner's share of the couple's payoff; left by better/worse share: of the "
            "leaves, the share in which that partner left (both count for both).</p>",
            "<h2>Who leaves whom</h2>",
            html_table(who_leaves_whom(rel)),
        ]
    body = [
        f"<h1>{html.escape('powergame population report: ' + str(summary.get('name', '')))}</h1>",
        f"<p>{html.escape(_run_line(summary))}</p>",
        "<h2>Strategies</h2>",
        _image(images["shares.png"], "strategy shares"),
        html_table(final.head(20)),
        "<h2>The market</h2>",
        _image(images["market.png"], "market"),
        *sections_rel,
    ]
    if "graph.png" in images:
        body += ["<h2>The graph</h2>", _image(images["graph.png"], "graph")]
    page = target / "report.html"
    title = f"powergame population report: {summary.get('name', '')}"
    page.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n",
        encoding="utf-8",
    )
    return page
