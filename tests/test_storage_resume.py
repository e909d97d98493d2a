"""The output folder: refusing to clobber, resuming after a kill -9, and refusing to
resume a different tournament."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import wait_until_group_is_gone
from tournament_fakes import fake_loader

from powergame.errors import ParameterError, WorkerLostError
from powergame.game import Game
from powergame.tournaments import round_robin, storage
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

TESTS = Path(__file__).resolve().parent
SPEC = TournamentSpec(
    name="resume",
    strategies=("Always C", "Dawdler", "Walk Away", "Coin"),
    game=Game(rounds=20, outside_options=(1.0, 0.5), noise=0.1),
    repetitions=5,
    seed=17,
)
ROUNDS_PER_CHUNK = 40  # 2 matches per chunk: many chunks, so a kill lands mid-run

# Runs SPEC in a child process, the way `powergame run` would, with small chunks.
CHILD = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from tournament_fakes import fake_loader
from test_storage_resume import SPEC, ROUNDS_PER_CHUNK
from powergame.tournaments import round_robin
round_robin.ROUNDS_PER_CHUNK = ROUNDS_PER_CHUNK
round_robin.BATCH_CHUNK_FACTOR = 1
round_robin.MANIFEST_SECONDS = 0  # every chunk recorded at once: the kill must land mid-run
round_robin.run_tournament(SPEC, sys.argv[1], processes=int(sys.argv[2]), registry_loader=fake_loader)
"""


def run(spec: TournamentSpec, out: Path | None, **kwargs: object) -> round_robin.TournamentResult:
    return run_tournament(spec, out, registry_loader=fake_loader, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", ROUNDS_PER_CHUNK)
    monkeypatch.setattr(round_robin, "BATCH_CHUNK_FACTOR", 1)  # as small for every engine


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return run(SPEC, None).matches


def finished_chunks(folder: Path) -> int:
    try:
        return len(storage.read_manifest(folder))
    except (OSError, ValueError):
        return 0


@pytest.mark.parametrize("processes", [1, 2])
def test_resume_after_sigkill_equals_an_uninterrupted_run(
    tmp_path: Path, small_chunks: None, uninterrupted: pd.DataFrame, processes: int
) -> None:
    out = tmp_path / "out"
    total_chunks = -(-len(uninterrupted) // 2)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), str(processes)], start_new_session=True, cwd=TESTS.parent
    )
    deadline = time.monotonic() + 60
    while finished_chunks(out) < 5 and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)  # the run and any workers it started
    child.wait()
    wait_until_group_is_gone(child.pid)
    done_before = finished_chunks(out)
    assert 5 <= done_before < total_chunks, "the kill must land mid-run for this test to mean anything"
    assert not (out / storage.MATCHES_FILE).exists()

    with pytest.raises(ParameterError, match="not empty"):
        run(SPEC, out)
    resumed = run(SPEC, out, resume=True)
    assert resumed.summary["counts"]["chunks_resumed"] >= done_before
    pd.testing.assert_frame_equal(resumed.matches, uninterrupted)
    pd.testing.assert_frame_equal(storage.load_matches(out), uninterrupted)
    assert json.loads((out / storage.SUMMARY_FILE).read_text())["counts"]["matches"] == len(uninterrupted)
    assert not list(out.rglob(".*.tmp-*"))


