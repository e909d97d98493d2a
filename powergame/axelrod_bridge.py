"""Play axelrod's strategies inside powergame matches.

``AxelrodPlayer("Tit For Tat")`` wraps one of axelrod's ordinary strategies (those that
obey axelrod's tournament rules: no reading or changing the opponent's internals) as a
powergame ``Player``. It never leaves and always stakes 1, so with no noise, stakes 1
and the default payoffs it plays exactly what ``axelrod.Match`` would.

``import axelrod`` is slow (seconds), so this module imports it only inside functions,
the first time an axelrod strategy is asked for.
"""

from __future__ import annotations

import difflib
import functools
from typing import Any

from powergame.actions import Action
from powergame.errors import ParameterError, UnknownStrategyError
from powergame.game import Game, StagePayoffs
from powergame.names import normalize
from powergame.player import Player

PREFIX = "axelrod:"

_CHEATER_REASON = (
    "excluded: it breaks axelrod's tournament rules (it inspects or changes its opponent's "
    "source or state); only ordinary axelrod strategies can be played"
)


def _axelrod() -> Any:
    import axelrod

    return axelrod


@functools.lru_cache(maxsize=1)
def _strategy_index() -> tuple[dict[str, type], dict[str, type], dict[str, str]]:
    """(ordinary by normalised name, cheaters by normalised name, normalised -> display)."""
    axl = _axelrod()
    ordinary: dict[str, type] = {}
    display: dict[str, str] = {}
    for cls in axl.strategies:
        for key in (normalize(cls.name), normalize(cls.__name__)):
            ordinary.setdefault(key, cls)
            display.setdefault(key, cls.name)
    cheaters: dict[str, type] = {}
    for cls in axl.cheating_strategies:
        for key in (normalize(cls.name), normalize(cls.__name__)):
            cheaters.setdefault(key, cls)
    return ordinary, cheaters, display


@functools.lru_cache(maxsize=1)
def _action_maps() -> tuple[dict[Action, Any], dict[Any, Action]]:
    """powergame action -> axelrod action, and back."""
    axl = _axelrod()
    to_axl = {Action.C: axl.Action.C, Action.D: axl.Action.D}
    from_axl = {axl.Action.C: Action.C, axl.Action.D: Action.D}
    return to_axl, from_axl


@functools.lru_cache(maxsize=1)
def _counting_history_class() -> type:
    """axelrod's History, with its counts kept in plain integers and brought up to date
    when they are read.

    axelrod's History updates two Counters keyed by actions on every append, and an
    Enum's hash runs in Python, so each append costs three such hashes. This subclass
    holds the same plays and coplays and answers ``cooperations``, ``defections`` and
    ``state_distribution`` with the same values; appending is two list appends, so the
    bridge may extend ``_plays`` and ``_coplays`` directly.
    """
    axl = _axelrod()
    from collections import Counter

    axl_c, axl_d = axl.Action.C, axl.Action.D
    outcomes = ((axl_c, axl_c), (axl_c, axl_d), (axl_d, axl_c), (axl_d, axl_d))

    class CountingHistory(axl.History):  # type: ignore[misc, name-defined]
        def __init__(self, plays: Any = None, coplays: Any = None) -> None:
            self._plays: list[Any] = []
            self._coplays: list[Any] = []
            self._counts = [0, 0, 0, 0]  # CC, CD, DC, DD (own play first) ...
            self._counted = 0  # ... over the first _counted turns
            if plays:
                self.extend(plays, coplays)

        def append(self, play: Any, coplay: Any) -> None:
            self._plays.append(play)
            self._coplays.append(coplay)

        def extend(self, plays: Any, coplays: Any) -> None:
            plays, coplays = list(plays), list(coplays)
            if len(plays) != len(coplays):
                raise ValueError("plays and coplays must have the same length")
            self._plays.extend(plays)
            self._coplays.extend(coplays)

        def reset(self) -> None:
            self._plays.clear()
            self._coplays.clear()
            self._counts = [0, 0, 0, 0]
            self._counted = 0

        def _tally(self) -> list[int]:
            counts, plays = self._counts, self._plays
            for t in range(self._counted, len(plays)):
                counts[(2 if plays[t] is axl_d else 0) + (1 if self._coplays[t] is axl_d else 0)] += 1
            self._counted = len(plays)
            return counts

        @property
        def cooperations(self) -> int:
            counts = self._tally()
            return counts[0] + counts[1]

        @property
        def defections(self) -> int:
            counts = self._tally()
            return counts[2] + counts[3]

        @property
        def _actions(self) -> Counter[Any]:
            return Counter({a: n for a, n in ((axl_c, self.cooperations), (axl_d, self.defections)) if n})

        @property
        def state_distribution(self) -> Counter[Any]:
            return Counter({o: n for o, n in zip(outcomes, self._tally()) if n})

        _state_distribution = state_distribution

    return CountingHistory


