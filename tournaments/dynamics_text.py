"""The readable summary of a dynamics analysis (what ``powergame dynamics`` prints)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .dynamics import ORDER_CONFIDENCE

if TYPE_CHECKING:
    from .dynamics import Dynamics
    from .replicator import Trajectory


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def summary_text(result: Dynamics, top: int = 10) -> str:
    """A readable summary of ``result``."""
    s = result.settings
    names = result.strategies
    lines = [
        f"{len(names)} strategies, {'exact' if result.payoffs.exact else 'simulated'} payoffs "
        "(mean score per round; one population plays both roles equally often)",
        "",
    ]
    rep = result.replicator
    kind = "continuous" if rep.continuous else "discrete (Axelrod's ecological)"
    shift = f", payoffs shifted up by {rep.shift:.3g} to make fitness non-negative" if rep.shift else ""
    lines.append(f"Replicator, {kind}, {s.generations} generations{shift}:")
    lines.append(_convergence_line("population", rep))
    lines += [f"  {share:7.2%}  {name}" for name, share in rep.survivors()[:top]]
    if result.roles is not None:
        lines += ["", "Two populations (A-role and B-role evolve separately on the bimatrix):"]
        for role, trajectory in zip("AB", result.roles):
            lines.append(_convergence_line(f"role {role}", trajectory))
            lines += [f"    {share:7.2%}  {name}" for name, share in trajectory.survivors()[:3]]
        pairs = result.strict_pairs
        shown = ", ".join(f"{a} / {b}" for a, b in pairs[:5])
        more = f" and {len(pairs) - 5} more" if len(pairs) > 5 else ""
        lines.append(f"  strict Nash pairs (A / B): {len(pairs)}" + (f": {shown}{more}" if pairs else ""))
    lines += [
        "",
        f"Finite population N = {s.population_size}, rare mutations; stationary share of each strategy:",
        f"  {'Fermi beta=' + format(s.beta, 'g'):>16}  {'Moran w=' + format(result.moran_w, '.3g'):>14}  strategy",
    ]
    moran = dict(zip(names, result.stationary_moran))
    for name, share in result.ranking("fermi")[:top]:
        lines.append(f"  {_percent(share):>16}  {_percent(moran[name]):>14}  {name}")
    table = result.stability
    lines.append("")
    for label, column in (
        ("Strict Nash", "strict_nash"),
        ("ESS", "ess"),
        ("Unbeatable by any single mutant (Fermi)", "unbeatable_fermi"),
        ("Unbeatable by any single mutant (Moran)", "unbeatable_moran"),
    ):
        members = [names[i] for i in np.flatnonzero(table[column])]
        listed = ", ".join(members[:top]) + (f" and {len(members) - top} more" if len(members) > top else "")
        lines.append(f"{label}: {len(members)}" + (f" ({listed})" if members else ""))
    lines += ["", _noise_text(result.noise)]
    return "\n".join(lines)


def _convergence_line(label: str, trajectory: Trajectory) -> str:
    target = trajectory.converged_to()
    generations = len(trajectory.shares) - 1
    moving = "" if trajectory.settled else f" (still changing at generation {generations})"
    if target is not None:
        return f"  {label} converges to {target} ({trajectory.final.max():.2%}){moving}"
    state = "settles in a mix" if trajectory.settled else "is mixed"
    return f"  {label} {state}; largest share {trajectory.winner()} ({trajectory.final.max():.2%}){moving}"


def _noise_text(noise: dict[str, Any]) -> str:
    if "draws" not in noise:
        return f"Sampling error: {noise.get('note', 'none')}."
    lines = [
        f"Sampling error ({noise['draws']} payoff matrices redrawn within their standard errors):",
        f"  stationary winner kept in {noise['stationary_winner_kept']:.0%} of draws, "
        f"replicator winner in {noise['replicator_winner_kept']:.0%}",
    ]
    shaky = [step for step in noise["ranking_steps"] if step["within_noise"]]
    if shaky:
        lines.append(
            "  within noise: "
            + "; ".join(f"{st['above']} above {st['below']} ({st['kept']:.0%} of draws)" for st in shaky[:5])
        )
    else:
        lines.append("  the top of the stationary ranking holds beyond noise")
    for kind, label in (("strict_nash", "strict Nash"), ("unbeatable_fermi", "unbeatable (Fermi)")):
        shaky_flags = {
            name: kept for name, kept in noise["stability_kept"][kind].items() if kept < ORDER_CONFIDENCE
        }
        if shaky_flags:
            lines.append(
                f"  {label} within noise: "
                + ", ".join(f"{name} ({kept:.0%} of draws)" for name, kept in list(shaky_flags.items())[:5])
            )
    return "\n".join(lines)
