"""Cases 4-9 and 11: resume trusts contents (plugin hashes, chunk checksums), --force deletes
only a run's files, workers die with their run and do not keep its lock, and a broken
plugin is a warning everywhere."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import cli, one_error_line, wait_until_group_is_gone
from tournament_fakes import fake_loader

from powergame.errors import ParameterError
from powergame.game import Game
from powergame.tournaments import round_robin, storage
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

HERE = Path(__file__).resolve().parent
SPEC = TournamentSpec(
    name="h",
    strategies=("Always C", "Walk Away", "Coin"),
    game=Game(rounds=10, noise=0.1),
    repetitions=4,
    seed=5,
)
PLUGIN_TEXT = """
from powergame import C, D, Player

class Flipper(Player):
    name = "Flipper"
    classifier = {{"family": "neutral", "memory_depth": 0, "stochastic": True, "can_leave": False,
                  "uses_outside_options": False}}

    def strategy(self, opponent):
        return C if self.rng.random() < {p} else D
"""


def run(spec: TournamentSpec, out: Path | None, **kwargs: object) -> round_robin.TournamentResult:
    return run_tournament(spec, out, registry_loader=fake_loader, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(round_robin, "ROUNDS_PER_CHUNK", 30)  # 3 matches per chunk
    monkeypatch.setattr(round_robin, "BATCH_CHUNK_FACTOR", 1)  # as small for every engine


@pytest.fixture
def finished_run(tmp_path: Path, small_chunks: None) -> tuple[Path, pd.DataFrame]:
    out = tmp_path / "out"
    run(SPEC, out)
    # Read back from matches.parquet: the run's own table maps the part files these tests
    # damage in place, which a mapping does not survive (storage's part files).
    return out, storage.load_matches(out)


# --- cases 4 and 5: plugins are known by their contents ----------------------------------------------
def _plugin_spec() -> TournamentSpec:
    return TournamentSpec(name="p", strategies=("Flipper", "Loyal"), game=Game(rounds=5), repetitions=2)


def test_resume_after_a_plugin_was_edited_is_refused_naming_it(tmp_path: Path) -> None:
    plugin = tmp_path / "my_strategies.py"
    plugin.write_text(PLUGIN_TEXT.format(p=0.5), encoding="utf-8")
    out = tmp_path / "out"
    run_tournament(_plugin_spec(), out, plugins=(str(plugin),))
    plugin.write_text(PLUGIN_TEXT.format(p=0.3), encoding="utf-8")
    with pytest.raises(ParameterError, match=r"differs in: plugins \(my_strategies.py changed"):
        run_tournament(_plugin_spec(), out, plugins=(str(plugin),), resume=True)


def test_resume_with_the_same_plugin_by_another_path_is_accepted(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "specs").mkdir()
    plugin = tmp_path / "specs" / "my_strategies.py"
    plugin.write_text(PLUGIN_TEXT.format(p=0.5), encoding="utf-8")
    out = tmp_path / "out"
    first = run_tournament(_plugin_spec(), out, plugins=(str(plugin),))
    monkeypatch.chdir(tmp_path / "specs")
    again = run_tournament(_plugin_spec(), out, plugins=("my_strategies.py",), resume=True)
    assert again.summary["counts"]["chunks_resumed"] == again.summary["counts"]["chunks"]
    pd.testing.assert_frame_equal(first.matches, again.matches)


def test_the_run_record_holds_hashes_and_installed_distributions(tmp_path: Path) -> None:
    from powergame.plugins import plugin_fingerprints

    plugin = tmp_path / "a.py"
    plugin.write_text("x = 1\n", encoding="utf-8")
    records = plugin_fingerprints([str(plugin)], environ={})
    # sha256 of the 6 bytes "x = 1\n"
    assert records[0] == {"file": "a.py", "sha256": hashlib.sha256(b"x = 1\n").hexdigest()}
    assert {"entry_point": "builtin", "distribution": "powergame"}.items() <= records[1].items()


# --- case 6: damaged, foreign and broken files -------------------------------------------------------
def test_a_truncated_chunk_is_played_again(finished_run: tuple[Path, pd.DataFrame]) -> None:
    out, matches = finished_run
    part = storage.part_path(out, 3)
    part.write_bytes(part.read_bytes()[:100])
    said: list[str] = []
    resumed = run(SPEC, out, resume=True, warn=said.append)
    assert len(said) == 1 and "chunk-00003.arrow" in said[0] and "playing it again" in said[0]
    pd.testing.assert_frame_equal(resumed.matches, matches)


def test_a_foreign_chunk_is_played_again_and_no_match_id_repeats(
    finished_run: tuple[Path, pd.DataFrame],
) -> None:
    out, matches = finished_run
    shutil.copyfile(storage.part_path(out, 1), storage.part_path(out, 3))
    said: list[str] = []
    resumed = run(SPEC, out, resume=True, warn=said.append)
    assert "chunk-00003.arrow" in said[0]
    assert resumed.matches["match_id"].is_unique
    pd.testing.assert_frame_equal(resumed.matches, matches)


def test_merging_refuses_duplicate_match_ids(finished_run: tuple[Path, pd.DataFrame]) -> None:
    out, matches = finished_run
    shutil.copyfile(storage.part_path(out, 1), storage.part_path(out, 3))
    chunks = -(-len(matches) // 3)
    with pytest.raises(ParameterError, match="match ids"):
        storage.merge_parts(out, range(chunks), expected_matches=len(matches))


def test_a_broken_run_file_is_one_error_line(
    finished_run: tuple[Path, pd.DataFrame], monkeypatch, capsys
) -> None:
    out, _ = finished_run
    name = storage.RUN_FILE  # a broken manifest is played again: tests/test_durable_writes.py
    (out / name).write_text('{"finished_chunks": [1, 2', encoding="utf-8")
    with pytest.raises(ParameterError, match=f"its {name} is damaged"):
        run(SPEC, out, resume=True)
    command = ["tournament", "Loyal", "Parasite", "--rounds", "5", "--out", str(out.parent / "cli"), "-q"]
    assert cli(monkeypatch, capsys, *command)[0] == 0
    (out.parent / "cli" / name).write_text("{", encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, *command, "--resume")
    assert code == 2 and name in one_error_line(err)


# --- case 7: --force ------------------------------------------------------------------------------
def test_force_deletes_only_what_the_run_wrote(finished_run: tuple[Path, pd.DataFrame]) -> None:
    out, matches = finished_run
    (out / storage.PARTS_DIR / "mine.txt").write_text("mine", encoding="utf-8")
    (out / "notes.md").write_text("mine", encoding="utf-8")
    again = run(SPEC, out, force=True)
    assert (out / storage.PARTS_DIR / "mine.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "notes.md").read_text(encoding="utf-8") == "mine"
    pd.testing.assert_frame_equal(again.matches, matches)


def test_force_refuses_a_folder_that_is_not_a_results_folder(tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    (folder / "parts").mkdir(parents=True)
    (folder / "parts" / "mine.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ParameterError, match="only a results folder"):
        run(SPEC, folder, force=True)
    assert (folder / "parts" / "mine.txt").read_text(encoding="utf-8") == "mine"


# --- cases 8 and 9: workers die with their run and do not hold its lock ----------------------------
CHILD = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
from powergame.game import Game
from powergame.tournaments import round_robin
from powergame.tournaments.spec import TournamentSpec
round_robin.ROUNDS_PER_CHUNK = 20
round_robin.BATCH_CHUNK_FACTOR = 1
spec = TournamentSpec(name="slow", strategies=("Slow", "Loyal"), game=Game(rounds=10), repetitions=200)
round_robin.run_tournament(spec, sys.argv[1], processes=2, plugins=({str(HERE / "hardening_plugin.py")!r},))
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_exit_when_the_run_is_killed(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "out")], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while len(workers) < 2 and time.monotonic() < deadline and child.poll() is None:
            workers = _children(child.pid)
            time.sleep(0.05)
        assert len(workers) == 2, "the run must have started its two workers"
        os.kill(child.pid, signal.SIGKILL)  # the run alone, as a crash would
        child.wait()
        deadline = time.monotonic() + 20
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(w) for w in workers), "orphaned workers kept running"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        wait_until_group_is_gone(child.pid)


def _lock_held_by_worker(locks: tuple[int, ...], lock_path: str) -> bool:
    """In a worker: whether any of the parent's lock descriptors still names the lock file."""
    for descriptor in locks:
        try:
            if os.readlink(f"/proc/self/fd/{descriptor}") == lock_path:
                return True
        except OSError:
            pass
    return False


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_forked_workers_close_the_runs_folder_lock(tmp_path: Path) -> None:
    import concurrent.futures
    import multiprocessing

    folder = tmp_path / "out"
    with storage.folder_lock(folder):
        locks = storage.held_lock_descriptors()
        assert locks
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(
            1, mp_context=context, initializer=round_robin._start_worker, initargs=(0.0, os.getpid(), locks)
        ) as pool:
            held = pool.submit(_lock_held_by_worker, locks, str(folder / storage.LOCK_FILE)).result()
    assert held is False


