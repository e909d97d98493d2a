"""What the run's process does with the chunks it is told of: reading each part as it is
reported, merging them in match order whatever order they came in, and keeping the
manifest current without rewriting it for every chunk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tournament_fakes import NAMES, fake_loader

from powergame.errors import ParameterError
from powergame.game import Game
from powergame.tournaments import analysis, round_robin, storage
from powergame.tournaments.merge import ChunkMerger
from powergame.tournaments.spec import TournamentSpec

SPEC = TournamentSpec(name="merge", strategies=NAMES, game=Game(rounds=20, noise=0.1), repetitions=3, seed=5)
ROUNDS_PER_CHUNK = 60  # 3 matches per chunk


@pytest.fixture
def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pa.Table, int]:
    """A finished run's folder, its merged table and its number of chunks."""
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", ROUNDS_PER_CHUNK)
    out = tmp_path / "out"
    result = round_robin.run_tournament(SPEC, out, registry_loader=fake_loader)
    return out, result.table, result.summary["counts"]["chunks"]


def test_chunks_reported_in_any_order_merge_in_match_order(stored: tuple[Path, pa.Table, int]) -> None:
    out, table, chunks = stored
    assert chunks >= 4
    merger = ChunkMerger(out, chunks)
    for chunk in [2, 0, chunks - 1, 1]:  # as workers might finish them; the rest stay unreported
        merger.add(chunk, None)
    assert sorted(merger.tables) == [0, 1, 2, chunks - 1]  # read when reported
    merged, single = merger.finish(table.num_rows)
    assert merged.equals(table) and single is None


def test_a_chunk_with_foreign_match_ids_is_refused(stored: tuple[Path, pa.Table, int]) -> None:
    out, table, chunks = stored
    merger = ChunkMerger(out, chunks)
    merger.add(0, storage.read_part(out, 1))  # chunk 1's rows reported as chunk 0's
    with pytest.raises(ParameterError, match="match ids 0"):
        merger.finish(table.num_rows)


def test_an_in_memory_run_merges_the_tables_it_was_given() -> None:
    first, second = pa.table({"match_id": [0, 1]}), pa.table({"match_id": [2]})
    merger = ChunkMerger(None, 2)
    merger.add(1, second)
    merger.add(0, first)
    assert merger.finish(3)[0].column("match_id").to_pylist() == [0, 1, 2]
    with pytest.raises(ValueError, match="without its rows"):
        ChunkMerger(None, 1).add(0, None)


def test_a_stopped_run_records_every_stored_chunk_though_the_manifest_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", ROUNDS_PER_CHUNK)
    monkeypatch.setattr(round_robin, "MANIFEST_SECONDS", 1e9)  # only the first chunk and the end
    writes: list[int] = []
    write_manifest = storage.write_manifest
    monkeypatch.setattr(
        storage,
        "write_manifest",
        lambda folder, done: writes.append(len(done)) or write_manifest(folder, done),
    )
    play_chunk = round_robin.play_chunk

    def stopped_at_the_fifth(job: round_robin.ChunkJob) -> object:
        if job.chunk_id == 4:
            raise KeyboardInterrupt
        return play_chunk(job)

    monkeypatch.setattr(round_robin, "play_chunk", stopped_at_the_fifth)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        round_robin.run_tournament(SPEC, out, registry_loader=fake_loader)
    assert writes == [0, 1, 4]  # the empty one of a new folder, the first chunk, then all four at the stop
    checksums = storage.read_checksums(out)
    assert sorted(checksums) == [0, 1, 2, 3]
    assert all(value == storage.file_checksum(storage.part_path(out, c)) for c, value in checksums.items())
    monkeypatch.setattr(round_robin, "play_chunk", play_chunk)
    resumed = round_robin.run_tournament(SPEC, out, registry_loader=fake_loader, resume=True)
    assert resumed.summary["counts"]["chunks_resumed"] == 4


@given(st.lists(st.integers(-3, 3), max_size=40))
def test_distinct_numbers_are_counted_as_np_unique_counts_them(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    assert analysis._count_distinct(array) == len(np.unique(array))
