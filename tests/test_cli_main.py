"""The command group: exit statuses, one-line errors, typo suggestions, a light start."""

import os
import subprocess
import sys

import pytest

import powergame.cli as cli_module
from powergame.errors import ParameterError


def run_main(monkeypatch, args):
    monkeypatch.setattr(sys, "argv", ["powergame", *args])
    with pytest.raises(SystemExit) as info:
        cli_module.main()
    return info.value.code


def test_a_command_status_other_than_zero_becomes_the_exit_status(monkeypatch):
    monkeypatch.setattr(cli_module.cli, "main", lambda **kwargs: 3)
    assert run_main(monkeypatch, []) == 3


def test_a_powergame_error_is_one_line_and_status_2(monkeypatch, capsys):
    def fail(**kwargs):
        raise ParameterError("noise", 2.0, "must be a probability in [0, 1]")

    monkeypatch.setattr(cli_module.cli, "main", fail)
    assert run_main(monkeypatch, []) == 2
    err = capsys.readouterr().err
    assert err == "Error: noise = 2.0 is not allowed: must be a probability in [0, 1]\n"


def test_a_mistyped_command_gets_a_suggestion(monkeypatch, capsys):
    assert run_main(monkeypatch, ["strategis"]) == 2
    err = capsys.readouterr().err
    assert "No such command 'strategis'" in err and "Did you mean strategies?" in err
    assert "Traceback" not in err


def test_help_lists_every_command_without_importing_heavy_packages():
    code = (
        "import sys; from click.testing import CliRunner; from powergame.cli import cli; "
        "out = CliRunner().invoke(cli, ['--help']).output; "
        "print(all(c in out for c in ('match', 'strategies', 'run', 'tournament', 'report', 'check'))); "
        "print(sorted(m for m in ('numpy', 'pandas', 'axelrod', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["True", "[]"]


def test_a_filesystem_error_is_one_line_naming_the_path(monkeypatch, capsys):
    def fail(**kwargs):
        raise NotADirectoryError(20, "Not a directory", "/dev/null/x")

    monkeypatch.setattr(cli_module.cli, "main", fail)
    assert run_main(monkeypatch, []) == 2
    assert capsys.readouterr().err == "Error: /dev/null/x: Not a directory\n"


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("2", "2")])
def test_the_command_line_keeps_openblas_to_one_thread_unless_told(given, expected):
    code = (
        "import os, sys, powergame.cli as cli\n"
        "sys.argv = ['powergame', '--version']\n"
        "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
        "print(os.environ['OPENBLAS_NUM_THREADS'])"
    )
    environment = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        environment["OPENBLAS_NUM_THREADS"] = given
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == expected


def test_a_command_runs_with_young_objects_collected_less_often_and_restores_the_collector(monkeypatch):
    import gc

    before = gc.get_threshold()
    seen = []
    monkeypatch.setattr(cli_module.cli, "main", lambda **kwargs: seen.append(gc.get_threshold()) or 0)
    monkeypatch.setattr(sys, "argv", ["powergame"])
    cli_module.main()
    assert seen == [(cli_module.COLLECT_EVERY, *before[1:])]
    assert gc.get_threshold() == before


def test_a_run_freezes_what_exists_for_its_duration_only():
    import gc

    from powergame.cli.tournament import _imports_frozen

    gc.unfreeze()
    with _imports_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_the_process_s_last_collection_skips_what_a_command_leaves():
    code = (
        "import atexit, gc, sys; "
        "atexit.register(lambda: print(gc.get_freeze_count() > 0)); "  # runs after those main registers
        "import powergame.cli; sys.argv = ['powergame', '--version']; powergame.cli.main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True"


def test_a_lost_worker_is_one_line_saying_where_the_chunks_are_and_how_to_continue(
    monkeypatch, capsys, tmp_path
):
    from powergame.errors import WorkerLostError
    from powergame.tournaments import round_robin

    def lose(*args, **kwargs):
        raise WorkerLostError()

    monkeypatch.setattr(round_robin, "run_tournament", lose)
    assert run_main(monkeypatch, ["run", "default", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: a worker process ended")
    assert f"stored in {tmp_path / 'out'}" in err and "--resume" in err
