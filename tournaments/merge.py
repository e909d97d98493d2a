"""Collecting a tournament's chunks while they are played.

Worker processes leave each chunk's rows in its part file and report only its id and
checksum; ``ChunkMerger`` reads the part as soon as it is reported. While the workers play,
this reading shares the cores with them, instead of following them when play is done
(reading a part costs the run's process less than receiving its table from a worker did).
``finish`` then merges the chunks in match order (``storage.gather_parts``).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from . import storage


class ChunkMerger:
    """Chunks ``0 .. chunks - 1``, each handed in (``add``) in any order. ``folder``: the
    results folder (None: an in-memory run, whose chunks all come with their tables).
    Chunks never handed in (a resumed run's, stored before) are read by ``finish``."""

    def __init__(self, folder: Path | None, chunks: int) -> None:
        self.folder = folder
        self.chunks = chunks
        self.tables: dict[int, pa.Table] = {}

    def add(self, chunk_id: int, table: pa.Table | None) -> None:
        """Chunk ``chunk_id`` is finished: ``table`` its rows, or None when they are only in
        its part file (read now)."""
        if table is None:
            if self.folder is None:
                raise ValueError(f"chunk {chunk_id} came without its rows and there is no part file")
            table = storage.read_part(self.folder, chunk_id)
        self.tables[chunk_id] = table

    def finish(self, expected_matches: int) -> tuple[pa.Table, Path | None]:
        """The rows of every chunk in match order, and the path of the only part file when
        it holds them all in that order (``storage.write_merged`` copies it). With a folder
        the rows must be match ids 0 .. expected_matches - 1 (else ParameterError)."""
        if self.folder is None:
            ordered = [self.tables[chunk] for chunk in sorted(self.tables)]
            return (pa.concat_tables(ordered) if ordered else storage.SCHEMA.empty_table()), None
        return storage.gather_parts(
            self.folder, range(self.chunks), expected_matches=expected_matches, tables=self.tables
        )
