"""Every row of a results table replays from its seed: library and CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from powergame.cli import cli, main
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.tournaments.replay import replay_match
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec

# Stochastic tabled strategies (batch engine), deterministic ones with noise, and one
# without a state table (Python engine), under continuation so horizons are drawn too.
SPEC = TournamentSpec(
    name="replay",
    strategies=(
        "M1(first=0.7, cc=0.9, cd=0.2, dc=0.6, dd=0.3, leave_dd=0.2)",
        "Generous Out For Tat",
        "Voice",
        "Hot And Cold",
        "Raise The Stakes",
    ),
    game=Game(rounds=None, continuation=0.9, noise=0.1, outside_options=(1.5, 0.5)),
    repetitions=3,
    seed=11,
)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("replay") / "out"
    run_tournament(SPEC, out)
    return out


def test_every_row_replays_exactly(results: Path) -> None:
    count = len(run_tournament(SPEC, None).matches)
    stochastic = 0
    for match_id in range(count):
        replayed = replay_match(results, match_id)
        assert replayed.differing == (), f"match {match_id}"
        assert replayed.result.actions_a == replayed.row["actions_a"]
        stochastic += replayed.result.intended_a != replayed.result.actions_a
    assert stochastic > 0  # noise flipped something: the rows test random draws, not only sure ones


def test_cli_prints_the_transcript(results: Path) -> None:
    out = CliRunner().invoke(cli, ["replay", str(results), "4"])
    assert out.exit_code == 0, out.output
    assert "round" in out.output and "identical to row 4" in out.output


def test_unknown_match_id_is_one_line_error(
    results: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ParameterError, match="match id = 10000"):
        replay_match(results, 10_000)
    monkeypatch.setattr(sys, "argv", ["powergame", "replay", str(results), "10000"])
    with pytest.raises(SystemExit) as stopped:
        main()
    err = capsys.readouterr().err.strip().splitlines()
    assert stopped.value.code != 0
    assert len(err) == 1 and err[0].startswith("Error: match id = 10000")


def test_a_folder_without_a_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="run.json"):
        replay_match(tmp_path, 0)
