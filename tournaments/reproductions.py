"""Published results on exit and re-matching, recomputed with the mean-field pool.

Each reproduction returns a ``Reproduction``: the paper's statement, the figures we
compute, and for each figure the value it is checked against (published, a closed form,
or derived independently in tests/test_reproductions.py) with a tolerance.
``docs/reproductions.md`` puts them side by side; ``powergame reproduce`` prints them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from powergame.errors import ParameterError
from powergame.game import StagePayoffs
from powergame.population.mean_field import DeathBirth, Generations, MeanFieldPool, PoolModel
from powergame.population.mean_field_steady import steady_state
from powergame.registry import Registry, load_registry
from powergame.state_table import StateTable


@dataclass(frozen=True)
class Figure:
    """One number: what it is, ours, and what it is checked against (``expected`` with
    ``tolerance``; None when only the direction or the paper's statement is compared)."""

    what: str
    ours: float
    expected: float | None = None
    tolerance: float = 0.0
    source: str = ""  # where ``expected`` comes from

    @property
    def agrees(self) -> bool | None:
        if self.expected is None:
            return None
        return abs(self.ours - self.expected) <= self.tolerance


@dataclass(frozen=True)
class Reproduction:
    key: str
    title: str
    paper: str  # the published statement being reproduced
    spec: str  # the bundled spec of the same setting (tournaments/specs/)
    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = field(default=())


@cache
def _registry() -> Registry:
    return load_registry(env=False)


def table(name: str) -> StateTable:
    """The state table of a registered strategy (one that does not read the game)."""
    player = _registry().create(name)
    result = player.state_table()
    if result is None:
        raise ParameterError("strategy", name, "needs a state table for the mean-field pool")
    return result


# --- Schüssler 1989: CONCO against ALL_D ---------------------------------------------------
SCHUESSLER_PAYOFFS = StagePayoffs(R=4, S=1, T=6, P=2)
SCHUESSLER_BREAKUP = 0.05  # "forced exit": a cooperating couple ends for outside reasons
SCHUESSLER_ROUNDS = 200  # rounds per generation


def schuessler_model(conco_share: float) -> PoolModel:
    """CONCO (Out-for-Tat) against ALL_D (Hit and Run) in an anonymous pool: everyone
    single is re-matched every round; a generation of 200 rounds, then a replicator step."""
    return PoolModel(
        tables=(table("CONCO"), table("Hit and Run")),
        names=("CONCO", "ALL_D"),
        initial_shares=(conco_share, 1 - conco_share),
        payoffs=SCHUESSLER_PAYOFFS,
        breakup=SCHUESSLER_BREAKUP,
        meet=1.0,
        change=Generations(every=SCHUESSLER_ROUNDS),
    )


def schuessler_generation(conco_share: float) -> float:
    """CONCO's share after one generation that starts at ``conco_share``."""
    pool = MeanFieldPool(schuessler_model(conco_share))
    return float(pool.run(SCHUESSLER_ROUNDS, record_every=SCHUESSLER_ROUNDS).records[-1].shares[0])


def schuessler_trajectory(conco_share: float, generations: int) -> list[float]:
    """CONCO's share after each of ``generations`` generations."""
    pool = MeanFieldPool(schuessler_model(conco_share))
    run = pool.run(SCHUESSLER_ROUNDS * generations, record_every=SCHUESSLER_ROUNDS)
    return [float(r.shares[0]) for r in run.records]


def schuessler() -> Reproduction:
    """Schüssler 1989: CONCO against ALL_D in an anonymous pool, generation by generation."""
    from scipy.optimize import brentq

    gap = lambda x: schuessler_generation(x) - x  # noqa: E731
    threshold = brentq(gap, 0.005, 0.3, xtol=1e-10)
    rest = brentq(gap, 0.5, 0.99, xtol=1e-10)
    trajectory = schuessler_trajectory(0.5, 50)
    return Reproduction(
        key="schuessler",
        title="Schüssler (1989): exit threats and cooperation under anonymity",
        paper=(
            "Conditional cooperators who leave after a defection (CONCO) are not driven out by "
            "unconditional defectors who exploit and leave (ALL_D) in an anonymous pool with "
            "re-matching: an ALL_D can exploit each CONCO only once, and CONCO pairs last."
        ),
        spec="population_reproduce_schuessler.toml",
        figures=(
            Figure("CONCO share after 1 generation from 0.5", trajectory[0]),
            Figure("CONCO share after 50 generations from 0.5", trajectory[-1]),
            Figure("invasion threshold: below it CONCO dies out", threshold),
            Figure("stable rest point: CONCO share ALL_D cannot reduce", rest),
        ),
        notes=(
            "Payoffs T, R, P, S = 6, 4, 2, 1, forced exit 5 % a round, 200 rounds a generation: "
            "the parameters of the simplified re-implementation of Schüssler's simulation in "
            "E. Arnold's CoopSim examples; Schüssler's own tables are not at hand.",
        ),
    )


# --- Fujiwara-Greve & Okuno-Fujiwara 2009 -----------------------------------------------
FGO_PAYOFFS = (StagePayoffs(R=3, S=0, T=4, P=1), StagePayoffs(R=4, S=0, T=5, P=1))
GAIN_TOLERANCE = 1e-10  # a mutant "does better" when it gains more than this (ties are exact)


def memory_one_names(with_leave: bool = True) -> list[str]:
    """The 162 memory-one codes as registry names (32 without L), in the library's order."""
    letters = "CDL" if with_leave else "CD"
    return [
        f"M1(code={first}{''.join(rest)})" for first in "CD" for rest in itertools.product(letters, repeat=4)
    ]


def start_small_defector(T: int) -> StateTable:
    """c_T up to its first round of trust, then withhold and leave: the one-shot deviation
    that decides whether c_T is stable (states 0..T-1: probation, T: the deviation)."""
    cooperate = [0] * (T + 1)
    leave = [[1, 1, 1, 0] for _ in range(T)] + [[1, 1, 1, 1]]
    next_state = [[0, 0, 0, s + 1] for s in range(T)] + [[T, T, T, T]]
    return StateTable.deterministic(cooperate, [1.0] * (T + 1), leave, next_state)


def fgo_mutants(T: int) -> dict[str, StateTable]:
    """Every deviation we try against c_T: the 162 memory-one codes, c_0..c_3 and the
    c_T-then-defect deviation."""
    mutants = {name: table(name) for name in memory_one_names()}
    for other in range(4):
        if other != T:
            mutants[f"Start Small(T={other})"] = table(f"Start Small(T={other})")
    mutants[f"c_{T} then defect"] = start_small_defector(T)
    return mutants


def fgo_values(
    T: int, delta: float, payoffs: StagePayoffs, mutants: dict[str, StateTable]
) -> tuple[float, dict[str, float]]:
    """Lifetime value (per period, (1 - delta) V) of a newborn c_T in a c_T population,
    and of each mutant in it. Each player survives a period with probability delta
    (the discount factor); a partnership also ends when the partner dies (breakup 1 - delta)."""
    resident = table(f"Start Small(T={T})")
    shares = (1.0, *([0.0] * len(mutants)))  # mutants of mass 0: they meet a pure c_T pool
    model = PoolModel(
        tables=(resident, *mutants.values()),
        initial_shares=shares,
        payoffs=payoffs,
        meet=1.0,
        breakup=1 - delta,
    )
    value = steady_state(model, discount=delta).single_value
    return float(value[0]), dict(zip(mutants, (float(v) for v in value[1:])))


def fgo_best_gain(
    T: int, delta: float, payoffs: StagePayoffs, mutants: dict[str, StateTable]
) -> tuple[float, str]:
    """How much more than c_T the best of ``mutants`` earns in a c_T population, and which."""
    resident, values = fgo_values(T, delta, payoffs, mutants)
    best = max(values, key=lambda name: values[name])
    return values[best] - resident, best


def fgo_threshold(T: int, payoffs: StagePayoffs) -> float:
    """The delta at which the one-shot deviation from c_T (c_T up to its first round of
    trust, then withhold and leave) stops paying."""
    from scipy.optimize import brentq

    deviation = {"deviation": start_small_defector(T)}
    return float(brentq(lambda d: fgo_best_gain(T, d, payoffs, deviation)[0], 0.3, 0.99, xtol=1e-12))


def fgo_bimorphic_model(c0_share: float, delta: float, payoffs: StagePayoffs) -> PoolModel:
    """c_0 and d_0 with fixed shares; a partnership ends when either partner dies."""
    return PoolModel(
        tables=(table("Start Small(T=0)"), table("Hit and Run")),
        names=("c0", "d0"),
        initial_shares=(c0_share, 1 - c0_share),
        payoffs=payoffs,
        meet=1.0,
        breakup=1 - delta * delta,
    )


def fgo_bimorphic_shares(delta: float, payoffs: StagePayoffs) -> tuple[float, float]:
    """The shares of c_0 at which c_0 and d_0 earn the same per period (so the same
    lifetime payoff): the bimorphic steady states, below and above one half. None is
    returned as NaN."""
    from scipy.optimize import brentq

    def gap(alpha: float) -> float:
        payoff = steady_state(fgo_bimorphic_model(alpha, delta, payoffs)).payoff
        return float(payoff[0] - payoff[1])

    middle = 0.5 if gap(0.5) > 0 else float("nan")
    if middle != middle:
        return float("nan"), float("nan")
    low = float(brentq(gap, 1e-6, middle, xtol=1e-12))
    high = float(brentq(gap, middle, 1 - 1e-6, xtol=1e-12))
    return low, high


def fgo_dynamics(c0_share: float, delta: float, payoffs: StagePayoffs, ticks: int) -> float:
    """c_0's share after ``ticks`` ticks of death-birth with payoff-proportional newborns
    (expected life 1 / (1 - delta)) from ``c0_share``."""
    model = PoolModel(
        tables=(table("Start Small(T=0)"), table("Hit and Run")),
        initial_shares=(c0_share, 1 - c0_share),
        payoffs=payoffs,
        meet=1.0,
        change=DeathBirth(expected_life=1 / (1 - delta)),
    )
    return float(MeanFieldPool(model).run(ticks, record_every=ticks).records[-1].shares[0])


FGO_DELTA = 0.9
FGO_TICKS = 2000
FGO_STEP = 0.001  # how far from the threshold the full mutant set is tried


def fujiwara_greve() -> Reproduction:
    """Fujiwara-Greve & Okuno-Fujiwara 2009: c_T stability thresholds, c_0/d_0 steady states."""
    figures = []
    for T, payoffs in ((1, FGO_PAYOFFS[0]), (1, FGO_PAYOFFS[1]), (2, FGO_PAYOFFS[0])):
        R, S, Tp, P = payoffs.as_tuple()
        label = f"c_{T}, R,S,T,P = {R:g},{S:g},{Tp:g},{P:g}"
        delta = fgo_threshold(T, payoffs)
        closed = float(np.sqrt((Tp - R) / (R - P))) if T == 1 else None
        figures.append(
            Figure(f"{label}: stable from delta", delta, closed, 1e-9, "delta^2 = (g - c)/(c - d)")
        )
        mutants = fgo_mutants(T)
        above, _ = fgo_best_gain(T, delta + FGO_STEP, payoffs, mutants)
        below, who = fgo_best_gain(T, delta - FGO_STEP, payoffs, mutants)
        figures.append(Figure(f"{label}: best gain of {len(mutants)} mutants at delta + {FGO_STEP}", above))
        figures.append(Figure(f"{label}: best gain at delta - {FGO_STEP} ({who})", below))
    payoffs = FGO_PAYOFFS[0]
    low, high = fgo_bimorphic_shares(FGO_DELTA, payoffs)
    figures.append(Figure(f"c_0 share, lower c_0/d_0 steady state (delta = {FGO_DELTA})", low))
    figures.append(Figure(f"c_0 share, upper c_0/d_0 steady state (delta = {FGO_DELTA})", high))
    life = round(1 / (1 - FGO_DELTA))
    for start in (low - 0.05, low + 0.05, high - 0.05, high + 0.05):
        figures.append(
            Figure(
                f"c_0 share after {FGO_TICKS} ticks of death-birth (life {life}) from {start:.3f}",
                fgo_dynamics(start, FGO_DELTA, payoffs, FGO_TICKS),
            )
        )
    return Reproduction(
        key="fujiwara-greve",
        title="Fujiwara-Greve & Okuno-Fujiwara (2009): the voluntarily separable repeated PD",
        paper=(
            "With random re-matching and no information flow, c_0 (cooperate, leave after any "
            "deviation) is not stable; trust-building c_T (withhold T periods, then cooperate) is, "
            "for delta high enough -- for c_1, delta^2 >= (g - c) / (c - d); c_0 and d_0 "
            "(withhold and leave) coexist in a bimorphic steady state."
        ),
        spec="population_reproduce_fujiwara_greve.toml",
        figures=tuple(figures),
        notes=(
            "A period: pairs play, each player survives with probability delta (the discount "
            "factor), a partnership survives if both do; newborns enter the pool single. "
            "Values are lifetime payoffs per period, (1 - delta) V, of a newborn.",
        ),
    )


# --- The principle of least interest, in a pool --------------------------------------------
# Exit that reads v: cooperators that leave once the last two rounds paid below their outside
# option on average (with v = 0.5, after two withholdings met with cooperation in a row).
LEAVE_BELOW = ("Loyal | Leave Below Outside Option(window=2)", "Voice | Leave Below Outside Option(window=2)")
LEAST_INTEREST_ENTRY = ("Least Interest", "Out-for-Tat", "Loyal", "Voice", "Parasite", "Hit and Run")
LEAST_INTEREST_STRATEGIES = (*LEAST_INTEREST_ENTRY, *LEAVE_BELOW)
LEAST_INTEREST_LOW = 0.5  # the low class's outside option
LEAST_INTEREST_HIGH_SHARE = 0.3
LEAST_INTEREST_GAPS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)


