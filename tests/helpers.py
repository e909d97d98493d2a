"""Small helpers shared by several test modules: the CLI called in-process, its one error
line, and waiting for a killed process group to be gone."""

from __future__ import annotations

import os
import sys
import time

from powergame.cli import main


def cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the console entry point as a user would: (exit code, stdout, stderr) of this call
    alone, with no plugins from the environment."""
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["powergame", *args])
    monkeypatch.delenv("POWERGAME_PLUGINS", raising=False)
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    return lines[0]


def wait_until_group_is_gone(group: int, seconds: float = 30.0) -> None:
    """Until no process of the group is left (killed workers linger a few ms after the
    run's own process has been reaped)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    raise AssertionError(f"process group {group} still alive after {seconds} s")
