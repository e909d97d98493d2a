"""Cases 1-3 and 12: work is estimated and bounded before anything is played,
enumeration and seeding stream, and a match that never ends stops the run by name."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from helpers import cli, one_error_line

from powergame.errors import MatchTimeLimitError, WorkLimitError
from powergame.game import Game
from powergame.tournaments import round_robin
from powergame.tournaments.round_robin import (
    enumerate_matches,
    iter_chunks,
    matches_between,
    run_tournament,
)
from powergame.tournaments.seeding import match_seeds
from powergame.tournaments.spec import TournamentSpec
from powergame.work import check_work, match_estimate, tournament_estimate

HERE = Path(__file__).resolve().parent
PLUGIN = str(HERE / "hardening_plugin.py")


# --- case 1: a huge single match ------------------------------------------------------------
@pytest.mark.parametrize(
    "horizon", [["--rounds", "99999999999999999999999"], ["--continuation", "0.9999999999"]]
)
def test_a_huge_match_is_refused_with_its_estimate_and_the_override(monkeypatch, capsys, horizon):
    # printed whole, the transcript would not fit either; shown in part, it is streamed in
    # constant memory and only the work is over the limit
    code, out, err = cli(monkeypatch, capsys, "match", "Loyal", "Parasite", *horizon, "--full")
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert "rounds" in line and "--max-work" in line and "--max-memory" in line
    code, out, err = cli(monkeypatch, capsys, "match", "Loyal", "Parasite", *horizon)
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert "rounds" in line and "--max-work" in line and "--max-memory" not in line


def test_a_match_within_a_raised_limit_is_played(monkeypatch, capsys):
    code, out, err = cli(
        monkeypatch, capsys, "match", "Loyal", "Parasite", "--rounds", "300", "--max-work", "1e3"
    )
    assert code == 0 and "Outcome" in out
    code, _, err = cli(
        monkeypatch, capsys, "match", "Loyal", "Parasite", "--rounds", "3000", "--max-work", "1e3"
    )
    assert code == 2 and "--max-work 3000" in one_error_line(err)


def test_a_spec_with_a_huge_horizon_is_refused(monkeypatch, capsys, tmp_path):
    for game in ("rounds = 99999999999999999", "continuation = 0.9999999999"):
        spec = tmp_path / "huge.toml"
        spec.write_text(f'strategies = ["Loyal", "Parasite"]\n[game]\n{game}\n', encoding="utf-8")
        code, _, err = cli(monkeypatch, capsys, "run", str(spec), "--out", str(tmp_path / "out"), "-q")
        assert code == 2 and "--max-work" in one_error_line(err)
        assert not (tmp_path / "out").exists()  # refused before anything was written


# --- case 2: a huge number of matches ----------------------------------------------------------
def test_a_huge_tournament_is_refused_before_anything_is_allocated(monkeypatch, capsys):
    tracemalloc.start()
    try:
        code, _, err = cli(monkeypatch, capsys, "tournament", "Loyal", "Parasite", "-r", "100000000000")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    line = one_error_line(err)
    assert code == 2 and "300,000,000,000 matches" in line
    assert peak < 50e6


def test_the_estimate_counts_matches_rounds_and_memory():
    estimate = tournament_estimate(Game(rounds=200), 1_000_000)
    assert estimate.rounds == 200_000_000
    assert estimate.memory_bytes >= 1_000_000 * 2 * 200  # at least the two stored transcripts
    check_work(estimate)  # 2e8 rounds and a few GB: within the defaults
    with pytest.raises(WorkLimitError, match="--max-work 3e"):
        check_work(tournament_estimate(Game(rounds=200), 10**7 + 1))
    assert match_estimate(Game(rounds=None, continuation=0.5)).rounds == 2.0


# --- case 3: enumeration and seeding stream ------------------------------------------------------
def test_seeds_of_any_slice_equal_numpys_seed_sequence():
    for master in (0, 17, 2**63 - 1):
        reference = np.random.SeedSequence(master).generate_state(500, dtype=np.uint64)
        expected = [int(seed) & ((1 << 63) - 1) for seed in reference]
        for start, stop in ((0, 500), (0, 1), (7, 8), (123, 456), (499, 500)):
            assert match_seeds(master, start, stop) == expected[start:stop]


def test_chunks_are_the_enumeration_cut_in_order():
    spec = TournamentSpec(name="t", strategies=("Loyal", "Parasite", "Out-for-Tat"), repetitions=7, seed=3)
    whole = enumerate_matches(spec)
    chunks = list(iter_chunks(spec, 5))
    assert [task for _, tasks in chunks for task in tasks] == whole
    assert [chunk_id for chunk_id, _ in chunks] == list(range(len(chunks)))
    assert [i for i, _ in iter_chunks(spec, 5, skip={0, 2})] == [
        i for i in range(len(chunks)) if i not in {0, 2}
    ]


def test_the_first_chunk_of_a_billion_matches_costs_what_one_chunk_costs():
    spec = TournamentSpec(name="t", strategies=("Loyal", "Parasite"), repetitions=10**9, seed=1)
    tracemalloc.start()
    try:
        chunk_id, tasks = next(iter_chunks(spec, 1000))
        far = matches_between(spec, 2 * 10**9, 2 * 10**9 + 3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chunk_id == 0 and len(tasks) == 1000 and tasks[-1].match_id == 999
    assert [t.match_id for t in far] == [2 * 10**9, 2 * 10**9 + 1, 2 * 10**9 + 2]
    assert peak < 5e6


# --- case 12: a match that never returns ----------------------------------------------------------
@pytest.mark.parametrize("processes", [1, 2])
def test_a_match_past_the_time_limit_stops_the_run_naming_the_pairing(tmp_path, monkeypatch, processes):
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", 5)  # one match per chunk: the pool plays them
    monkeypatch.setattr(round_robin, "BATCH_CHUNK_FACTOR", 1)  # as small for every engine
    spec = TournamentSpec(
        name="t", strategies=("Loyal", "Never Returns"), game=Game(rounds=5), self_play=False, repetitions=2
    )
    with pytest.raises(MatchTimeLimitError, match=r"'Loyal' \(A\) vs 'Never Returns' \(B\).*--match-timeout"):
        run_tournament(spec, tmp_path / "out", processes=processes, plugins=(PLUGIN,), match_timeout=0.3)
    assert not (tmp_path / "out" / "matches.parquet").exists()


def test_the_time_limit_is_an_option_with_a_default(monkeypatch, capsys):
    code, _, err = cli(
        monkeypatch, capsys, "tournament", "Loyal", "Never Returns", "--no-self-play",
        "--rounds", "5", "--plugin", PLUGIN, "--match-timeout", "0.2", "-q",
    )  # fmt: skip
    line = one_error_line(err)
    assert code == 2 and "'Never Returns'" in line and "0.2 s" in line
    import inspect

    assert inspect.signature(round_robin.run_tournament).parameters["match_timeout"].default == 60.0
