"""The match engine: plays one relationship between two players, round by round.

A round (docs/model.md): both offer stakes, both choose actions, noise may flip each action,
the stake is the smaller offer, each earns s * pi_i + (1 - s) * v_i, then both see what
was played and each may leave. Exit is final. A match is a pure function of the game,
the two strategies and the seed.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from typing import Any, TypeVar, overload

from powergame import kernel, streams, time_limit
from powergame.actions import Action
from powergame.errors import MatchTimeLimitError, ParameterError, StrategyError
from powergame.figures import MatchFigures, RunningFigures
from powergame.game import Game
from powergame.history_window import HistoryWindow, MemoryDepthError, StakesWindow
from powergame.player import HistoryWriteError, Player, UnitStakes
from powergame.result import MatchResult

C = Action.C
D = Action.D
_append = list.append  # the engine writes histories past their read-only face
R = TypeVar("R")
#: Rounds played between two folds of a match streamed into figures: the lists a block
#: fills are emptied after it, so this bounds the engine's memory.
FIGURES_BLOCK = 4096


def _overrides(player: Player, method: str) -> bool:
    return getattr(type(player), method) is not getattr(Player, method)


def derive_seeds(seed: int, count: int) -> list[int]:
    """``count`` independent 64-bit seeds from one number (the engines draw from
    ``powergame.streams`` instead)."""
    master = random.Random(seed)
    return [master.getrandbits(64) for _ in range(count)]


def play_match(game: Game, player_a: Player, player_b: Player, seed: int | None = None) -> MatchResult:
    """Play one match; ``player_a`` takes role A. The same ``seed`` gives the same result
    (``seed=None`` draws one, recorded in the result). Under a per-match time limit
    (``powergame.time_limit``) a match that runs past it raises ``MatchTimeLimitError``."""
    return _timed(lambda chosen: _play(game, player_a, player_b, chosen), player_a, player_b, seed)


def play_match_figures(
    game: Game,
    player_a: Player,
    player_b: Player,
    seed: int | None = None,
    *,
    head: int = 0,
    tail: int = 0,
) -> MatchFigures:
    """Play the match ``play_match`` plays with ``seed``, keeping figures instead of its
    transcript: the engine's own memory stays constant however long the match runs
    (``summary()`` is ``play_match(...).summary()``, sums to their last bits; see
    ``powergame.figures``), plus the first ``head`` and last
    ``tail`` rounds when asked for.

    Strategies still read their histories. When both declare a finite ``memory_depth``
    in their classifier, the histories keep only that many rounds
    (``powergame.history_window``) and the whole match runs in constant memory; a
    strategy that reads further back than it declared is stopped and named. Otherwise
    the histories hold every round, as in ``play_match``."""
    if isinstance(head, bool) or not isinstance(head, int) or head < 0:
        raise ParameterError("head", head, "must be a whole number >= 0")
    if isinstance(tail, bool) or not isinstance(tail, int) or tail < 0:
        raise ParameterError("tail", tail, "must be a whole number >= 0")

    def run(chosen: int | None) -> MatchFigures:
        figures = RunningFigures(game, head, tail)
        return _play(game, player_a, player_b, chosen, figures)

    return _timed(run, player_a, player_b, seed)


def window_depth(player_a: Player, player_b: Player) -> int | None:
    """The rounds of history a streamed match keeps for these two players: the larger of
    their declared memory depths, at least the last round (a bridged strategy brings its
    own record up to date from it), or None (every round) when either declares none."""
    depths = []
    for player in (player_a, player_b):
        declared = getattr(player, "classifier", None)
        depth = declared.get("memory_depth") if isinstance(declared, dict) else None
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
            return None
        depths.append(depth)
    return max(1, *depths)


def _timed(run: Callable[[int | None], R], player_a: Player, player_b: Player, seed: int | None) -> R:
    """``run(seed)`` under the per-match time limit, if one is set."""
    limit = time_limit.match_time_limit()
    if not limit or not time_limit.can_arm():
        return run(seed)
    if seed is None:
        seed = secrets.randbits(63)
    try:
        with time_limit.alarm(limit):
            return run(seed)
    except time_limit.Expired:
        raise MatchTimeLimitError(player_a.name, player_b.name, seed, limit) from None


@overload
def _play(game: Game, player_a: Player, player_b: Player, seed: int | None) -> MatchResult: ...


@overload
def _play(
    game: Game, player_a: Player, player_b: Player, seed: int | None, figures: RunningFigures
) -> MatchFigures: ...


def _play(
    game: Game,
    player_a: Player,
    player_b: Player,
    seed: int | None,
    figures: RunningFigures | None = None,
) -> MatchResult | MatchFigures:
    """One match: its transcript (``figures`` None), or the figures folded into ``figures``
    a block of rounds at a time, each block's lists then emptied."""
    if player_a is player_b:
        raise ParameterError(
            "players", player_a.name, "must be two distinct instances (use two objects for self-play)"
        )
    if seed is None:
        seed = secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError("seed", seed, "must be a whole number >= 0")
    key = streams.match_key(seed)
    fixed = game.continuation is None
    horizon = game.draw_horizon(0.0 if fixed else streams.horizon_uniform(key))
    player_a.join_match(game, 0, seed)
    player_b.join_match(game, 1, seed)
    declined_by = _who_declines(player_a, player_b)
    depth = window_depth(player_a, player_b) if figures is not None else None
    if depth is not None:
        # the engine's record is the running figures: histories keep what strategies read
        player_a.history = HistoryWindow(depth)  # type: ignore[assignment]
        player_b.history = HistoryWindow(depth)  # type: ignore[assignment]

    hist_a, hist_b = player_a.history, player_b.history
    strategy_a, strategy_b = player_a.strategy, player_b.strategy
    stake_a = player_a.stake if _overrides(player_a, "stake") else None
    stake_b = player_b.stake if _overrides(player_b, "stake") else None
    stakes_vary = stake_a is not None or stake_b is not None
    if not stakes_vary:  # every stake is 1: the histories show it without a record per round
        hist_a.stakes = UnitStakes(hist_a)
        hist_b.stakes = UnitStakes(hist_b)
    leave_a = player_a.leave if _overrides(player_a, "leave") else None
    leave_b = player_b.leave if _overrides(player_b, "leave") else None
    noise = game.noise
    noise_threshold = streams.threshold(noise)
    noise_bits, noise_purpose, low = streams.bits, streams.NOISE, streams.MASK32
    pay_a = game.payoff_table(0)
    pay_b = kernel.seen_by_b(game.payoff_table(1))  # indexed by the outcome seen from A
    v_a, v_b = game.outside_options

    # Hot loop: actions are compared by identity (``is C``) and never asked for .name or
    # .value, whose Enum property lookups would cost more than the rest of a round.
    # Without noise the intended actions are the played ones and are not kept twice.
    intended_a: list[Action] = []
    intended_b: list[Action] = []
    payoffs_a: list[float] = []
    payoffs_b: list[float] = []
    # list.append bound to each record: past the read-only face, as fast as a method call
    actions_of_a, offers_a = _record_lists(hist_a)
    actions_of_b, offers_b = _record_lists(hist_b)
    record_a, record_b = _append.__get__(actions_of_a), _append.__get__(actions_of_b)
    offer_a, offer_b = _append.__get__(offers_a), _append.__get__(offers_b)
    can_leave = leave_a is not None or leave_b is not None
    c, d = C, D  # locals: read several times a round
    left_by: str | None = None
    exit_round: int | None = None
    who = player_a
    t = 0
    if declined_by is not None:
        left_by, exit_round, horizon_together = declined_by, 0, 0
    else:
        horizon_together = horizon
    block = FIGURES_BLOCK if figures is not None else max(horizon_together, 1)
    try:
        for block_start in range(1, horizon_together + 1, block):
            for t in range(block_start, min(block_start + block, horizon_together + 1)):
                if stakes_vary:
                    x_a = x_b = 1.0
                    if stake_a is not None:
                        who = player_a
                        x_a = _checked_stake(stake_a(player_b), player_a, t)
                    if stake_b is not None:
                        who = player_b
                        x_b = _checked_stake(stake_b(player_a), player_b, t)
                who = player_a
                act_a = strategy_a(player_b)
                who = player_b
                act_b = strategy_b(player_a)
                if act_a is not c and act_a is not d:
                    raise StrategyError(player_a.name, t, _bad_action(act_a))
                if act_b is not c and act_b is not d:
                    raise StrategyError(player_b.name, t, _bad_action(act_b))
                if noise:
                    intended_a.append(act_a)
                    intended_b.append(act_b)
                    flips = noise_bits(key, t, noise_purpose)
                    if flips & low < noise_threshold:
                        act_a = d if act_a is c else c
                    if flips >> 32 < noise_threshold:
                        act_b = d if act_b is c else c
                record_a(act_a)
                record_b(act_b)
                outcome = (2 if act_a is d else 0) + (1 if act_b is d else 0)
                if stakes_vary:
                    offer_a(x_a)
                    offer_b(x_b)
                    stake = x_a if x_a < x_b else x_b
                    if stake != 1.0:
                        payoffs_a.append(kernel.round_payoff(stake, pay_a[outcome], v_a))
                        payoffs_b.append(kernel.round_payoff(stake, pay_b[outcome], v_b))
                    else:
                        payoffs_a.append(pay_a[outcome])
                        payoffs_b.append(pay_b[outcome])
                else:
                    payoffs_a.append(pay_a[outcome])
                    payoffs_b.append(pay_b[outcome])
                if can_leave:
                    quit_a = quit_b = False
                    if leave_a is not None:
                        who = player_a
                        quit_a = _checked_bool(leave_a(player_b), player_a, t)
                    if leave_b is not None:
                        who = player_b
                        quit_b = _checked_bool(leave_b(player_a), player_b, t)
                    if quit_a or quit_b:
                        left_by = "both" if quit_a and quit_b else ("A" if quit_a else "B")
                        exit_round = t
                        break
            if figures is not None:
                _check_record(player_a, hist_a, player_b, hist_b, t)
                m = len(payoffs_a)
                unit = [1.0] * m
                figures.add(
                    (actions_of_a[-m:], actions_of_b[-m:]),
                    (intended_a, intended_b) if noise else None,
                    (offers_a[-m:], offers_b[-m:]) if stakes_vary else (unit, unit),
                    (payoffs_a, payoffs_b),
                )
                for kept in (intended_a, intended_b, payoffs_a, payoffs_b):
                    kept.clear()
                if depth is not None:
                    hist_a.forget()  # type: ignore[attr-defined]
                    hist_b.forget()  # type: ignore[attr-defined]
            if exit_round is not None:
                break
    except StrategyError:
        _check_record(player_a, hist_a, player_b, hist_b, None)  # a replaced history is the cause
        raise
    except HistoryWriteError as exc:
        raise StrategyError(who.name, t, f"tried to change a history ({exc})") from exc
    except MemoryDepthError as exc:
        raise StrategyError(who.name, t, str(exc)) from exc
    except Exception as exc:
        _check_record(player_a, hist_a, player_b, hist_b, None)
        raise StrategyError(who.name, t, f"raised {type(exc).__name__}: {exc}") from exc
    if figures is not None:
        return figures.result(player_a.name, player_b.name, game, seed, horizon, left_by, exit_round)
    _check_record(player_a, hist_a, player_b, hist_b, t)

    actions_a, actions_b = _letters(hist_a), _letters(hist_b)
    return MatchResult(
        player_a=player_a.name,
        player_b=player_b.name,
        game=game,
        seed=seed,
        horizon=horizon,
        actions_a=actions_a,
        actions_b=actions_b,
        intended_a=_letters(intended_a) if noise else actions_a,
        intended_b=_letters(intended_b) if noise else actions_b,
        stakes_a=tuple(hist_a.stakes) if stakes_vary else (1.0,) * len(payoffs_a),
        stakes_b=tuple(hist_b.stakes) if stakes_vary else (1.0,) * len(payoffs_a),
        payoffs_a=tuple(payoffs_a),
        payoffs_b=tuple(payoffs_b),
        left_by=left_by,
        exit_round=exit_round,
    )


