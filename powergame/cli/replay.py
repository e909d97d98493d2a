"""``powergame replay RESULTS_DIR MATCH_ID``: play one match of a run again from its seed."""

from __future__ import annotations

import json
from pathlib import Path

import click

from powergame.errors import ParameterError


@click.command()
@click.argument("folder", metavar="RESULTS_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.argument("match_id", type=int)
@click.option(
    "--full", is_flag=True, help="Show every round (long matches are cut to the first and last rounds)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as one JSON document.")
def replay(folder: Path, match_id: int, full: bool, as_json: bool) -> None:
    """Replay match MATCH_ID of a finished run and print its transcript.

    The match is played again with the seed stored in its row, under the run's spec and
    plugins, and printed as `powergame match` prints a match; a last line says whether it
    reproduces the stored row (it does: every random draw of a match comes from its seed).

    \b
    Examples:
      powergame run tournaments/specs/default.toml --out results/default
      powergame replay results/default 42
      powergame replay results/default 42 --full
    """
    if match_id < 0:
        raise ParameterError("MATCH_ID", match_id, "must be a whole number >= 0")
    from powergame.cli.match import render_match
    from powergame.tournaments.replay import replay_match

    replayed = replay_match(folder, match_id)
    if as_json:
        click.echo(json.dumps(replayed.result.to_dict(), indent=2))
    else:
        click.echo(render_match(replayed.result, full=full))
    if replayed.differing:
        raise ParameterError(
            "replay",
            match_id,
            "must reproduce the stored row; these columns differ: " + ", ".join(replayed.differing),
        )
    if not as_json:
        click.echo(f"Replayed from seed {replayed.row['seed']}: identical to row {match_id} of {folder}.")
