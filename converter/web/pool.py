"""A bounded pool of worker processes: CPU work off the event loop, a queue limit, recovery from lost workers.

A worker that dies (killed, out of memory) breaks a ProcessPoolExecutor for good; the pool then starts a
fresh executor and runs the jobs that were running once more; a job whose second worker dies too gets
`WorkerLost` (the page says: try again). A job that runs past `job_timeout` has its workers killed the
same way and gets `JobTimeout` at once (it would only time out again).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from . import jobs

log = logging.getLogger("xxgk.web")
T = TypeVar("T")


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class WorkerLost(Exception):
    """The worker running the job died or was stopped for running too long."""


class JobTimeout(WorkerLost):
    pass


class Pool:
    """`workers` processes; at most `workers + queue` jobs admitted at once, the rest refused at once."""

    def __init__(self, workers: int, queue: int, job_timeout: float, retries: int = 1):
        self.workers = workers
        self.retries = retries
        self.limit = workers + queue
        self.job_timeout = job_timeout
        self.active = 0
        self.restarts = 0
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        self._executor = ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=jobs.start_worker
        )
        for _ in range(self.workers):
            self._executor.submit(jobs.warm_up)

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def pids(self) -> list[int]:
        """Worker process ids (the load test kills one)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(processes)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in a worker; Busy when full, WorkerLost when its worker died twice.

        Jobs are pure functions of their input files, so a job whose worker died is run once more.
        """
        if self.active >= self.limit:
            raise Busy
        self.active += 1
        try:
            for attempt in range(1 + self.retries):
                try:
                    return await self._attempt(fn, args)
                except JobTimeout:
                    raise
                except WorkerLost:
                    if attempt == self.retries:
                        raise
            raise AssertionError("unreachable")
        finally:
            self.active -= 1

    async def _attempt(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._executor is None:
            self.start()
        executor = self._executor
        try:
            future = executor.submit(fn, *args)
            return await asyncio.wait_for(asyncio.wrap_future(future), self.job_timeout)
        except BrokenProcessPool as exc:
            self._replace(executor, "a worker process died")
            raise WorkerLost from exc
        except asyncio.TimeoutError as exc:
            self._kill(executor)
            self._replace(executor, f"a job ran longer than {self.job_timeout:g} s")
            raise JobTimeout from exc

    def _replace(self, broken: ProcessPoolExecutor, why: str) -> None:
        if self._executor is not broken:  # another request already replaced it
            return
        log.warning("restarting the worker pool: %s", why)
        self.restarts += 1
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        self.start()

    @staticmethod
    def _kill(executor: ProcessPoolExecutor) -> None:
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.kill()
