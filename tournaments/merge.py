"""Merging a tournament's chunks while they are played.

A run's chunks finish out of order (several worker processes play them); ``ChunkMerger``
takes each chunk as soon as every chunk before it is in, and then does at once what the
end of the run would otherwise do for the whole table: it appends the chunk's rows to
``matches.parquet`` (in row groups of ``storage.ROW_GROUP_ROWS``, as writing the whole
table at the end would cut them) and builds the chunk's part of the analysis's long table
(``long_table.sides``). While worker processes play, this work shares the cores with them
instead of waiting until they are done.

Should a chunk not hold the match ids that follow the previous one's, the merger stops
merging as it goes and ``finish`` merges the whole table at the end instead (which sorts
or refuses the rows, as ``storage.gather_parts`` does).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from powergame.arrow_arrays import to_numpy

from . import storage
from .long_table import Sides, concat_sides, sides


class ChunkMerger:
    """Chunks ``0 .. chunks - 1``, each taken (``add``) in any order and merged in match
    order. ``folder``: the results folder (None: an in-memory run). ``stored``: chunks
    whose part files are there already (a resumed run's), read when their turn comes.
    ``write``: write ``matches.parquet`` as the chunks come (else only the table and its
    long table are merged)."""

    def __init__(
        self, folder: Path | None, chunks: int, stored: Collection[int] = (), write: bool = True
    ) -> None:
        self.folder = folder
        self.chunks = chunks
        self.waiting: dict[int, pa.Table | None] = dict.fromkeys(stored)
        self.next_chunk = 0
        self.next_id = 0
        self.tables: list[pa.Table] = []
        self.sides: list[Sides] = []
        self.in_order = True  # every chunk so far held the match ids after the previous one's
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[pa.Table] = []  # rows not yet written: less than a row group
        self.pending_rows = 0
        self.write = write and folder is not None
        self.tmp = storage.temporary_path(folder / storage.MATCHES_FILE) if self.write and folder else None

    def add(self, chunk_id: int, table: pa.Table | None) -> None:
        """Chunk ``chunk_id`` is finished: ``table`` its rows, or None when they are only
        in its part file. Merges every chunk that is now next in line."""
        self.waiting[chunk_id] = table
        while self.in_order and self.next_chunk in self.waiting:
            self._take(self.waiting.pop(self.next_chunk), self.next_chunk)
            self.next_chunk += 1

    def _take(self, table: pa.Table | None, chunk_id: int) -> None:
        if table is None:
            assert self.folder is not None
            table = storage.read_part(self.folder, chunk_id)
        ids = to_numpy(table.column("match_id"))
        if not len(ids) or not np.array_equal(ids, np.arange(self.next_id, self.next_id + len(ids))):
            self.in_order = False  # finish() merges the whole table the careful way
            self.waiting[chunk_id] = table
            return
        self.next_id += len(ids)
        self.tables.append(table)
        if "exact" not in table.column_names:  # exact runs have one chunk: their sides come whole
            self.sides.append(sides(table))
        if self.write:
            self._write(table)

    def _write(self, table: pa.Table) -> None:
        if self.writer is None:
            assert self.tmp is not None
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.pending.append(table)
        self.pending_rows += table.num_rows
        if self.pending_rows < storage.ROW_GROUP_ROWS:
            return
        rows = pa.concat_tables(self.pending)
        whole = rows.num_rows - rows.num_rows % storage.ROW_GROUP_ROWS
        self.writer.write_table(rows.slice(0, whole), row_group_size=storage.ROW_GROUP_ROWS)
        self.pending = [rows.slice(whole)] if whole < rows.num_rows else []
        self.pending_rows = rows.num_rows - whole

    @property
    def complete(self) -> bool:
        """Every chunk was merged as it came."""
        return self.in_order and self.next_chunk == self.chunks

    def finish(self, expected_matches: int) -> tuple[pa.Table, Sides | None, Path | None]:
        """The merged table, its long table (None when it is to be built from the table) and
        the finished temporary file that is to become ``matches.parquet`` (None: nothing was
        written as the chunks came; ``storage.write_merged`` writes the table). Raises
        ParameterError when the rows are not match ids 0 .. expected_matches - 1."""
        if not self.complete or self.next_id != expected_matches:
            self.close()
            return self._whole(expected_matches)
        table = pa.concat_tables(self.tables) if self.tables else storage.SCHEMA.empty_table()
        long = concat_sides(self.sides) if self.sides and len(self.sides) == len(self.tables) else None
        if self.writer is None:
            return table, long, None
        if self.pending_rows:
            self.writer.write_table(pa.concat_tables(self.pending), row_group_size=storage.ROW_GROUP_ROWS)
        self.writer.close()
        self.writer = None
        written, self.tmp = self.tmp, None  # the caller's now: close() leaves it
        return table, long, written

    def _whole(self, expected_matches: int) -> tuple[pa.Table, Sides | None, Path | None]:
        known = {**dict(enumerate(self.tables)), **self._waiting_tables()}
        if self.folder is None:  # every chunk's rows are here
            ordered = [known[chunk] for chunk in sorted(known)]
            return pa.concat_tables(ordered) if ordered else storage.SCHEMA.empty_table(), None, None
        table, _ = storage.gather_parts(
            self.folder, range(self.chunks), expected_matches=expected_matches, tables=known
        )
        return table, None, None

    def _waiting_tables(self) -> Mapping[int, pa.Table]:
        return {chunk: table for chunk, table in self.waiting.items() if table is not None}

    def close(self) -> None:
        """Drop the file being written, if any (the run stopped, or merges at the end)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
