"""``powergame reproduce``: recompute published results on the mean-field pool."""

from __future__ import annotations

import click


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--list", "list_only", is_flag=True, help="List the reproductions and exit.")
def reproduce(names: tuple[str, ...], list_only: bool) -> None:
    """Recompute published results on exit and re-matching, exactly (mean-field pool),
    and print the paper's statement, our figures and what each is checked against.

    \b
    Examples:
      powergame reproduce --list
      powergame reproduce schuessler
      powergame reproduce fujiwara-greve
      powergame reproduce lelele
    With no NAME every reproduction runs (about five minutes: es1, 162 strategies
    over 10,000 ticks, takes most of it). docs/reproductions.md explains each one.
    """
    from powergame.tournaments.reproductions import REPRODUCTIONS
    from powergame.tournaments.reproductions import reproduce as compute

    if list_only:
        for key, function in REPRODUCTIONS.items():
            click.echo(
                f"{key:16} {(function.__doc__ or '').strip().splitlines()[0] if function.__doc__ else ''}"
            )
        return
    for key in names or tuple(REPRODUCTIONS):
        result = compute(key)
        click.echo(f"{result.title}\n  paper: {result.paper}\n  spec: tournaments/specs/{result.spec}")
        for figure in result.figures:
            ours = figure.ours if abs(figure.ours) > 1e-12 else 0.0
            line = f"  {figure.what}: {ours:.6g}"
            if figure.expected is not None:
                verdict = "agrees" if figure.agrees else "DISAGREES"
                line += (
                    f"  (expected {figure.expected:.6g} +- {figure.tolerance:g}, {figure.source}: {verdict})"
                )
            click.echo(line)
        for note in result.notes:
            click.echo(f"  note: {note}")
        click.echo()
