"""Durable writes of a results folder: a file is flushed to the disk before it takes its
name and its folder after; the part files a manifest lists are flushed before it; a resumed
run whose manifest was cut short plays every chunk again, with one warning."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from helpers import cli
from tournament_fakes import fake_loader

from powergame.game import Game
from powergame.tournaments import round_robin, storage
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

SPEC = TournamentSpec(
    name="durable",
    strategies=("Always C", "Walk Away", "Coin"),
    game=Game(rounds=10, noise=0.1),
    repetitions=4,
    seed=5,
)

Event = tuple[str, Path]


class Recorder:
    """Every fsync (of the file or folder the descriptor is open on) and every rename into
    place, in order; and for each rename of a manifest, the chunks it names."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.manifests: dict[int, set[int]] = {}


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    seen = Recorder()
    fsync, replace = os.fsync, os.replace

    def recording_fsync(descriptor: int) -> None:
        seen.events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{descriptor}"))))
        fsync(descriptor)

    def recording_replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        replace(source, target)
        if Path(target).name == storage.MANIFEST_FILE:
            seen.manifests[len(seen.events)] = storage.read_manifest(Path(target).parent)
        seen.events.append(("replace", Path(target)))

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    return seen


@pytest.fixture
def events(recorder: Recorder) -> list[Event]:
    return recorder.events


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", 30)


def run(out: Path, **kwargs: object) -> round_robin.TournamentResult:
    return run_tournament(SPEC, out, registry_loader=fake_loader, **kwargs)  # type: ignore[arg-type]


def flushed(events: list[Event], before: int | None = None) -> set[Path]:
    return {path for kind, path in events[:before] if kind == "fsync"}


def renamed_at(events: list[Event], target: Path) -> list[int]:
    return [i for i, event in enumerate(events) if event == ("replace", target)]


def temporary_of(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def test_a_json_file_is_flushed_before_its_rename_and_its_folder_after(
    tmp_path: Path, events: list[Event]
) -> None:
    path = tmp_path / "summary.json"
    storage.write_json_atomic(path, {"a": 1})
    assert events == [
        ("fsync", temporary_of(path)),
        ("replace", path),
        ("fsync", tmp_path),
    ]


def test_the_manifest_flushes_its_new_parts_and_their_folder_first(
    tmp_path: Path, events: list[Event]
) -> None:
    (tmp_path / storage.PARTS_DIR).mkdir()
    rows = run(tmp_path / "rows", processes=1).table.slice(0, 3)
    events.clear()
    checksums = {chunk: storage.write_part(tmp_path, chunk, rows) for chunk in (0, 1, 2)}
    assert flushed(events) == set()  # a part alone is not flushed: the manifest does it in one batch
    parts = {storage.part_path(tmp_path, chunk) for chunk in (0, 1, 2)}
    events.clear()
    storage.write_manifest(tmp_path, {0: checksums[0], 1: checksums[1]})
    manifest = tmp_path / storage.MANIFEST_FILE
    (rename,) = renamed_at(events, manifest)
    first = {storage.part_path(tmp_path, 0), storage.part_path(tmp_path, 1)}
    assert flushed(events, rename) == first | {tmp_path / storage.PARTS_DIR, temporary_of(manifest)}
    assert events[rename + 1 :] == [("fsync", tmp_path)]
    events.clear()  # the next manifest flushes only the part it names for the first time
    storage.write_manifest(tmp_path, checksums)
    (rename,) = renamed_at(events, manifest)
    assert flushed(events, rename) & parts == {storage.part_path(tmp_path, 2)}
    assert storage.read_checksums(tmp_path) == checksums


@pytest.mark.parametrize("processes", [1, 2])
def test_every_part_a_run_records_was_flushed_before_the_manifest_named_it(
    tmp_path: Path, recorder: Recorder, small_chunks: None, processes: int
) -> None:
    out = tmp_path / "out"
    chunks = run(out, processes=processes).summary["counts"]["chunks"]
    events, manifest = recorder.events, out / storage.MANIFEST_FILE
    assert chunks > 3 and max(recorder.manifests.items())[1] == set(range(chunks))
    for index, named in recorder.manifests.items():
        before = flushed(events, index)
        assert {storage.part_path(out, chunk) for chunk in named} <= before
        assert temporary_of(manifest) in before and (not named or out / storage.PARTS_DIR in before)
        assert ("fsync", out) in events[index + 1 :]


def test_a_part_played_again_on_resume_is_flushed_again(
    tmp_path: Path, events: list[Event], small_chunks: None
) -> None:
    out = tmp_path / "out"
    first = run(out)
    chunks, expected = first.summary["counts"]["chunks"], storage.load_matches(out)
    del first  # its table maps the part files (storage), and one is damaged in place below
    part = storage.part_path(out, 3)
    part.write_bytes(part.read_bytes()[:100])
    events.clear()
    said: list[str] = []
    again = run(out, resume=True, warn=said.append)
    assert len(said) == 1 and "chunk-00003.arrow" in said[0]
    last = renamed_at(events, out / storage.MANIFEST_FILE)[-1]
    assert part in flushed(events, last)
    assert storage.read_manifest(out) == set(range(chunks))
    pd.testing.assert_frame_equal(again.matches, expected)


@pytest.mark.parametrize("text", ["", '{"finished_chunks": [1, 2', "{}"])
def test_a_manifest_cut_short_is_one_warning_and_every_chunk_is_played_again(
    tmp_path: Path, small_chunks: None, text: str
) -> None:
    out = tmp_path / "out"
    first = run(out)
    (out / storage.MANIFEST_FILE).write_text(text, encoding="utf-8")
    said: list[str] = []
    again = run(out, resume=True, warn=said.append)
    assert len(said) == 1 and storage.MANIFEST_FILE in said[0] and "every chunk is played again" in said[0]
    assert again.summary["counts"]["chunks_resumed"] == 0
    assert storage.read_manifest(out) == set(range(first.summary["counts"]["chunks"]))
    pd.testing.assert_frame_equal(again.matches, first.matches)


def test_the_command_line_warns_once_about_an_empty_manifest_and_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["tournament", "Loyal", "Parasite", "--rounds", "5", "--out", str(tmp_path / "cli"), "-q"]
    assert cli(monkeypatch, capsys, *command)[0] == 0
    (tmp_path / "cli" / storage.MANIFEST_FILE).write_bytes(b"")
    code, _, err = cli(monkeypatch, capsys, *command, "--resume")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 0 and len(lines) == 1 and lines[0].startswith("Warning: manifest.json is empty or damaged")
