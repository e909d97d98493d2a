"""Two models of the option to leave by Izquierdo and co-authors, recomputed with the
mean-field pool: LeLeLe (Izquierdo, Izquierdo & Vega-Redondo 2010) and ES-1-outcome
(Izquierdo, Izquierdo & Boyd 2025). Parameters are the published models' defaults
(their NetLogo implementations); docs/reproductions.md compares the rules and the figures.
"""

from __future__ import annotations

from collections.abc import Callable

from powergame.game import StagePayoffs
from powergame.population.mean_field import DeathBirth, MeanFieldPool, MeanFieldRun, PoolModel, Revision

from .parallel_runs import run_jobs
from .population_exact import one_gene_matrix
from .reproductions import Figure, Reproduction, memory_one_names, table

# --- LeLeLe: Izquierdo, Izquierdo & Vega-Redondo 2010 ---------------------------------------
LELELE_PAYOFFS = StagePayoffs(R=3, S=0, T=4, P=1)  # CC, CD, DC, DD = 3, 0, 4, 1; out-payoff 0
LELELE_MUTATION = 0.05
LELELE_LIVES = (2, 5, 10, 25, 50, 100)
LELELE_TICKS = 20_000
LELELE_WINDOW = 2_000  # the long-run figures are means over the last ticks
LELELE_NAMES = ("CSS", "CSL", "CLS", "CLL", "DSS", "DSL", "DLS", "DLL")  # LeLeLe's order


def lelele_code(name: str) -> str:
    """A LeLeLe strategy (action, after the partner's C, after the partner's D; S stay,
    L leave) as a memory-one code: always the same action, leave on the partner's move."""
    action, after_c, after_d = name[0], name[1], name[2]
    on_c = action if after_c == "S" else "L"
    on_d = action if after_d == "S" else "L"
    return action + on_c + on_d + on_c + on_d  # first, after CC, CD, DC, DD (own view)


def lelele_model(expected_life: float, mutation: float = LELELE_MUTATION, meet: float = 1.0) -> PoolModel:
    """The eight LeLeLe strategies in equal shares, death-birth with payoff-proportional
    newborns and uniform mutation; every single is re-matched (prob-rematch 1)."""
    return PoolModel(
        tables=tuple(table(f"M1(code={lelele_code(name)})") for name in LELELE_NAMES),
        names=LELELE_NAMES,
        initial_shares=(1 / len(LELELE_NAMES),) * len(LELELE_NAMES),
        payoffs=LELELE_PAYOFFS,
        meet=meet,
        change=DeathBirth(expected_life=expected_life, mutation=mutation),
    )


Progress = Callable[[int], None]  # called with the number of ticks just done


def long_run(
    model: PoolModel, ticks: int, window: int, progress: Progress | None = None
) -> tuple[float, list[float], MeanFieldRun]:
    """Mean CC share of the couples and mean strategy shares over the last ``window`` of
    ``ticks`` ticks (the mean field may settle or cycle), and the recorded tail (without
    the couples' ages: its ``mean_age`` is nan)."""
    pool = MeanFieldPool(model, ages=False)
    state = pool.initial_state()
    records = []
    for number in range(ticks):
        if number >= ticks - window:
            state, figures = pool.step(state)
            records.append(figures)
        else:
            state = pool.advance(state)
        if progress is not None:
            progress(1)
    tail = MeanFieldRun(model, tuple(records), state)
    cc = sum(r.cc for r in tail.records) / window
    shares = [float(sum(r.shares[s] for r in tail.records) / window) for s in range(len(model.names))]
    return float(cc), shares, tail


def lelele_long_run(
    expected_life: float,
    ticks: int = LELELE_TICKS,
    window: int = LELELE_WINDOW,
    progress: Progress | None = None,
) -> tuple[float, list[float]]:
    """Long-run CC share of the couples and strategy shares at ``expected_life``."""
    cc, shares, _ = long_run(lelele_model(expected_life), ticks, window, progress)
    return cc, shares


LELELE_TOTAL_TICKS = LELELE_TICKS * len(LELELE_LIVES)


def _lelele_job(life: float, progress: Progress | None) -> tuple[float, list[float]]:
    return lelele_long_run(life, progress=progress)


