"""The dynamics section of the report (and the PNGs of ``powergame dynamics --out``):
stacked share trajectories, the stationary distribution, the invasion graph."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from powergame.errors import ParameterError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .dynamics import Dynamics
    from .replicator import Trajectory

OTHERS_COLOUR = "#bbbbbb"
REPORT_DRAWS = 50  # resampled payoff matrices in the report (simulated results)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _stack(ax: object, trajectory: Trajectory, top: int, title: str) -> None:
    from matplotlib import colormaps

    shares = trajectory.shares
    # the strategies that ever held the most, then everyone else as one band
    order = np.argsort(-shares.max(axis=0), kind="stable")[:top]
    rest = np.delete(shares, order, axis=1).sum(axis=1)
    palette = colormaps["tab20"]
    generations = np.arange(len(shares))
    layers = [shares[:, i] for i in order] + ([rest] if shares.shape[1] > len(order) else [])
    labels = [trajectory.strategies[i] for i in order] + (
        [f"{shares.shape[1] - len(order)} others"] if shares.shape[1] > len(order) else []
    )
    colours = [palette(i % 20) for i in range(len(order))] + [OTHERS_COLOUR]
    ax.stackplot(generations, *layers, labels=labels, colors=colours[: len(layers)])  # type: ignore[attr-defined]
    ax.set_xscale("symlog", linthresh=10)  # type: ignore[attr-defined]
    ax.set_xlim(0, generations[-1])  # type: ignore[attr-defined]
    ax.set_ylim(0, 1)  # type: ignore[attr-defined]
    ax.set_xlabel("generation (linear to 10, then logarithmic)")  # type: ignore[attr-defined]
    ax.set_ylabel("share of the population")  # type: ignore[attr-defined]
    ax.set_title(title)  # type: ignore[attr-defined]
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")  # type: ignore[attr-defined]


def plot_shares(result: Dynamics, top: int = 12) -> Figure:
    """Stacked shares over generations: one population, and each role with ``roles``."""
    rows = 1 if result.roles is None else 3
    fig = _figure(10.0, 4.0 * rows)
    kind = "continuous" if result.replicator.continuous else "discrete"
    ax = fig.add_subplot(rows, 1, 1)
    _stack(ax, result.replicator, top, f"Replicator ({kind}), one population playing both roles")
    if result.roles is not None:
        for index, (role, trajectory) in enumerate(zip("AB", result.roles)):
            ax = fig.add_subplot(rows, 1, index + 2)
            _stack(ax, trajectory, top, f"Replicator ({kind}), the {role}-role population")
    return fig


def plot_stationary(result: Dynamics, top: int = 12) -> Figure:
    """Stationary shares under rare mutations (Fermi and Moran), the ``top`` strategies by
    the Fermi share; a 95% interval over redrawn payoffs when the payoffs are simulated."""
    ranked = result.ranking("fermi")[:top][::-1]
    names = [name for name, _ in ranked]
    index = {name: i for i, name in enumerate(result.strategies)}
    fermi = np.array([result.stationary_fermi[index[n]] for n in names])
    moran = np.array([result.stationary_moran[index[n]] for n in names])
    fig = _figure(9.0, max(3.0, 0.4 * len(names) + 1.5))
    ax = fig.add_subplot()
    y = np.arange(len(names))
    intervals = result.noise.get("stationary_interval", {})
    xerr = None
    if intervals:
        low = [fermi[k] - intervals.get(n, [fermi[k], fermi[k]])[0] for k, n in enumerate(names)]
        high = [intervals.get(n, [fermi[k], fermi[k]])[1] - fermi[k] for k, n in enumerate(names)]
        xerr = [np.clip(low, 0, None), np.clip(high, 0, None)]
    s = result.settings
    ax.barh(
        y + 0.2, fermi, height=0.4, xerr=xerr, capsize=3, color="#3182bd", label=f"Fermi, beta = {s.beta:g}"
    )
    ax.barh(y - 0.2, moran, height=0.4, color="#fd8d3c", label=f"Moran, w = {result.moran_w:.3g}")
    ax.set_yticks(y, names, fontsize="small")
    ax.set_xlabel("share of time the population is monomorphic in this strategy")
    ax.set_title(f"Rare mutations, N = {s.population_size}: stationary distribution (top {len(names)})")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def plot_invasion(result: Dynamics, top: int = 12) -> Figure:
    """The invasion graph (Fermi process) among the ``top`` strategies by stationary share."""
    from .invasion import draw_invasion_graph

    return draw_invasion_graph(result.graph("fermi"), top)


PLOTS: dict[str, Callable[[Dynamics, int], Figure]] = {
    "dynamics_shares.png": plot_shares,
    "dynamics_stationary.png": plot_stationary,
    "dynamics_invasion_graph.png": plot_invasion,
}


def _image(path: Path, alt: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def dynamics_section(matches: pd.DataFrame, target: Path, top: int = 12) -> str:
    """The report's "Evolutionary dynamics" section for a per-match table: writes its PNGs
    into ``target`` and returns the HTML (a short note instead when the results cannot give
    a full payoff matrix, e.g. without self-play)."""
    from .dynamics import DynamicsSettings, analyse
    from .payoff_matrix import payoffs_from_matches

    heading = "<h2>Evolutionary dynamics</h2>"
    try:
        payoffs = payoffs_from_matches(matches)
    except ParameterError as exc:
        return f"{heading}\n<p>Not available for these results: {html.escape(str(exc))}.</p>"
    settings = DynamicsSettings(roles=True, draws=REPORT_DRAWS)
    result = analyse(payoffs, settings)
    parts = [heading, f"<p>{html.escape(_lead(result))}</p>"]
    for name, plot in PLOTS.items():
        figure = plot(result, top)
        figure.savefig(target / name, format="png")
        parts.append(_image(target / name, name.removesuffix(".png").replace("_", " ")))
    names = result.strategies
    moran = dict(zip(names, result.stationary_moran))
    flags = result.stability.set_index("strategy")
    rows = [
        {
            "strategy": name,
            "stationary (Fermi)": f"{100 * share:.1f}%",
            "stationary (Moran)": f"{100 * moran[name]:.1f}%",
            "replicator final": f"{100 * result.replicator.final[names.index(name)]:.1f}%",
            "strict Nash": "yes" if flags.loc[name, "strict_nash"] else "no",
            "ESS": "yes" if flags.loc[name, "ess"] else "no",
            "unbeatable (Fermi)": "yes" if flags.loc[name, "unbeatable_fermi"] else "no",
        }
        for name, share in result.ranking("fermi")[:top]
    ]
    intervals = result.noise.get("stationary_interval", {})
    if intervals:  # simulated payoffs: the spread over redrawn payoff matrices
        for row in rows:
            low, high = intervals.get(row["strategy"], [float("nan"), float("nan")])
            row["95% interval (Fermi)"] = f"{100 * low:.1f}–{100 * high:.1f}%"
    parts.append(_table(pd.DataFrame(rows)))
    parts.append(
        '<p class="note">One population: each individual plays role A or B with chance 1/2, so its payoff '
        "against j is the mean of its score as A against j and as B against j. Stationary share: how often the "
        "population is monomorphic in the strategy when mutations are rare (Fudenberg &amp; Imhof 2006). "
        "Unbeatable: no single mutant fixes more often than 1/N. Formulas: docs/dynamics.md; "
        "<code>powergame dynamics FOLDER</code> gives every number.</p>"
    )
    return "\n".join(parts)


def _lead(result: Dynamics) -> str:
    s = result.settings
    rep = result.replicator
    target = rep.converged_to()
    sentences = [
        f"Discrete replicator (Axelrod's ecological tournament) over {s.generations} generations from equal shares: "
        + (
            f"the population converges to {target}."
            if target
            else f"the population {'settles in a mix' if rep.settled else 'is still mixed and changing'}; "
            f"{rep.winner()} holds the most ({rep.final.max():.0%})."
        )
    ]
    if result.roles is not None:
        answers = []
        for role, trajectory in zip("AB", result.roles):
            pick = trajectory.converged_to()
            state = "settles in a mix" if trajectory.settled else "is still changing"
            answers.append(
                f"role {role} converges to {pick}"
                if pick
                else f"role {role} {state} (most: {trajectory.winner()})"
            )
        sentences.append("As two populations: " + "; ".join(answers) + ".")
    sentences.append(
        f"With N = {s.population_size} and rare mutations, the most frequent strategy is {result.winner('stationary')} "
        f"(Fermi, beta = {s.beta:g})."
    )
    noise = result.noise
    if "draws" in noise:
        kept = noise["stationary_winner_kept"]
        shaky = [step for step in noise["ranking_steps"][:3] if step["within_noise"]]
        sentences.append(
            f"Redrawing the payoffs within their standard errors ({noise['draws']} draws) keeps that winner in "
            f"{kept:.0%} of draws"
            + (
                "; within noise: " + "; ".join(f"{st['above']} above {st['below']}" for st in shaky)
                if shaky
                else "; the top three of the ranking hold beyond noise"
            )
            + "."
        )
    elif noise.get("note"):
        sentences.append(f"Sampling error: {noise['note']}.")
    return " ".join(sentences)


def add_dynamics_section(page: str, matches: pd.DataFrame, target: Path) -> str:
    """``page`` (the report's HTML) with the dynamics section added at the end of its body."""
    section = dynamics_section(matches, target)
    head, marker, tail = page.rpartition("</body>")
    return f"{head}{section}\n{marker}{tail}" if marker else page + section