def tables_by_class(
    name: str, values: tuple[float, ...], payoffs: StagePayoffs
) -> list[tuple[tuple[int, int], StateTable]]:
    """A strategy's table against each (own class, partner class), from the game it sees."""
    from powergame.game import Game

    out = []
    for own, partner in itertools.product(range(len(values)), repeat=2):
        player = _registry().create(name)
        player.join_match(
            Game(payoffs=(payoffs, payoffs), outside_options=(values[own], values[partner])), 0, 0
        )
        found = player.state_table()
        if found is None:
            raise ParameterError("strategy", name, "needs a state table for the mean-field pool")
        out.append(((own, partner), found))
    return out


def least_interest_model(
    gap: float,
    names: tuple[str, ...] = LEAST_INTEREST_STRATEGIES,
    meet: float = 0.5,
    breakup: float = 0.01,
    noise: float = 0.01,
) -> PoolModel:
    """A fixed population of ``names`` in equal shares; 30 % of the agents (class 0) have
    v = 0.5 + ``gap``, the others v = 0.5. A strategy that reads v (Least Interest, Leave
    Below Outside Option) has a table per (own class, partner class)."""
    payoffs = StagePayoffs()
    values = (LEAST_INTEREST_LOW + gap, LEAST_INTEREST_LOW)
    tables, class_tables = [], []
    for s, name in enumerate(names):
        if _registry().create(name).classifier.get("uses_outside_options"):
            by_class = tables_by_class(name, values, payoffs)
            class_tables += [((s, own, partner), found) for (own, partner), found in by_class]
            tables.append(by_class[0][1])
        else:
            tables.append(table(name))
    return PoolModel(
        tables=tuple(tables),
        names=names,
        initial_shares=(1 / len(names),) * len(names),
        outside_options=values,
        class_shares=(LEAST_INTEREST_HIGH_SHARE, 1 - LEAST_INTEREST_HIGH_SHARE),
        payoffs=payoffs,
        meet=meet,
        breakup=breakup,
        noise=noise,
        class_tables=tuple(class_tables),
    )


