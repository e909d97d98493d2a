"""The built-in engines as the façade (``powergame.play``) sees them (it registers them).

- ``python``: ``engine.play_match``, one match at a time; plays any players.
- ``batch``: ``batch.play_pairs``, every pairing of a call in one array program; needs a
  state table on both sides and horizons within ``batch.MAX_HORIZON``.
- ``exact``: ``exact_batch.exact_many``, each pairing solved once as a Markov chain;
  needs a state table on both sides.

Each turns its engine's result into the record's Arrow columns, column by column from
the engine's arrays where it has them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from powergame import power
from powergame.arrow_arrays import array, gathered_strings, list_array
from powergame.game import Game
from powergame.record_arrow import EXACT_PLAYED_SCHEMA, PLAYED_SCHEMA
from powergame.state_table import stakes_fit

if TYPE_CHECKING:
    from powergame.play import Pairing, Pairings


# --- python ---------------------------------------------------------------------------------
def python_can_play(game: Game, pairing: Pairing) -> bool:
    """The Python engine plays any two players."""
    return True


def python_play(game: Game, pairings: Sequence[Pairing]) -> pa.Table:
    """Each match played by ``play_match`` with fresh players, rows from its summary."""
    from powergame.engine import play_match

    rows = []
    for pairing in pairings:
        for seed in pairing.seeds:
            result = play_match(game, pairing.a.make(), pairing.b.make(), seed)
            row = result.summary()
            row.update(actions_a=result.actions_a, actions_b=result.actions_b)
            rows.append(row)
    return pa.Table.from_pydict(
        {name: [row[name] for row in rows] for name in PLAYED_SCHEMA.names}, schema=PLAYED_SCHEMA
    )


# --- batch ----------------------------------------------------------------------------------
def batch_can_play(game: Game, pairing: Pairing) -> bool:
    """Both sides have a state table and every match of the pairing fits the batch
    engine's longest horizon."""
    if not tables_can_play(game, pairing):
        return False
    from powergame import batch

    longest = batch.MAX_HORIZON
    if game.continuation is None:
        return game.rounds is not None and game.rounds <= longest
    if game.continuation**longest < 1e-12:  # P(n > longest) = w^longest
        return True
    return bool(batch.draw_horizons(game, pairing.seeds).max() <= longest) if pairing.seeds else True


def batch_play(game: Game, pairings: Sequence[Pairing]) -> pa.Table:
    """All pairings in one ``play_pairs`` call, columns straight from its arrays."""
    from powergame.batch import LEFT_BY_CODES, play_pairs

    batch = play_pairs(
        game,
        [(pairing.a.table, pairing.b.table) for pairing in pairings],  # type: ignore[misc]
        [pairing.seeds for pairing in pairings],
        keep_actions=True,
    )
    counts = [len(pairing.seeds) for pairing in pairings]
    total = len(batch)
    if total == 0:  # no seeds: the batch's empty arrays have no dtype to go by
        return PLAYED_SCHEMA.empty_table()

    pairing_of_match = np.repeat(np.arange(len(counts)), counts)

    def per_pairing(values: list[str]) -> pa.Array:  # numpy gathers: Array.take imports pyarrow.compute
        return array(np.asarray(values, dtype=object)[pairing_of_match], pa.string())

    def constant(value: Any, kind: pa.DataType) -> pa.Array:
        return array(np.full(total, value, dtype=object if isinstance(value, str) else None), kind)

    left_by = array(np.asarray(LEFT_BY_CODES, dtype=object)[np.asarray(batch.left_by)], pa.string())
    assert batch.actions_a is not None and batch.actions_b is not None
    given = {  # the columns that are not one of the batch's arrays as it is
        "player_a": per_pairing([pairing.a.name for pairing in pairings]),
        "player_b": per_pairing([pairing.b.name for pairing in pairings]),
        "seed": array(batch.seeds, pa.int64()),
        "left_by": left_by,
        "exit_round": array(batch.exit_round, pa.int64(), mask=batch.exit_round == 0),
        "censored": array(batch.left_by == 0, pa.bool_()),
        "structural_dependence_a": constant(power.structural_dependence(game, 0), pa.float64()),
        "structural_dependence_b": constant(power.structural_dependence(game, 1), pa.float64()),
        "power_index": constant(power.power_index(game), pa.float64()),
        "least_interest": constant(power.least_interest_partner(game), pa.string()),
    }
    columns = [
        given[field.name] if field.name in given else array(getattr(batch, field.name), field.type)
        for field in PLAYED_SCHEMA
    ]
    return pa.Table.from_arrays(columns, schema=PLAYED_SCHEMA)


