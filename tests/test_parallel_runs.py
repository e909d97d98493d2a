"""Independent runs in worker processes: the same results in the jobs' order, every tick
counted once, no process left behind."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from powergame.errors import ParameterError
from powergame.tournaments import reproductions_izquierdo as rep_iz
from powergame.tournaments.parallel_runs import REPORT_EVERY, run_jobs, worker_count


def short_lelele(life: float, progress) -> tuple[float, list[float]]:
    cc, shares, _ = rep_iz.long_run(rep_iz.lelele_model(life), 450, 50, progress)
    return cc, shares


def test_processes_give_the_same_figures_in_order_and_count_every_tick() -> None:
    lives = (2.0, 25.0, 100.0)
    here: list[int] = []
    alone = run_jobs(short_lelele, lives, here.append, processes=1)
    counted: list[int] = []
    spread = run_jobs(short_lelele, lives, counted.append, processes=2)
    assert spread == alone == [short_lelele(life, None) for life in lives]  # bit for bit, in order
    assert len({cc for cc, _ in alone}) == 3  # distinct runs, so the order is checked
    assert sum(here) == sum(counted) == 3 * 450
    assert max(counted) <= 450 and len(counted) >= 3 * (450 // REPORT_EVERY)
    assert multiprocessing.active_children() == []


def fails_on_two(job: int, progress) -> int:
    if job == 2:
        raise ParameterError("job", job, "is the one that fails")
    return job


def test_a_failing_job_raises_here_and_leaves_no_process() -> None:
    with pytest.raises(ParameterError, match="the one that fails"):
        run_jobs(fails_on_two, [1, 2, 3, 4], processes=2)
    assert multiprocessing.active_children() == []
    assert run_jobs(fails_on_two, [1, 3, 4], processes=2) == [1, 3, 4]


def fails_at_once_or_sleeps(job: int, progress) -> int:
    if job == 1:
        raise ParameterError("job", job, "is the one that fails")
    time.sleep(120)
    return job


def test_a_failing_job_stops_the_others_without_waiting_for_them() -> None:
    started = time.monotonic()
    with pytest.raises(ParameterError, match="the one that fails"):
        run_jobs(fails_at_once_or_sleeps, [2, 1], processes=2)
    assert time.monotonic() - started < 60  # not the sleeping job's 120 s
    assert multiprocessing.active_children() == []


def test_worker_count_and_bad_processes() -> None:
    assert worker_count(1, 6) == 1 and worker_count(4, 2) == 2 and worker_count(0, 1) == 1
    assert 1 <= worker_count(0, 64) <= 64
    for bad in (-1, 1.5, True):
        with pytest.raises(ParameterError, match="processes"):
            worker_count(bad, 2)  # type: ignore[arg-type]
