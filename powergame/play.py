"""The engine façade: ``play(game, pairings, engine="auto")`` plays many pairings at once.

A *pairing* is two entrants (role A, role B) and the seeds of their matches; an *entrant*
is a strategy as the engines see it: a way to make a fresh player, the player's name and
its state table in its role of the game. ``play`` hands the pairings to an engine and
returns the match record (``powergame.record``) of every match, pairing after pairing, as
an Arrow table: ``record_arrow.PLAYED_SCHEMA`` for simulated matches (one row per seed),
``record_arrow.EXACT_PLAYED_SCHEMA`` for an exact engine (one row per pairing, the
expectations of its Markov chain; seeds do not apply). The columns a tournament fills
(ids, strategy names and families, outside options) are not the engines' to give.

Engines are registered by name (``register_engine``) with a test of what they can play
and the function that plays; ``engine="auto"`` gives each pairing to the first simulating
engine, by rank, that can play it (the batch engine when both sides have a state table and
every horizon fits it, else the Python engine). A new engine plugs in by registering; the
façade does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import pyarrow as pa

from powergame.errors import ParameterError
from powergame.game import Game
from powergame.player import Player
from powergame.record_arrow import EXACT_PLAYED_SCHEMA, PLAYED_SCHEMA
from powergame.state_table import StateTable

AUTO = "auto"


def table_in(player: Player, game: Game, role: int) -> StateTable | None:
    """The player's state table in ``role`` of ``game``: asked once the player has joined a
    match, so that a table that depends on the game (Least Interest's) is known."""
    player.join_match(game, role, 0)
    return player.state_table()


@dataclass(frozen=True)
class Entrant:
    """One side of a pairing: ``make`` gives a fresh player (one per simulated match),
    ``name`` is that player's name and ``table`` its state table in its role of the game
    (None: it has none)."""

    make: Callable[[], Player]
    name: str
    table: StateTable | None

    @classmethod
    def of(cls, make: Callable[[], Player], game: Game, role: int) -> Entrant:
        """The entrant ``make``'s players are, in ``role`` (0 = A, 1 = B) of ``game``."""
        player = make()
        return cls(make, player.name, table_in(player, game, role))


@dataclass(frozen=True)
class Pairing:
    """``a`` plays role A against ``b`` in role B, one match per seed."""

    a: Entrant
    b: Entrant
    seeds: tuple[int, ...]

    @classmethod
    def of(
        cls, game: Game, make_a: Callable[[], Player], make_b: Callable[[], Player], seeds: Sequence[int]
    ) -> Pairing:
        """The pairing of the players ``make_a`` and ``make_b`` give, in ``game``."""
        return cls(Entrant.of(make_a, game, 0), Entrant.of(make_b, game, 1), tuple(seeds))


class Pairings(Sequence[Pairing]):
    """Many pairings as columns: each role's entrants once and, for each pairing, the
    number of its A entrant and of its B entrant and its seeds (a round robin of 162
    strategies is 26,244 pairings of 324 entrants). ``play`` takes it where it takes a list
    of ``Pairing`` (an item is built when asked for); an engine that knows it reads the
    columns instead (``Engine.can_play_each``, the exact engine's play)."""

    def __init__(
        self,
        entrants_a: Sequence[Entrant],
        entrants_b: Sequence[Entrant],
        a: Sequence[int] | np.ndarray,
        b: Sequence[int] | np.ndarray,
        seeds: Sequence[tuple[int, ...]],
    ) -> None:
        self.entrants = (tuple(entrants_a), tuple(entrants_b))
        self.chosen = (np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp))
        self.seeds = seeds
        if not len(self.chosen[0]) == len(self.chosen[1]) == len(seeds):
            raise ValueError("a, b and seeds must have one entry per pairing")

    def __len__(self) -> int:
        return len(self.seeds)

    @overload
    def __getitem__(self, index: int) -> Pairing: ...

    @overload
    def __getitem__(self, index: slice) -> list[Pairing]: ...

    def __getitem__(self, index: int | slice) -> Pairing | list[Pairing]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        a, b = int(self.chosen[0][index]), int(self.chosen[1][index])
        return Pairing(self.entrants[0][a], self.entrants[1][b], self.seeds[index])

    def per_pairing(self, role: int, values: Sequence[object]) -> list[object]:
        """``values`` (one per entrant of ``role``) for each pairing, in order."""
        return [values[i] for i in self.chosen[role].tolist()]


@dataclass(frozen=True)
class Engine:
    """An engine as the façade knows it.

    ``can_play(game, pairing)`` says whether it plays that pairing (``needs`` says what it
    needs, for the error when it is asked for one it cannot play); ``play(game, pairings)``
    gives the record of all their matches, pairing after pairing: a table of
    ``PLAYED_SCHEMA`` with one row per seed or, when ``exact``, of ``EXACT_PLAYED_SCHEMA``
    with one row per pairing. ``auto`` is its rank when ``engine="auto"`` chooses (lower
    is tried first; None: used only when named); only simulating engines take part.
    ``can_play_each(game, pairings)``, when given, says the same as ``can_play`` for each of
    a ``Pairings`` at once (a bool array)."""

    name: str
    can_play: Callable[[Game, Pairing], bool]
    play: Callable[[Game, Sequence[Pairing]], pa.Table]
    needs: str = ""
    auto: float | None = None
    exact: bool = False
    can_play_each: Callable[[Game, Pairings], np.ndarray] | None = None

    @property
    def schema(self) -> pa.Schema:
        """The schema of the tables this engine gives."""
        return EXACT_PLAYED_SCHEMA if self.exact else PLAYED_SCHEMA

    def rows(self, pairing: Pairing) -> int:
        """How many rows of its table belong to ``pairing``."""
        return 1 if self.exact else len(pairing.seeds)


