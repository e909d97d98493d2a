"""The general path of the population engine: any Player, called couple by couple.

Slower than ``TableStrategies`` (a Python loop over couples each tick) but follows the
same tick and the same rules. Each relationship gets fresh players from the strategies'
factories and a ``Game`` with the two outside options, the stage matrix, the exit cost,
the noise and continuation 1 - breakup (the chance the couple is not broken
exogenously; with no breakup the horizon is open and ``continuation`` is the largest
float below 1). Each player's ``rng`` is seeded from (run seed, relationship, role).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from powergame.actions import Action
from powergame.errors import StrategyError
from powergame.game import Game, StagePayoffs
from powergame.player import Player, record_round

if TYPE_CHECKING:
    from powergame.population.engine import Population

C, D = Action.C, Action.D
_OPEN = float(np.nextafter(1.0, 0.0))


def relationship_game(market: Any, outside_a: float, outside_b: float) -> Game:
    """The Game a couple of the population plays: the market's stage matrix, exit cost and
    noise, the two outside options, continuation 1 - breakup (see the module docstring)."""
    stage = StagePayoffs(*market.payoffs)
    return Game(
        payoffs=(stage, stage),
        outside_options=(outside_a, outside_b),
        exit_costs=(market.exit_cost, market.exit_cost),
        rounds=None,
        continuation=min(1.0 - market.breakup, _OPEN),
        noise=market.noise,
    )


def _overrides(player: Player, method: str) -> bool:
    return getattr(type(player), method) is not getattr(Player, method)


class PlayerStrategies:
    """Strategies given as factories of fresh players (``registry.create`` bound to a name)."""

    def __init__(self, factories: Sequence[Callable[[], Player]]) -> None:
        self.factories = list(factories)
        self.n_strategies = len(self.factories)
        self.players: dict[int, Player] = {}

    def __getstate__(self) -> dict[str, Any]:
        # factories (bound to a registry, maybe to plugin files) are not pickled: whoever
        # restores a checkpoint sets them again with ``restore_factories``
        return {k: v for k, v in self.__dict__.items() if k != "factories"}

    def restore_factories(self, factories: Sequence[Callable[[], Player]]) -> None:
        """Set the factories again after unpickling."""
        self.factories = list(factories)

    def begin(self, pop: Population, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        declined = np.zeros(a.size, dtype=bool)
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
            game = relationship_game(pop.market, float(pop.outside[x]), float(pop.outside[y]))
            rel = int(pop.rel_id[x])
            px = self.factories[pop.strategy[x]]()
            py = self.factories[pop.strategy[y]]()
            px.join_match(game, 0, (pop.seed << 64) | (rel << 1))
            py.join_match(game, 1, (pop.seed << 64) | (rel << 1) | 1)
            self.players[x], self.players[y] = px, py
            declined[i] = _declines(px, py) or _declines(py, px)
        return declined

    def act(
        self, pop: Population, a: np.ndarray, b: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        d_a = np.zeros(a.size, dtype=bool)
        d_b = np.zeros(a.size, dtype=bool)
        x_a = np.ones(a.size)
        x_b = np.ones(a.size)
        any_stake = False
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
            px, py = self.players[x], self.players[y]
            if _overrides(px, "stake"):
                x_a[i] = _call_stake(px, py)
                any_stake = True
            if _overrides(py, "stake"):
                x_b[i] = _call_stake(py, px)
                any_stake = True
            d_a[i] = _call_action(px, py)
            d_b[i] = _call_action(py, px)
        return d_a, d_b, (x_a if any_stake else None), (x_b if any_stake else None)

    def observe(
        self,
        pop: Population,
        a: np.ndarray,
        b: np.ndarray,
        d_a: np.ndarray,
        d_b: np.ndarray,
        x_a: np.ndarray | None,
        x_b: np.ndarray | None,
    ) -> None:
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
            hx, hy = self.players[x].history, self.players[y].history
            record_round(hx, D if d_a[i] else C, 1.0 if x_a is None else float(x_a[i]))
            record_round(hy, D if d_b[i] else C, 1.0 if x_b is None else float(x_b[i]))

    def leave(
        self, pop: Population, a: np.ndarray, b: np.ndarray, outcome: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        la = np.zeros(a.size, dtype=bool)
        lb = np.zeros(a.size, dtype=bool)
        for i, (x, y) in enumerate(zip(a.tolist(), b.tolist())):
            px, py = self.players[x], self.players[y]
            la[i] = _call_leave(px, py)
            lb[i] = _call_leave(py, px)
        return la, lb

    def forget(self, a: np.ndarray, b: np.ndarray) -> None:
        for x in (*a.tolist(), *b.tolist()):
            self.players.pop(x, None)


def _round(player: Player) -> int:
    return len(player.history) + 1


def _declines(player: Player, partner: Player) -> bool:
    if not _overrides(player, "enters"):
        return False
    return not _checked_bool(_guarded(player, 0, player.enters, partner), player, 0, "enters")


def _call_stake(player: Player, partner: Player) -> float:
    value = _guarded(player, _round(player), player.stake, partner)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value <= 1.0:
        raise StrategyError(
            player.name, _round(player), f"stake returned {value!r}, allowed: a number in (0, 1]"
        )
    return float(value)


def _call_action(player: Player, partner: Player) -> bool:
    action = _guarded(player, _round(player), player.strategy, partner)
    if action is not C and action is not D:
        raise StrategyError(player.name, _round(player), f"strategy returned {action!r}, not C or D")
    return action is D


def _call_leave(player: Player, partner: Player) -> bool:
    if not _overrides(player, "leave"):
        return False
    t = len(player.history)
    return _checked_bool(_guarded(player, t, player.leave, partner), player, t, "leave")


def _guarded(player: Player, t: int, method: Callable[[Player], Any], partner: Player) -> Any:
    try:
        return method(partner)
    except StrategyError:
        raise
    except Exception as exc:
        raise StrategyError(player.name, t, f"raised {type(exc).__name__}: {exc}") from exc


def _checked_bool(value: object, player: Player, t: int, method: str) -> bool:
    if value is True or value is False:
        return value
    raise StrategyError(player.name, t, f"{method} returned {value!r}, allowed: True or False")
