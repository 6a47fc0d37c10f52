"""The worker pool of `xxgk serve`: bounded, and it recovers when a worker dies or hangs."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from converter.web.pool import Busy, JobTimeout, Pool, WorkerLost


def slow_pid(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture
def pool():
    pool = Pool(workers=1, queue=0, job_timeout=20)
    pool.start()
    yield pool
    pool.stop()


def test_jobs_run_in_another_process(pool):
    assert run(pool.run(os.getpid)) != os.getpid()


def test_full_pool_refuses_at_once(pool):
    async def two():
        first = asyncio.ensure_future(pool.run(time.sleep, 1))
        await asyncio.sleep(0.05)
        refused = pool.run(os.getpid)
        with pytest.raises(Busy):  # on the first step of the call: it never waits for a worker
            refused.send(None)
        refused.close()
        await first
        return await pool.run(os.getpid)  # a place is free again

    assert run(two())


def kill_the_worker_during(pool: Pool, job):
    async def scenario():
        running = asyncio.ensure_future(job)
        await asyncio.sleep(0.5)
        [pid] = pool.pids()
        os.kill(pid, signal.SIGKILL)
        return pid, await running

    return run(scenario())


def test_job_whose_worker_died_runs_again_in_a_fresh_worker(pool):
    killed, answer = kill_the_worker_during(pool, pool.run(slow_pid, 1.5))
    assert answer not in (killed, os.getpid())
    assert pool.restarts == 1


def test_killed_worker_is_replaced():
    pool = Pool(workers=1, queue=0, job_timeout=20, retries=0)
    pool.start()
    try:
        _test_killed_worker_is_replaced(pool)
    finally:
        pool.stop()


def _test_killed_worker_is_replaced(pool):
    async def kill_mid_job():
        job = asyncio.ensure_future(pool.run(time.sleep, 10))
        await asyncio.sleep(0.5)
        [pid] = pool.pids()
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkerLost):
            await job
        return pid, await pool.run(os.getpid)

    killed, fresh = run(kill_mid_job())
    assert fresh != killed
    assert pool.restarts == 1


def test_job_past_its_time_is_stopped():
    """The next job runs in a fresh worker: its start-up and warm-up are not the job's time."""
    pool = Pool(workers=1, queue=0, job_timeout=0.5)
    pool.start()
    try:
        started = time.monotonic()
        with pytest.raises(JobTimeout):
            run(pool.run(time.sleep, 30))
        assert time.monotonic() - started < 25  # stopped, not left to sleep its 30 s
        assert run(pool.run(os.getpid))
        assert pool.restarts == 1
    finally:
        pool.stop()


def test_time_limit_counts_from_when_the_job_starts():
    """A job queued behind another, in a pool not yet warmed up, has its whole limit for itself."""
    pool = Pool(workers=1, queue=1, job_timeout=3)
    pool.start()  # the worker starts and warms up while the first job waits for it

    async def two():
        first = asyncio.ensure_future(pool.run(slow_pid, 2.5))
        second = asyncio.ensure_future(pool.run(slow_pid, 1))  # done 3.5 s after submission at best
        return await first, await second

    try:
        assert run(two())[1] != os.getpid()
        assert pool.restarts == 0
        for _ in range(20):
            run(pool.run(os.getpid))
        assert pool._started_at == {}  # nothing kept of jobs answered (a start may be heard after)
    finally:
        pool.stop()


def test_a_worker_cannot_take_all_the_memory(pool):
    with pytest.raises(MemoryError):
        run(pool.run(bytearray, 3 * 1024**3))
    assert run(pool.run(os.getpid))  # the same worker goes on
    assert pool.restarts == 0