_ENGINES: dict[str, Engine] = {}


def register_engine(engine: Engine, *, replace: bool = False) -> Engine:
    """Make ``engine`` playable by its name (and, with a rank, by ``"auto"``); a name
    already taken is refused unless ``replace``."""
    if not engine.name or engine.name == AUTO:
        raise ParameterError("engine name", engine.name, f"must be a non-empty name other than {AUTO!r}")
    if engine.name in _ENGINES and not replace:
        raise ParameterError(
            "engine name", engine.name, "is taken (register with replace=True to replace it)"
        )
    if engine.exact and engine.auto is not None:
        raise ParameterError(
            "auto", engine.auto, f"must be None for the exact engine {engine.name!r} (auto only simulates)"
        )
    _ENGINES[engine.name] = engine
    return engine


def unregister_engine(name: str) -> None:
    """Forget the engine called ``name`` (nothing if there is none)."""
    _ENGINES.pop(name, None)


def engine_names() -> tuple[str, ...]:
    """Every name ``play`` accepts: ``"auto"`` and the registered engines."""
    return (AUTO, *sorted(_ENGINES))


def get_engine(name: str) -> Engine:
    """The registered engine called ``name``; an unknown name is a ParameterError that
    lists the allowed ones."""
    engine = _ENGINES.get(name) if isinstance(name, str) else None
    if engine is None:
        raise ParameterError("engine", name, f"must be one of: {', '.join(engine_names())}")
    return engine


def play(game: Game, pairings: Sequence[Pairing], engine: str = AUTO) -> pa.Table:
    """The match record of every pairing's matches, pairing after pairing, played by
    ``engine`` (a registered name, or ``"auto"``: for each pairing the first engine by rank
    that can play it). One row per seed; one per pairing from an exact engine."""
    if engine != AUTO:
        chosen = get_engine(engine)
        if isinstance(pairings, Pairings) and chosen.can_play_each is not None:
            refused = np.nonzero(~np.asarray(chosen.can_play_each(game, pairings), dtype=bool))[0]
            first = pairings[int(refused[0])] if len(refused) else None
        else:
            pairings = list(pairings)
            first = next((pairing for pairing in pairings if not chosen.can_play(game, pairing)), None)
        if first is not None:
            raise ParameterError(
                "engine", engine, f"cannot play {_who(first)}: {chosen.needs or 'it refuses the pairing'}"
            )
        return _played_by(chosen, game, pairings)
    pairings = list(pairings)
    ranked = _auto_engines()
    positions: dict[str, list[int]] = {}
    for index, pairing in enumerate(pairings):
        taker = auto_engine(game, pairing, ranked)
        if taker is None:
            raise ParameterError(
                "engine", AUTO, f"no engine ({', '.join(e.name for e in ranked)}) can play {_who(pairing)}"
            )
        positions.setdefault(taker.name, []).append(index)
    if len(positions) <= 1:
        name = next(iter(positions), None)
        return _played_by(_ENGINES[name], game, pairings) if name else PLAYED_SCHEMA.empty_table()
    blocks: dict[int, pa.Table] = {}
    for name, chosen_positions in positions.items():
        chosen = _ENGINES[name]
        table = _played_by(chosen, game, [pairings[i] for i in chosen_positions])
        start = 0
        for i in chosen_positions:
            count = chosen.rows(pairings[i])
            blocks[i] = table.slice(start, count)
            start += count
    return pa.concat_tables([blocks[i] for i in range(len(pairings))]).combine_chunks()


def auto_engine(game: Game, pairing: Pairing, ranked: Sequence[Engine] | None = None) -> Engine | None:
    """The engine ``engine="auto"`` plays ``pairing`` with: the first by rank that can play
    it (None: none can)."""
    return next(
        (e for e in (_auto_engines() if ranked is None else ranked) if e.can_play(game, pairing)), None
    )


def _auto_engines() -> list[Engine]:
    return sorted((e for e in _ENGINES.values() if e.auto is not None), key=lambda e: e.auto or 0.0)


def _played_by(engine: Engine, game: Game, pairings: Sequence[Pairing]) -> pa.Table:
    """``engine``'s table of ``pairings``, checked against the record it must give."""
    if not len(pairings):
        return engine.schema.empty_table()
    table = engine.play(game, pairings)
    expected = len(pairings) if engine.exact else sum(engine.rows(pairing) for pairing in pairings)
    if not table.schema.equals(engine.schema) or table.num_rows != expected:
        raise ParameterError(
            "engine",
            engine.name,
            f"must give {expected} rows of the record's {'exact ' if engine.exact else ''}columns "
            f"(it gave {table.num_rows} rows of {table.schema.names})",
        )
    return table


def _who(pairing: Pairing) -> str:
    return f"{pairing.a.name!r} (A) vs {pairing.b.name!r} (B)"


def _register_builtin() -> None:
    from powergame import play_engines as built_in

    tables = "both players need a state table in their role of this game (and stake 1 against a table that needs it)"
    for engine in (
        Engine("batch", built_in.batch_can_play, built_in.batch_play, tables + " and horizons it takes", 0.0),
        Engine("python", built_in.python_can_play, built_in.python_play, auto=100.0),
        Engine(
            "exact",
            built_in.tables_can_play,
            built_in.exact_play,
            tables,
            exact=True,
            can_play_each=built_in.tables_can_play_each,
        ),
    ):
        register_engine(engine)


_register_builtin()
