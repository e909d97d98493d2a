"""The report of a results folder: PNG plots and one self-contained ``report.html``.

Plots use matplotlib's object API (``matplotlib.figure.Figure``, rendered by Agg), imported
only when a report is drawn; the HTML embeds every image as a base64 data URI and its
style inline, so the page works alone, offline.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from powergame.errors import ParameterError, PowerGameError

from . import analysis
from .answer import answer, answer_text
from .storage import REPORT_DIR

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MATCHES_FILE = "matches.parquet"
FAMILY_COLOURS = {"trust-building": "#1b9e77", "withholding": "#d95f02", "neutral": "#7570b3"}
OTHER_COLOUR = "#666666"
# One line per strategy: colour tells strategies apart, line style and marker the family.
FAMILY_LINESTYLES = {"trust-building": "-", "withholding": "--", "neutral": ":"}
FAMILY_MARKERS = {"trust-building": "o", "withholding": "s", "neutral": "^"}


# --- input --------------------------------------------------------------------------------
def load_match_table(folder: str | os.PathLike[str]) -> pd.DataFrame:
    """The per-match table of a results folder; ParameterError if it holds none."""
    path = Path(folder)
    if not path.is_dir():
        raise ParameterError(
            "results folder", str(folder), "must be an existing folder written by `powergame run`"
        )
    try:
        from .storage import load_matches
    except ImportError:  # the storage layer is optional here: fall back to the file itself
        load_matches = _read_matches_file
    try:
        return load_matches(path)
    except PowerGameError:
        raise
    except (OSError, ValueError) as exc:  # pyarrow's errors on a damaged file are ValueErrors
        raise ParameterError(
            "results folder",
            str(folder),
            f"must hold a readable {MATCHES_FILE} ({type(exc).__name__}: {exc})",
        ) from None


def stored_answer(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The answer ``powergame run`` wrote to the folder's summary.json; None for a folder
    without one (an older run, or a table written by other means)."""
    path = Path(folder) / "summary.json"
    try:
        found = json.loads(path.read_text(encoding="utf-8")).get("answer")
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, dict) and "families" in found else None


def _read_matches_file(folder: str | os.PathLike[str]) -> pd.DataFrame:
    path = Path(folder)
    if not (path / MATCHES_FILE).is_file():
        raise ParameterError(
            "results folder", str(path), f"must contain {MATCHES_FILE} (a finished `powergame run`)"
        )
    return pd.read_parquet(path / MATCHES_FILE)


# --- plots --------------------------------------------------------------------------------
def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _wrap(label: str, width: int = 28) -> str:
    """Long strategy names on several lines, so tick labels and legends stay narrow."""
    return "\n".join(textwrap.wrap(label, width)) or label


def _strategy_colours(count: int) -> list[Any]:
    """``count`` distinguishable colours (tab10 up to 10 strategies, then tab20, then a cycle)."""
    from matplotlib import colormaps

    palette = colormaps["tab10" if count <= 10 else "tab20"]
    size = 10 if count <= 10 else 20
    return [palette(i % size) for i in range(count)]


def _family_colour(family: str) -> str:
    return FAMILY_COLOURS.get(family, OTHER_COLOUR)


def _step(ax: Any, curve: pd.DataFrame, horizon: float, **style: Any) -> Any:
    """Draw a Kaplan-Meier step curve, extended flat to ``horizon``."""
    times = list(curve["time"]) + [max(horizon, float(curve["time"].iloc[-1]))]
    values = list(curve["survival"]) + [float(curve["survival"].iloc[-1])]
    return ax.step(times, values, where="post", **style)[0]


