"""The report of a sweep folder: per family, line plots over each varied parameter and
heatmaps over two, as PNG files and one self-contained ``report.html``.

Every point is the mean over its cells (replicates, and for a line plot over one
parameter, every value of the others); error bars are one standard deviation of the cells.
matplotlib is imported only when a report is drawn.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from powergame.errors import ParameterError

from .sweep_run import SWEEP_FILE, load_sweep_table, plain_value

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

REPORT_DIR = "report"
FIGURES = {
    "score": "mean score per round",
    "share_lasted": "share of its relationships that lasted",
    "share_left": "share of its relationships it left",
    "share_was_left": "share of its relationships in which it was left",
    "share": "share of the population at the end",  # population runs
}
RELATIONSHIPS = {
    "share_lasted": "lasted",
    "share_left_by_A": "left by A",
    "share_left_by_B": "left by B",
    "share_left_by_both": "left by both",
    "share_ended_by_leave": "ended by a leave",  # population runs
    "share_ended_by_breakup": "broken up",
    "coupled": "agents coupled at the end",
}
FAMILY_COLOURS = {"trust-building": "#1b9e77", "withholding": "#d95f02", "neutral": "#7570b3"}
MAX_LINE_AXES = 4
MAX_ANNOTATED_CELLS = 150


def is_sweep_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` was written by ``powergame sweep``."""
    return (Path(folder) / SWEEP_FILE).is_file()


def sweep_axes(folder: str | os.PathLike[str]) -> list[tuple[str, list[Any]]]:
    """The swept parameters and their values, in the spec's order."""
    record = json.loads((Path(folder) / SWEEP_FILE).read_text(encoding="utf-8"))
    return [(name, [plain_value(v) for v in values]) for name, values in record["sweep"]["axes"]]


