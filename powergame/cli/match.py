"""``powergame match A B``: play one relationship and print its transcript and outcome."""

from __future__ import annotations

import json
from typing import Any

import click

from powergame.cli.common import plugin_option, registry_from_options
from powergame.cli.options import game_from_options, game_options, work_options
from powergame.errors import ParameterError
from powergame.figures import MatchFigures, RoundRecord
from powergame.game import Game
from powergame.result import MatchResult

HEAD_ROUNDS = 10  # rounds shown before the ellipsis of a long transcript
TAIL_ROUNDS = 10  # and after it
NOISE_MARK = "*"


@click.command()
@click.argument("strategy_a", metavar="A")
@click.argument("strategy_b", metavar="B")
@game_options
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the match (noise, random strategies, the horizon under --continuation). "
    "Fixed by default, so the same command prints the same match.",
)
@click.option(
    "--full", is_flag=True, help="Show every round (long matches are cut to the first and last rounds)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as one JSON document.")
@click.option(
    "--summary",
    "summary_only",
    is_flag=True,
    help="Print the outcome only (with --json: the figures without the rounds). The match is "
    "then played without keeping its transcript, in constant memory however long it runs.",
)
@work_options
@plugin_option
def match(
    strategy_a: str,
    strategy_b: str,
    seed: int,
    full: bool,
    as_json: bool,
    summary_only: bool,
    max_work: float | None,
    max_memory: float | None,
    plugins: tuple[str, ...],
    **game_opts: Any,
) -> None:
    """Play one relationship between strategy A and strategy B.

    Prints each round (actions, noise flips marked *, stakes, payoffs, who holds power,
    who left) and the outcome: scores, who left when, dependence and power. Unless every
    round is printed (--full, or --json without --summary) the match keeps only its
    running figures and the rounds it shows, so a long match needs little memory
    (docs/cli.md, "Long matches").

    \b
    Examples:
      powergame match "Out-for-Tat" "Hit and Run" --outside 2,1 --rounds 20
      powergame match "Start Small(T=3)" "axelrod:Tit For Tat" --noise 0.05 --seed 7
      powergame match Voice M1 --noise 0.05 --rounds 1000000 --summary --json
    """
    from powergame.work import check_work, match_estimate

    game = game_from_options(**game_opts)
    if seed < 0:
        raise ParameterError("--seed", seed, "must be a whole number >= 0")
    if summary_only and full:
        raise ParameterError("--full", True, "cannot be given together with --summary")
    registry = registry_from_options(plugins)
    player_a = registry.create(strategy_a)
    player_b = registry.create(strategy_b)
    printed = full or (as_json and not summary_only)

    from powergame.engine import play_match, play_match_figures, window_depth

    depth = window_depth(player_a, player_b)
    check_work(
        match_estimate(game, printed=printed, streamed=not printed, history_depth=depth),
        max_work,
        max_memory,
    )
    if printed:
        result: MatchResult | MatchFigures = play_match(game, player_a, player_b, seed=seed)
    elif summary_only:
        result = play_match_figures(game, player_a, player_b, seed=seed)
    else:
        result = play_match_figures(
            game, player_a, player_b, seed=seed, head=HEAD_ROUNDS, tail=TAIL_ROUNDS + 1
        )
    if as_json:
        data = result.summary() if summary_only else result.to_dict()
        if summary_only:
            data["game"] = game.to_dict()
        click.echo(json.dumps(data, indent=2))
        return
    if summary_only:
        click.echo("\n".join([*describe_game(result), "", *outcome_lines(result)]))
        return
    click.echo(render_match(result, full=full))


def render_match(result: MatchResult | MatchFigures, *, full: bool = False) -> str:
    """The readable transcript and outcome of one match (first and last rounds of a
    ``MatchFigures``, which keeps no more)."""
    return "\n".join(
        [*describe_game(result), "", *transcript_lines(result, full=full), "", *outcome_lines(result)]
    )


def describe_game(result: MatchResult | MatchFigures) -> list[str]:
    """Who plays and under which game."""
    game = result.game
    return [
        f"A: {result.player_a}",
        f"B: {result.player_b}",
        f"Payoffs R,S,T,P: A {_stage(game, 0)}, B {_stage(game, 1)}; "
        f"outside options: A {_num(game.outside_options[0])}, B {_num(game.outside_options[1])}; "
        f"exit costs: A {_num(game.exit_costs[0])}, B {_num(game.exit_costs[1])}",
        f"Horizon: {_horizon(result)}; noise {_num(game.noise)}; seed {result.seed}",
    ]


