"""Several machines, one PostgreSQL library: `add --queue` puts files in the database and a job for each
in procrastinate's queue (kept in the same database); `worker` on any machine takes the jobs.

A job names a file by its content hash; its bytes wait in `pending_files` and are removed in the very
transaction that stores the report, so a worker killed mid-job loses nothing: its job is found stalled
(no heartbeat) and retried by another worker, and the unique content hash stores the report once.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import ExitCode
from . import db

QUEUE = "xxgk-library"
TASK = "xxgk_library_ingest"


class QueueUnavailable(db.LibraryError):
    exit_code = ExitCode.USAGE
    reason = "queue-needs-postgresql"


def _require_postgresql(url: str) -> None:
    if not url.startswith("postgresql"):
        raise QueueUnavailable(
            "队列和 worker 需要 PostgreSQL 报告库（--db postgresql://…）；"
            "SQLite 报告库请直接运行 `xxgk library add`。"
        )


def _conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(url: str, engine: Any = None) -> Any:
    """A procrastinate app on the library's database, with the one ingest task."""
    from procrastinate import App, PsycopgConnector, RetryStrategy

    app = App(connector=PsycopgConnector(conninfo=_conninfo(url)))

    @app.task(name=TASK, queue=QUEUE, retry=RetryStrategy(max_attempts=5, wait=2))
    def ingest(content_hash: str) -> str:
        if engine is None:
            raise RuntimeError("the ingest task runs only in `xxgk library worker`")
        return ingest_pending(engine, content_hash)

    return app


@dataclass
class Enqueued:
    queued: int = 0
    known: int = 0
    skipped: int = 0


def enqueue(url: str, paths: Iterable[Path]) -> Enqueued:
    """Copy each new file's bytes into the library and defer one job per file (one job per content)."""
    from procrastinate.exceptions import AlreadyEnqueued
    from sqlalchemy import select
    from sqlalchemy.dialects.postgresql import insert

    from . import schema as s
    from .ingest import Job, expand, known_hashes

    _require_postgresql(url)
    counts = Enqueued()
    with (
        db.opened(url) as engine,
        tempfile.TemporaryDirectory(prefix="xxgk-queue-") as scratch,
        db.translated(url),
    ):
        hashes: list[str] = []
        for item in expand(paths, Path(scratch)):
            if not isinstance(item, Job):
                counts.skipped += 1
                continue
            with engine.begin() as conn:
                if known_hashes(conn, [item.content_hash]):
                    counts.known += 1
                    continue
                pending = conn.execute(
                    select(s.pending_files.c.content_hash).where(
                        s.pending_files.c.content_hash == item.content_hash
                    )
                ).first()
                if pending is None:
                    conn.execute(
                        insert(s.pending_files)
                        .values(
                            content_hash=item.content_hash,
                            source=item.source,
                            file_name=item.file_name,
                            data=Path(item.path).read_bytes(),
                        )
                        .on_conflict_do_nothing()
                    )
            hashes.append(item.content_hash)
        app = make_app(url)
        with app.open():
            for content_hash in dict.fromkeys(hashes):
                try:
                    app.configure_task(TASK, queueing_lock=content_hash).defer(content_hash=content_hash)
                    counts.queued += 1
                except AlreadyEnqueued:  # waiting in the queue already
                    counts.known += 1
    return counts


def ingest_pending(engine: Any, content_hash: str) -> str:
    """The job: read the queued bytes, check them, store the report and drop the bytes, all or nothing."""
    from sqlalchemy import delete, select

    from . import schema as s
    from .ingest import Job, prepare, ruleset_version, store

    with engine.connect() as conn:
        row = conn.execute(
            select(s.pending_files).where(s.pending_files.c.content_hash == content_hash)
        ).first()
    if row is None:  # stored by an earlier attempt of this job
        return "exists"
    with tempfile.TemporaryDirectory(prefix="xxgk-worker-") as folder:
        path = Path(folder) / Path(row.file_name).name
        path.write_bytes(row.data)
        prepared = prepare(Job(str(path), row.source, row.file_name, content_hash, len(row.data)))

    def finish(conn: Any) -> None:
        conn.execute(delete(s.pending_files).where(s.pending_files.c.content_hash == content_hash))

    return store(engine, prepared, ruleset_version(), finish=finish).outcome


def run_worker(
    url: str, *, concurrency: int = 1, stalled_after: float = 30.0, until_empty: bool = False
) -> None:
    """Take jobs until stopped (Ctrl+C or SIGTERM finish the running job first); with `until_empty`,
    stop when the queue is empty. Jobs of workers silent for `stalled_after` seconds are retried."""
    _require_postgresql(url)
    with db.opened(url) as engine:
        app = make_app(url, engine)
        asyncio.run(_work(app, concurrency, stalled_after, until_empty))


async def _work(app: Any, concurrency: int, stalled_after: float, until_empty: bool) -> None:
    async with app.open_async():
        rescuer = asyncio.create_task(_retry_stalled(app, stalled_after))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                wait=not until_empty,
                update_heartbeat_interval=max(0.5, stalled_after / 5),
                stalled_worker_timeout=stalled_after,
            )
        finally:
            rescuer.cancel()


async def _retry_stalled(app: Any, stalled_after: float) -> None:
    """Jobs whose worker stopped sending heartbeats (killed, machine lost) go back to the queue."""
    while True:
        for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled_after):
            await app.job_manager.retry_job(job)
        await asyncio.sleep(max(0.5, stalled_after / 5))
