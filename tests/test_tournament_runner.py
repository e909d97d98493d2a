"""The round-robin runner: who meets whom, in which roles, with which seeds, and what the
per-match table holds."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tournament_fakes import NAMES, fake_loader

from powergame.errors import UnknownStrategyError
from powergame.game import Game
from powergame.tournaments import round_robin, storage
from powergame.tournaments.round_robin import enumerate_matches, role_assignments, run_tournament
from powergame.tournaments.spec import TournamentSpec

SYMMETRIC = Game(rounds=10)
ASYMMETRIC = Game(rounds=10, outside_options=(2.0, 1.0))


def spec_of(names: tuple[str, ...], game: Game = SYMMETRIC, **kwargs: object) -> TournamentSpec:
    return TournamentSpec(name="t", strategies=names, game=game, **kwargs)  # type: ignore[arg-type]


def run(spec: TournamentSpec, **kwargs: object) -> round_robin.TournamentResult:
    return run_tournament(spec, registry_loader=fake_loader, **kwargs)  # type: ignore[arg-type]


# --- pairings and seeds ---------------------------------------------------------------------
def test_symmetric_game_plays_each_unordered_pair_once() -> None:
    pairs = role_assignments(spec_of(("X", "Y", "Z")))
    assert pairs == [("X", "X"), ("X", "Y"), ("X", "Z"), ("Y", "Y"), ("Y", "Z"), ("Z", "Z")]
    without = role_assignments(spec_of(("X", "Y", "Z"), self_play=False))
    assert without == [("X", "Y"), ("X", "Z"), ("Y", "Z")]


def test_asymmetric_game_plays_both_role_assignments() -> None:
    pairs = role_assignments(spec_of(("X", "Y", "Z"), game=ASYMMETRIC))
    # 3 self-play pairings once each + 3 unordered pairs in both roles = 9
    assert len(pairs) == 9
    assert ("X", "Y") in pairs and ("Y", "X") in pairs
    assert Counter(a for a, _ in pairs) == Counter(b for _, b in pairs) == {"X": 3, "Y": 3, "Z": 3}


@given(st.integers(2, 7), st.booleans(), st.booleans())
def test_role_assignment_numbers_are_the_role_assignments_in_order(
    count: int, asymmetric: bool, self_play: bool
) -> None:
    names = tuple(f"S{i}" for i in range(count))
    spec = spec_of(names, game=ASYMMETRIC if asymmetric else SYMMETRIC, self_play=self_play)
    first, second = round_robin.role_assignment_numbers(spec)
    assert [(names[a], names[b]) for a, b in zip(first.tolist(), second.tolist())] == role_assignments(spec)


def test_seeds_come_from_the_master_seed_sequence_in_enumeration_order() -> None:
    spec = spec_of(("X", "Y"), repetitions=3, seed=99)
    tasks = enumerate_matches(spec)
    expected = np.random.SeedSequence(99).generate_state(len(tasks), dtype=np.uint64)
    assert [t.seed for t in tasks] == [int(s) & (2**63 - 1) for s in expected]
    assert [(t.match_id, t.repetition) for t in tasks[:4]] == [(0, 0), (1, 1), (2, 2), (3, 0)]
    assert len({t.seed for t in tasks}) == len(tasks)


@settings(max_examples=25)
@given(
    count=st.integers(1, 4),
    repetitions=st.integers(1, 3),
    self_play=st.booleans(),
    asymmetric=st.booleans(),
)
def test_every_strategy_meets_every_other_in_every_role(
    count: int, repetitions: int, self_play: bool, asymmetric: bool
) -> None:
    names = tuple("PQRS"[:count])
    if count == 1 and not self_play:
        return
    spec = spec_of(
        names, game=ASYMMETRIC if asymmetric else SYMMETRIC, repetitions=repetitions, self_play=self_play
    )
    tasks = enumerate_matches(spec)
    unordered = count * (count - 1) // 2
    pairings = unordered * (2 if asymmetric else 1) + (count if self_play else 0)
    assert len(tasks) == pairings * repetitions
    assert [t.match_id for t in tasks] == list(range(len(tasks)))
    per_pair = Counter((t.strategy_a, t.strategy_b) for t in tasks)
    assert set(per_pair.values()) == {repetitions}
    for a in names:
        for b in names:
            if a == b:
                assert ((a, a) in per_pair) == self_play
            elif asymmetric:
                assert (a, b) in per_pair
            else:
                assert ((a, b) in per_pair) != ((b, a) in per_pair)


# --- the per-match table --------------------------------------------------------------------
def test_hand_computed_exit_rows_keep_the_roles() -> None:
    spec = spec_of(("Walk Away", "Always D"), game=ASYMMETRIC, repetitions=2)
    matches = run(spec).matches
    assert len(matches) == 4 * 2
    assert list(matches.columns) == list(storage.COLUMNS)
    rows = matches.set_index(["strategy_a", "strategy_b"])
    # Walk Away (A, v=2) gets S=0 in round 1 and leaves; then 9 rounds at v_A=2 and v_B=1.
    walk_first = rows.loc[("Walk Away", "Always D")].iloc[0]
    assert walk_first["left_by"] == "A" and walk_first["exit_round"] == 1
    assert walk_first["total_a"] == pytest.approx(0 + 9 * 2.0)
    assert walk_first["total_b"] == pytest.approx(5 + 9 * 1.0)
    assert walk_first["score_a"] == pytest.approx(1.8)
    assert not walk_first["censored"]
    assert (walk_first["actions_a"], walk_first["actions_b"]) == ("C", "D")
    assert (walk_first["family_a"], walk_first["family_b"]) == ("trust-building", "withholding")
    # Roles swapped: Always D is A (v=2) and earns T=5 then 9 * 2; Walk Away (B) 0 + 9 * 1.
    d_first = rows.loc[("Always D", "Walk Away")].iloc[0]
    assert d_first["left_by"] == "B"
    assert (d_first["total_a"], d_first["total_b"]) == (pytest.approx(23.0), pytest.approx(9.0))
    assert (d_first["outside_a"], d_first["outside_b"]) == (2.0, 1.0)
    # Two Always D partners stay for all 10 rounds at P = 1 each.
    both_d = rows.loc[("Always D", "Always D")].iloc[0]
    assert pd.isna(both_d["left_by"]) and pd.isna(both_d["exit_round"]) and both_d["censored"]
    assert both_d["score_a"] == both_d["score_b"] == pytest.approx(1.0)
    assert both_d["actions_a"] == "D" * 10


def test_nullable_columns_are_typed() -> None:
    matches = run(spec_of(("Walk Away", "Always D"))).matches
    assert str(matches["exit_round"].dtype) == "Int64"
    assert str(matches["left_by"].dtype) == "string"
    assert str(matches["least_interest"].dtype) == "string"


def test_results_do_not_depend_on_processes_or_chunking(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = spec_of(NAMES, game=Game(rounds=20, outside_options=(1.5, 0.5), noise=0.1), repetitions=3, seed=5)
    serial = run(spec).matches
    chunks_of(monkeypatch, 3, rounds=20)
    parallel = run(spec, processes=2, out_dir=tmp_path / "out").matches
    pd.testing.assert_frame_equal(serial, parallel)
    assert run(spec, processes=2).summary["counts"]["chunks"] == -(-len(serial) // 3)


def test_another_master_seed_changes_stochastic_matches() -> None:
    spec = spec_of(("Coin",), repetitions=5, seed=1)
    first = run(spec).matches
    again = run(spec).matches
    other = run(spec.with_seed(2)).matches
    pd.testing.assert_frame_equal(first, again)
    assert list(first["actions_a"]) != list(other["actions_a"])


def test_unknown_strategy_fails_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(UnknownStrategyError):
        run(spec_of(("Always C", "Nobody")), out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_summary_has_spec_seed_versions_counts_timing_and_headline() -> None:
    spec = spec_of(("Always C", "Always D"), repetitions=2, seed=11)
    summary = run(spec).summary
    assert summary["seed"] == 11 and summary["spec"] == spec.to_dict()
    assert {"python", "powergame", "numpy", "pandas"} <= set(summary["versions"])
    assert summary["counts"]["matches"] == 3 * 2
    assert summary["timing"]["total_seconds"] >= summary["timing"]["play_seconds"] >= 0
    ranking = summary["headline"]["ranking"]
    # Mean over sides (self-play gives a strategy two sides): Always D earns 5 against C
    # and 1 on each side against itself -> 7/3; Always C earns 0 against D, 3 twice -> 2.
    assert [r["strategy"] for r in ranking] == ["Always D", "Always C"]
    assert ranking[0]["score"] == pytest.approx(7 / 3)
    assert ranking[1]["score"] == pytest.approx(2.0)


# --- what the run's process does for each chunk the workers play ----------------------------------
def test_a_chunk_job_is_small_however_many_matches_it_holds() -> None:
    import pickle

    spec = spec_of(NAMES, game=Game(rounds=10), repetitions=2000, seed=5)
    loader = round_robin.default_registry_loader

    def job(stop: int) -> round_robin.ChunkJob:
        return round_robin.ChunkJob(0, spec, 0, stop, (), loader, None)

    small, big = len(pickle.dumps(job(10))), len(pickle.dumps(job(10_000)))
    assert big - small < 16  # the range's bounds, not ten thousand tasks
    assert [t.match_id for t in job(10_000).tasks] == list(range(10_000))
    assert job(10_000).tasks == round_robin.matches_between(spec, 0, 10_000)


def test_workers_send_stored_chunks_back_without_their_table(tmp_path: Path) -> None:
    spec = spec_of(NAMES, game=Game(rounds=20, noise=0.1), repetitions=3, seed=5)
    job = round_robin.ChunkJob(0, spec, 0, 3, (), fake_loader, str(tmp_path))
    (tmp_path / storage.PARTS_DIR).mkdir()
    chunk, count, table, checksum = round_robin._play_chunk_in_worker(job)
    assert (chunk, count, table) == (0, 3, None)
    assert checksum == storage.file_checksum(storage.part_path(tmp_path, 0))
    in_memory = round_robin._play_chunk_in_worker(round_robin.ChunkJob(0, spec, 0, 3, (), fake_loader, None))
    assert in_memory[2] is not None and in_memory[2].equals(storage.read_part(tmp_path, 0))


def test_the_run_reads_each_workers_part_once_and_equals_one_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = spec_of(NAMES, game=Game(rounds=20, noise=0.1), repetitions=3, seed=5)
    chunks_of(monkeypatch, 3, rounds=20)
    read: list[str] = []
    original = storage._read_part_file
    monkeypatch.setattr(
        storage, "_read_part_file", lambda path, schema=None: read.append(path.name) or original(path, schema)
    )
    out = tmp_path / "out"
    two = run(spec, processes=2, out_dir=out)
    checksums = storage.read_checksums(out)
    assert len(checksums) > 1 and sorted(checksums) == list(range(len(checksums)))
    assert sorted(read) == [storage.part_path(out, chunk).name for chunk in sorted(checksums)]
    assert all(
        value == storage.file_checksum(storage.part_path(out, chunk)) for chunk, value in checksums.items()
    )
    one = run(spec, processes=1, out_dir=tmp_path / "one")
    assert two.table.equals(one.table) and storage.load_match_table(out).equals(one.table)


def chunks_of(monkeypatch: pytest.MonkeyPatch, matches: int, rounds: int) -> None:
    """Cut runs of ``rounds``-round matches into chunks of ``matches`` matches, for every engine."""
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", matches * rounds)
    monkeypatch.setattr(round_robin, "BATCH_CHUNK_FACTOR", 1)


def runs_of_one_pairing(tasks: list[round_robin.MatchTask]) -> list[tuple[str, str, tuple[int, ...]]]:
    """Runs of consecutive tasks of one pairing: (name A, name B, the seeds of its matches)."""
    groups = []
    for (a, b), run in itertools.groupby(tasks, key=lambda t: (t.strategy_a, t.strategy_b)):
        groups.append((a, b, tuple(t.seed for t in run)))
    return groups


@settings(max_examples=60, deadline=None)
@given(
    count=st.integers(1, 4),
    repetitions=st.integers(1, 7),
    asymmetric=st.booleans(),
    start=st.integers(0, 120),
    length=st.integers(0, 40),
    seed=st.integers(0, 2**32),
)
def test_a_chunks_groups_are_those_of_its_tasks(
    count: int, repetitions: int, asymmetric: bool, start: int, length: int, seed: int
) -> None:
    game = ASYMMETRIC if asymmetric else SYMMETRIC
    spec = spec_of(tuple("PQRS"[:count]), game=game, repetitions=repetitions, seed=seed)
    job = round_robin.ChunkJob(0, spec, start, start + length, (), fake_loader, None)
    groups, ids = round_robin._chunk_groups(job)
    tasks = job.tasks
    assert groups == runs_of_one_pairing(tasks)
    assert ids.tolist() == [[t.match_id, t.repetition] for t in tasks]
    assert sum(len(seeds) for _, _, seeds in groups) == len(tasks)


def test_runs_the_batch_engine_plays_whole_are_cut_into_larger_chunks(tmp_path: Path) -> None:
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.spec import load_spec

    registry = round_robin._registry(round_robin.default_registry_loader, ())
    default = load_spec(resolve_spec("default"))  # every pairing tabled
    stakes = load_spec(resolve_spec("stakes"))  # Reciprocal Stakes has no state table
    assert round_robin.batch_plays_every_pairing(default, registry)
    assert not round_robin.batch_plays_every_pairing(stakes, registry)
    # Some seeds of a very long continuation game draw horizons the batch engine refuses.
    long_games = dataclasses.replace(default, game=Game(continuation=0.999999))
    assert not round_robin.batch_plays_every_pairing(long_games, registry)
    assert round_robin.batch_plays_every_pairing(
        dataclasses.replace(default, game=Game(continuation=0.9)), registry
    )
    rounds = round_robin.ROUNDS_PER_CHUNK
    assert round_robin.chunk_size(Game(rounds=200)) == rounds // 200
    assert (
        round_robin.chunk_size(Game(rounds=200), batch=True) == rounds * round_robin.BATCH_CHUNK_FACTOR // 200
    )
    for spec, factor in ((default, round_robin.BATCH_CHUNK_FACTOR), (stakes, 1)):
        out = tmp_path / spec.name
        run_tournament(spec, out_dir=out)
        recorded = json.loads((out / storage.RUN_FILE).read_text())["chunk_size"]
        assert recorded == math.ceil(rounds * factor / spec.game.expected_horizon)


def test_workers_parts_are_mapped_by_the_merge_and_a_run_of_one_process_compresses_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = spec_of(NAMES, game=Game(rounds=100, noise=0.1), repetitions=20, seed=5)
    chunks_of(monkeypatch, 20, rounds=100)
    two = run(spec, processes=2, out_dir=tmp_path / "two")
    before = pa.total_allocated_bytes()
    part = storage.read_part(tmp_path / "two", 1)
    assert part.num_rows == 20 and pa.total_allocated_bytes() == before  # the file's pages, not Arrow's pool
    assert two.table.slice(20, 20).equals(part)
    one = run(spec, processes=1, out_dir=tmp_path / "one")  # its tables kept: parts read only on resume
    assert one.table.equals(two.table) and storage.read_part(tmp_path / "one", 1).equals(part)
    sizes = [storage.part_path(tmp_path / name, 1).stat().st_size for name in ("one", "two")]
    assert sizes[0] < sizes[1]  # LZ4 against uncompressed


def test_the_manifest_is_written_on_a_thread_of_its_own_and_names_every_chunk_at_the_end(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = spec_of(NAMES, game=Game(rounds=20, noise=0.1), repetitions=3, seed=5)
    chunks_of(monkeypatch, 3, rounds=20)
    monkeypatch.setattr(round_robin, "MANIFEST_SECONDS", 0)  # a write asked for after every chunk
    writes: list[tuple[str, int]] = []
    original = storage.write_manifest

    def slow(folder: Path, finished: dict[int, str | None]) -> None:  # flushing to a slow disk
        writes.append((threading.current_thread().name, len(finished)))
        time.sleep(0.2)
        original(folder, finished)

    monkeypatch.setattr(storage, "write_manifest", slow)
    result = run(spec, processes=1, out_dir=tmp_path)
    chunks = result.summary["counts"]["chunks"]
    assert storage.read_manifest(tmp_path) == set(range(chunks)) and chunks > 3
    assert writes[0] == ("MainThread", 0)  # the empty manifest of a new folder
    assert all(name.startswith("powergame-manifest") for name, _ in writes[1:])
    assert len(writes) - 1 < chunks  # no write waited for: chunks finished meanwhile joined the next
    assert writes[-1][1] == chunks


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_mapped_parts_keep_no_file_descriptor_open(tmp_path: Path) -> None:
    spec = spec_of(NAMES, game=Game(rounds=20, noise=0.1), repetitions=3, seed=5)
    table = round_robin.play_chunk(round_robin.ChunkJob(0, spec, 0, 3, (), fake_loader, None))[2]
    (tmp_path / storage.PARTS_DIR).mkdir()
    for chunk in range(50):  # the parts of a run of 150 matches, each chunk's ids its own
        ids = pa.array(range(3 * chunk, 3 * chunk + 3), pa.int64())
        storage.write_part(tmp_path, chunk, table.set_column(0, "match_id", ids), mapped=True)
    before = len(list(Path("/proc/self/fd").iterdir()))
    merged, _ = storage.gather_parts(tmp_path, range(50), expected_matches=150)  # maps every part
    assert len(list(Path("/proc/self/fd").iterdir())) - before < 5
    assert merged.slice(147, 3).drop_columns(["match_id"]).equals(table.drop_columns(["match_id"]))


def test_an_engine_ranked_before_the_batch_engine_keeps_chunks_small() -> None:
    from powergame import play as facade
    from powergame.tournaments.bundled import resolve_spec
    from powergame.tournaments.spec import load_spec

    registry = round_robin._registry(round_robin.default_registry_loader, ())
    default = load_spec(resolve_spec("default"))
    first = facade.Engine("first", lambda game, pairing: True, facade.get_engine("python").play, auto=-1.0)
    facade.register_engine(first)
    try:
        assert not round_robin.batch_plays_every_pairing(default, registry)
    finally:
        facade.unregister_engine("first")
    assert round_robin.batch_plays_every_pairing(default, registry)
