"""``powergame check``: run the property battery on registered strategies."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from powergame.cli.common import plugin_option, registry_from_options
from powergame.errors import ParameterError

if TYPE_CHECKING:
    from powergame.testing.battery import Verdict


@click.command()
@click.argument("names", nargs=-1)
@click.option("--thorough", is_flag=True, help="More examples and longer histories (slower).")
@click.option(
    "--property",
    "only",
    multiple=True,
    metavar="PROPERTY",
    help="Check only this property (repeatable): valid, stakes, no-mutation, can_leave, "
    "memory_depth, deterministic, family.",
)
@plugin_option
def check(names: tuple[str, ...], thorough: bool, only: tuple[str, ...], plugins: tuple[str, ...]) -> None:
    """Check strategies against the claims of their classifiers.

    With no NAMES, every registered strategy (built-in and plugins) is checked. Prints a
    table strategy x property (pass, FAIL, or - when the classifier makes no such claim),
    then each failure with its counterexample. Exit status 1 if any property fails.

    \b
    Examples:
      powergame check "Tit for Tat"
      powergame check --plugin my_strategies.py "My Strategy" --thorough
    """
    from powergame.testing.battery import FAIL, run_battery
    from powergame.testing.profiles import profile_for
    from powergame.testing.properties import PROPERTIES

    known = [p.name for p in PROPERTIES]
    for name in only:
        if name not in known:
            raise ParameterError("--property", name, "must be one of " + ", ".join(known))
    registry = registry_from_options(plugins)
    entries = [registry.get(name) for name in names] if names else registry.entries()
    for entry in entries:
        if entry.is_wrapper:
            raise ParameterError(
                "strategy",
                entry.name,
                f"is an exit wrapper: check a wrapped strategy, e.g. 'Out-for-Tat | {entry.name}'",
            )
    profile = profile_for(thorough)
    rows: list[tuple[str, list[Verdict]]] = []
    with click.progressbar(entries, label=f"Checking ({profile.name})", file=sys.stderr) as bar:
        for entry in bar:
            verdicts = run_battery(entry.factory, profile)
            if only:
                verdicts = [v for v in verdicts if v.property in only or v.property == "classifier"]
            rows.append((entry.name, verdicts))
    columns = list(only) if only else known
    click.echo(render_table(rows, columns))
    failures = [v for _, verdicts in rows for v in verdicts if v.status == FAIL]
    for verdict in failures:
        click.echo(f"\n{verdict.strategy} - {verdict.property}: FAIL\n{verdict.message}")
    failed = {name for name, verdicts in rows if any(v.status == FAIL for v in verdicts)}
    click.echo(f"\n{len(rows) - len(failed)} of {len(rows)} strategies pass every claimed property.")
    if failures:
        raise SystemExit(1)


def render_table(rows: list[tuple[str, list[Verdict]]], columns: list[str]) -> str:
    """A plain-text table, one row per strategy, one column per property."""
    header = ["strategy", *columns]
    body = []
    for name, verdicts in rows:
        status = {v.property: v.status for v in verdicts}
        if "classifier" in status:
            body.append([name, *(["bad classifier"] + [""] * (len(columns) - 1))])
        else:
            body.append([name, *(status.get(c, "-") for c in columns)])
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
