"""The player API: subclass ``Player`` and override ``strategy`` (and ``leave``, ``stake``).

It follows axelrod's ``Player``: ``strategy(self, opponent)`` returns ``C`` or ``D`` and
``self.history`` / ``opponent.history`` hold what was played (after noise). New here:
``leave(self, opponent) -> bool`` is asked after both actions are seen (default: stay),
``stake(self, opponent) -> float`` offers a stake in (0, 1] before the round (default 1),
and a player can read the game, its role and both outside options.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence, Sized
from itertools import repeat
from typing import TYPE_CHECKING, Any, overload

from powergame import streams
from powergame.actions import Action
from powergame.game import ROLES, Game, StagePayoffs

if TYPE_CHECKING:
    from powergame.state_table import StateTable

FAMILIES = ("trust-building", "withholding", "neutral")

# What every classifier must say, and what each key allows.
CLASSIFIER_KEYS: dict[str, str] = {
    "family": "one of " + ", ".join(FAMILIES),
    "memory_depth": "a whole number >= 0 or float('inf')",
    "stochastic": "True or False",
    "can_leave": "True or False",
    "uses_outside_options": "True or False",
}


class HistoryWriteError(TypeError):
    """A strategy tried to change a history: the engine alone keeps the record."""


def _refuse(self: object, *args: object, **kwargs: object) -> None:
    raise HistoryWriteError("histories are read-only; the engine keeps the record")


_MUTATORS = (
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "clear",
    "sort",
    "reverse",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__imul__",
)


class Stakes(list[float]):
    """The stakes one partner offered, oldest first: a read-only list."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_stakes_of, (list(self),))