def _record_lists(history: Any) -> tuple[list[Any], list[Any]]:
    """The lists the engine appends a history's actions and offers to (past its read-only
    face): the history itself, or a window's held rounds; a ``UnitStakes`` view gets none."""
    if isinstance(history, HistoryWindow):
        actions: list[Any] = history.items
        stakes = history.stakes
        return actions, (stakes.items if isinstance(stakes, StakesWindow) else [])
    return history, (history.stakes if isinstance(history.stakes, list) else [])


def _check_record(player_a: Player, hist_a: Any, player_b: Player, hist_b: Any, t: int | None) -> None:
    """The record is the engine's alone: each player still holds the history the engine
    gave it and, after ``t`` rounds, one action and one stake per round in it (``t`` None:
    only the first). Checked after each block of rounds, at the end and when a call fails
    (a replaced history read by the partner is the cause then), not every round."""
    for player, record in ((player_a, hist_a), (player_b, hist_b)):
        if player.history is not record:
            raise StrategyError(
                player.name,
                len(record),
                "a history was replaced during the match (the engine keeps the record; read it, never set it)",
            )
    if t is None:
        return
    for player, record in ((player_a, hist_a), (player_b, hist_b)):
        if len(record) != t or len(record.stakes) != t:
            raise StrategyError(
                player.name, t, "its history was changed during the match (the engine keeps the record)"
            )


