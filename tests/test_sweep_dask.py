"""Sweeps on real Dask clusters: the LocalCluster of 2 worker processes that `--dask -p 2`
starts, and a `dask scheduler` with two `dask worker` processes on 127.0.0.1 driven through
`--scheduler`. Same results as one local process; a worker killed mid-sweep; a cell that
raises."""

from __future__ import annotations

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

from powergame.tournaments import sweep_executors
from powergame.tournaments.sweep_executors import DaskExecutor, make_executor
from powergame.tournaments.sweep_run import run_sweep
from powergame.tournaments.sweep_spec import load_sweep
from tests.sweep_helpers import assert_same_results, write_plugin, write_spec
from tests.test_sweep_run import invoke

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[DaskExecutor]:
    """What `--dask -p 2` starts: a LocalCluster of 2 worker processes, closed at the end."""
    with DaskExecutor(None, 2) as executor:
        yield executor


def test_a_local_cluster_gives_the_same_results_as_one_local_process(local_cluster, tmp_path):
    spec = load_sweep(write_spec(tmp_path, ["Out-for-Tat", "Voice", "Hit and Run"], "noise = [0.0, 0.1]", 2))
    run_sweep(spec, tmp_path / "serial")
    result = run_sweep(spec, tmp_path / "dask", local_cluster)
    assert result.summary["executor"]["executor"] == "dask-local"
    assert result.summary["executor"]["workers"] == 2
    assert_same_results(tmp_path / "serial", tmp_path / "dask")


def test_the_dask_flag_starts_a_local_cluster_of_the_asked_size(monkeypatch):
    started = []
    monkeypatch.setattr(sweep_executors, "DaskExecutor", lambda *args: started.append(args) or "cluster")
    assert make_executor(dask=True, processes=3) == "cluster"
    assert make_executor(scheduler="tcp://10.0.0.5:8786") == "cluster"
    assert started == [(None, 3), ("tcp://10.0.0.5:8786",)]


def test_a_worker_killed_mid_sweep_has_its_cell_rerun_elsewhere(local_cluster, tmp_path):
    plugin = str(write_plugin(tmp_path, delay=0.03))
    spec = load_sweep(write_spec(tmp_path, ["Sweep Slow", "Voice"], "noise = [0.0, 0.1]", 2))
    outcome: dict[str, object] = {}

    def sweep() -> None:
        try:
            outcome["result"] = run_sweep(spec, tmp_path / "dask", local_cluster, plugins=[plugin])
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    with distributed.Client(local_cluster.cluster) as client:
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


def test_a_cell_that_raises_is_recorded_and_resume_reruns_only_it(local_cluster, tmp_path):
    plugin = write_plugin(tmp_path, broken=1.5)
    spec = load_sweep(write_spec(tmp_path, ["Sweep Fragile", "Voice"], "outside_options.A = [0.5, 1.5, 2.5]"))
    first = run_sweep(spec, tmp_path / "out", local_cluster, plugins=[str(plugin)])
    assert [(f["cell"], f["values"]) for f in first.failed] == [(1, {"outside_options.A": 1.5})]
    assert "fragile at v = 1.5" in first.failed[0]["error"]
    assert first.summary["counts"]["done"] == 2
    write_plugin(tmp_path)  # fixed
    second = run_sweep(spec, tmp_path / "out", local_cluster, resume=True, plugins=[str(plugin)])
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
        # The workers first (they say goodbye to the scheduler), then the scheduler.
        for group in (processes[1:], processes[:1]):
            for process in group:
                if process.poll() is None:
                    process.terminate()
            for process in group:
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
