"""Hypothesis strategies for powergame: games, histories, scripts, partners, players, matches.

Values are drawn from small grids (payoffs in halves, stakes from a few levels) so a shrunk
counterexample reads well.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from powergame.actions import Action
from powergame.engine import play_match
from powergame.game import Game, StagePayoffs
from powergame.player import Player
from powergame.result import MatchResult
from powergame.testing.harness import Script
from powergame.testing.partners import ScriptedPartner

actions = st.sampled_from([Action.C, Action.D])
stakes = st.sampled_from([1.0, 0.5, 0.25, 0.75, 0.1])
NOISE_LEVELS = (0.05, 0.1, 0.25)


def stage_payoffs() -> st.SearchStrategy[StagePayoffs]:
    """Any stage matrix with entries in [0, 8] (halves): not only prisoner's dilemmas."""
    entry = st.integers(0, 16).map(lambda k: k / 2)
    return st.builds(StagePayoffs, entry, entry, entry, entry)


@lru_cache(maxsize=64)
def games(
    min_rounds: int = 1,
    max_rounds: int = 20,
    continuation: bool = True,
    noise: bool | None = None,
) -> st.SearchStrategy[Game]:
    """Games with asymmetric payoffs, outside options and exit costs. The horizon is a
    fixed number of rounds in [min_rounds, max_rounds] or, with ``continuation``, a
    probability w whose mean length 1/(1-w) stays short. ``noise``: True draws a positive
    level, False none, None either."""
    payoffs = st.one_of(
        stage_payoffs().map(lambda p: (p, p)),
        st.tuples(stage_payoffs(), stage_payoffs()),
        st.just((StagePayoffs(), StagePayoffs())),
    )
    option = st.integers(0, 10).map(lambda k: k / 2)
    cost = st.integers(0, 6).map(lambda k: k / 2)
    noise_levels: st.SearchStrategy[float]
    if noise is True:
        noise_levels = st.sampled_from(NOISE_LEVELS)
    elif noise is False:
        noise_levels = st.just(0.0)
    else:
        noise_levels = st.sampled_from((0.0, *NOISE_LEVELS))
    fixed = st.builds(
        Game,
        payoffs=payoffs,
        outside_options=st.tuples(option, option),
        exit_costs=st.tuples(cost, cost),
        rounds=st.integers(min_rounds, max_rounds),
        noise=noise_levels,
    )
    if not continuation:
        return fixed
    longest_mean = max(2, max_rounds // 2)
    w = st.sampled_from([0.0, 0.5, 0.8, 1 - 1 / longest_mean])
    geometric = st.builds(
        Game,
        payoffs=payoffs,
        outside_options=st.tuples(option, option),
        exit_costs=st.tuples(cost, cost),
        rounds=st.none(),
        continuation=w,
        noise=noise_levels,
    )
    return st.one_of(fixed, geometric)


@st.composite
def games_for_script(draw: Any, length: int, noise: bool | None = None) -> Game:
    """A game in which a script of ``length`` rounds fits: a fixed horizon of 1 to 5 rounds
    more (the strategy may read ``match_length``), or a continuation probability."""
    game = draw(games(1, 1, noise=noise))
    if game.rounds is None:
        # with w = 0 every match lasts one round: a longer script could not happen
        return game if game.continuation or length <= 1 else dataclasses.replace(game, continuation=0.5)
    return dataclasses.replace(game, rounds=length + draw(st.integers(1, 5)))


def histories(min_length: int = 0, max_length: int = 20) -> st.SearchStrategy[list[Action]]:
    """Finite action sequences."""
    return st.lists(actions, min_size=min_length, max_size=max_length)


@st.composite
def scripts(draw: Any, min_length: int = 1, max_length: int = 20, forced: bool | None = None) -> Script:
    """A history to impose on a strategy: the partner's actions and stakes and, when
    ``forced`` (None: either), the strategy's own played actions."""
    n = draw(st.integers(min_length, max_length))
    force = draw(st.booleans()) if forced is None else forced
    return Script(
        partner_actions=tuple(draw(st.lists(actions, min_size=n, max_size=n))),
        partner_stakes=tuple(draw(st.lists(stakes, min_size=n, max_size=n))),
        own_actions=tuple(draw(st.lists(actions, min_size=n, max_size=n))) if force else None,
    )


@st.composite
def script_pairs(draw: Any, memory_depth: int, max_extra: int = 10) -> tuple[Script, Script, int]:
    """Two forced scripts of equal length that agree in their last rounds (at least
    ``memory_depth`` of them) and differ before: (first, second, rounds in common at the end)."""
    first = draw(scripts(min_length=memory_depth + 1, max_length=memory_depth + max_extra, forced=True))
    n = len(first)
    prefix = draw(st.integers(1, n - memory_depth))
    head = draw(scripts(min_length=prefix, max_length=prefix, forced=True))
    assert first.own_actions is not None and head.own_actions is not None
    second = Script(
        partner_actions=head.partner_actions + first.partner_actions[prefix:],
        partner_stakes=head.partner_stakes + first.partner_stakes[prefix:],
        own_actions=head.own_actions + first.own_actions[prefix:],
    )
    return first, second, n - prefix


@st.composite
def scripted_partners(draw: Any, max_rounds: int = 20, can_leave: bool = True) -> ScriptedPartner:
    """A partner replaying a drawn action string with drawn stakes and, if ``can_leave``,
    possibly a leave after some round."""
    n = draw(st.integers(1, max_rounds))
    leave_after = draw(st.one_of(st.none(), st.integers(1, n))) if can_leave else None
    return ScriptedPartner(
        draw(st.lists(actions, min_size=n, max_size=n)),
        draw(st.lists(stakes, min_size=n, max_size=n)),
        leave_after,
    )


def registered_players(family: str | None = None, **classifier: Any) -> st.SearchStrategy[Player]:
    """Fresh instances of registered strategies, optionally only those of ``family`` and
    whose classifier has the given values (e.g. ``can_leave=False``)."""
    from powergame.registry import load_registry

    entries = [
        entry
        for entry in load_registry().entries(family=family)
        if all(entry.classifier.get(key) == value for key, value in classifier.items())
    ]
    if not entries:
        raise ValueError(f"no registered strategy matches family={family!r} and {classifier!r}")
    return st.sampled_from(entries).map(lambda entry: entry.factory())


def players_from(factories: list[Callable[[], Player]]) -> st.SearchStrategy[Player]:
    """Fresh instances of the given classes or factories."""
    return st.sampled_from(factories).map(lambda factory: factory())


@st.composite
def matches(
    draw: Any,
    players: st.SearchStrategy[Player] | None = None,
    game_strategy: st.SearchStrategy[Game] | None = None,
) -> MatchResult:
    """Results of play_match between two drawn players (scripted partners by default)."""
    players = players if players is not None else scripted_partners()
    game = draw(game_strategy if game_strategy is not None else games())
    seed = draw(st.integers(0, 2**32))
    return play_match(game, draw(players), draw(players), seed)