def plot_survival_by_family(matches: pd.DataFrame) -> Figure:
    """Kaplan-Meier curves of rounds together per family, with 95% confidence bands."""
    long = analysis.to_long(matches)
    horizon = float(long["horizon"].max())
    fig = _figure(7.5, 4.5)
    ax = fig.add_subplot()
    for family, curve in analysis.survival_curves(long, by="family").items():
        colour = _family_colour(family)
        line = _step(ax, curve, horizon, color=colour, linewidth=2, label=family)
        times = list(curve["time"]) + [horizon]
        ax.fill_between(
            times,
            list(curve["ci_low"]) + [curve["ci_low"].iloc[-1]],
            list(curve["ci_high"]) + [curve["ci_high"].iloc[-1]],
            step="post",
            color=line.get_color(),
            alpha=0.18,
            linewidth=0,
        )
    bands = "exact expectations" if analysis.is_exact(matches) else "95% bands"
    _survival_axes(ax, horizon, f"Which relationships last, by family ({bands})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="family")
    return fig


# Above this many strategies the per-strategy views show only the best and the worst.
MANY_STRATEGIES = 20
SHOWN_AT_EACH_END = 5
# Above this many pairs the page links the pair table as CSV instead of inlining it.
MAX_INLINE_PAIRS = 1000


def plot_survival_by_strategy(matches: pd.DataFrame) -> Figure:
    """Kaplan-Meier curves of rounds together, one per strategy (line style: family); with
    more than ``MANY_STRATEGIES`` strategies only the best and worst ``SHOWN_AT_EACH_END``
    by score. Strategies whose curves are identical share one line and one legend entry."""
    long = analysis.to_long(matches)
    horizon = float(long["horizon"].max())
    curves = analysis.survival_curves(long, by="strategy")
    title = "Which relationships last, by strategy"
    if len(curves) > MANY_STRATEGIES:
        order = list(analysis.ranking(long)["strategy"])
        kept = order[:SHOWN_AT_EACH_END] + order[-SHOWN_AT_EACH_END:]
        curves = {name: curves[name] for name in kept}
        title += f" (best and worst {SHOWN_AT_EACH_END} of {len(order)} by score)"
    families = dict(zip(long["strategy"], long["family"]))
    same: dict[tuple[float, ...], list[str]] = {}
    for strategy, curve in curves.items():
        key = tuple(np.round(np.concatenate([curve["time"], curve["survival"]]).astype(float), 9))
        same.setdefault(key, []).append(strategy)
    labels = {
        names[0]: names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1} with the same curve)"
        for names in same.values()
    }
    curves = {name: curves[name] for name in labels}
    fig = _figure(10.0, max(4.5, 0.3 * len(curves) + 1.5))
    ax = fig.add_subplot()
    for colour, (strategy, curve) in zip(_strategy_colours(len(curves)), curves.items()):
        family = families[strategy]
        _step(
            ax,
            curve,
            horizon,
            color=colour,
            linestyle=FAMILY_LINESTYLES.get(family, "-."),
            linewidth=1.8,
            alpha=0.9,
            label=_wrap(f"{labels[strategy]} ({family})", 36),
        )
    _survival_axes(ax, horizon, title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    return fig


def _survival_axes(ax: Any, horizon: float, title: str) -> None:
    ax.set_xlim(0, horizon)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("rounds together")
    ax.set_ylabel("share of relationships still together")
    ax.set_title(title)
    ax.grid(alpha=0.3)


def ranking_axis_label(matches: pd.DataFrame) -> str:
    """What the ranking's bars measure, in the words that fit the results."""
    if analysis.is_exact(matches):
        return "expected payoff per expected round, E[total] / E[n] (exact: no interval)"
    return "payoff per round: sum of totals / sum of horizons (95% interval over repetitions)"


def plot_ranking(matches: pd.DataFrame) -> Figure:
    """Payoff per expected round per strategy (``analysis.ranking``), best on top, with a
    95% interval over repetitions (a bar without whiskers had a single repetition; exact
    results have none). With more than ``MANY_STRATEGIES`` strategies only the best and
    the worst ``SHOWN_AT_EACH_END`` are drawn; a grey bar between them spans the range of
    the others (the page's table lists every strategy)."""
    ranked = analysis.ranking(matches)
    hidden = None
    if len(ranked) > MANY_STRATEGIES:
        middle = ranked.iloc[SHOWN_AT_EACH_END:-SHOWN_AT_EACH_END]
        hidden = middle["score"]
        gap = pd.DataFrame(
            [
                {
                    "rank": 0,
                    "strategy": f"... {len(middle)} others (ranks {middle['rank'].min()}-{middle['rank'].max()})",
                    "family": "other",
                    "score": float(hidden.median()),
                    "ci_low": float(hidden.min()),
                    "ci_high": float(hidden.max()),
                }
            ]
        )
        ranked = pd.concat([ranked.iloc[:SHOWN_AT_EACH_END], gap, ranked.iloc[-SHOWN_AT_EACH_END:]])
    ranked = ranked.iloc[::-1]
    fig = _figure(8.0, max(3.0, 0.35 * len(ranked) + 1.2))
    ax = fig.add_subplot()
    positions = range(len(ranked))
    low = (ranked["score"] - ranked["ci_low"]).fillna(0).clip(lower=0)
    high = (ranked["ci_high"] - ranked["score"]).fillna(0).clip(lower=0)
    ax.barh(
        list(positions),
        ranked["score"],
        xerr=[low, high],
        color=[_family_colour(f) for f in ranked["family"]],
        ecolor="black",
        capsize=3,
    )
    ax.set_yticks(
        list(positions),
        [_wrap(f"{r}. {s}" if r else s, 36) for r, s in zip(ranked["rank"], ranked["strategy"])],
    )
    ax.set_xlabel(ranking_axis_label(matches))
    ax.set_title(
        "Ranking"
        if hidden is None
        else f"Ranking: best and worst {SHOWN_AT_EACH_END} of {len(hidden) + 2 * SHOWN_AT_EACH_END} "
        "(grey: median and range of the others)"
    )
    ax.grid(axis="x", alpha=0.3)
    present = set(ranked["family"]) - {"other"}
    _family_legend(
        ax, [f for f in analysis.FAMILY_ORDER if f in present] + sorted(present - set(analysis.FAMILY_ORDER))
    )
    return fig


def _family_legend(ax: Any, families: Sequence[str]) -> None:
    from matplotlib.patches import Patch

    handles = [Patch(color=_family_colour(f), label=f) for f in families]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="family")


