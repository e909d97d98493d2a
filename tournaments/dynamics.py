"""Evolutionary dynamics on tournament results: who survives when strategies reproduce by
success (docs/dynamics.md).

``analyse(payoffs, DynamicsSettings(...))`` runs everything on a payoff matrix: the
replicator of one population (and, with ``roles``, of the A-role and B-role populations),
fixation probabilities in a finite population under the Fermi and Moran processes, the
rare-mutation stationary distribution, stability read-outs and, for simulated results, how
much of it survives the sampling error. ``analyse_folder`` does it from a results folder and
``dynamics_winner`` gives just the winner.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from powergame.errors import ParameterError

from . import bundled, fixation, replicator, stability
from .payoff_matrix import Payoffs, load_payoffs, payoffs_from_matches
from .replicator import Trajectory

if TYPE_CHECKING:
    import networkx as nx

ORDER_CONFIDENCE = 0.95  # a ranking step holds "beyond noise" in at least this share of draws
METHODS = ("stationary", "replicator")
PROCESSES = ("fermi", "moran")


def _check_process(process: str) -> str:
    if process not in PROCESSES:
        raise ParameterError("process", process, f"must be one of {', '.join(PROCESSES)}")
    return process


@dataclass(frozen=True)
class DynamicsSettings:
    """The knobs of ``analyse`` (all plain data)."""

    population_size: int = 100
    beta: float = 1.0
    moran_w: float | None = None  # None: 1 (fitness = payoff) when every payoff is positive
    generations: int = 1000
    continuous: bool = False
    roles: bool = False
    shares: tuple[float, ...] | None = None  # starting shares (both roles); None: equal
    draws: int = 100  # resampled payoff matrices for simulated results (0: none)
    seed: int = 0

    def check(self, size: int) -> None:
        fixation.check_population_size(self.population_size)
        fixation.check_beta(self.beta)
        replicator.check_generations(self.generations)
        if self.shares is not None:
            replicator.check_shares(self.shares, size, "--shares")
        if isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 0:
            raise ParameterError("--draws", self.draws, "must be a whole number >= 0")


@dataclass
class Dynamics:
    """Everything ``analyse`` found (arrays indexed like ``payoffs.strategies``)."""

    payoffs: Payoffs
    settings: DynamicsSettings
    matrix: np.ndarray  # the one-population game m[i, j]
    matrix_se: np.ndarray
    replicator: Trajectory
    roles: tuple[Trajectory, Trajectory] | None
    moran_w: float
    rho_fermi: np.ndarray
    rho_moran: np.ndarray
    stationary_fermi: np.ndarray
    stationary_moran: np.ndarray
    stability: pd.DataFrame  # per strategy
    strict_pairs: list[tuple[str, str]]
    noise: dict[str, Any] = field(default_factory=dict)

    @property
    def strategies(self) -> tuple[str, ...]:
        return self.payoffs.strategies

    def ranking(self, process: str = "fermi") -> list[tuple[str, float]]:
        """(strategy, stationary share), largest first."""
        shares = self.stationary_fermi if _check_process(process) == "fermi" else self.stationary_moran
        order = np.argsort(-shares, kind="stable")
        return [(self.strategies[i], float(shares[i])) for i in order]

    def winner(self, method: str = "stationary") -> str:
        """The most frequent strategy under rare mutations (Fermi process), or the largest
        share at the end of the one-population replicator."""
        if method == "stationary":
            return self.ranking("fermi")[0][0]
        if method == "replicator":
            return self.replicator.winner()
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")

    def graph(self, process: str = "fermi") -> nx.DiGraph:
        """The invasion graph under ``process``."""
        from .invasion import invasion_graph

        rho = self.rho_fermi if _check_process(process) == "fermi" else self.rho_moran
        shares = self.stationary_fermi if process == "fermi" else self.stationary_moran
        return invasion_graph(
            self.strategies, rho, self.settings.population_size, shares, self.payoffs.families
        )

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """A JSON-ready summary (``top`` strategies per ranking)."""
        names = self.strategies
        table = self.stability
        rep = self.replicator
        out: dict[str, Any] = {
            "strategies": len(names),
            "exact": self.payoffs.exact,
            "settings": {**asdict(self.settings), "moran_w": self.moran_w},
            "replicator": _trajectory_dict(rep),
        }
        if self.roles is not None:
            out["roles"] = {"A": _trajectory_dict(self.roles[0]), "B": _trajectory_dict(self.roles[1])}
            out["bimatrix_strict_nash"] = {
                "count": len(self.strict_pairs),
                "pairs": [{"A": a, "B": b} for a, b in self.strict_pairs[:top]],
            }
        for process in PROCESSES:
            out[process] = {
                "stationary_top": [{"strategy": s, "share": v} for s, v in self.ranking(process)[:top]],
                "unbeatable": [names[i] for i in np.flatnonzero(table[f"unbeatable_{process}"])],
                "invasion_edges": self.graph(process).number_of_edges(),
            }
        out["stability"] = {
            kind: [names[i] for i in np.flatnonzero(table[kind])] for kind in ("strict_nash", "ess", "nash")
        }
        out["noise"] = self.noise
        out["winner"] = {"stationary": self.winner("stationary"), "replicator": self.winner("replicator")}
        return out

    def text(self, top: int = 10) -> str:
        """The summary ``powergame dynamics`` prints."""
        from .dynamics_text import summary_text

        return summary_text(self, top)


def _trajectory_dict(trajectory: Trajectory) -> dict[str, Any]:
    return {
        "generations": len(trajectory.shares) - 1,
        "continuous": trajectory.continuous,
        "fitness_shift": trajectory.shift,
        "winner": trajectory.winner(),
        "converged_to": trajectory.converged_to(),
        "settled": trajectory.settled,
        "survivors": [{"strategy": s, "share": v} for s, v in trajectory.survivors()],
    }


def _start(settings: DynamicsSettings) -> np.ndarray | None:
    return None if settings.shares is None else np.asarray(settings.shares, dtype=float)


def analyse(payoffs: Payoffs, settings: DynamicsSettings | None = None, progress: bool = False) -> Dynamics:
    """Run every part of the dynamics on ``payoffs`` (``progress``: a bar on stderr while the
    payoffs of simulated results are redrawn)."""
    settings = settings or DynamicsSettings()
    n = payoffs.size
    settings.check(n)
    m = payoffs.symmetric()
    start = _start(settings)
    trajectory = replicator.one_population(
        m, settings.generations, start, payoffs.strategies, settings.continuous
    )
    roles = None
    strict_pairs: list[tuple[str, str]] = []
    if settings.roles:
        roles = replicator.two_populations(
            payoffs.a, payoffs.b, settings.generations, start, start, payoffs.strategies, settings.continuous
        )
        strict_pairs = [
            (payoffs.strategies[i], payoffs.strategies[j])
            for i, j in stability.strict_nash_pairs(payoffs.a, payoffs.b)
        ]
    w = settings.moran_w if settings.moran_w is not None else fixation.default_moran_w(m)
    size = settings.population_size
    rho_fermi = fixation.fixation_probabilities(m, size, "fermi", beta=settings.beta)
    rho_moran = fixation.fixation_probabilities(m, size, "moran", w=w)
    stationary_fermi = fixation.stationary_distribution(rho_fermi)
    stationary_moran = fixation.stationary_distribution(rho_moran)
    table = stability.symmetric_stability(m)
    table["unbeatable_fermi"] = stability.unbeatable(rho_fermi, size)
    table["unbeatable_moran"] = stability.unbeatable(rho_moran, size)
    mutant_worse = fixation.single_mutant_disadvantaged(m, size)
    np.fill_diagonal(mutant_worse, True)
    table["mutants_disadvantaged"] = mutant_worse.all(axis=1)
    table.insert(0, "strategy", list(payoffs.strategies))
    result = Dynamics(
        payoffs=payoffs,
        settings=settings,
        matrix=m,
        matrix_se=payoffs.symmetric_se(),
        replicator=trajectory,
        roles=roles,
        moran_w=w,
        rho_fermi=rho_fermi,
        rho_moran=rho_moran,
        stationary_fermi=stationary_fermi,
        stationary_moran=stationary_moran,
        stability=table,
        strict_pairs=strict_pairs,
    )
    result.noise = sampling_noise(result, progress)
    return result


def load_source(source: str | os.PathLike[str], plugins: Sequence[str] = ()) -> Payoffs:
    """The payoff matrix of a results folder of ``powergame run``, or of a tournament spec
    (a ``.toml`` file, or a bundled spec's name when no such file or folder exists) run
    here and now, in memory."""
    path = Path(source)
    if not path.exists() and bundled.is_bundled(str(source)):
        path = bundled.resolve_spec(str(source))
    if path.suffix == ".toml" and path.is_file():
        from .round_robin import run_tournament
        from .spec import load_spec

        return payoffs_from_matches(run_tournament(load_spec(path), plugins=plugins).matches)
    return load_payoffs(path)


def analyse_folder(
    folder: str | os.PathLike[str], settings: DynamicsSettings | None = None, plugins: Sequence[str] = ()
) -> Dynamics:
    """``analyse`` on the results of ``powergame run`` in ``folder`` (or of a spec file)."""
    return analyse(load_source(folder, plugins), settings)


def dynamics_winner(
    folder: str | os.PathLike[str],
    method: str = "stationary",
    population_size: int = 100,
    beta: float = 1.0,
    generations: int = 1000,
) -> str:
    """The winner of the dynamics on the results in ``folder``: the strategy most frequent
    under rare mutations (``method="stationary"``, Fermi process, population
    ``population_size``, intensity ``beta``) or with the largest share after ``generations``
    of the discrete replicator (``method="replicator"``)."""
    if method not in METHODS:
        raise ParameterError("method", method, f"must be one of {', '.join(METHODS)}")
    payoffs = load_source(folder)
    settings = DynamicsSettings(population_size=population_size, beta=beta, generations=generations)
    settings.check(payoffs.size)
    if method == "replicator":
        return replicator.discrete(payoffs.symmetric(), generations, strategies=payoffs.strategies).winner()
    rho = fixation.fixation_probabilities(payoffs.symmetric(), population_size, "fermi", beta=beta)
    shares = fixation.stationary_distribution(rho)
    return payoffs.strategies[int(np.argmax(shares))]


# --- sampling error ---------------------------------------------------------------------
def sampling_noise(result: Dynamics, progress: bool = False) -> dict[str, Any]:
    """How far the read-outs move when the payoffs are redrawn within their standard errors
    (``settings.draws`` parametric draws): 95% intervals of the stationary shares (Fermi) and
    the replicator's final shares, how often the winners stay, which steps of the
    stationary ranking are within noise (kept in fewer than 95% of the draws), and how often
    each strategy found strict Nash or unbeatable stays so."""
    payoffs, settings = result.payoffs, result.settings
    if payoffs.exact:
        return {"exact": True, "note": "exact payoffs: no sampling error"}
    if not payoffs.noise_known:
        return {
            "exact": False,
            "note": "standard errors unknown (one match per pairing): rankings are not checked against noise; "
            "run more repetitions",
        }
    if settings.draws == 0:
        return {"exact": False, "note": "not resampled (draws = 0)"}
    rng = np.random.default_rng(settings.seed)
    n = payoffs.size
    stationary = np.empty((settings.draws, n))
    final = np.empty((settings.draws, n))
    start = _start(settings)
    flagged = ("strict_nash", "unbeatable_fermi")
    held = {kind: np.zeros(n) for kind in flagged}
    draws: Any = range(settings.draws)
    if progress:
        from tqdm import tqdm

        draws = tqdm(draws, desc="redrawing payoffs", unit="draw", file=sys.stderr, leave=False)
    for d in draws:
        m = payoffs.perturbed(rng).symmetric()
        rho = fixation.fixation_probabilities(m, settings.population_size, "fermi", beta=settings.beta)
        stationary[d] = fixation.stationary_distribution(rho)
        final[d] = replicator.one_population(m, settings.generations, start, (), settings.continuous).final
        held["strict_nash"] += stability.symmetric_stability(m)["strict_nash"].to_numpy()
        held["unbeatable_fermi"] += stability.unbeatable(rho, settings.population_size)
    names = payoffs.strategies
    stability_kept = {
        kind: {
            names[i]: float(held[kind][i] / settings.draws) for i in np.flatnonzero(result.stability[kind])
        }
        for kind in flagged
    }
    order = np.argsort(-result.stationary_fermi, kind="stable")
    steps = []
    for upper, lower in zip(order[:-1][:10], order[1:][:10]):
        kept = float(np.mean(stationary[:, upper] > stationary[:, lower]))
        steps.append(
            {
                "above": names[upper],
                "below": names[lower],
                "kept": kept,
                "within_noise": kept < ORDER_CONFIDENCE,
            }
        )
    low_s, high_s = np.quantile(stationary, [0.025, 0.975], axis=0)
    low_r, high_r = np.quantile(final, [0.025, 0.975], axis=0)
    top = order[:10]
    return {
        "exact": False,
        "draws": settings.draws,
        "stationary_interval": {names[i]: [float(low_s[i]), float(high_s[i])] for i in top},
        "replicator_interval": {
            names[i]: [float(low_r[i]), float(high_r[i])] for i in np.argsort(-result.replicator.final)[:10]
        },
        "stationary_winner_kept": float(np.mean(np.argmax(stationary, axis=1) == order[0])),
        "replicator_winner_kept": float(
            np.mean(np.argmax(final, axis=1) == int(np.argmax(result.replicator.final)))
        ),
        "ranking_steps": steps,
        "stability_kept": stability_kept,
    }
