"""``powergame strategies``: list the registered strategies and exit wrappers."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import click

from powergame.cli.common import plugin_option, registry_from_options
from powergame.player import FAMILIES

if TYPE_CHECKING:
    from powergame.registry import StrategyEntry

COLUMNS = ("name", "family", "memory", "stochastic", "can leave", "uses outside", "source")


@click.command()
@click.option(
    "--family",
    default=None,
    metavar="FAMILY",
    help=f"Only strategies of this family: {', '.join(FAMILIES)}.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of a table.")
@plugin_option
def strategies(family: str | None, as_json: bool, plugins: tuple[str, ...]) -> None:
    """List the registered strategies, then the exit wrappers.

    Columns: family (trust-building, withholding or neutral), memory depth (rounds
    remembered; inf = whole history), whether the strategy is stochastic, can leave, and
    reads the outside options, and where it comes from (builtin, a plugin, a file).

    \b
    Names are matched ignoring case, spaces and punctuation, and may carry parameters
    and wrappers:  "Start Small(T=3)",  "axelrod:Tit For Tat | Leave After Withholdings(k=3)".
    Any axelrod strategy can be named as axelrod:NAME (not listed here).
    """
    registry = registry_from_options(plugins)
    entries = registry.entries(family)  # ParameterError names the allowed families
    wrappers = registry.wrappers() if family is None else []
    if as_json:
        document = {
            "strategies": [entry_record(e) for e in entries],
            "wrappers": [entry_record(e) for e in wrappers],
        }
        click.echo(json.dumps(document, indent=2))
        return
    click.echo(render_table(entries) if entries else "No strategies registered" + _family_note(family) + ".")
    known_as = [f"{e.name}: {', '.join(e.aliases)}" for e in entries if e.aliases]
    if known_as:
        click.echo("\nAlso known as (these names work too): " + "; ".join(known_as) + ".")
    if wrappers:
        click.echo("\nExit wrappers (use as 'Strategy | Wrapper(params)'):")
        click.echo(render_table(wrappers))
    click.echo("\nAlso available: any axelrod strategy as 'axelrod:NAME', e.g. 'axelrod:Tit For Tat'.")


def entry_record(entry: StrategyEntry) -> dict[str, Any]:
    """One strategy as JSON-ready data (memory depth "inf" for an unbounded memory)."""
    classifier = entry.classifier
    depth = classifier.get("memory_depth")
    return {
        "name": entry.name,
        "family": classifier.get("family"),
        "memory_depth": "inf" if isinstance(depth, float) and math.isinf(depth) else depth,
        "stochastic": classifier.get("stochastic"),
        "can_leave": classifier.get("can_leave"),
        "uses_outside_options": classifier.get("uses_outside_options"),
        "source": entry.source,
        "is_wrapper": entry.is_wrapper,
        "aliases": list(entry.aliases),
        "doc": entry.doc,
    }


def render_table(entries: list[StrategyEntry]) -> str:
    """A plain-text table, one strategy per line."""
    rows = [COLUMNS]
    for entry in entries:
        record = entry_record(entry)
        rows.append(
            (
                record["name"],
                str(record["family"]),
                str(record["memory_depth"]),
                _yes_no(record["stochastic"]),
                _yes_no(record["can_leave"]),
                _yes_no(record["uses_outside_options"]),
                record["source"],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _yes_no(value: object) -> str:
    return "yes" if value is True else "no" if value is False else str(value)


def _family_note(family: str | None) -> str:
    return f" in family {family!r}" if family else ""
