"""`collect` over a library database, and the collector's way into the library: each fetched page or
file is read, checked and stored by the library's own ingest (as `xxgk library add` does), its download
time noted on its version, and a `发布后被修改` finding added where the collector saw a page change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .fetch import Fetcher, Politeness
from .run import Collector, Event, Seed, StoredVersion, Summary
from .state import CrawlState


class LibraryStore:
    def __init__(self, engine: Any):
        from ..ingest import ruleset_version

        self.engine = engine
        self.ruleset = ruleset_version()

    def store_file(
        self, path: Path, source: str, *, unreadable: str = "", published: tuple[dt.date, str] | None = None
    ) -> StoredVersion:
        """Store one file; `unreadable`: why it is kept without being read (tables as pictures, .doc);
        `published`: the page's 发布时间 and where it was read, ahead of any date in the file (D2 uses it)."""
        from sqlalchemy import select, update

        from .. import schema as s
        from ..ingest import Job, Prepared, prepare, sha256_of, store

        content_hash, size = sha256_of(path)
        dates = ((f"门户网站{published[1]}"[:40], published[0]),) if published else ()
        job = Job(str(path), source, path.name, content_hash, size, dates=dates)
        if unreadable:
            prepared = Prepared(
                job, file_format=path.suffix.lstrip(".").lower(), published=True, message=unreadable
            )
        else:
            prepared = prepare(job)
        stored = store(self.engine, prepared, self.ruleset)
        with self.engine.begin() as conn:
            version_id = conn.execute(
                select(s.versions.c.id).where(s.versions.c.content_hash == content_hash)
            ).scalar()
            if version_id is not None:
                conn.execute(
                    update(s.versions)
                    .where(s.versions.c.id == version_id, s.versions.c.fetched_at.is_(None))
                    .values(fetched_at=_now())
                )
                rules = tuple(
                    conn.execute(
                        select(s.findings.c.rule).where(s.findings.c.version_id == version_id)
                    ).scalars()
                )
            else:
                rules = ()
        return StoredVersion(version_id, stored.outcome, stored.org, stored.year, stored.message, rules)

    def add_finding(self, version_id: int, rule: str, code: str, severity: str, message: str) -> None:
        from sqlalchemy import insert, update

        from .. import schema as s
        from .. import summaries

        with self.engine.begin() as conn:
            conn.execute(
                insert(s.findings).values(
                    version_id=version_id,
                    rule=rule,
                    code=code,
                    severity=severity,
                    field="",
                    position="全文",
                    quote="",
                    message=message,
                    ruleset=self.ruleset,
                )
            )
            counter = s.versions.c.errors if severity == "error" else s.versions.c.warnings
            conn.execute(
                update(s.versions).where(s.versions.c.id == version_id).values({counter: counter + 1})
            )
            summaries.refresh(conn, summaries.reports_of_versions(conn, [version_id]))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def default_cache() -> Path:
    """The HTTP cache (validators and bodies of fetched pages): $XDG_CACHE_HOME/xxgk/collect-http.db."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xxgk" / "collect-http.db"


def collect(
    url: str,
    seeds: list[Seed],
    rules: Politeness,
    *,
    since: int | None = None,
    cache: Path | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> Summary:
    """Collect the columns into the library at `url` (created when new); see `Collector`."""
    from .. import db
    from .. import schema as s

    with db.opened(url) as engine, db.translated(url):
        state = CrawlState(engine, s.collect_runs, s.collect_pages)
        with Fetcher(rules, cache or default_cache()) as fetcher:
            collector = Collector(state, LibraryStore(engine), fetcher, since=since, on_event=on_event)
            return collector.run(seeds)