def test_resume_reruns_nothing_finished(
    tmp_path: Path, small_chunks: None, uninterrupted: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    run(SPEC, out)
    # Forget the last three chunks, as if the run had stopped before them.
    finished = storage.read_checksums(out)
    kept = sorted(finished)[:-3]
    storage.write_manifest(out, {chunk: finished[chunk] for chunk in kept})
    stamps = {chunk: storage.part_path(out, chunk).stat().st_mtime_ns for chunk in kept}
    resumed = run(SPEC, out, resume=True, csv=True)
    assert resumed.summary["counts"]["chunks_resumed"] == len(kept)
    assert all(storage.part_path(out, c).stat().st_mtime_ns == stamps[c] for c in kept)
    pd.testing.assert_frame_equal(resumed.matches, uninterrupted)
    csv = pd.read_csv(out / storage.CSV_FILE)
    assert len(csv) == len(uninterrupted) and list(csv.columns) == list(storage.COLUMNS)


def test_resume_with_a_different_spec_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    small = TournamentSpec(name="r", strategies=("Always C", "Always D"), game=Game(rounds=5), seed=1)
    run(small, out)
    with pytest.raises(ParameterError, match=r"differs in: seed"):
        run(small.with_seed(2), out, resume=True)
    other_game = TournamentSpec(name="r", strategies=("Always C", "Always D"), game=Game(rounds=6), seed=1)
    with pytest.raises(ParameterError, match=r"differs in: game"):
        run(other_game, out, resume=True)


def test_non_empty_folder_needs_resume_or_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    small = TournamentSpec(name="r", strategies=("Always C",), game=Game(rounds=5))
    with pytest.raises(ParameterError, match="--resume .* or --force"):
        run(small, out)
    with pytest.raises(ParameterError, match="no run.json"):
        run(small, out, resume=True)
    with pytest.raises(ParameterError, match="only a results folder"):
        run(small, out, force=True)  # not a results folder: --force refuses it
    assert (out / "notes.txt").read_text() == "mine"
    run(small, out / "results")
    (out / "results" / "notes.txt").write_text("mine")
    result = run(small, out / "results", force=True)
    assert (out / "results" / "notes.txt").read_text() == "mine"  # --force removes only its own files
    assert len(storage.load_matches(out / "results")) == len(result.matches) == 1


def test_resume_in_a_fresh_folder_just_runs(tmp_path: Path) -> None:
    small = TournamentSpec(name="r", strategies=("Always C",), game=Game(rounds=5))
    assert len(run(small, tmp_path / "new", resume=True).matches) == 1


def test_load_matches_needs_a_finished_run(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="matches.parquet"):
        storage.load_matches(tmp_path)


def test_force_also_removes_the_report_of_the_old_results(tmp_path):
    from powergame.tournaments.storage import REPORT_DIR, prepare_folder

    folder = tmp_path / "out"
    (folder / REPORT_DIR).mkdir(parents=True)
    (folder / REPORT_DIR / "report.html").write_text("old", encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    (folder / "run.json").write_text("{}", encoding="utf-8")  # a results folder
    prepare_folder(folder, {"fingerprint": "x"}, resume=False, force=True)
    assert not (folder / REPORT_DIR).exists()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_folder_in_use_by_a_run_is_refused_and_free_again_after(tmp_path):
    from powergame.tournaments.storage import LOCK_FILE, folder_lock, prepare_folder

    folder = tmp_path / "out"
    with folder_lock(folder):
        with pytest.raises(ParameterError, match="is in use by another run right now"), folder_lock(folder):
            pass
        # the lock file itself does not make the folder "not empty"
        assert prepare_folder(folder, {"fingerprint": "x"}, resume=False, force=False) == {}
    with folder_lock(folder):
        assert (folder / LOCK_FILE).exists()


def test_a_stopped_run_records_every_stored_chunk_though_the_manifest_waits(
    tmp_path: Path, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(round_robin, "MANIFEST_SECONDS", 1e9)  # only the first chunk, then the stop
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
        run(SPEC, out)
    assert writes == [0, 1, 4]  # a new folder's empty one, the first chunk, all four at the stop
    checksums = storage.read_checksums(out)
    assert sorted(checksums) == [0, 1, 2, 3]
    assert all(value == storage.file_checksum(storage.part_path(out, c)) for c, value in checksums.items())
    monkeypatch.setattr(round_robin, "play_chunk", play_chunk)
    assert run(SPEC, out, resume=True).summary["counts"]["chunks_resumed"] == 4


# --- part files -----------------------------------------------------------------------------
def test_parts_are_arrow_files_holding_their_chunks_rows(
    tmp_path: Path, small_chunks: None, uninterrupted: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    run(SPEC, out)
    parts = sorted(path.name for path in (out / storage.PARTS_DIR).iterdir())
    assert parts == [f"chunk-{chunk:05d}.arrow" for chunk in range(len(uninterrupted) // 2)]
    with pa.OSFile(str(storage.part_path(out, 1))) as source:
        assert pa.ipc.open_file(source).read_all().equals(storage.read_part(out, 1))
    assert (
        pa.Table.from_pandas(uninterrupted.iloc[2:4], preserve_index=False)
        .cast(storage.SCHEMA)
        .equals(storage.read_part(out, 1))
    )


def test_the_only_chunk_of_a_run_is_stored_as_the_merged_file(
    tmp_path: Path, uninterrupted: pd.DataFrame
) -> None:
    whole = tmp_path / "whole"
    run(SPEC, whole)  # 50 matches of 20 rounds: one chunk
    part = storage.part_path(whole, 0, storage.WHOLE_PART_SUFFIX)
    assert [path.name for path in (whole / storage.PARTS_DIR).iterdir()] == [part.name]
    assert part.read_bytes() == (whole / storage.MATCHES_FILE).read_bytes()  # copied, not encoded again
    pd.testing.assert_frame_equal(storage.load_matches(whole), uninterrupted)


def test_a_folder_with_parquet_parts_of_an_earlier_version_resumes(
    tmp_path: Path, small_chunks: None, uninterrupted: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    run(SPEC, out)
    checksums = storage.read_checksums(out)
    for chunk in sorted(checksums)[:4]:  # stored as the earlier version stored every part
        arrow = storage.part_path(out, chunk)
        parquet = arrow.with_suffix(".parquet")
        pq.write_table(storage.read_part(out, chunk), parquet)
        arrow.unlink()
        checksums[chunk] = storage.file_checksum(parquet)
    del checksums[5]  # and one chunk not recorded: its earlier Parquet part stays unlisted
    pq.write_table(storage.read_part(out, 5), storage.part_path(out, 5).with_suffix(".parquet"))
    storage.part_path(out, 5).unlink()
    storage.write_manifest(out, checksums)
    (out / storage.MATCHES_FILE).unlink()
    said: list[str] = []
    resumed = run(SPEC, out, resume=True, warn=said.append)
    assert said == [] and resumed.summary["counts"]["chunks_resumed"] == len(checksums)
    pd.testing.assert_frame_equal(resumed.matches, uninterrupted)
    pd.testing.assert_frame_equal(storage.load_matches(out), uninterrupted)
    # the replayed chunk's earlier part is gone: one part file per chunk
    assert not storage.part_path(out, 5).with_suffix(".parquet").exists()
    run(SPEC, out, force=True)  # --force removes both kinds of part file
    assert not list((out / storage.PARTS_DIR).glob("*.parquet"))


def dies_on_chunk_one(job: round_robin.ChunkJob) -> object:
    """A worker's chunk function that kills its process on chunk 1 (as the system does
    when memory runs out)."""
    if job.chunk_id == 1:
        os._exit(9)
    return PLAY_CHUNK_IN_WORKER(job)


PLAY_CHUNK_IN_WORKER = round_robin._play_chunk_in_worker


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="workers patched by fork")
def test_a_worker_that_dies_ends_the_run_with_one_line_and_the_run_resumes(
    tmp_path: Path, small_chunks: None, uninterrupted: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(round_robin, "_play_chunk_in_worker", dies_on_chunk_one)
    with pytest.raises(WorkerLostError, match="killed"):
        run(SPEC, out, processes=2)
    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:  # the other worker too
        time.sleep(0.05)
    assert not multiprocessing.active_children()
    monkeypatch.setattr(round_robin, "_play_chunk_in_worker", PLAY_CHUNK_IN_WORKER)
    resumed = run(SPEC, out, resume=True)
    pd.testing.assert_frame_equal(resumed.matches, uninterrupted)


def test_a_folder_resumes_in_the_chunks_it_was_cut_into(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uninterrupted: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", ROUNDS_PER_CHUNK)  # 2 matches per chunk
    monkeypatch.setattr(round_robin, "BATCH_CHUNK_FACTOR", 1)  # as small for every engine
    first = run(SPEC, out)
    chunks = first.summary["counts"]["chunks"]
    for chunk in (1, 3):  # as if the run had stopped before these were stored
        storage.part_path(out, chunk).unlink()
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", 5 * ROUNDS_PER_CHUNK)  # another version's size
    resumed = run(SPEC, out, resume=True)
    assert json.loads((out / storage.RUN_FILE).read_text())["chunk_size"] == 2
    assert resumed.summary["counts"]["chunks"] == chunks > 4
    assert resumed.summary["counts"]["chunks_resumed"] == chunks - 2
    pd.testing.assert_frame_equal(resumed.matches, uninterrupted)
    fresh = run(SPEC, tmp_path / "fresh")  # a new folder is cut by this version's size
    assert fresh.summary["counts"]["chunks"] == -(-len(uninterrupted) // 10)
    pd.testing.assert_frame_equal(fresh.matches, uninterrupted)
