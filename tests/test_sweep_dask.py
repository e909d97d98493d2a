"""Sweeps on real Dask clusters: a LocalCluster of 2 worker processes, and a `dask scheduler`
with two `dask worker` processes on 127.0.0.1. Same results as one local process; a worker
killed mid-sweep, a cell that raises."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from powergame.tournaments.sweep_executors import DaskExecutor
from powergame.tournaments.sweep_run import run_sweep
from powergame.tournaments.sweep_spec import load_sweep
from tests.sweep_helpers import assert_same_results, write_plugin, write_spec
from tests.test_sweep_run import invoke

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    """A LocalCluster of 2 worker processes (one thread each), closed at the end."""
    local = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.CRITICAL,
    )
    try:
        yield local
    finally:
        local.close()


def test_dask_gives_the_same_results_as_one_local_process(tmp_path, monkeypatch, capsys):
    spec_file = write_spec(tmp_path, ["Out-for-Tat", "Voice", "Hit and Run"], "noise = [0.0, 0.1]", 2)
    run_sweep(load_sweep(spec_file), tmp_path / "serial")
    code, out, _ = invoke(
        monkeypatch,
        capsys,
        "sweep",
        str(spec_file),
        "--out",
        str(tmp_path / "dask"),
        "--dask",
        "-p",
        "2",
        "-q",
    )
    assert code == 0, out
    assert_same_results(tmp_path / "serial", tmp_path / "dask")


def test_a_worker_killed_mid_sweep_has_its_cell_rerun_elsewhere(cluster, tmp_path):
    plugin = str(write_plugin(tmp_path, delay=0.03))
    spec = load_sweep(write_spec(tmp_path, ["Sweep Slow", "Voice"], "noise = [0.0, 0.1]", 2))
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            with DaskExecutor(cluster.scheduler_address) as executor:
                outcome["result"] = run_sweep(spec, tmp_path / "dask", executor, plugins=[plugin])
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    with distributed.Client(cluster) as client:
        thread = threading.Thread(target=sweep)
        thread.start()
        victim, deadline = None, time.monotonic() + 60
        while victim is None and time.monotonic() < deadline and thread.is_alive():
            busy = [worker for worker, keys in client.processing().items() if keys]
            victim = busy[0] if busy else None
            time.sleep(0.02)
        assert victim is not None, "no cell ever started"
        time.sleep(0.05)  # well inside the cell (a cell takes > 0.2 s)
        pid = client.run(os.getpid, workers=[victim])[victim]
        os.kill(pid, signal.SIGKILL)
        thread.join(120)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    counts = result.summary["counts"]  # type: ignore[attr-defined]
    assert (counts["cells"], counts["done"], counts["failed"], counts["received"]) == (4, 4, 0, 4)
    assert len(list((tmp_path / "dask" / "cells").glob("cell-*.parquet"))) == 4
    run_sweep(spec, tmp_path / "serial", plugins=[plugin])
    assert_same_results(tmp_path / "serial", tmp_path / "dask")


def test_a_cell_that_raises_is_recorded_and_resume_reruns_only_it(cluster, tmp_path):
    plugin = write_plugin(tmp_path, broken=1.5)
    spec = load_sweep(write_spec(tmp_path, ["Sweep Fragile", "Voice"], "outside_options.A = [0.5, 1.5, 2.5]"))
    with DaskExecutor(cluster.scheduler_address) as executor:
        first = run_sweep(spec, tmp_path / "out", executor, plugins=[str(plugin)])
    assert [(f["cell"], f["values"]) for f in first.failed] == [(1, {"outside_options.A": 1.5})]
    assert "fragile at v = 1.5" in first.failed[0]["error"]
    assert first.summary["counts"]["done"] == 2
    write_plugin(tmp_path)  # fixed
    with DaskExecutor(cluster.scheduler_address) as executor:
        second = run_sweep(spec, tmp_path / "out", executor, resume=True, plugins=[str(plugin)])
    counts = second.summary["counts"]
    assert (counts["run"], counts["resumed"], counts["done"], counts["failed"]) == (1, 2, 3, 0)


# --- a cluster started as users start one: `dask scheduler` and `dask worker` ------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _dask_command() -> list[str]:
    script = Path(sys.executable).with_name("dask")
    return [str(script)] if script.is_file() else [shutil.which("dask") or "dask"]


@pytest.fixture
def scheduler_address(tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and two `dask worker` processes (no nanny: one process each) on
    127.0.0.1; all three are stopped and waited for, even when the test fails."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    processes: list[subprocess.Popen[bytes]] = []
    logs = tmp_path / "dask-logs"
    logs.mkdir()

    def start(name: str, *args: str) -> None:
        with open(logs / f"{name}.log", "wb") as log:
            processes.append(
                subprocess.Popen([*_dask_command(), *args], stdout=log, stderr=subprocess.STDOUT, cwd=logs)
            )

    try:
        start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            address.rsplit(":", 1)[1],
            "--no-dashboard",
        )
        for name in ("worker-1", "worker-2"):
            start(
                name,
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
                "--name",
                name,
                "--local-directory",
                str(logs / name),
            )
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):  # workers first, then the scheduler
            if process.poll() is None:
                process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)
        assert all(process.poll() is not None for process in processes)


def test_a_sweep_through_a_running_scheduler_matches_one_local_process(
    scheduler_address, tmp_path, monkeypatch, capsys
):
    plugin = str(write_plugin(tmp_path))
    spec_file = write_spec(tmp_path, ["Sweep Fragile", "Voice", "Hit and Run"], "noise = [0.0, 0.1]", 2)
    run_sweep(load_sweep(spec_file), tmp_path / "serial", plugins=[plugin])
    out = tmp_path / "remote"
    args = (
        "sweep",
        str(spec_file),
        "--out",
        str(out),
        "--scheduler",
        scheduler_address,
        "--plugin",
        plugin,
        "-q",
    )
    code, text, err = invoke(monkeypatch, capsys, *args)
    assert code == 0, err
    assert "4 of 4 cells done" in text
    assert_same_results(tmp_path / "serial", out)
    summary = (out / "summary.json").read_text()
    assert '"executor": "dask"' in summary and '"workers": 2' in summary