def find_axelrod_strategy(name: str) -> type:
    """The axelrod strategy class called ``name``: its display name ("Tit For Tat") or its
    class name ("TitForTat"), ignoring case, spaces and punctuation; an ``axelrod:``
    prefix is allowed. Raises ParameterError for a strategy that breaks axelrod's rules
    and UnknownStrategyError (with up to 3 close names) for an unknown one."""
    if not isinstance(name, str):
        raise ParameterError("axelrod strategy", name, "must be a strategy name such as 'Tit For Tat'")
    text = name[len(PREFIX) :] if name.lower().startswith(PREFIX) else name
    key = normalize(text)
    ordinary, cheaters, display = _strategy_index()
    if key in ordinary:
        return ordinary[key]
    if key in cheaters:
        raise ParameterError("axelrod strategy", text, _CHEATER_REASON)
    close = difflib.get_close_matches(key, list(ordinary), n=6)
    suggestions: list[str] = []
    for match in close:
        label = PREFIX + display[match]
        if label not in suggestions:
            suggestions.append(label)
    raise UnknownStrategyError(
        name,
        suggestions[:3],
        "axelrod's ordinary strategies: powergame.axelrod_bridge.axelrod_strategy_names()",
    )


def axelrod_strategy_names() -> list[str]:
    """Display names of axelrod's ordinary strategies, in axelrod's order."""
    return [cls.name for cls in _axelrod().strategies]


def axelrod_classifier(player: Any) -> dict[str, Any]:
    """The powergame classifier of an axelrod player (class or instance)."""
    axl = _axelrod()
    depth = axl.Classifiers["memory_depth"](player)
    if depth is None:
        depth = float("inf")
    elif depth != float("inf"):
        depth = int(depth)
    return {
        "family": "neutral",
        "memory_depth": depth,
        "stochastic": bool(axl.Classifiers["stochastic"](player)),
        "can_leave": False,
        "uses_outside_options": False,
    }


def axelrod_game(game: Game, role: int) -> Any:
    """axelrod.Game(R, S, T, P) of partner ``role``'s own stage matrix."""
    payoffs = game.payoffs[role]
    return _axelrod().Game(payoffs.R, payoffs.S, payoffs.T, payoffs.P)


class _OpponentView:
    """What an axelrod strategy sees of a partner that is not itself bridged: an
    axelrod-style ``history`` (with coplays, counts and state distribution) kept in step
    with that partner's played actions."""

    __slots__ = ("name", "source", "_history", "synced")

    def __init__(self, source: Player) -> None:
        self.name = source.name
        self.source = source
        self._history: Any = _counting_history_class()()
        self.synced = 0  # rounds in the history so far

    def catch_up(self, rounds: int, own: list[Action], axl_c: Any, axl_d: Any) -> None:
        """Bring the history up to ``rounds`` played rounds; ``own`` is the bridged
        player's history (the coplays)."""
        theirs = self.source.history
        plays, coplays = self._history._plays, self._history._coplays
        c = Action.C
        for t in range(self.synced, rounds):
            plays.append(axl_c if theirs[t] is c else axl_d)
            coplays.append(axl_c if own[t] is c else axl_d)
        self.synced = rounds

    @property
    def history(self) -> Any:
        return self._history

    @property
    def cooperations(self) -> int:
        return int(self._history.cooperations)

    @property
    def defections(self) -> int:
        return int(self._history.defections)

    @property
    def state_distribution(self) -> Any:
        return self._history.state_distribution

    def __repr__(self) -> str:
        return self.name


