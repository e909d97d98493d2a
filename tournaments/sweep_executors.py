"""Where a sweep's cells run: this process, local worker processes, or a Dask cluster.

Every executor takes a function and its jobs and yields ``(position, result)`` pairs as
the jobs finish, in any order; ``result`` is the function's return value or the exception
that kept the job from finishing (a worker process that died, a lost cluster worker that
Dask gave up on). Dask is imported only here, and only when a ``DaskExecutor`` is made.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import os
import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from powergame.errors import ParameterError, PowerGameError

INSTALL_DASK = 'pip install "powergame[dask]"'


class MissingDependencyError(PowerGameError):
    """An optional dependency a command needs is not installed."""

    def __init__(self, what: str, install: str) -> None:
        self.init_args = (what, install)
        super().__init__(f"{what} is not installed: {install}")


class Executor(Protocol):
    """Runs jobs somewhere; ``describe`` says where (for summary.json)."""

    def describe(self) -> dict[str, Any]: ...

    def map_unordered(
        self, function: Callable[[Any], Any], jobs: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]: ...

    def close(self) -> None: ...


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalExecutor:
    """``processes`` local worker processes (1: in this process, one job after another)."""

    def __init__(self, processes: int = 1) -> None:
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 0:
            raise ParameterError("--processes", processes, "must be a whole number >= 0 (0 = all cores)")
        self.processes = processes or (os.cpu_count() or 1)

    def describe(self) -> dict[str, Any]:
        return {"executor": "local", "workers": self.processes}

    def map_unordered(
        self, function: Callable[[Any], Any], jobs: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        if self.processes <= 1 or len(jobs) <= 1:
            for position, job in enumerate(jobs):
                yield position, function(job)
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = concurrent.futures.ProcessPoolExecutor(
            min(self.processes, len(jobs)), mp_context=context, initializer=_ignore_interrupts
        )
        try:
            futures = {pool.submit(function, job): position for position, job in enumerate(jobs)}
            for future in concurrent.futures.as_completed(futures):
                try:
                    result: Any = future.result()
                except Exception as exc:  # a worker process died (BrokenProcessPool)
                    result = exc
                yield futures[future], result
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DaskExecutor:
    """A Dask cluster: a running one at ``address`` (``tcp://HOST:PORT``), or a
    ``LocalCluster`` of ``workers`` processes (0: one per core) started here and closed
    by ``close``. The scheduler reruns the job of a worker that dies on another worker."""

    def __init__(self, address: str | None = None, workers: int = 0, timeout: float = 20.0) -> None:
        try:
            import dask
            import distributed
        except ImportError:
            raise MissingDependencyError(
                "Dask (dask.distributed), which sweeps on a cluster need,", INSTALL_DASK
            ) from None
        self.address = address
        self.cluster: Any = None
        if address is None:
            if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
                raise ParameterError("--processes", workers, "must be a whole number >= 0 (0 = all cores)")
            # The workers' statistical profiler samples every thread's stack every 10 ms
            # under the GIL: it slows pure-Python cells by about a fifth.
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                self.cluster = distributed.LocalCluster(
                    n_workers=workers or (os.cpu_count() or 1),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
            self.client = distributed.Client(self.cluster)
        else:
            try:
                self.client = distributed.Client(address, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ParameterError(
                    "--scheduler",
                    address,
                    f"no Dask scheduler answered there ({type(exc).__name__}); start one with "
                    "`dask scheduler` and workers with `dask worker ADDRESS` (docs/sweeps.md)",
                ) from None

    def describe(self) -> dict[str, Any]:
        workers = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
        kind = "dask-local" if self.cluster is not None else "dask"
        return {
            "executor": kind,
            "workers": workers,
            "scheduler": self.client.scheduler_info().get("address"),
        }

    def map_unordered(
        self, function: Callable[[Any], Any], jobs: Sequence[Any]
    ) -> Iterator[tuple[int, Any | BaseException]]:
        from distributed import as_completed

        token = uuid.uuid4().hex[:12]
        futures = {
            self.client.submit(function, job, key=f"powergame-cell-{position}-{token}", retries=0): position
            for position, job in enumerate(jobs)
        }
        try:
            for future in as_completed(futures):
                try:
                    result: Any = future.result()
                except Exception as exc:  # e.g. KilledWorker: it took down too many workers
                    result = exc
                yield futures[future], result
                future.release()
        finally:
            pending = [future for future in futures if not future.done()]
            if pending:
                self.client.cancel(pending)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(dask: bool = False, scheduler: str | None = None, processes: int | None = None) -> Executor:
    """The executor the CLI's options ask for: ``scheduler`` (a running Dask cluster),
    ``dask`` (a LocalCluster of ``processes`` workers) or ``processes`` local processes
    (None or 0: one per core)."""
    if scheduler is not None:
        if dask:
            raise ParameterError(
                "--dask", True, "give --dask (a cluster started here) or --scheduler, not both"
            )
        if processes is not None:
            raise ParameterError(
                "--processes", processes, "does not apply to --scheduler: the cluster's workers run the cells"
            )
        return DaskExecutor(scheduler)
    if dask:
        return DaskExecutor(None, 0 if processes is None else processes)
    return LocalExecutor(0 if processes is None else processes)