def transcript_lines(result: MatchResult | MatchFigures, *, full: bool = False) -> list[str]:
    """One line per round together (first and last rounds only, unless ``full``)."""
    n = result.rounds_together
    if n == 0:
        return ["No rounds were played."]
    rows, show_offers, flipped = _shown_rounds(result, full)
    header = ["round", "A", "B"]
    if show_offers:
        header += ["offer A", "offer B", "stake"]
    header += ["payoff A", "payoff B", "power", ""]
    cells: list[list[str] | None] = []
    for record in rows:
        if record is None:
            cells.append(None)
            continue
        row = [
            str(record.round),
            _action(record.action_a, record.intended_a),
            _action(record.action_b, record.intended_b),
        ]
        if show_offers:
            stake = min(record.stake_a, record.stake_b)
            row += [f"{record.stake_a:.2f}", f"{record.stake_b:.2f}", f"{stake:.2f}"]
        row += [f"{record.payoff_a:.2f}", f"{record.payoff_b:.2f}", record.power_holder]
        row.append(_left_note(result) if record.round == result.exit_round else "")
        cells.append(row)
    widths = [max(len(header[i]), *(len(r[i]) for r in cells if r is not None)) for i in range(len(header))]
    right = {0} | ({3, 4, 5, 6, 7} if show_offers else {3, 4})

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    lines = [line(header)]
    for r in cells:
        lines.append(
            line(r)
            if r is not None
            else f"  ... {n - HEAD_ROUNDS - TAIL_ROUNDS} rounds not shown (--full shows all)"
        )
    notes = ["power: who holds power after the round (smaller realized dependence; = for a tie)"]
    if flipped:
        notes.insert(0, f"{NOISE_MARK}: action flipped by noise")
    if not show_offers:
        notes.append("stake 1 in every round")
    lines.append("(" + "; ".join(notes) + ")")
    return lines


def _shown_rounds(
    result: MatchResult | MatchFigures, full: bool
) -> tuple[list[RoundRecord | None], bool, bool]:
    """The rounds to show (None where the cut is), whether any offer was below 1 and
    whether noise flipped any action."""
    n = result.rounds_together
    cut = not full and n > HEAD_ROUNDS + TAIL_ROUNDS + 1
    if isinstance(result, MatchFigures):
        if full and n > len(result.head) + len(result.tail):
            raise ValueError("these figures kept only the first and last rounds: play_match keeps them all")
        kept: list[RoundRecord | None] = [*result.head, *result.tail]
        if cut:
            kept = [*result.head[:HEAD_ROUNDS], None, *result.tail[-TAIL_ROUNDS:]]
        return kept, result.offers_below_one, result.noise_flipped
    holders = result.power_holders
    shown = [*range(HEAD_ROUNDS), None, *range(n - TAIL_ROUNDS, n)] if cut else list(range(n))
    rows: list[RoundRecord | None] = [
        None
        if t is None
        else RoundRecord(
            t + 1,
            result.actions_a[t],
            result.actions_b[t],
            result.intended_a[t],
            result.intended_b[t],
            result.stakes_a[t],
            result.stakes_b[t],
            result.payoffs_a[t],
            result.payoffs_b[t],
            holders[t],
        )
        for t in shown
    ]
    show_offers = any(x != 1.0 for x in (*result.stakes_a, *result.stakes_b))
    flipped = result.intended_a != result.actions_a or result.intended_b != result.actions_b
    return rows, show_offers, flipped


def outcome_lines(result: MatchResult | MatchFigures) -> list[str]:
    """Scores, exit, dependence and power."""
    ta, tb = result.totals
    sa, sb = result.scores_per_round
    ca, cb = result.cooperation_rates
    d_a, d_b = result.structural_dependence
    r_a, r_b = result.realized_dependence
    share_a, share_b = result.power_shares
    least = result.least_interest_partner
    index = result.power_index
    lines = [
        "Outcome",
        f"  Relationship: {_exit_text(result)}",
        f"  Score A: {_num(ta)} in total, {sa:.3f} per round{_cost_note(result, 0)}",
        f"  Score B: {_num(tb)} in total, {sb:.3f} per round{_cost_note(result, 1)}",
        f"  Cooperation: A {ca:.0%}, B {cb:.0%}, mutual {result.mutual_cooperation_rate:.0%}; "
        f"mean stake {result.mean_stake:.2f}",
        f"  Structural dependence D = R - v: A {_num(d_a)}, B {_num(d_b)}; power index P_A = {index:+.3f}; "
        f"least interest: {least if least else 'neither (equal dependence)'}",
        f"  Realized dependence at the end: A {_maybe(r_a)}, B {_maybe(r_b)}",
        f"  Power shifts: {result.power_shifts}; rounds holding power: A {share_a:.0%}, B {share_b:.0%}",
    ]
    return lines


def _exit_text(result: MatchResult | MatchFigures) -> str:
    if result.left_by is None:
        return f"lasted to the horizon ({result.horizon} rounds)"
    if result.exit_round == 0:
        who = {"A": "A", "B": "B", "both": "both"}[result.left_by]
        return f"{who} declined to enter: no round played, outside options for all {result.horizon} rounds"
    who = {"A": "A left", "B": "B left", "both": "both left"}[result.left_by]
    return f"{who} after round {result.exit_round} of {result.horizon}"


def _left_note(result: MatchResult | MatchFigures) -> str:
    return {"A": "A leaves", "B": "B leaves", "both": "both leave"}.get(result.left_by or "", "")


def _cost_note(result: MatchResult | MatchFigures, role: int) -> str:
    cost = result.game.exit_costs[role]
    if cost and result.exit_round and result.left_by in ("AB"[role], "both"):
        return f" (after paying exit cost {_num(cost)})"
    return ""


def _action(played: str, intended: str) -> str:
    return played + NOISE_MARK if played != intended else played


def _horizon(result: MatchResult | MatchFigures) -> str:
    game = result.game
    if game.continuation is None:
        return f"{result.horizon} rounds"
    return f"{result.horizon} rounds (drawn with continuation w = {game.continuation:.12g})"


def _stage(game: Game, role: int) -> str:
    return ",".join(_num(x) for x in game.payoffs[role].as_tuple())


def _num(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.4g}"


def _maybe(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