class AxelrodPlayer(Player):
    """One of axelrod's ordinary strategies as a powergame player.

    ``AxelrodPlayer("Tit For Tat")`` or ``AxelrodPlayer("GoByMajority", memory_depth=5)``
    (keyword arguments go to the axelrod class). The name is ``"axelrod:<display name>"``;
    the family is "neutral", memory depth and stochasticity come from axelrod. It never
    leaves and stakes 1.

    Each match follows ``axelrod.Match``: the axelrod player is reset, given the match
    attributes (length, its own stage matrix as ``axelrod.Game``, noise) and, when
    stochastic, a seed drawn from this player's engine rng. The engine has no per-round
    hook, so the axelrod histories are brought up to date from the played actions at the
    start of each ``strategy`` call.
    """

    def __init__(self, strategy: str | type, **init_kwargs: Any) -> None:
        super().__init__()
        cls: Any
        if isinstance(strategy, type):
            cls = find_axelrod_strategy(getattr(strategy, "__name__", ""))
            if cls is not strategy:
                raise ParameterError("axelrod strategy", strategy, "must be an ordinary axelrod strategy")
        else:
            cls = find_axelrod_strategy(strategy)
        self.axelrod_class: Any = cls
        self.init_kwargs = dict(init_kwargs)
        try:
            self._player = cls(**init_kwargs)
        except TypeError as exc:
            raise ParameterError(
                f"{PREFIX}{cls.name} parameters", init_kwargs, f"axelrod says: {exc}"
            ) from None
        self.name = PREFIX + (cls.name if not init_kwargs else repr(self._player))
        self.classifier = axelrod_classifier(self._player)
        self._to_axl, self._from_axl = _action_maps()
        axl = _axelrod()
        self._axl_c, self._axl_d = axl.Action.C, axl.Action.D
        # when update_history is axelrod's own, appending to the history directly is the same
        self._plain_update = type(self._player).update_history is axl.Player.update_history
        self._counting_history: Any = _counting_history_class()
        self._synced = 0  # rounds already passed to the axelrod player's history
        self._view: _OpponentView | None = None
        self._axelrod_game: tuple[StagePayoffs, Any] | None = None

    @property
    def axelrod_player(self) -> Any:
        """The underlying axelrod player (its history is current up to the last
        ``strategy`` call)."""
        return self._player

    def reset(self) -> None:
        super().reset()
        self._player.reset()
        self._synced = 0
        self._view = None

    def join_match(self, game: Game, role: int, seed: int) -> None:
        super().join_match(game, role, seed)
        length = game.rounds if game.rounds is not None else float("inf")
        payoffs = game.payoffs[role]
        if self._axelrod_game is None or self._axelrod_game[0] != payoffs:
            self._axelrod_game = (payoffs, axelrod_game(game, role))  # numpy-backed: build once
        player = self._player
        player.set_match_attributes(length=length, game=self._axelrod_game[1], noise=game.noise)
        if self.classifier["stochastic"]:
            player.set_seed(self.rng.getrandbits(32))
        if type(player._history) is _axelrod().History:
            player._history = self._counting_history()

    def strategy(self, opponent: Player) -> Action:
        rounds = len(self.history)
        if type(opponent) is AxelrodPlayer:
            other = opponent._player
            # the first of the two to move this round brings both histories up to date
            if self._synced != rounds or opponent._synced != rounds:
                self._catch_up_pair(opponent, rounds)
        else:
            view = self._view
            if view is None or view.source is not opponent or view.synced > rounds:
                view = self._view = _OpponentView(opponent)
            other = view
            if self._synced != rounds or view.synced != rounds:
                self._catch_up(rounds, opponent.history)
                view.catch_up(rounds, self.history, self._axl_c, self._axl_d)
        move = self._player.strategy(other)
        # identity tests: a dict lookup would hash the Enum in Python every round
        if move is self._axl_c:
            return Action.C
        if move is self._axl_d:
            return Action.D
        return self._from_axl[move]  # anything else fails here, and the engine reports it

    def _catch_up_pair(self, opponent: AxelrodPlayer, rounds: int) -> None:
        """Bring both axelrod histories of a bridged pair up to date, in one pass when
        both are plain and equally behind (every round but the first of a match)."""
        mine: Any = self._player._history
        theirs: Any = opponent._player._history
        if not (
            self._plain_update
            and opponent._plain_update
            and type(mine) is self._counting_history
            and type(theirs) is self._counting_history
            and self._synced == opponent._synced
        ):
            self._catch_up(rounds, opponent.history)
            opponent._catch_up(rounds, self.history)
            return
        own, other = self.history, opponent.history
        plays, coplays = mine._plays, mine._coplays
        other_plays, other_coplays = theirs._plays, theirs._coplays
        axl_c, axl_d, c = self._axl_c, self._axl_d, Action.C
        for t in range(self._synced, rounds):
            a = axl_c if own[t] is c else axl_d
            b = axl_c if other[t] is c else axl_d
            plays.append(a)
            coplays.append(b)
            other_plays.append(b)
            other_coplays.append(a)
        self._synced = opponent._synced = rounds

    def _catch_up(self, rounds: int, theirs: list[Action]) -> None:
        """Pass the rounds played since the last call to the axelrod player's history."""
        own = self.history
        player = self._player
        history: Any = player._history
        if self._plain_update and type(history) is self._counting_history:
            plays, coplays = history._plays, history._coplays
            axl_c, axl_d, c = self._axl_c, self._axl_d, Action.C
            for t in range(self._synced, rounds):
                plays.append(axl_c if own[t] is c else axl_d)
                coplays.append(axl_c if theirs[t] is c else axl_d)
        else:
            to_axl = self._to_axl
            for t in range(self._synced, rounds):
                player.update_history(to_axl[own[t]], to_axl[theirs[t]])
        self._synced = rounds

    # Pickles as (strategy, keyword arguments, name): a fresh player, ready for a new match,
    # keeping a name given after construction (the registry shows parameters its own way).
    def __getstate__(self) -> dict[str, Any]:
        return {"strategy": self.axelrod_class.name, "init_kwargs": self.init_kwargs, "name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["strategy"], **state["init_kwargs"])  # type: ignore[misc]
        self.name = state["name"]

    def __repr__(self) -> str:
        return self.name


__all__ = [
    "AxelrodPlayer",
    "axelrod_classifier",
    "axelrod_game",
    "axelrod_strategy_names",
    "find_axelrod_strategy",
]
