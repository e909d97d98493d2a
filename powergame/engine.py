"""The match engine: plays one relationship between two players, round by round.

A round (docs/model.md): both offer stakes, both choose actions, noise may flip each action,
the stake is the smaller offer, each earns s * pi_i + (1 - s) * v_i, then both see what
was played and each may leave. Exit is final. A match is a pure function of the game,
the two strategies and the seed.
"""

from __future__ import annotations

import random
import secrets

from powergame import kernel, streams, time_limit
from powergame.actions import Action
from powergame.errors import MatchTimeLimitError, ParameterError, StrategyError
from powergame.game import Game
from powergame.player import HistoryWriteError, Player
from powergame.result import MatchResult

C = Action.C
D = Action.D
_append = list.append  # the engine writes histories past their read-only face


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
    limit = time_limit.match_time_limit()
    if not limit or not time_limit.can_arm():
        return _play(game, player_a, player_b, seed)
    if seed is None:
        seed = secrets.randbits(63)
    try:
        with time_limit.alarm(limit):
            return _play(game, player_a, player_b, seed)
    except time_limit.Expired:
        raise MatchTimeLimitError(player_a.name, player_b.name, seed, limit) from None


def _play(game: Game, player_a: Player, player_b: Player, seed: int | None) -> MatchResult:
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

    hist_a, hist_b = player_a.history, player_b.history
    strategy_a, strategy_b = player_a.strategy, player_b.strategy
    stake_a = player_a.stake if _overrides(player_a, "stake") else None
    stake_b = player_b.stake if _overrides(player_b, "stake") else None
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
    offers_a, offers_b = hist_a.stakes, hist_b.stakes
    # list.append bound to each record: past the read-only face, as fast as a method call
    record_a, record_b = _append.__get__(hist_a), _append.__get__(hist_b)
    offer_a, offer_b = _append.__get__(offers_a), _append.__get__(offers_b)
    left_by: str | None = None
    exit_round: int | None = None
    who = player_a
    t = 0
    if declined_by is not None:
        left_by, exit_round, horizon_together = declined_by, 0, 0
    else:
        horizon_together = horizon
    try:
        for t in range(1, horizon_together + 1):
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
            if act_a is not C and act_a is not D:
                raise StrategyError(player_a.name, t, _bad_action(act_a))
            if act_b is not C and act_b is not D:
                raise StrategyError(player_b.name, t, _bad_action(act_b))
            if noise:
                intended_a.append(act_a)
                intended_b.append(act_b)
                flips = noise_bits(key, t, noise_purpose)
                if flips & low < noise_threshold:
                    act_a = D if act_a is C else C
                if flips >> 32 < noise_threshold:
                    act_b = D if act_b is C else C
            record_a(act_a)
            record_b(act_b)
            offer_a(x_a)
            offer_b(x_b)
            outcome = (2 if act_a is D else 0) + (1 if act_b is D else 0)
            stake = x_a if x_a < x_b else x_b
            if stake == 1.0:
                payoffs_a.append(pay_a[outcome])
                payoffs_b.append(pay_b[outcome])
            else:
                payoffs_a.append(kernel.round_payoff(stake, pay_a[outcome], v_a))
                payoffs_b.append(kernel.round_payoff(stake, pay_b[outcome], v_b))
            quit_a = quit_b = False
            if leave_a is not None:
                who = player_a
                quit_a = _checked_bool(leave_a(player_b), player_a, t)
            if leave_b is not None:
                who = player_b
                quit_b = _checked_bool(leave_b(player_a), player_b, t)
            # once per round: a history replaced during this round's calls stops the match
            # before anything of it is recorded
            if player_a.history is not hist_a or player_b.history is not hist_b:
                _replaced_history(player_a, hist_a, player_b, t)
            if quit_a or quit_b:
                left_by = "both" if quit_a and quit_b else ("A" if quit_a else "B")
                exit_round = t
                break
    except StrategyError:
        raise
    except HistoryWriteError as exc:
        raise StrategyError(who.name, t, f"tried to change a history ({exc})") from exc
    except Exception as exc:
        raise StrategyError(who.name, t, f"raised {type(exc).__name__}: {exc}") from exc
    for player, record in ((player_a, hist_a), (player_b, hist_b)):
        if len(record) != len(payoffs_a) or len(record.stakes) != len(payoffs_a):
            raise StrategyError(
                player.name, t, "its history was changed during the match (the engine keeps the record)"
            )

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
        stakes_a=tuple(hist_a.stakes),
        stakes_b=tuple(hist_b.stakes),
        payoffs_a=tuple(payoffs_a),
        payoffs_b=tuple(payoffs_b),
        left_by=left_by,
        exit_round=exit_round,
    )


def _bad_action(value: object) -> str:
    if isinstance(value, str):
        return f"strategy returned the text {value!r}; return the action C or D (from powergame import C, D)"
    return f"strategy returned {value!r}; return the action C or D (from powergame import C, D)"


def _replaced_history(player_a: Player, hist_a: object, player_b: Player, t: int) -> None:
    """A strategy replaced a history object: the record is the engine's, so stop."""
    who = player_a if player_a.history is not hist_a else player_b
    raise StrategyError(
        who.name,
        t,
        "a history was replaced during the match (the engine keeps the record; read it, never set it)",
    )


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