def _class_gaps(names: tuple[str, ...], gap: float) -> dict[str, float]:
    """Each figure of the pool at ``gap``: the better-option class minus the other."""
    steady = steady_state(least_interest_model(gap, names))
    by_class = {
        "leaves": steady.by_class(steady.leave_rate) * 100,
        "is left": steady.by_class(steady.left_rate) * 100,
        "earns per round together": steady.by_class(steady.in_couple_payoff),
        "earns per tick": steady.by_class(steady.payoff),
        "value of being single - v": steady.by_class(steady.single_premium),
    }
    return {what: float(high - low) for what, (high, low) in by_class.items()}


def least_interest() -> Reproduction:
    """The principle of least interest in a two-class pool: who leaves, who earns more;
    with the exit rules that read v, and (for comparison) without them."""
    figures = []
    for gap in LEAST_INTEREST_GAPS:
        for what, value in _class_gaps(LEAST_INTEREST_STRATEGIES, gap).items():
            unit = " (per 100 ticks)" if what in ("leaves", "is left") else ""
            figures.append(Figure(f"gap {gap:g}: {what}{unit}, better-option class minus other", value))
    for gap in LEAST_INTEREST_GAPS:
        value = _class_gaps(LEAST_INTEREST_ENTRY, gap)["leaves"]
        figures.append(
            Figure(
                f"gap {gap:g}, no exit rule reads v: leaves (per 100 ticks), better-option class minus other",
                value,
            )
        )
    return Reproduction(
        key="least-interest",
        title="The principle of least interest in a relationship market (this project)",
        paper=(
            "Waller (1938): the partner who wants the relationship less holds the power. Stated "
            "for a two-class pool: the class with the better outside option leaves more often "
            "and earns more within couples."
        ),
        spec="population_least_interest.toml",
        figures=tuple(figures),
        notes=(
            "Fixed population, equal shares of Least Interest, Out-for-Tat, Loyal, Voice, Parasite, "
            "Hit and Run, and Loyal and Voice each with Leave Below Outside Option(window=2); 30 % "
            "have v = 0.5 + gap, 70 % v = 0.5; meet 0.5, breakup 1 %, noise 1 %.",
            "The better-option class earns more together at every gap > 0 (Least Interest withholds "
            "as the less dependent partner). It leaves more often only once v exceeds 1.5, the mean "
            "of a round of mutual cooperation and one of being exploited: then its Leave Below "
            "Outside Option players walk away after a single withholding. Without the two exit "
            "rules that read v it leaves less than the other class at every gap.",
        ),
    )