def plot_pair_heatmap(matches: pd.DataFrame) -> Figure:
    """Share of relationships that lasted to the horizon, per strategy in role A (rows) and
    in role B (columns), annotated in percent (blank: the pair never met in these roles)."""
    pairs = analysis.pair_table(matches)
    names = sorted(set(pairs["strategy_a"]) | set(pairs["strategy_b"]))
    grid = pairs.pivot(index="strategy_a", columns="strategy_b", values="share_lasted").reindex(
        index=names, columns=names
    )
    size = min(max(5.0, 0.5 * len(names) + 3.0), 14.0)
    fig = _figure(size + 1.0, size)
    ax = fig.add_subplot()
    image = ax.imshow(grid.to_numpy(dtype=float), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    if len(names) <= 2 * MANY_STRATEGIES:
        labels = [_wrap(name) for name in names]
        font = "medium" if len(names) <= MANY_STRATEGIES else "xx-small"
        ax.set_xticks(
            range(len(names)), labels, rotation=45, ha="right", rotation_mode="anchor", fontsize=font
        )
        ax.set_yticks(range(len(names)), labels, fontsize=font)
    else:  # too many to label: the order is alphabetical, as in the pair table
        ax.set_xticks([])
        ax.set_yticks([])
    unlabelled = "" if len(names) <= 2 * MANY_STRATEGIES else f" ({len(names)}, alphabetical)"
    ax.set_xlabel(f"strategy in role B{unlabelled}")
    ax.set_ylabel(f"strategy in role A{unlabelled}")
    ax.set_title("Share of relationships that lasted")
    if len(names) <= MANY_STRATEGIES:
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                value = grid.loc[a, b]
                if not math.isnan(value):
                    ax.text(
                        j,
                        i,
                        f"{100 * value:.0f}%",
                        ha="center",
                        va="center",
                        fontsize="small",
                        color="black" if value > 0.6 else "white",
                    )
    fig.colorbar(image, ax=ax, label="share lasted", shrink=0.8)
    return fig


def plot_power_vs_score(matches: pd.DataFrame) -> Figure:
    """Mean score per round against the power index seen from the strategy's side
    (positive: it depends less on the relationship than its partner), one line per
    strategy over the power indices it met (with more than ``MANY_STRATEGIES``
    strategies, the best and worst ``SHOWN_AT_EACH_END`` only)."""
    long = analysis.to_long(matches)
    title = "Power and score"
    order = list(analysis.ranking(long)["strategy"])
    if len(order) > MANY_STRATEGIES:
        kept = order[:SHOWN_AT_EACH_END] + order[-SHOWN_AT_EACH_END:]
        long = long[long["strategy"].isin(kept)]
        title += f" (best and worst {SHOWN_AT_EACH_END} of {len(order)} by score)"
    points = long.groupby(["strategy", "power_index"], as_index=False).agg(
        score=("score", "mean"), family=("family", "first")
    )
    fig = _figure(10.0, max(5.0, 0.3 * points["strategy"].nunique() + 1.5))
    ax = fig.add_subplot()
    groups = list(points.groupby("strategy"))
    for colour, (strategy, group) in zip(_strategy_colours(len(groups)), groups):
        family = str(group["family"].iloc[0])
        ax.plot(
            group["power_index"],
            group["score"],
            marker=FAMILY_MARKERS.get(family, "D"),
            linestyle=FAMILY_LINESTYLES.get(family, "-."),
            color=colour,
            linewidth=1,
            alpha=0.85,
            label=_wrap(f"{strategy} ({family})", 36),
        )
    ax.axvline(0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel("power index from the strategy's side (+1: it holds all the power)")
    ax.set_ylabel("mean score per round")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
    return fig


PLOTS = {
    "survival_by_family.png": plot_survival_by_family,
    "survival_by_strategy.png": plot_survival_by_strategy,
    "ranking.png": plot_ranking,
    "pair_survival_heatmap.png": plot_pair_heatmap,
    "power_vs_score.png": plot_power_vs_score,
}


# --- HTML ---------------------------------------------------------------------------------
PERCENT_COLUMNS = (
    "cooperation",
    "opponent_cooperation",
    "mutual_cooperation",
    "survival_at_end",
    "power_share",
)
ROUND_COLUMNS = ("duration", "round", "power_shifts")  # counts of rounds: one decimal is plenty


def _format_cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if column.startswith("share") or column.endswith("_share") or column in PERCENT_COLUMNS:
            return f"{100 * value:.0f}%"
        if any(word in column for word in ROUND_COLUMNS):
            return f"{value:.1f}"
        return f"{value:.3f}"
    return str(value)


def html_table(table: pd.DataFrame) -> str:
    """A DataFrame as an HTML table: shares in percent, other floats to 3 decimals, text escaped."""
    head = "".join(f"<th>{html.escape(str(c).replace('_', ' '))}</th>" for c in table.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_format_cell(str(c), v))}</td>" for c, v in zip(table.columns, row))
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _log_rank_sentence(result: dict[str, Any], label: str) -> str:
    if "not_applicable" in result:
        return f"{label}: not applicable ({result['not_applicable']})."
    if result["p_value"] is None:
        return f"{label}: not defined here (a group is empty or nobody left)."
    return (
        f"{label}: {result['size_a']} {result['group_a']} relationships ({result['exits_a']} ended) vs "
        f"{result['size_b']} {result['group_b']} ({result['exits_b']} ended); "
        f"z = {result['statistic']:.2f}, p = {result['p_value']:.3g} "
        f"(z < 0: {result['group_a']} relationships last longer)."
    )


STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #f0f0f0; } td:first-child, td:nth-child(2) { text-align: left; }
summary { cursor: pointer; font-weight: bold; margin: 1em 0; }
figure { margin: 1em 0; } img { max-width: 100%; }
p.note { color: #555; font-size: 0.9em; }
"""


def render_html(
    matches: pd.DataFrame,
    images: dict[str, bytes],
    title: str,
    pairs_csv: str | None = None,
    answered: dict[str, Any] | None = None,
) -> str:
    """The self-contained report page for a per-match table and its rendered PNGs; with
    ``pairs_csv`` (a file name beside the page) a long pair table is linked, not inlined.
    ``answered`` is the answer the run stored in summary.json (``tournaments.answer``);
    without it the answer is computed from the table."""
    long = analysis.to_long(matches)
    if answered is None:
        answered = answer(long)
    head = analysis.headline(long)
    ranked = analysis.ranking(long).merge(
        analysis.strategy_relationships(long).drop(columns="family"), on="strategy"
    )
    pairs = analysis.pair_table(matches)
    survival = analysis.survival_summary(long, "family")
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{head['matches']} matches, {head['strategies']} strategies, {head['repetitions']} repetition(s).</p>",
        f"<pre>{html.escape(answer_text(answered))}</pre>",
        "<h2>Families</h2>",
        html_table(analysis.family_table(long)),
        '<p class="note">share exits initiated: of the relationships that ended, the share this family '
        "ended (alone or jointly). Durations of relationships that lasted count as the full horizon.</p>",
        "<h2>Ranking</h2>",
        _image(images["ranking.png"], "ranking"),
        '<p class="note">score: payoff per expected round, E[total] / E[n] (the sum of totals over the sum '
        "of horizons: a long match weighs by its length); score_per_match: the mean of total / n per match, "
        "E[total / n], which under a continuation probability weighs a one-round match as much as a long "
        "one. share_lasted, share_left, share_was_left: shares of the strategy's sides (a self-play match "
        "counts twice).</p>",
        html_table(
            ranked[
                [
                    "rank",
                    "strategy",
                    "family",
                    "score",
                    "score_std",
                    "ci_low",
                    "ci_high",
                    "score_per_match",
                    "share_lasted",
                    "share_left",
                    "share_was_left",
                    "median_duration",
                ]
            ]
        ),
        "<h2>Which relationships last</h2>",
        _image(images["survival_by_family.png"], "survival by family"),
        html_table(survival),
        '<p class="note">relationships: the matches with at least one member of the group, each counted '
        "once (a self-play match once); survival_at_end: the Kaplan-Meier estimate of the share still "
        "together at the longest horizon (not the same count as the ranking's share_lasted, which is per "
        "side).</p>",
        f"<p>{html.escape(_log_rank_sentence(head['log_rank_trust_vs_withholding'], 'Log-rank, every relationship with a member of the family'))}<br>"
        f"{html.escape(_log_rank_sentence(head['log_rank_trust_pairs_vs_withholding_pairs'], 'Log-rank, pairs within each family'))}</p>",
        _image(images["survival_by_strategy.png"], "survival by strategy"),
        html_table(analysis.survival_summary(long, "strategy")),
        '<p class="note">median duration: the Kaplan-Meier median rounds together; – when more than half '
        "of the relationships lasted to the horizon.</p>",
        _image(images["pair_survival_heatmap.png"], "share lasted per pair"),
        (
            f'<p>Every pair (strategy in role A vs role B): <a href="{html.escape(pairs_csv)}">'
            f"{html.escape(pairs_csv)}</a> ({len(pairs)} rows, beside this page).</p>"
            if pairs_csv
            else "<details><summary>Every pair (strategy in role A vs role B)</summary>"
            + html_table(pairs)
            + "</details>"
        ),
        "<h2>Power</h2>",
        _image(images["power_vs_score.png"], "power index and score"),
        html_table(analysis.power_summary(long)),
        '<p class="note">power by position: the share of its sides a strategy played as the less dependent '
        "(more powerful, least-interest) partner and as the more dependent one, and the power index from "
        "its side in each.</p>",
        "<h3>As the more powerful, equal and less powerful partner</h3>",
        html_table(analysis.power_positions(long)),
    ]
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def render_report(folder: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write the PNG plots and ``report.html`` for the results in ``folder`` into ``out``
    (default: ``folder/report``) and return the path of ``report.html``."""
    matches = load_match_table(folder)
    if matches.empty:
        raise ParameterError("results folder", str(folder), "must hold at least one match")
    target = Path(out) if out is not None else Path(folder) / REPORT_DIR
    if target.exists() and not target.is_dir():
        raise ParameterError("--out", str(target), "must be a folder, not a file")
    target.mkdir(parents=True, exist_ok=True)
    images = {}
    for name, plot in PLOTS.items():
        figure = plot(matches)
        path = target / name
        figure.savefig(path, format="png")
        images[name] = path.read_bytes()
    page = target / "report.html"
    title = f"powergame report: {Path(folder).resolve().name}"
    pairs_csv = None
    pairs = analysis.pair_table(matches)
    if len(pairs) > MAX_INLINE_PAIRS:
        pairs_csv = "pairs.csv"
        pairs.to_csv(target / pairs_csv, index=False)
    from .dynamics_report import add_dynamics_section

    page_html = render_html(matches, images, title, pairs_csv, stored_answer(folder))
    text = add_dynamics_section(page_html, matches, target)
    page.write_text(text, encoding="utf-8")
    return page
