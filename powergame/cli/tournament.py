"""``powergame run SPEC.toml`` and ``powergame tournament NAME...``: thin shells over
``tournaments.round_robin.run_tournament``."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from powergame.cli.common import plugin_option
from powergame.cli.options import game_from_options, game_options, work_options
from powergame.errors import ParameterError, PowerGameError, WorkerLostError


def _run_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--resume", is_flag=True, help="Continue an interrupted run in the output folder."),
        click.option(
            "--force", is_flag=True, help="Overwrite the results of an earlier run in the output folder."
        ),
        click.option("--csv", is_flag=True, help="Also write matches.csv."),
        click.option(
            "--processes",
            "-p",
            type=int,
            default=1,
            show_default=True,
            help="Worker processes (0 = all cores); results do not depend on it.",
        ),
        click.option(
            "--seed",
            type=int,
            default=None,
            help="Master seed [default: the spec's seed; 0 for `tournament`].",
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
        click.option(
            "--match-timeout",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Stop the run when one match takes longer than this, naming the pairing "
            "(0: no limit) [default: 60].",
        ),
        click.option(
            "--exact/--no-exact",
            default=None,
            help="Solve each pairing once as a Markov chain (expected figures; strategies need a "
            "state table; repetitions and the seed do not apply). For `run`, overrides the spec's `exact`.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    decorated: Callable[..., Any] = plugin_option(work_options(command))
    return decorated


def _play(spec: Any, out_dir: Path | None, **options: Any) -> None:
    """Run the tournament and print its summary and the answer to the spec's question; on
    Ctrl-C say how to continue."""
    from powergame.time_limit import DEFAULT_MATCH_TIMEOUT
    from powergame.tournaments.round_robin import run_tournament

    if options.get("match_timeout") is None:
        options["match_timeout"] = DEFAULT_MATCH_TIMEOUT
    options["max_memory_gb"] = options.pop("max_memory", None)
    with _imports_frozen():
        try:
            result = run_tournament(spec, out_dir, warn=_warning, **options)
        except KeyboardInterrupt:
            if out_dir is None:
                click.echo(
                    "Interrupted; nothing was stored (use --out DIR to keep partial results).", err=True
                )
            else:
                click.echo(
                    f"Interrupted; every finished chunk is stored in {out_dir}: "
                    "run the same command with --resume to continue.",
                    err=True,
                )
            raise SystemExit(130) from None
        except WorkerLostError as error:
            if out_dir is None:
                raise
            raise WorkerLostStored(error, out_dir) from None
        _report(result)


class WorkerLostStored(PowerGameError):
    """A lost worker, said with where the finished chunks are and how to continue."""

    def __init__(self, error: WorkerLostError, out_dir: Path) -> None:
        super().__init__(
            f"{error}; every finished chunk is stored in {out_dir}: "
            "run the same command with --resume to continue"
        )


@contextlib.contextmanager
def _imports_frozen() -> Iterator[None]:
    """Meanwhile the cyclic garbage collector no longer walks the objects that exist now
    (what the imports made) each time the run's tens of thousands of rows set it off (see
    ``powergame.cli.COLLECT_EVERY``)."""
    if gc.get_freeze_count():  # the caller froze objects: leave its choice alone
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _warning(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def _count(number: int, singular: str, plural: str) -> str:
    """``1 match``, ``2 matches``."""
    return f"{number} {singular if number == 1 else plural}"


def _report(result: Any) -> None:
    from powergame.tournaments.analysis import summary_table
    from powergame.tournaments.answer import answer_text

    counts, timing = result.summary["counts"], result.summary["timing"]
    long = result.long
    click.echo(summary_table(long))
    where = f"; results in {result.out_dir}" if result.out_dir is not None else ""
    resumed = (
        f", {counts['chunks_resumed']} of {counts['chunks']} chunks resumed"
        if counts["chunks_resumed"]
        else ""
    )
    exact = result.summary.get("mode") == "exact"
    units = ("pairing solved exactly", "pairings solved exactly") if exact else ("match", "matches")
    click.echo(
        f"\n{_count(counts['matches'], *units)}, {_count(counts['strategies'], 'strategy', 'strategies')}, "
        f"{timing['total_seconds']:.1f} s{resumed}{where}"
    )
    click.echo("\n" + answer_text(result.summary["answer"]))


@click.command()
@click.argument("spec_file", metavar="SPEC")
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: results/<spec name>/].",
)
@_run_options
def run(
    spec_file: str,
    out: Path | None,
    resume: bool,
    force: bool,
    csv: bool,
    processes: int,
    seed: int | None,
    quiet: bool,
    exact: bool | None,
    match_timeout: float | None,
    max_work: float | None,
    max_memory: float | None,
    plugins: tuple[str, ...],
) -> None:
    """Run the tournament a TOML spec describes, store every match and print
    the ranking and the answer to the spec's question.

    SPEC is a TOML file or the name of a bundled spec (`powergame specs` lists
    them with their questions; a file of that name wins). A spec is data only:
    the strategies, repetitions, master seed, self_play, exact, and a [game]
    table (rounds or continuation, payoffs, outside_options, exit_costs, noise);
    every bad or unknown key is a one-line error.

    \b
    Writes matches.parquet (one row per match), summary.json and, with --csv,
    matches.csv to the output folder, chunk by chunk; an interrupted run
    continues with --resume. Then `powergame report DIR` draws the plots.

    \b
    Examples:
      powergame run default
      powergame run stakes --out results/stakes --processes 0
      powergame specs copy default mine.toml && powergame run mine.toml
    """
    from powergame.tournaments.bundled import describe, resolve_spec
    from powergame.tournaments.spec import load_spec

    path = resolve_spec(spec_file)
    spec = load_spec(path)
    if seed is not None:
        spec = spec.with_seed(seed)
    if exact is not None:
        spec = spec.with_exact(exact)
    out_dir = out if out is not None else Path("results") / spec.name
    _play(
        spec,
        out_dir,
        processes=processes,
        resume=resume,
        force=force,
        csv=csv,
        quiet=quiet,
        plugins=plugins,
        match_timeout=match_timeout,
        max_work=max_work,
        max_memory=max_memory,
        question=describe(path).question,
    )


@click.command()
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@game_options
@click.option("--repetitions", "-r", type=int, default=1, show_default=True, help="Matches per pairing.")
@click.option("--no-self-play", is_flag=True, help="Do not pair a strategy with itself.")
@click.option(
    "--out", "-o", type=click.Path(file_okay=False, path_type=Path), help="Store the results in this folder."
)
@_run_options
def tournament(
    names: tuple[str, ...],
    rounds: int | None,
    continuation: float | None,
    payoffs: str,
    outside: str,
    exit_cost: str,
    noise: float,
    repetitions: int,
    no_self_play: bool,
    out: Path | None,
    resume: bool,
    force: bool,
    csv: bool,
    processes: int,
    seed: int | None,
    quiet: bool,
    exact: bool | None,
    match_timeout: float | None,
    max_work: float | None,
    max_memory: float | None,
    plugins: tuple[str, ...],
) -> None:
    """Run a round robin between the named strategies and print the ranking.

    \b
    Example:
      powergame tournament "Out-for-Tat" "Hit and Run" Loyal --outside 2,1 -r 5
      powergame tournament "Out-for-Tat" "Hit and Run" Loyal --outside 2,1 --exact
    """
    from powergame.tournaments.spec import TournamentSpec

    if out is None and (resume or force or csv):
        flag = "--resume" if resume else "--force" if force else "--csv"
        raise ParameterError(flag, True, "needs an output folder: add --out DIR")
    game = game_from_options(rounds, continuation, payoffs, outside, exit_cost, noise)
    try:
        spec = TournamentSpec(
            name="tournament",
            strategies=names,
            game=game,
            repetitions=repetitions,
            seed=0 if seed is None else seed,
            self_play=not no_self_play,
            exact=bool(exact),
        )
    except ParameterError as exc:
        key = exc.name.removeprefix("spec: ")
        option = {"strategies": "NAME", "self_play": "--no-self-play"}.get(key, f"--{key}")
        raise ParameterError(option, exc.value, exc.allowed) from None
    _play(
        spec,
        out,
        processes=processes,
        resume=resume,
        force=force,
        csv=csv,
        quiet=quiet,
        plugins=plugins,
        match_timeout=match_timeout,
        max_work=max_work,
        max_memory=max_memory,
    )