class UnitStakes(Sequence[float]):
    """The stakes of a match in which neither partner sets one: 1.0 for every round of
    ``history``, a read-only view as long as it (the engine records no offers then)."""

    __slots__ = ("_history",)

    def __init__(self, history: Sized) -> None:
        self._history = history

    def __len__(self) -> int:
        return len(self._history)

    @overload
    def __getitem__(self, index: int) -> float: ...

    @overload
    def __getitem__(self, index: slice) -> list[float]: ...

    def __getitem__(self, index: int | slice) -> float | list[float]:
        n = len(self._history)
        if isinstance(index, slice):
            return [1.0] * len(range(*index.indices(n)))
        if not -n <= index < n:
            raise IndexError(f"stakes index {index} out of range ({n} rounds)")
        return 1.0

    def __iter__(self) -> Iterator[float]:
        return repeat(1.0, len(self._history))

    def count(self, value: object) -> int:
        return len(self._history) if value == 1.0 else 0

    def copy(self) -> list[float]:
        """A plain (writable) list of the stakes."""
        return [1.0] * len(self._history)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, UnitStakes)):
            return len(other) == len(self) and all(x == 1.0 for x in other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"UnitStakes({len(self._history)} rounds)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_stakes_of, ([1.0] * len(self._history),))


class History(list[Action]):
    """The actions one partner played (after noise), oldest first, plus the stakes it
    offered: ``history[-1]`` is the last action, ``history.stakes[-1]`` the last stake.

    A history is read-only: every method that would change it raises
    ``HistoryWriteError``, so a strategy cannot alter its own or its partner's record.
    The engine adds each round with ``record_round``."""

    __slots__ = ("stakes",)

    def __init__(self) -> None:
        super().__init__()
        # a UnitStakes view in a match where neither partner sets a stake
        self.stakes: Stakes | UnitStakes = Stakes()

    @property
    def cooperations(self) -> int:
        """How many rounds this partner cooperated."""
        return self.count(Action.C)

    @property
    def defections(self) -> int:
        """How many rounds this partner withheld."""
        return self.count(Action.D)

    def copy(self) -> list[Action]:  # type: ignore[override]
        """A plain (writable) list of the actions."""
        return list(self)

    def __repr__(self) -> str:
        return "History(" + "".join(a.name for a in self) + ")"

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle would rebuild a list subclass with append, which a history refuses
        return (_history_of, (list(self), list(self.stakes)))


def _stakes_of(stakes: list[float]) -> Stakes:
    rebuilt = Stakes()
    list.extend(rebuilt, stakes)
    return rebuilt


def _history_of(actions: list[Action], stakes: list[float]) -> History:
    rebuilt = History()
    list.extend(rebuilt, actions)
    rebuilt.stakes = _stakes_of(stakes)
    return rebuilt


for _name in _MUTATORS:
    setattr(History, _name, _refuse)
    setattr(Stakes, _name, _refuse)
    setattr(UnitStakes, _name, _refuse)

_append_action = list.append
_append_stake = list.append


def record_round(history: History, action: Action, stake: float) -> None:
    """Add one round to ``history`` (the engine's and the testing kit's way in)."""
    stakes = history.stakes
    if isinstance(stakes, UnitStakes):  # follows the history's length, 1.0 each round
        if stake != 1.0:
            raise ValueError(f"stake {stake!r} in a history whose stakes are all 1")
        _append_action(history, action)
        return
    _append_action(history, action)
    _append_stake(stakes, stake)


def classifier(
    family: str,
    memory_depth: float,
    stochastic: bool = False,
    can_leave: bool = False,
    uses_outside_options: bool = False,
) -> dict[str, Any]:
    """A classifier dict with every key ``powergame.player.check_classifier`` asks for."""
    return {
        "family": family,
        "memory_depth": memory_depth,
        "stochastic": stochastic,
        "can_leave": can_leave,
        "uses_outside_options": uses_outside_options,
    }


class Player:
    """Base class of every strategy.

    Class attributes to set in a subclass: ``name`` (unique, shown to users) and
    ``classifier`` (a dict with at least the keys of ``CLASSIFIER_KEYS``); a wrapper or
    a bridged strategy may set both per instance. State that
    a strategy keeps between rounds lives on the instance and is cleared by ``reset``.
    """

    name: str = "Player"
    aliases: tuple[str, ...] = ()  # other names the registry also accepts (e.g. from the literature)
    # True for a wrapper (``powergame.exit_rule.ExitRule``) whose first argument is the player it wraps.
    is_wrapper: bool = False
    classifier: dict[str, Any] = {
        "family": "neutral",
        "memory_depth": float("inf"),
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }

    def __init__(self) -> None:
        self.history = History()
        self.game: Game | None = None
        self.role: int = 0
        self.match_length: int | None = None
        self.rng: random.Random = streams.player_rng(0, 0)
        self.stream_key = streams.match_key(0)

    # --- what a strategy overrides ---------------------------------------------------
    def strategy(self, opponent: Player) -> Action:
        """This round's action, ``C`` or ``D``."""
        raise NotImplementedError(f"{type(self).__name__} must define strategy(self, opponent)")

    def enters(self, opponent: Player) -> bool:
        """Before round 1: False declines the relationship (a loner). Then nobody plays a
        round, each partner earns its outside option for the whole horizon and nobody pays
        an exit cost. A strategy that overrides this has no state table."""
        return True

    def leave(self, opponent: Player) -> bool:
        """After both actions of this round are seen: True ends the relationship."""
        return False

    def stake(self, opponent: Player) -> float:
        """The stake offered for this round, in (0, 1]; the round's stake is the smaller offer."""
        return 1.0

    def reset(self) -> None:
        """Forget everything from the last match. Subclasses with state extend this and
        call ``super().reset()``."""
        self.history = History()

    def state_table(self) -> StateTable | None:
        """The finite-state form of this strategy, if it has one (see
        ``powergame.state_table``); None means it can only be run by calling it."""
        return None

    # --- what the engine sets --------------------------------------------------------
    def join_match(self, game: Game, role: int, seed: int) -> None:
        """Called by the engine before round 1 with the match's seed: reset, then learn the
        game and the role; ``rng`` and ``chance`` draw from that match's streams."""
        self.reset()
        self.history = History()
        self.game = game
        self.role = role
        self.match_length = game.rounds
        self.rng = streams.player_rng(seed, role)
        self.stream_key = streams.match_key(seed)

    # --- random choices ----------------------------------------------------------------
    def chance(self, p: float, purpose: int = streams.CHOICE) -> bool:
        """True with probability ``p``, read from the match's stream (``powergame.streams``)
        for this round: ``purpose`` is ``streams.CHOICE`` inside ``strategy`` (the round
        about to be played) and ``streams.LEAVE`` inside ``leave`` (the round just played).
        A strategy that decides this way plays the same transcript as its state table in
        every engine, seed for seed; a sure event (p of 0 or 1) draws nothing."""
        round_number = len(self.history) + 1 if purpose == streams.CHOICE else len(self.history)
        return streams.chance(self.stream_key, round_number, purpose, self.role, p)

    # --- what a strategy may read ----------------------------------------------------
    @property
    def role_name(self) -> str:
        """ "A" or "B"."""
        return ROLES[self.role]

    @property
    def round_number(self) -> int:
        """The round about to be played (1 for the first)."""
        return len(self.history) + 1

    def _game(self) -> Game:
        if self.game is None:
            raise RuntimeError(f"{self.name} is not in a match yet")
        return self.game

    @property
    def own_outside_option(self) -> float:
        """v_i: what this player earns per round once the relationship is over."""
        return self._game().outside_options[self.role]

    @property
    def partner_outside_option(self) -> float:
        """v_j: the partner's outside option."""
        return self._game().outside_options[1 - self.role]

    @property
    def own_payoffs(self) -> StagePayoffs:
        """This player's stage matrix."""
        return self._game().payoffs[self.role]

    @property
    def partner_payoffs(self) -> StagePayoffs:
        """The partner's stage matrix."""
        return self._game().payoffs[1 - self.role]

    def __repr__(self) -> str:
        return self.name


def check_classifier(classifier: object) -> str | None:
    """None when ``classifier`` is valid, else a one-line reason."""
    if not isinstance(classifier, dict):
        return f"classifier must be a dict, got {type(classifier).__name__}"
    for key, allowed in CLASSIFIER_KEYS.items():
        if key not in classifier:
            return f"classifier lacks {key!r} ({allowed})"
    if classifier["family"] not in FAMILIES:
        return f"classifier family = {classifier['family']!r} is not allowed: {CLASSIFIER_KEYS['family']}"
    depth = classifier["memory_depth"]
    if isinstance(depth, bool) or not ((isinstance(depth, int) and depth >= 0) or depth == float("inf")):
        return f"classifier memory_depth = {depth!r} is not allowed: {CLASSIFIER_KEYS['memory_depth']}"
    for key in ("stochastic", "can_leave", "uses_outside_options"):
        if not isinstance(classifier[key], bool):
            return f"classifier {key} = {classifier[key]!r} is not allowed: True or False"
    return None
