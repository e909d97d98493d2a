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
    """Render the plots and report.html for the tournament or population results
    in FOLDER.

    \b
    Examples:
      powergame report results/ --out results/report
      powergame report results/population_least_interest
    """
    from powergame.tournaments.population_report import is_population_results, render_population_report

    if is_population_results(folder):
        page = render_population_report(folder, out)
        click.echo(f"Report: {page}")
        return
    from powergame.tournaments.report import render_report

    page = render_report(folder, out)
    click.echo(f"Report: {page}")
