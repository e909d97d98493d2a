"""``powergame sweep SPEC.toml``: a thin shell over ``tournaments.sweep_run.run_sweep``."""

from __future__ import annotations

from pathlib import Path

import click

from powergame.cli.common import plugin_option


@click.command()
@click.argument("spec_file", metavar="SPEC.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: results/<spec name>/].",
)
@click.option(
    "--dask", is_flag=True, help="Start a Dask LocalCluster on this machine and run the cells on it."
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    default=None,
    help="Send the cells to a running Dask cluster (see `dask scheduler`, `dask worker`).",
)
@click.option(
    "--processes",
    "-p",
    type=int,
    default=None,
    help="Worker processes here, or LocalCluster workers with --dask [default: all cores]; "
    "results do not depend on it.",
)
@click.option(
    "--resume", is_flag=True, help="Skip the finished cells in the output folder; rerun the others."
)
@click.option("--force", is_flag=True, help="Overwrite an earlier sweep in the output folder.")
@click.option("--seed", type=int, default=None, help="Master seed [default: the spec's seed].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@plugin_option
def sweep(
    spec_file: Path,
    out: Path | None,
    dask: bool,
    scheduler: str | None,
    processes: int | None,
    resume: bool,
    force: bool,
    seed: int | None,
    quiet: bool,
    plugins: tuple[str, ...],
) -> None:
    """Run a parameter sweep: one ordinary run per cell of a spec's [sweep] table.

    The spec is an ordinary tournament spec plus a [sweep] table that varies
    parameters (outside_options.A, noise, continuation, rounds, exit_costs,
    payoffs.T, repetitions, ...) over a grid ([sweep.axes]) or explicit points
    (sweep.points), with `replicates` runs per point. Each cell's seed comes
    from the master seed and the cell's number, so the results are the same
    on any executor and any number of workers.

    \b
    Writes cells/cell-NNNNNN.parquet (one per cell), sweep.parquet and
    sweep.csv (one row per cell: values and headline figures) and
    summary.json. A cell that fails is recorded with the reason, the others
    finish and the exit status is 1; --resume reruns only the unfinished
    cells. Then `powergame report DIR` draws line plots and heatmaps.

    \b
    Examples:
      powergame sweep tournaments/specs/sweeps/outside_gap.toml --out results/gap
      powergame sweep tournaments/specs/sweeps/noise_horizon.toml --dask -p 4
      powergame sweep SPEC.toml --scheduler tcp://10.0.0.5:8786 --out results/big
      powergame sweep SPEC.toml --out results/big --resume
    """
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.sweep_executors import make_executor
    from powergame.tournaments.sweep_run import run_sweep
    from powergame.tournaments.sweep_spec import load_sweep

    spec = load_sweep(resolve_spec(spec_file))  # a file, or a bundled spec's name
    if seed is not None:
        spec = spec.with_seed(seed)
    out_dir = out if out is not None else Path("results") / spec.name
    executor = make_executor(dask=dask, scheduler=scheduler, processes=processes)
    try:
        result = run_sweep(
            spec, out_dir, executor=executor, resume=resume, force=force, quiet=quiet, plugins=plugins
        )
    except KeyboardInterrupt:
        click.echo(
            f"Interrupted; every finished cell is stored in {out_dir}: "
            "run the same command with --resume to continue.",
            err=True,
        )
        raise SystemExit(130) from None
    finally:
        executor.close()
    counts, seconds = result.summary["counts"], result.summary["timing"]["total_seconds"]
    resumed = f" ({counts['resumed']} resumed)" if counts["resumed"] else ""
    click.echo(
        f"{counts['done']} of {counts['cells']} cells done{resumed}, {counts['failed']} failed, "
        f"{seconds:.1f} s; results in {out_dir}"
    )
    if result.failed:
        for failure in result.failed:
            click.echo(f"cell {failure['cell']} {failure['values']} failed: {failure['error']}", err=True)
        click.echo(
            "Fix the cause, then run the same command with --resume to rerun the failed cells.", err=True
        )
        raise SystemExit(1)