def lelele(progress: Progress | None = None, processes: int = 0) -> Reproduction:
    """LeLeLe (2010): the share of cooperating couples against agents' expected life
    (one run per expected life, in up to ``processes`` processes, 0: one per core)."""
    figures = []
    for life, (cc, shares) in zip(LELELE_LIVES, run_jobs(_lelele_job, LELELE_LIVES, progress, processes)):
        top = sorted(range(len(LELELE_NAMES)), key=lambda s: -shares[s])[:2]
        leaders = ", ".join(f"{LELELE_NAMES[s]} {shares[s]:.2f}" for s in top)
        figures.append(Figure(f"expected life {life:g}: share of CC couples (most common: {leaders})", cc))
    return Reproduction(
        key="lelele",
        title="Izquierdo, Izquierdo & Vega-Redondo (2010): the option to leave (LeLeLe)",
        paper=(
            "Agents who always cooperate or always defect, but may leave their partner after "
            "seeing its move, sustain a significant level of cooperation, in a polymorphic "
            "regime with positive assortment of cooperators, if their expected life is long "
            "enough; with short lives defection prevails."
        ),
        spec="population_reproduce_lelele.toml",
        figures=tuple(figures),
        notes=(
            "Payoffs CC, CD, DC, DD = 3, 0, 4, 1, single payoff 0, mutation 5 %, every single "
            "re-matched: the defaults of the LeLeLe NetLogo model. The paper's own curve is not "
            "at hand; tests/test_reproductions.py checks every figure against the mean dynamics "
            "written out independently for the eight strategies.",
            f"Long-run figures: means over ticks {LELELE_TICKS - LELELE_WINDOW + 1}-{LELELE_TICKS} "
            "of the mean field from equal shares (the infinite-population limit; a finite "
            "population also drifts between regimes).",
        ),
    )


# --- ES-1-outcome: Izquierdo, Izquierdo & Boyd 2025 -----------------------------------------
ES1_PAYOFFS = StagePayoffs(R=3, S=0, T=4, P=1)
ES1_NOISE = 0.05  # action-error
ES1_BREAKUP = 1 / 20  # exp-n-of-interactions = 20
ES1_REVISION = 0.1
ES1_EXPERIMENTATION = 0.05
ES1_TICKS = 10_000
ES1_WINDOW = 500


def es1_model(with_leave: bool = True, breakup: float = ES1_BREAKUP) -> PoolModel:
    """All 162 memory-one codes (32 without the option to leave) in equal shares; revision
    after an exogenous breakup with one-gene experimentation."""
    names = tuple(memory_one_names(with_leave))
    return PoolModel(
        tables=tuple(table(name) for name in names),
        names=tuple(name[len("M1(code=") : -1] for name in names),
        initial_shares=(1 / len(names),) * len(names),
        payoffs=ES1_PAYOFFS,
        noise=ES1_NOISE,
        meet=1.0,
        breakup=breakup,
        change=Revision(
            prob_revision=ES1_REVISION,
            prob_experimentation=ES1_EXPERIMENTATION,
            neighbours=one_gene_matrix(names, with_leave=with_leave),
        ),
    )


def es1_long_run(
    with_leave: bool, ticks: int = ES1_TICKS, window: int = ES1_WINDOW, progress: Progress | None = None
) -> tuple[float, dict[str, float]]:
    """CC share of the couples and the strategy shares, means over the last ``window`` ticks."""
    model = es1_model(with_leave)
    cc, shares, _ = long_run(model, ticks, window, progress)
    return cc, dict(zip(model.names, shares))


ES1_LABELS = {True: "with the option to leave (162 codes)", False: "without it (32 codes)"}


ES1_TOTAL_TICKS = 2 * ES1_TICKS


def _es1_job(with_leave: bool, progress: Progress | None) -> tuple[float, dict[str, float]]:
    return es1_long_run(with_leave, progress=progress)


def es1(progress: Progress | None = None, processes: int = 0) -> Reproduction:
    """ES-1-outcome (2025): which memory-one strategies succeed, with and without leaving
    (the two runs in up to ``processes`` processes, 0: one per core)."""
    figures = []
    variants = (True, False)
    for with_leave, (cc, shares) in zip(variants, run_jobs(_es1_job, variants, progress, processes)):
        label = ES1_LABELS[with_leave]
        figures.append(Figure(f"{label}: share of CC couples", cc))
        top = sorted(shares, key=lambda code: -shares[code])[:5]
        for rank, code in enumerate(top, start=1):
            figures.append(
                Figure(f"{label}: share of the {rank}. most common code, {'-'.join(code)}", shares[code])
            )
        if with_leave:
            no_leave = sum(share for code, share in shares.items() if "L" not in code)
            figures.append(Figure(f"{label}: share of codes that never leave", no_leave))
    return Reproduction(
        key="es1",
        title="Izquierdo, Izquierdo & Boyd (2025): successful strategies in the voluntarily repeated PD",
        paper=(
            "With low probabilities of exogenous breakup, cooperation is significantly greater and "
            "more robust with the option to leave than without it; with moderate error and "
            "experimentation, classical strategies that never leave are basically wiped out."
        ),
        spec="population_reproduce_es1.toml",
        figures=tuple(figures),
        notes=(
            "Payoffs CC, CD, DC, DD = 3, 0, 4, 1, action error 5 %, exogenous breakup 1/20, "
            "revision probability 0.1 after a breakup, experimentation 5 %: the defaults of the "
            "ES-1-outcome NetLogo model. The paper's own figures are not at hand; "
            "tests/test_reproductions.py checks the dynamics against the mean dynamics written "
            "out independently.",
            f"Long-run figures: means over ticks {ES1_TICKS - ES1_WINDOW + 1}-{ES1_TICKS} of the mean "
            "field from equal shares.",
        ),
    )
