"""``powergame specs``: the bundled specs, the question each asks, and copies to start from;
a thin shell over ``powergame.tournaments.bundled``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of the list.")
@click.pass_context
def specs(ctx: click.Context, as_json: bool) -> None:
    """List the bundled specs: each one's name, kind, the question it asks and the
    command that runs it. Any command that takes a spec file also takes a bundled
    spec's name (an existing file of that name wins).

    \b
    Examples:
      powergame specs
      powergame specs show default
      powergame specs copy default my_question.toml   # then edit and run it:
      powergame run my_question.toml
    """
    if ctx.invoked_subcommand is not None:
        return
    from powergame.tournaments.bundled import bundled_specs

    found = bundled_specs()
    if as_json:
        records = [
            {"name": s.name, "kind": s.kind, "question": s.question, "command": s.command} for s in found
        ]
        click.echo(json.dumps({"specs": records}, indent=2))
        return
    if not found:
        click.echo("No bundled specs found (the package's tournaments/specs folder is empty).")
        return
    width = max(len(s.name) for s in found)
    kind_width = max(len(s.kind) for s in found)
    indent = " " * (width + kind_width + 4)
    for spec in found:
        lead = f"{spec.name:<{width}}  {spec.kind:<{kind_width}}  "
        question = spec.question or "(no question given)"
        click.echo(textwrap.fill(question, width=100, initial_indent=lead, subsequent_indent=indent))
        click.echo(f"{indent}run: {spec.command}")
    click.echo("\nCopy one to start your own: powergame specs copy NAME FILE.toml")


@specs.command()
@click.argument("name")
@click.argument("destination", required=False, type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def copy(name: str, destination: Path | None, force: bool) -> None:
    """Copy the bundled spec NAME to DESTINATION (a file or a folder; default: NAME.toml
    in the current folder) as a starting point for your own.

    \b
    Example:
      powergame specs copy default my_question.toml
    """
    from powergame.tournaments.bundled import copy_spec

    target = copy_spec(name, destination if destination is not None else Path.cwd(), overwrite=force)
    click.echo(f"Wrote {target}; edit it, then: powergame run {target}")


@specs.command()
@click.argument("name")
def show(name: str) -> None:
    """Print the bundled spec NAME (or a spec file) as it is on disk.

    \b
    Example:
      powergame specs show stakes
    """
    from powergame.tournaments.bundled import resolve_spec

    click.echo(resolve_spec(name).read_text(encoding="utf-8-sig"), nl=False)
