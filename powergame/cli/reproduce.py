"""``powergame reproduce``: recompute published results on the mean-field pool."""

from __future__ import annotations

import click


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--list", "list_only", is_flag=True, help="List the reproductions and exit.")
@click.option("--quiet", is_flag=True, help="No progress bar (it goes to stderr).")
@click.option(
    "--processes",
    "-p",
    type=int,
    default=0,
    show_default=True,
    help="Processes for the independent runs of lelele (six lives) and es1 (two variants); "
    "0 = one per core, 1 = none. The figures do not depend on it.",
)
def reproduce(names: tuple[str, ...], list_only: bool, quiet: bool, processes: int) -> None:
    """Recompute published results on exit and re-matching, exactly (mean-field pool),
    and print the paper's statement, our figures and what each is checked against.

    \b
    Examples:
      powergame reproduce --list
      powergame reproduce schuessler
      powergame reproduce fujiwara-greve
      powergame reproduce lelele --quiet
      powergame reproduce es1 --processes 1
    With no NAME every reproduction runs (about 25 s of CPU: es1, 162 strategies
    over 10,000 ticks, takes about half). docs/reproductions.md explains each one.
    """
    from powergame.tournaments.reproductions import REPRODUCTIONS, reproduction_ticks
    from powergame.tournaments.reproductions import reproduce as compute

    if list_only:
        for key, function in REPRODUCTIONS.items():
            click.echo(
                f"{key:16} {(function.__doc__ or '').strip().splitlines()[0] if function.__doc__ else ''}"
            )
        return
    for key in names or tuple(REPRODUCTIONS):
        total = reproduction_ticks(key)
        if total is None or quiet:
            result = compute(key, processes=processes)
        else:
            import sys

            from tqdm import tqdm

            with tqdm(total=total, desc=key, unit="tick", file=sys.stderr, mininterval=0.5) as bar:
                result = compute(key, bar.update, processes)
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
