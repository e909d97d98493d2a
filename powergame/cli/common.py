"""Helpers shared by every command that names strategies (match, strategies, tournament, check).

Usage in a command module::

    import click
    from powergame.cli.common import plugin_option, registry_from_options

    @click.command()
    @click.argument("names", nargs=-1)
    @plugin_option
    def my_command(names: tuple[str, ...], plugins: tuple[str, ...]) -> None:
        registry = registry_from_options(plugins)   # prints one warning line per broken plugin
        players = [registry.create(name) for name in names]

- ``plugin_option`` adds the repeatable ``--plugin PATH`` option; the command receives the
  paths as the keyword argument ``plugins`` (a tuple of strings).
- ``registry_from_options(plugins)`` loads the registry (entry points, ``POWERGAME_PLUGINS``,
  then the ``--plugin`` files) and prints each ``PluginError`` as one ``Warning: ...`` line
  on stderr; the strategies of every other plugin stay usable. Pass ``registry.plugins`` to
  worker processes: ``load_registry(registry.plugins, env=False)`` rebuilds the same
  registry there (the environment's files are already included in that tuple).
- Errors (unknown names, bad parameters) are PowerGameErrors: let them propagate, and
  ``powergame.cli.main`` prints them as one ``Error: ...`` line with exit status 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from powergame.registry import Registry

F = TypeVar("F", bound=Callable[..., Any])

PLUGIN_HELP = (
    "A Python file of strategies to load as a plugin (repeatable). "
    "Files listed in POWERGAME_PLUGINS (separated by the OS path separator) are loaded too."
)


def plugin_option(command: F) -> F:
    """Add ``--plugin PATH`` (repeatable) to a click command; it receives ``plugins``."""
    option = click.option(
        "--plugin",
        "plugins",
        multiple=True,
        metavar="PATH",
        # A missing file is reported as a warning by the registry, like any broken plugin,
        # so no `exists=True` here.
        type=click.Path(dir_okay=True, path_type=str),
        help=PLUGIN_HELP,
    )
    return option(command)


def registry_from_options(plugins: Iterable[str] = (), *, warn: bool = True) -> Registry:
    """The registry for a command's ``--plugin`` files; each broken plugin becomes one
    ``Warning: plugin ...: reason`` line on stderr (unless ``warn`` is False)."""
    from powergame.registry import load_registry

    registry = load_registry(tuple(plugins))
    if warn:
        warn_plugin_errors(registry)
    return registry


def warn_plugin_errors(registry: Registry) -> None:
    """Print each of ``registry.errors`` as one warning line on stderr."""
    for error in registry.errors:
        click.echo(f"Warning: {error}", err=True)
