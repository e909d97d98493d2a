"""``powergame evolve SPEC.toml``: a thin shell over ``tournaments.population_run``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from powergame.cli.common import plugin_option, registry_from_options


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: results/<spec name>/].",
)
@click.option("--seed", type=int, default=None, help="Seed [default: the spec's seed].")
@click.option("--resume", is_flag=True, help="Continue an interrupted run from its last checkpoint.")
@click.option("--force", is_flag=True, help="Overwrite an earlier run in the output folder.")
@click.option(
    "--engine",
    type=click.Choice(["auto", "table", "player"]),
    default="auto",
    show_default=True,
    help="table: vectorised (every strategy needs a state table); player: any strategy, slower.",
)
@click.option(
    "--exact/--no-exact",
    default=None,
    help="Compute the infinite well-mixed population exactly (mean field, docs/mean_field.md) "
    "instead of simulating agents [default: the spec's exact key, else --no-exact].",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@plugin_option
def evolve(
    spec_file: Path,
    out: Path | None,
    seed: int | None,
    resume: bool,
    force: bool,
    engine: str,
    exact: bool | None,
    quiet: bool,
    plugins: tuple[str, ...],
) -> None:
    """Run a population: a relationship market on a graph, where partners who
    leave look for someone new, and strategies change by death-birth, revision,
    imitation or generations.

    SPEC.toml has a [population] table (size, ticks, meet, breakup, graph,
    initial strategies, outside options, strategy change); docs/populations.md
    describes every key. Bundled specs, each a question, are in
    tournaments/specs/: population_trust_vs_withholding, population_least_interest,
    population_small_world.

    \b
    Writes timeseries.parquet, strategies.parquet, relationships.parquet and
    summary.json to the output folder; checkpoints every checkpoint_every ticks,
    so an interrupted run continues with --resume (and ends as an uninterrupted
    one would).

    \b
    Examples:
      powergame evolve tournaments/specs/population_least_interest.toml
      powergame evolve my_spec.toml --seed 7 --out results/seed7 --quiet
      powergame evolve my_spec.toml --out results/x --resume
      powergame evolve tournaments/specs/population_reproduce_schuessler.toml --exact
    """
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.population_run import run_population
    from powergame.tournaments.population_spec import load_population_spec

    spec = load_population_spec(resolve_spec(spec_file))  # a file, or a bundled spec's name
    if seed is not None:
        spec = spec.with_seed(seed)
    out_dir = out if out is not None else Path("results") / spec.name
    registry = registry_from_options(plugins)

    if exact if exact is not None else spec.exact:
        _evolve_exactly(spec, out_dir, quiet, registry)
        return

    def warn(message: str) -> None:
        click.echo(f"Warning: {message}", err=True)

    try:
        result = run_population(
            spec,
            out_dir,
            resume=resume,
            force=force,
            quiet=quiet,
            registry=registry,
            engine=engine,
            warn=warn,
        )
    except KeyboardInterrupt:
        click.echo(
            f"Interrupted; the last checkpoint is in {out_dir}: run the same command with --resume to continue.",
            err=True,
        )
        raise SystemExit(130) from None
    summary = result.summary
    shares = sorted(summary["final"]["shares"].items(), key=lambda kv: -kv[1])
    click.echo(f"{spec.name}: {summary['ticks_done']} ticks, {spec.size} agents, {summary['engine']} engine")
    click.echo(f"in a couple at the end: {summary['final']['coupled']:.1%}")
    for name, share in shares[:10]:
        click.echo(f"  {share:7.1%}  {name}")
    if len(shares) > 10:
        click.echo(f"  ... {len(shares) - 10} more strategies")
    click.echo(f"results in {out_dir}")


def _evolve_exactly(spec: Any, out_dir: Path, quiet: bool, registry: Any) -> None:
    from powergame.tournaments.population_exact import run_exact_to_folder

    run = run_exact_to_folder(spec, out_dir, quiet=quiet, registry=registry)
    last = run.records[-1]
    click.echo(f"{spec.name}: {spec.ticks} ticks, infinite well-mixed population (mean field, exact)")
    click.echo(f"in a couple at the end: {last.share_coupled:.1%}")
    shares = sorted(zip(run.model.names, last.shares), key=lambda kv: -kv[1])
    for name, share in shares[:10]:
        click.echo(f"  {share:7.1%}  {name}")
    if len(shares) > 10:
        click.echo(f"  ... {len(shares) - 10} more strategies")
    click.echo(f"results in {out_dir}")
