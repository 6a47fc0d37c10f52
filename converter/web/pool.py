"""A bounded pool of worker processes: CPU work off the event loop, a queue limit, recovery from lost workers.

A worker that dies (killed, out of memory) breaks a ProcessPoolExecutor for good; the pool then starts a
fresh executor and runs the jobs that were running once more; a job whose second worker dies too gets
`WorkerLost` (the page says: try again). A job that runs past `job_timeout` has its workers killed the
same way and gets `JobTimeout` at once (it would only time out again).

`job_timeout` is the job's own run time: its clock starts when a worker begins the job (the worker says
so on a queue), not when it is submitted. Waiting behind other jobs, or for a fresh worker process to
start and warm up after a restart, never counts against a job.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import queue
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from . import jobs

log = logging.getLogger("xxgk.web")
T = TypeVar("T")
POLL = 0.05
"""Seconds between looks at the queue on which workers say a job has started."""


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
        self._started: Any = None  # the current executor's queue of job numbers, put when a job starts
        self._started_at: dict[int, float | None] = {}  # job in flight -> when the pool saw it start
        self._numbers = itertools.count(1)

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        # A fresh queue for each executor: a worker killed while putting could leave a queue's lock held.
        self._started = context.Queue()
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=jobs.start_worker,
            initargs=(self._started,),
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
        number = next(self._numbers)
        self._started_at[number] = None
        try:
            future = asyncio.wrap_future(executor.submit(jobs.run_job, number, fn, *args))
            if await self._finished_in_time(future, number):
                return future.result()
        except BrokenProcessPool as exc:
            self._replace(executor, "a worker process died")
            raise WorkerLost from exc
        finally:
            self._started_at.pop(number, None)
        future.cancel()
        self._kill(executor)
        self._replace(executor, f"a job ran longer than {self.job_timeout:g} s")
        raise JobTimeout

    async def _finished_in_time(self, future: asyncio.Future[Any], number: int) -> bool:
        """Wait for the job; False once it has run `job_timeout` seconds since a worker began it."""
        while True:
            began = self._began(number)
            wait = POLL if began is None else max(0.0, min(POLL, began + self.job_timeout - time.monotonic()))
            done, _ = await asyncio.wait({future}, timeout=wait)
            if done:
                return True
            began = self._began(number)
            if began is not None and time.monotonic() >= began + self.job_timeout:
                return False

    def _began(self, number: int) -> float | None:
        """When the job numbered `number` started in a worker, as far as the pool has heard."""
        while True:
            try:
                started = self._started.get_nowait()
            except (queue.Empty, OSError, ValueError):  # nothing new, or the queue was closed
                break
            if started in self._started_at:  # (a job already answered may say it started after that)
                self._started_at[started] = time.monotonic()
        return self._started_at.get(number)

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