# --- case 11: a broken plugin is a warning everywhere ------------------------------------------------
@pytest.mark.parametrize("command", ["tournament", "run"])
def test_a_broken_plugin_warns_and_the_run_goes_on(tmp_path: Path, monkeypatch, capsys, command) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def oops(:\n", encoding="utf-8")
    spec = tmp_path / "s.toml"
    spec.write_text('strategies = ["Loyal", "Parasite"]\n[game]\nrounds = 5\n', encoding="utf-8")
    target = ["Loyal", "Parasite", "--rounds", "5"] if command == "tournament" else [str(spec)]
    for plugin_args in (["--plugin", str(broken)], ["--plugin", str(tmp_path / "missing.py")]):
        out_dir = ["--out", str(tmp_path / "o"), "--force"]
        code, out, err = cli(monkeypatch, capsys, command, *target, *plugin_args, *out_dir, "-q")
        warnings = [line for line in err.splitlines() if line.strip()]
        assert code == 0 and "Parasite" in out, err
        assert (
            len(warnings) == 1
            and warnings[0].startswith("Warning: plugin ")
            and plugin_args[1] in warnings[0]
        )


def test_a_broken_plugin_in_the_environment_warns_in_tournament(tmp_path: Path, monkeypatch, capsys) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('nope')\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["powergame", "tournament", "Loyal", "Parasite", "--rounds", "5", "-q"])
    monkeypatch.setenv("POWERGAME_PLUGINS", str(broken))
    from powergame.cli import main

    main()
    err = capsys.readouterr().err
    assert "Warning: plugin" in err and "RuntimeError: nope" in err


def test_a_requested_strategy_of_a_broken_plugin_is_an_error(tmp_path: Path, monkeypatch, capsys) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def oops(:\n", encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "tournament", "Loyal", "Flipper", "--plugin", str(broken), "-q")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and lines[0].startswith("Warning: plugin") and lines[-1].startswith("Error: ")
    assert "Flipper" in lines[-1] and len(lines) == 2


def test_force_knows_every_file_the_report_writes():
    from powergame.tournaments.report import PLOTS

    assert set(PLOTS) | {"report.html", "pairs.csv"} <= set(storage.REPORT_FILES)