# --- exact ----------------------------------------------------------------------------------
def exact_play(game: Game, pairings: Sequence[Pairing]) -> pa.Table:
    """Every pairing solved once (``exact_many``), one row of expectations each: the
    realized-only columns (seed, left_by, exit_round, power shifts and shares, actions)
    null, and the survival curve as a list column."""
    from powergame.exact_batch import FIGURES, exact_many
    from powergame.play import Pairings

    if isinstance(pairings, Pairings):  # from the columns, without a Pairing each
        sides = pairings.entrants
        tables, names = (
            list(
                zip(
                    *(pairings.per_pairing(role, [getattr(e, field) for e in sides[role]]) for role in (0, 1))
                )
            )
            for field in ("table", "name")
        )
        batch = exact_many(game, tables, names)  # type: ignore[arg-type]
        players = [
            gathered_strings([entrant.name for entrant in sides[role]], pairings.chosen[role])
            for role in (0, 1)
        ]
    else:
        batch = exact_many(
            game,
            [(pairing.a.table, pairing.b.table) for pairing in pairings],  # type: ignore[misc]
            [(pairing.a.name, pairing.b.name) for pairing in pairings],
        )
        players = [array(list(batch.player_a), pa.string()), array(list(batch.player_b), pa.string())]
    count = len(pairings)
    lengths = batch.survival_length
    curves = batch.survival
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    if count and bool(np.all(lengths == curves.shape[1])):  # every curve full length: a view
        flat = curves.reshape(-1)
    else:
        flat = curves[np.arange(curves.shape[1])[None, :] < lengths[:, None]] if count else np.zeros(0)
    constants = {
        "horizon": game.expected_horizon,
        "structural_dependence_a": power.structural_dependence(game, 0),
        "structural_dependence_b": power.structural_dependence(game, 1),
        "power_index": power.power_index(game),
        "least_interest": power.least_interest_partner(game),
        "exact": True,
    }
    arrays: dict[str, Any] = {
        "censored": batch.p_censored,
        "p_lasted": batch.p_censored,
        **{name: batch.figures[name] for name in FIGURES},
    }
    columns = []
    for field in EXACT_PLAYED_SCHEMA:
        if field.name == "survival":
            columns.append(list_array(offsets, flat))
        elif field.name in ("player_a", "player_b"):
            columns.append(players[field.name == "player_b"])
        elif field.name in arrays:
            columns.append(array(arrays[field.name], field.type))
        elif field.name in constants:
            columns.append(array(np.full(count, constants[field.name]), field.type))
        else:  # seed, left_by, exit_round, power shifts and shares, actions: realized only
            columns.append(pa.nulls(count, field.type))
    return pa.Table.from_arrays(columns, schema=EXACT_PLAYED_SCHEMA)


def tables_can_play_each(game: Game, pairings: Pairings) -> np.ndarray:
    """``tables_can_play`` for each of ``pairings``, from its entrants' tables."""
    kinds = []
    for side in pairings.entrants:
        tables = [entrant.table for entrant in side]
        kinds.append(
            (
                np.array([table is not None for table in tables], dtype=bool),
                np.array([table is not None and table.unit_stakes_only for table in tables], dtype=bool),
                np.array([table is not None and table.full_stakes for table in tables], dtype=bool),
            )
        )
    (has_a, unit_a, full_a), (has_b, unit_b, full_b) = (
        tuple(flags[chosen] for flags in kind) for kind, chosen in zip(kinds, pairings.chosen)
    )
    return has_a & has_b & ~((unit_a & ~full_b) | (unit_b & ~full_a))


def tables_can_play(game: Game, pairing: Pairing) -> bool:
    """Both sides have a state table in their role of the game, and the tables fit each
    other's stakes (``powergame.state_table.stakes_fit``)."""
    a, b = pairing.a.table, pairing.b.table
    return a is not None and b is not None and stakes_fit(a, b)
