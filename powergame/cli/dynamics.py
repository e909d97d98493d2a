"""`powergame dynamics`: evolutionary dynamics on the results of a tournament."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import plugin_option


@click.command(name="dynamics")
@click.argument("source", metavar="RESULTS_DIR", type=click.Path(path_type=Path))
@click.option(
    "--population-size",
    "-N",
    type=int,
    default=100,
    show_default=True,
    help="N of the finite population (>= 2).",
)
@click.option(
    "--beta",
    type=float,
    default=1.0,
    show_default=True,
    help="Selection intensity of the pairwise-comparison (Fermi) process (>= 0; 0 is neutral drift).",
)
@click.option(
    "--moran-w",
    type=float,
    default=None,
    help="Selection intensity w of the Moran process, fitness 1 - w + w*payoff, in [0, 1] "
    "[default: 1 (fitness = payoff) when every payoff is positive].",
)
@click.option(
    "--generations", "-g", type=int, default=1000, show_default=True, help="Generations of the replicator."
)
@click.option("--continuous", is_flag=True, help="Continuous replicator instead of Axelrod's discrete one.")
@click.option(
    "--roles", is_flag=True, help="Also evolve the A-role and B-role populations separately (the bimatrix)."
)
@click.option(
    "--shares",
    default=None,
    metavar="SHARES",
    help="Starting shares: numbers in strategy order ('0.5,0.3,0.2') or 'NAME=SHARE; NAME=SHARE' "
    "(unnamed strategies start at 0); must sum to 1 [default: equal].",
)
@click.option(
    "--draws",
    type=int,
    default=100,
    show_default=True,
    help="Payoff matrices redrawn within their standard errors to check rankings against noise (simulated results).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of those draws.")
@click.option("--top", type=int, default=10, show_default=True, help="Strategies listed per ranking.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@plugin_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the tables (CSV), the invasion graph (GraphML), dynamics.json and the plots (PNG) here.",
)
def dynamics(
    source: Path,
    population_size: int,
    beta: float,
    moran_w: float | None,
    generations: int,
    continuous: bool,
    roles: bool,
    shares: str | None,
    draws: int,
    seed: int,
    top: int,
    as_json: bool,
    quiet: bool,
    plugins: tuple[str, ...],
    out: Path | None,
) -> None:
    """Who survives when strategies reproduce by success, from the results in RESULTS_DIR.

    Builds the payoff matrix (mean score per round for each strategy as A against each as
    B) from a folder written by `powergame run` (simulated or exact; a spec file .toml or a
    bundled spec's name is run first, in memory), then: the replicator
    dynamics (Axelrod's ecological tournament), fixation probabilities of single mutants in
    a population of N under the Fermi and Moran processes, the stationary distribution when
    mutations are rare, the invasion graph and strict Nash / ESS / unbeatable strategies.
    Formulas and conventions: docs/dynamics.md.

    \b
    Examples:
      powergame run memory_one_space --out results/m1
      powergame dynamics results/m1
      powergame dynamics results/m1 --population-size 50 --beta 0.5 --roles
      powergame dynamics results/default --continuous --generations 200 --json
      powergame dynamics results/m1 --out results/m1/dynamics   # CSV, GraphML, PNG
      powergame dynamics default --shares "Loyal=0.5; Parasite=0.5"
    """
    from powergame.tournaments.dynamics import DynamicsSettings, analyse, load_source
    from powergame.tournaments.dynamics_files import parse_shares, write_outputs

    payoffs = load_source(source, plugins)
    start = parse_shares(shares, payoffs.strategies) if shares is not None else None
    settings = DynamicsSettings(
        population_size=population_size,
        beta=beta,
        moran_w=moran_w,
        generations=generations,
        continuous=continuous,
        roles=roles,
        shares=start,
        draws=draws,
        seed=seed,
    )
    result = analyse(payoffs, settings, progress=not quiet)
    if as_json:
        click.echo(json.dumps(result.to_dict(top), indent=2))
    else:
        click.echo(result.text(top))
    if out is not None:
        written = write_outputs(result, out, top)
        click.echo(f"Wrote {len(written)} files to {out}", err=as_json)
