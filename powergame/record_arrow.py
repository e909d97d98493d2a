"""The match record (``powergame.record``) as Arrow schemas.

Two kinds of per-match table: a *simulated* one (one row per played match) and an *exact*
one (one row per pairing, expectations of its Markov chain). Each comes whole (every
column of the record, what a tournament stores) and as what an engine gives (the columns
the engine fills and the transcript; the tournament adds the ids, the strategies'
names and families and the outside options).
"""

from __future__ import annotations

import pyarrow as pa

from powergame import record

# Arrow types of the record's column kinds.
ARROW_TYPES: dict[str, pa.DataType] = {
    "int": pa.int64(),
    "float": pa.float64(),
    "text": pa.string(),
    "bool": pa.bool_(),
    "floats": pa.list_(pa.float64()),
}

#: The per-match table: one row per match, the record's columns in their order.
SCHEMA = pa.schema([(column.name, ARROW_TYPES[column.kind]) for column in record.MATCH_COLUMNS])

#: The per-match table of an exact run: one row per pairing (seed null) with expectations in
#: the numeric columns (so horizon, rounds_together and censored, the chance to last, are
#: floats), the realized-only columns null, and the record's exact columns.
EXACT_SCHEMA = pa.schema(
    [(c.name, pa.float64() if c.expectation else ARROW_TYPES[c.kind]) for c in record.MATCH_COLUMNS]
    + [(c.name, ARROW_TYPES[c.kind]) for c in record.EXACT_COLUMNS]
)

#: Columns the tournament fills (ids, who plays, the outside options), not the engine.
TOURNAMENT_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in record.MATCH_COLUMNS if c.given_by == "tournament"
)


def _played(schema: pa.Schema) -> pa.Schema:
    return pa.schema([field for field in schema if field.name not in TOURNAMENT_COLUMNS])


#: What an engine gives for simulated matches: the engine's columns and the transcript.
PLAYED_SCHEMA = _played(SCHEMA)
#: What an exact engine gives: the engine's columns (as expectations) and the exact columns.
EXACT_PLAYED_SCHEMA = _played(EXACT_SCHEMA)
