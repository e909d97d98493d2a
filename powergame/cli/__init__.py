"""The ``powergame`` command line. Each command lives in its own module and is imported
only when it runs, so ``powergame --help`` starts fast; commands are thin shells over
library functions."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

# Set before numpy loads OpenBLAS: the command line's linear algebra is many small or thin
# matrices, and its parallelism is worker processes (--processes). OpenBLAS's own threads
# only spin waiting for work: 0.1-0.15 s of CPU in a run of the 162-strategy space, with the
# same numbers. A value set in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from powergame.errors import PowerGameError  # noqa: E402

# command name -> (module, function, one-line help shown by `powergame --help`)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "match": ("powergame.cli.match", "match", "Play one relationship and print its transcript."),
    "strategies": ("powergame.cli.strategies", "strategies", "List the registered strategies."),
    "run": ("powergame.cli.tournament", "run", "Run a tournament from a TOML spec."),
    "tournament": ("powergame.cli.tournament", "tournament", "Run an ad-hoc round-robin tournament."),
    "specs": ("powergame.cli.specs", "specs", "List the bundled specs and the question each asks; copy one."),
    "sweep": ("powergame.cli.sweep", "sweep", "Run a parameter sweep (local processes or a Dask cluster)."),
    "report": ("powergame.cli.report", "report", "Render plots and an HTML page for a results folder."),
    "replay": ("powergame.cli.replay", "replay", "Replay one match of a results folder from its seed."),
    "evolve": ("powergame.cli.evolve", "evolve", "Run a population: a relationship market on a graph."),
    "check": ("powergame.cli.check", "check", "Check strategies against their declared classifiers."),
    "dynamics": ("powergame.cli.dynamics", "dynamics", "Evolutionary dynamics on a results folder."),
    "reproduce": ("powergame.cli.reproduce", "reproduce", "Recompute published population results exactly."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _, _) in COMMANDS.items() if _module_exists(module)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attr, _ = COMMANDS[cmd_name]
        if not _module_exists(module_name):
            return None
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in self.list_commands(ctx):
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise click.UsageError(f"No such command {name!r}.{hint}", ctx)
        return super().resolve_command(ctx, args)


def _module_exists(module_name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="powergame")
def cli() -> None:
    """Repeated cooperation games in which either partner may leave.

    Two partners play C (cooperate) or D (withhold) each round; after seeing both
    actions either may leave, and then each earns its own outside option. Tournaments
    pit trust-building strategies against withholding ones and report which
    relationships last, who leaves, who profits and how power moves.

    \b
    Examples:
      powergame strategies --family trust-building
      powergame match "Out-for-Tat" "Hit and Run" --outside 2,1 --rounds 20
      powergame specs
      powergame run default --out results/default
    """


# Young objects between two collections of the cyclic garbage collector (Python's default:
# 700). The imports of a command and the rows of a run make tens of thousands of small
# objects at once, which at the default set off hundreds of collections; a command's data
# holds few reference cycles. With what a run imported frozen (``cli.tournament``), a run
# of the 162-strategy space spends some 0.01 s collecting instead of 0.045 s.
COLLECT_EVERY = 50_000


def main() -> None:
    """Entry point: run the CLI; a PowerGameError becomes one line on stderr, exit 2. The
    garbage collector collects young objects every ``COLLECT_EVERY`` meanwhile, and not at
    the process's end."""
    import atexit
    import gc

    threshold = gc.get_threshold()
    gc.set_threshold(COLLECT_EVERY, *threshold[1:])
    # At the process's end the interpreter collects once more, walking every object the
    # imports made (some 0.02 s): frozen first, they are skipped (all is freed with the process).
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
    try:
        _main()
    finally:  # (a process's end; called in-process, as tests do, it leaves no trace)
        gc.set_threshold(*threshold)


def _main() -> None:
    try:
        # Without standalone mode click returns an Exit's status instead of exiting.
        status = cli.main(standalone_mode=False)
        if isinstance(status, int) and not isinstance(status, bool) and status != 0:
            sys.exit(status)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except PowerGameError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:  # an unwritable --out, a full disk, a vanished file
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"Error: {where}{exc.strerror or exc}", err=True)
        sys.exit(2)
    except ValueError as exc:
        if "null byte" not in str(exc):  # a path with a NUL character; anything else is a bug
            raise
        click.echo(f"Error: a path or name holds a NUL character ({exc})", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
