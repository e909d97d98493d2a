"""The agent-based population engine against the mean-field pool: a large well-mixed run
stays within sampling error of the exact trajectory, and the check fails when the pool
is given a different rule (partners met in proportion to the whole population instead
of the singles; imitation that copies worse, not better, performers)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from powergame.population.mean_field import Imitation, MeanFieldPool, MeanFieldRun, PoolState
from powergame.tournaments.population_exact import exact_tables, pool_model_from_spec

population_run = pytest.importorskip("powergame.tournaments.population_run")
population_spec = pytest.importorskip("powergame.tournaments.population_spec")

SIGMAS = 6.0


def spec(size: int, ticks: int, **population) -> object:
    data = {
        "name": "agreement",
        "seed": 3,
        "game": {"payoffs": [3, 0, 5, 1], "exit_cost": 0.2, "noise": 0.02},
        "population": {
            "size": size,
            "ticks": ticks,
            "record_every": 10,
            "meet": 0.6,
            "breakup": 0.02,
            "record_relationships": False,
            "graph": {"kind": "complete"},
            "initial": {"shares": {"Out-for-Tat": 0.3, "Hit and Run": 0.3, "Loyal": 0.2, "Parasite": 0.2}},
            "outside": {"classes": [{"share": 0.3, "value": 2.0}, {"share": 0.7, "value": 0.5}]},
            "change": {"rule": "none"},
            **population,
        },
    }
    return population_spec.population_spec_from_dict(data)


SPECS = {
    "fixed": {},
    "death-birth": {"change": {"rule": "death-birth", "expected_life": 50, "mutation": 0.01}},
    "generations": {"change": {"rule": "generations", "generation": 30}},
    "revision": {
        "initial": {"shares": {"M1(code=CCLCL)": 0.4, "M1(code=DLLLL)": 0.3, "M1(code=CCDCD)": 0.3}},
        "change": {"rule": "revision", "prob_revision": 0.5, "prob_experimentation": 0.05},
    },
    "imitation": {"change": {"rule": "imitation", "prob_revision": 0.1, "beta": 1.0, "mutation": 0.01}},
    "reads v": {  # a table per class pair, in the agent-based engine as in the pool
        "initial": {
            "shares": {
                "Least Interest": 0.25,
                "Loyal | Leave Below Outside Option(window=2)": 0.25,
                "Out-for-Tat": 0.25,
                "Hot and Cold(hot=1, cold=1)": 0.25,
            }
        },
        "outside": {"classes": [{"share": 0.3, "value": 2.5}, {"share": 0.7, "value": 0.5}]},
    },
}


class PopulationMix(MeanFieldPool):
    """A different rule: seekers meet partners in proportion to the whole population."""

    def _partner_mix(self, singles: np.ndarray, state: PoolState) -> np.ndarray:
        mass = self.type_mass(state)
        return mass / mass.sum()


class CopiesTheWorse(MeanFieldPool):
    """A different rule: the Fermi chance of the payoff gap with its sign turned."""

    def _imitate(self, change: Imitation, singles: np.ndarray, couples: np.ndarray, kept: float):
        return super()._imitate(dataclasses.replace(change, beta=-change.beta), singles, couples, kept)


def deviations(sampled, exact: MeanFieldRun, size: int, turnover: float = 0.0) -> dict[str, float]:
    """Largest distance, over recorded ticks, between the sampled and the exact series,
    in units of the sampling standard error of a share of ``size`` agents (couples: half).
    With ``turnover`` (deaths per agent and tick) the strategy mix drifts as in a
    Wright-Fisher process, each death and birth adding its sampling variance: the error
    of tick t is inflated by sqrt(1 + 2 turnover t)."""
    series, strategies = exact_tables(exact, size)
    ticks = np.asarray(series["tick"], dtype=float)
    drift = np.sqrt(1 + 2 * turnover * ticks)
    out = {}
    for key, units in (("coupled", size), ("cc", size / 2), ("dd", size / 2), ("separated", size)):
        p = np.asarray(series[key])
        sigma = np.sqrt(np.maximum(p * (1 - p), 1 / units) / units) * drift
        out[key] = float(np.max(np.abs(sampled.timeseries[key].to_numpy() - p) / sigma))
    shares = np.asarray(strategies["share"])
    sampled_shares = sampled.strategies["share"].to_numpy()
    per_row = np.repeat(drift, len(exact.model.names))
    sigma = np.sqrt(np.maximum(shares * (1 - shares), 1 / size) / size) * per_row
    out["share"] = float(np.max(np.abs(sampled_shares - shares) / sigma))
    return out


def run_both(kind: str, size: int, ticks: int, pool_class: type[MeanFieldPool] = MeanFieldPool):
    the_spec = spec(size, ticks, **SPECS[kind])
    sampled = population_run.run_population(the_spec, None, engine="table")
    exact = pool_class(pool_model_from_spec(the_spec)).run(ticks, record_every=10)
    return sampled, exact


def turnover(kind: str) -> float:
    """Strategy changes per agent and tick, an upper bound for the drift of the mix."""
    change = SPECS[kind].get("change", {})
    if change.get("rule") == "death-birth":
        return 1 / change["expected_life"]
    if change.get("rule") == "revision":
        return 0.02 * change["prob_revision"]  # revisers: agents whose couple was just broken
    if change.get("rule") == "imitation":
        return change["prob_revision"]  # an agent changes only when it revises
    if change.get("rule") == "generations":
        return 1 / change["generation"]  # everybody, once a generation
    return 0.0


@pytest.mark.parametrize("kind", ["fixed", "death-birth", "generations", "imitation", "reads v"])
def test_a_large_pool_follows_the_mean_field(kind: str) -> None:
    sampled, exact = run_both(kind, 20_000, 100)
    worst = deviations(sampled, exact, 20_000, turnover(kind))
    assert max(worst.values()) < SIGMAS, worst


def test_the_check_fails_on_a_different_meeting_rule() -> None:
    sampled, exact = run_both("fixed", 20_000, 100, PopulationMix)
    assert max(deviations(sampled, exact, 20_000).values()) > 2 * SIGMAS  # the check above fails


def test_the_check_fails_on_a_different_imitation_rule() -> None:
    sampled, exact = run_both("imitation", 20_000, 100, CopiesTheWorse)
    worst = deviations(sampled, exact, 20_000, turnover("imitation"))
    assert max(worst.values()) > 2 * SIGMAS, worst  # the check above fails


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "size", "ticks"),
    [
        ("fixed", 100_000, 300),
        ("death-birth", 100_000, 300),
        ("generations", 100_000, 300),
        ("imitation", 100_000, 300),
        ("revision", 20_000, 100),  # 162 strategies: the agent-based run is the slow part
    ],
)
def test_larger_and_longer(kind: str, size: int, ticks: int) -> None:
    sampled, exact = run_both(kind, size, ticks)
    worst = deviations(sampled, exact, size, turnover(kind))
    assert max(worst.values()) < SIGMAS, worst