def families_of(table: pd.DataFrame) -> list[str]:
    """The families with figures in the sweep table (trust-building, withholding, neutral first)."""
    found = sorted({c.split(".", 1)[1] for c in table.columns if c.startswith("score.")})
    order = [f for f in FAMILY_COLOURS if f in found]
    return order + [f for f in found if f not in order]


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _positions(values: list[Any]) -> tuple[list[float], list[str] | None]:
    """x positions of an axis's values: the values when all are numbers, else 0, 1, ...
    with the values as tick labels."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values], None
    return [float(i) for i in range(len(values))], [str(v) for v in values]


def _by_value(
    done: pd.DataFrame, axis: str, values: list[Any], column: str
) -> tuple[list[float], list[float]]:
    means, spreads = [], []
    for value in values:
        cells = done.loc[done[axis] == value, column].astype(float).dropna()
        means.append(float(cells.mean()) if len(cells) else math.nan)
        spreads.append(float(cells.std(ddof=1)) if len(cells) > 1 else 0.0)
    return means, spreads


def plot_lines(
    done: pd.DataFrame, axis: str, values: list[Any], figure_name: str, families: list[str]
) -> Figure:
    """One figure per family over ``axis``: one line per family, mean ± sd of the cells."""
    figure = _figure(6.4, 4.0)
    ax = figure.subplots()
    xs, labels = _positions(values)
    for family in families:
        means, spreads = _by_value(done, axis, values, f"{figure_name}.{family}")
        ax.errorbar(
            xs, means, yerr=spreads, marker="o", capsize=3, label=family, color=FAMILY_COLOURS.get(family)
        )
    _label_x(ax, axis, xs, labels)
    ax.set_ylabel(FIGURES[figure_name])
    ax.set_title(f"{FIGURES[figure_name].capitalize()} by family, over {axis}")
    ax.legend(title="family", fontsize="small")
    ax.grid(alpha=0.3)
    return figure


def plot_relationships(done: pd.DataFrame, axis: str, values: list[Any]) -> Figure:
    """How relationships ended over ``axis``: lasted, left by A, by B, by both."""
    figure = _figure(6.4, 4.0)
    ax = figure.subplots()
    xs, labels = _positions(values)
    for column, label in RELATIONSHIPS.items():
        if column in done.columns:
            means, spreads = _by_value(done, axis, values, column)
            ax.errorbar(xs, means, yerr=spreads, marker="o", capsize=3, label=label)
    _label_x(ax, axis, xs, labels)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("share")
    ax.set_title(f"How relationships ended, over {axis}")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return figure


def _label_x(ax: Any, axis: str, xs: list[float], labels: list[str] | None) -> None:
    ax.set_xlabel(axis)
    if labels is not None:
        ax.set_xticks(xs, labels, rotation=30, ha="right")


def plot_heatmaps(
    done: pd.DataFrame,
    axes: list[tuple[str, list[Any]]],
    columns: list[tuple[str, str]],
    title: str,
    shares: bool,
) -> Figure:
    """One heatmap per (column, panel title) over the first two axes (x: first, y: second),
    each cell the mean of its cells; a shared colour scale (0 to 1 for shares)."""
    (x_axis, x_values), (y_axis, y_values) = axes[0], axes[1]
    grids = []
    for column, _ in columns:
        grid = [[math.nan] * len(x_values) for _ in y_values]
        for i, y in enumerate(y_values):
            for j, x in enumerate(x_values):
                cells = done.loc[(done[x_axis] == x) & (done[y_axis] == y), column].astype(float).dropna()
                grid[i][j] = float(cells.mean()) if len(cells) else math.nan
        grids.append(grid)
    finite = [v for grid in grids for row in grid for v in row if not math.isnan(v)]
    low, high = (0.0, 1.0) if shares else (min(finite, default=0.0), max(finite, default=1.0))
    figure = _figure(3.4 * len(columns) + 1.0, 0.35 * len(y_values) + 2.6)
    panels = figure.subplots(1, len(columns), squeeze=False)[0]
    image = None
    for ax, grid, (_, panel_title) in zip(panels, grids, columns):
        image = ax.imshow(grid, origin="lower", aspect="auto", vmin=low, vmax=high, cmap="viridis")
        ax.set_xticks(range(len(x_values)), [str(v) for v in x_values], rotation=30, ha="right")
        ax.set_yticks(range(len(y_values)), [str(v) for v in y_values])
        ax.set_xlabel(x_axis)
        ax.set_ylabel(y_axis)
        ax.set_title(panel_title)
        if len(x_values) * len(y_values) <= MAX_ANNOTATED_CELLS:
            for i, row in enumerate(grid):
                for j, value in enumerate(row):
                    if not math.isnan(value):
                        shade = "white" if (value - low) < 0.5 * (high - low) else "black"
                        ax.text(
                            j, i, f"{value:.2f}", ha="center", va="center", fontsize="x-small", color=shade
                        )
    if image is not None:
        figure.colorbar(image, ax=list(panels), shrink=0.9)
    figure.suptitle(title)
    return figure


def sweep_plots(folder: str | os.PathLike[str]) -> dict[str, Figure]:
    """Every plot of a sweep folder by file name: per varied parameter, lines of each
    family figure and of how relationships ended; over the first two varied parameters,
    heatmaps of each family figure (one panel per family) and of the share that lasted."""
    table = load_sweep_table(folder)
    done = table[table["status"] == "done"]
    if done.empty:
        raise ParameterError("sweep folder", str(folder), "has no finished cell to report on")
    axes = [(name, values) for name, values in sweep_axes(folder) if len(values) > 1]
    families = families_of(done)
    plots: dict[str, Figure] = {}
    for name, values in axes[:MAX_LINE_AXES]:
        slug = _slug(name)
        plots[f"relationships_over_{slug}.png"] = plot_relationships(done, name, values)
        for figure_name in FIGURES:
            if any(f"{figure_name}.{f}" in done.columns for f in families):
                plots[f"{figure_name}_over_{slug}.png"] = plot_lines(
                    done, name, values, figure_name, families
                )
    if len(axes) >= 2:
        pair = axes[:2]
        plots["heatmap_all_lasted.png"] = plot_heatmaps(
            done, pair, [("share_lasted", "all relationships")], "Share of relationships that lasted", True
        )
        for figure_name, label in FIGURES.items():
            columns = [(f"{figure_name}.{f}", f) for f in families if f"{figure_name}.{f}" in done.columns]
            if columns:
                plots[f"heatmap_{figure_name}.png"] = plot_heatmaps(
                    done, pair, columns, label[0].upper() + label[1:] + ", by family", figure_name != "score"
                )
    return plots


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def render_sweep_report(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write the sweep's plots and ``report.html`` into ``out`` (default: ``folder/report``);
    return the page's path."""
    target = Path(out) if out is not None else Path(folder) / REPORT_DIR
    if target.exists() and not target.is_dir():
        raise ParameterError("--out", str(target), "must be a folder, not a file")
    plots = sweep_plots(folder)
    target.mkdir(parents=True, exist_ok=True)
    images = {}
    for name, figure in plots.items():
        path = target / name
        figure.savefig(path, format="png")
        images[name] = path.read_bytes()
    page = target / "report.html"
    page.write_text(_html(folder, images), encoding="utf-8")
    return page


def _html(folder: str | os.PathLike[str], images: dict[str, bytes]) -> str:
    summary_path = Path(folder) / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.is_file() else {}
    counts = summary.get("counts", {})
    name = html.escape(str(summary.get("name", Path(folder).resolve().name)))
    description = html.escape(str(summary.get("spec", {}).get("description", "")))
    axes = "".join(
        f"<li><code>{html.escape(n)}</code>: {html.escape(', '.join(str(v) for v in values))}</li>"
        for n, values in sweep_axes(folder)
    )
    failed = "".join(
        f"<li>cell {f['cell']} {html.escape(str(f['values']))}: {html.escape(str(f['error']))}</li>"
        for f in summary.get("failed", [])
    )
    figures = "".join(
        f'<figure><img alt="{html.escape(n)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}"></figure>'
        for n, png in images.items()
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>powergame sweep: {name}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
        "img{max-width:100%}figure{margin:1.5em 0}code{background:#f3f3f3}</style></head><body>",
        f"<h1>Sweep: {name}</h1><p>{description}</p>",
        f"<p>{counts.get('done', '?')} of {counts.get('cells', '?')} cells done "
        f"({counts.get('points', '?')} points × {counts.get('replicates', '?')} replicates); "
        "each point is the mean of its cells, error bars one standard deviation.</p>",
        f"<h2>Parameters</h2><ul>{axes}</ul>",
    ]
    if failed:
        parts.append(f"<h2>Failed cells</h2><ul>{failed}</ul>")
    parts.append(f"<h2>Plots</h2>{figures}</body></html>")
    return "\n".join(parts)
