"""`powergame run` and `powergame tournament` from the outside: output, folders, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from powergame.cli import main
from powergame.game import Game
from powergame.tournaments import storage
from powergame.tournaments.spec import TournamentSpec

FAKES = str(Path(__file__).resolve().parent / "tournament_fakes.py")


class Done:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def powergame(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Done]:
    """Run the real entry point in this process (as the console script would)."""

    def invoke(*args: str, cwd: Path) -> Done:
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "argv", ["powergame", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return invoke


def test_run_writes_the_folder_and_prints_the_ranking(tmp_path: Path, powergame: Callable[..., Done]) -> None:
    spec = tmp_path / "q.toml"
    spec.write_text(
        'name = "q"\nstrategies = ["Always C", "Always D"]\nrepetitions = 2\n[game]\nrounds = 10\n'
        "outside_options = [2, 1]\n"
    )
    done = powergame("run", str(spec), "--plugin", FAKES, "--csv", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "results" / "q"
    assert {storage.MATCHES_FILE, storage.CSV_FILE, storage.SUMMARY_FILE} <= {p.name for p in out.iterdir()}
    # asymmetric: (C,C), (C,D), (D,C), (D,D) twice each
    assert len(storage.load_matches(out)) == 8
    lines = done.stdout.splitlines()
    assert "Always D" in lines[2] and "Always C" in lines[3]  # header, rule, then best first
    assert "8 matches" in done.stdout

    again = powergame("run", str(spec), "--plugin", FAKES, "--quiet", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip().startswith("Error: --out") and "--resume" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    resumed = powergame("run", str(spec), "--plugin", FAKES, "--quiet", "--resume", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    changed = powergame("run", str(spec), "--plugin", FAKES, "--seed", "5", "--resume", cwd=tmp_path)
    assert changed.returncode == 2 and "differs in: seed" in changed.stderr


def test_tournament_takes_game_options(tmp_path: Path, powergame: Callable[..., Done]) -> None:
    out = tmp_path / "out"
    done = powergame(
        "tournament", "Walk Away", "Always D", "--plugin", FAKES, "--outside", "2,1", "--rounds", "10",
        "-r", "3", "--no-self-play", "--out", str(out), "-q", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    matches = storage.load_matches(out)
    assert len(matches) == 2 * 3  # one unordered pair, both role assignments, 3 repetitions
    assert set(matches["left_by"]) == {"A", "B"}  # Walk Away leaves from whichever role it has


def test_bad_input_is_one_error_line(tmp_path: Path, powergame: Callable[..., Done]) -> None:
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text('strategies = ["Always C"]\nrepeats = 3\n')
    cases = [
        ("run", str(bad_spec), "--plugin", FAKES),
        ("tournament", "Always C", "Nobody", "--plugin", FAKES),
        ("tournament", "Always C", "--plugin", FAKES, "--repetitions", "0"),
        ("tournament", "Always C", "--plugin", FAKES, "--processes", "-1"),
    ]
    expected = ["repeats", "unknown strategy 'Nobody'", "--repetitions = 0", "--processes = -1"]
    for args, fragment in zip(cases, expected):
        done = powergame(*args, cwd=tmp_path)
        assert done.returncode == 2, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and fragment in lines[0], done.stderr


def test_library_and_cli_agree(tmp_path: Path, powergame: Callable[..., Done]) -> None:
    from tournament_fakes import fake_loader

    from powergame.tournaments.round_robin import run_tournament

    spec = TournamentSpec(name="t", strategies=("Coin", "Walk Away"), game=Game(rounds=10, noise=0.2), seed=9)
    direct = run_tournament(spec, registry_loader=fake_loader).matches
    done = powergame(
        "tournament", "Coin", "Walk Away", "--plugin", FAKES, "--rounds", "10", "--noise", "0.2",
        "--seed", "9", "--out", str(tmp_path / "o"), "-q", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    via_cli = storage.load_matches(tmp_path / "o")
    assert list(via_cli["actions_a"]) == list(direct["actions_a"])
    assert list(via_cli["score_b"]) == list(direct["score_b"])
