"""`powergame tournament` stores, resumes and reports an interruption like `powergame run`."""

import pytest
from click.testing import CliRunner

import powergame.tournaments.round_robin as round_robin
from powergame.cli.tournament import tournament

NAMES = ["Out For Tat", "Loyal", "Parasite"]


def invoke(*args):
    return CliRunner().invoke(tournament, [*NAMES, "--rounds", "10", "-q", *args])


def test_resume_needs_an_output_folder():
    result = invoke("--resume")
    assert result.exit_code != 0
    assert "--resume = True is not allowed: needs an output folder" in str(result.exception)


def test_a_finished_run_resumed_replays_nothing(tmp_path):
    first = invoke("--out", str(tmp_path / "t"))
    assert first.exit_code == 0, first.output
    again = invoke("--out", str(tmp_path / "t"), "--resume")
    assert again.exit_code == 0, again.output
    assert "1 of 1 chunks resumed" in again.output


@pytest.mark.parametrize(("out", "hint"), [(True, "--resume to continue"), (False, "nothing was stored")])
def test_ctrl_c_says_what_was_kept(tmp_path, monkeypatch, out, hint):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(round_robin, "run_tournament", interrupted)
    result = invoke(*(["--out", str(tmp_path / "t")] if out else []))
    assert result.exit_code == 130
    assert hint in result.output