def lelele(progress: Callable[[int], None] | None = None, processes: int = 0) -> Reproduction:
    """LeLeLe (2010): the share of cooperating couples against agents' expected life."""
    from .reproductions_izquierdo import lelele as compute

    return compute(progress, processes)


def es1(progress: Callable[[int], None] | None = None, processes: int = 0) -> Reproduction:
    """ES-1-outcome (2025): successful memory-one strategies, with and without leaving."""
    from .reproductions_izquierdo import es1 as compute

    return compute(progress, processes)


def reproduction_ticks(key: str) -> int | None:
    """How many mean-field ticks a long reproduction runs (for a progress bar), or None."""
    from . import reproductions_izquierdo as iz

    return {"lelele": iz.LELELE_TOTAL_TICKS, "es1": iz.ES1_TOTAL_TICKS}.get(key)


REPRODUCTIONS: dict[str, Callable[..., Reproduction]] = {
    "schuessler": schuessler,
    "fujiwara-greve": fujiwara_greve,
    "lelele": lelele,
    "es1": es1,
    "least-interest": least_interest,
}


def reproduce(key: str, progress: Callable[[int], None] | None = None, processes: int = 0) -> Reproduction:
    """Compute one reproduction by its key (see ``REPRODUCTIONS``); the long ones
    (``reproduction_ticks``) call ``progress`` with the ticks done and run their independent
    runs in up to ``processes`` processes (0: one per core; the figures do not depend on it)."""
    from .parallel_runs import resolve_processes

    resolve_processes(processes)
    if key not in REPRODUCTIONS:
        import difflib

        close = difflib.get_close_matches(key, list(REPRODUCTIONS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ParameterError("reproduction", key, f"must be one of {', '.join(REPRODUCTIONS)}{hint}")
    if reproduction_ticks(key) is not None:
        return REPRODUCTIONS[key](progress, processes)
    return REPRODUCTIONS[key]()
