"""`powergame report`: plots and a self-contained HTML page for a results folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="report")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the PNGs and report.html [default: FOLDER/report].",
)
def report(folder: Path, out: Path | None) -> None:
    """Render the plots and report.html for the results in FOLDER: a tournament,
    a population run (from `powergame evolve`) or a sweep (from `powergame sweep`:
    per family, line plots over each swept parameter and heatmaps over the first two).

    \b
    Examples:
      powergame report results/ --out results/report
      powergame report results/population_least_interest
      powergame report results/outside_gap
    """
    from powergame.tournaments.population_report import is_population_results
    from powergame.tournaments.sweep_report import is_sweep_folder

    if is_population_results(folder):
        from powergame.tournaments.population_report import render_population_report

        page = render_population_report(folder, out)
    elif is_sweep_folder(folder):
        from powergame.tournaments.sweep_report import render_sweep_report

        page = render_sweep_report(folder, out)
    else:
        from powergame.tournaments.report import render_report

        page = render_report(folder, out)
    click.echo(f"Report: {page}")
