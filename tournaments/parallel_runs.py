"""Independent long computations (a reproduction's runs) in worker processes, with one
progress count for all of them.

Each job is ``function(job, progress)``, a pure function of the job: the results, in the
jobs' order, do not depend on how many processes ran them. Workers report the ticks they
have done through a queue, every ``REPORT_EVERY`` ticks, so the parent's progress bar
moves while they run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from powergame.errors import ParameterError

Progress = Callable[[int], None]  # called with the number of ticks just done
Job = TypeVar("Job")
Result = TypeVar("Result")
REPORT_EVERY = 200  # ticks a worker counts before it reports them
POLL_SECONDS = 0.2

_reports: Any = None  # the worker's queue to the parent (set by the pool's initializer)


def resolve_processes(processes: int) -> int:
    """``processes`` as a count of processes: ``0`` means every core; otherwise at least 1."""
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 0:
        raise ParameterError("--processes", processes, "must be a whole number >= 0 (0 = all cores)")
    return processes or (os.cpu_count() or 1)


def worker_count(processes: int, jobs: int) -> int:
    """Processes to use for ``jobs`` jobs: ``processes`` (0: one per core), never more
    than the jobs."""
    return max(1, min(jobs, resolve_processes(processes)))


def run_jobs(
    function: Callable[[Job, Progress | None], Result],
    jobs: Sequence[Job],
    progress: Progress | None = None,
    processes: int = 0,
) -> list[Result]:
    """``function(job, progress)`` for every job, in up to ``processes`` worker processes
    (0: one per core; 1: here, one after the other); the results in the jobs' order."""
    workers = worker_count(processes, len(jobs))
    if workers <= 1:
        return [function(job, progress) for job in jobs]
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    reports = context.Queue()
    # Leaving the block terminates the workers (an interrupt, a failed job); they ignore
    # Ctrl-C themselves, so only the parent reports it.
    with context.Pool(workers, initializer=_start_worker, initargs=(reports,)) as pool:
        running = [pool.apply_async(_run_job, (function, job, progress is not None)) for job in jobs]
        while not all(result.ready() for result in running):
            next(result for result in running if not result.ready()).wait(POLL_SECONDS)
            _drain(reports, progress)
            for result in running:  # a failed job stops the others now, not when they end
                if result.ready() and not result.successful():
                    result.get()
        results = [result.get() for result in running]
        pool.close()
        pool.join()  # the workers are gone: everything they reported is in the queue
    _drain(reports, progress)
    reports.close()
    reports.join_thread()
    return results


def _start_worker(reports: Any) -> None:
    import signal

    global _reports
    _reports = reports
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_job(function: Callable[[Any, Progress | None], Any], job: Any, report: bool) -> Any:
    if not report:
        return function(job, None)
    counted = [0]

    def progress(ticks: int) -> None:
        counted[0] += ticks
        if counted[0] >= REPORT_EVERY:
            _reports.put(counted[0])
            counted[0] = 0

    result = function(job, progress)
    if counted[0]:
        _reports.put(counted[0])
    return result


def _drain(reports: Any, progress: Progress | None) -> None:
    import queue

    while True:
        try:
            ticks = reports.get_nowait()
        except queue.Empty:
            return
        if progress is not None:
            progress(ticks)