def _bad_action(value: object) -> str:
    if isinstance(value, str):
        return f"strategy returned the text {value!r}; return the action C or D (from powergame import C, D)"
    return f"strategy returned {value!r}; return the action C or D (from powergame import C, D)"


def _letters(actions: list[Action]) -> str:
    """[C, D, C] -> "CDC"."""
    return "".join(["C" if a is C else "D" for a in actions])


def _who_declines(player_a: Player, player_b: Player) -> str | None:
    """ "A", "B" or "both" when a player declines to enter (see ``Player.enters``), else None."""
    out_a, out_b = _declines(player_a, player_b), _declines(player_b, player_a)
    if out_a or out_b:
        return "both" if out_a and out_b else ("A" if out_a else "B")
    return None


def _declines(player: Player, partner: Player) -> bool:
    if not _overrides(player, "enters"):
        return False
    try:
        enters = player.enters(partner)
    except Exception as exc:
        raise StrategyError(player.name, 0, f"enters raised {type(exc).__name__}: {exc}") from exc
    return not _checked_bool(enters, player, 0, "enters")


def _checked_stake(value: object, player: Player, t: int) -> float:
    if value == 1.0 and type(value) in (float, int):
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise StrategyError(player.name, t, f"stake returned {value!r}, allowed: a number in (0, 1]")
    return float(value)


def _checked_bool(value: object, player: Player, t: int, method: str = "leave") -> bool:
    if value is True or value is False:
        return value
    raise StrategyError(player.name, t, f"{method} returned {value!r}, allowed: True or False")
