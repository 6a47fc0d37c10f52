"""The crawl's state in the library database (schema.collect_runs and schema.collect_pages): runs, and
every page and file the collector knows, so that a stopped run resumes where it stopped, an unchanged
page adds nothing, a changed one is seen as changed, and a report gone from its column is recorded as
gone (never deleted).

    collect_runs ─< collect_pages (list pages, report pages, attached files)
                        └─ version_id → versions (what the library stored for it, latest)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Table


RUNNING, STOPPED, DONE = "running", "stopped", "done"
LIST, PAGE, FILE = "list", "page", "file"
NEW, OK, FAILED, GONE = "new", "ok", "failed", "gone"


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


@dataclass
class Known:
    """What the state knows of one URL."""

    id: int
    url: str
    kind: str
    organ: str
    column_url: str
    title: str
    year: int | None
    state: str
    fingerprint: str
    version_id: int | None
    changes: int
    seen_run: int | None
    done_run: int | None
    fetched_at: dt.datetime | None
    parent_id: int | None = None
    listed_on: dt.date | None = None


class CrawlState:
    """Reads and writes the crawl tables; each method is its own transaction (a stop loses nothing)."""

    def __init__(self, engine: Any, runs: Table, pages: Table):
        self.engine = engine
        self.runs = runs
        self.pages = pages

    # ----------------------------------------------------------------------- runs

    def begin_run(self, seeds: list[tuple[str, str]]) -> tuple[int, bool]:
        """(run id, resumed): the last unfinished run over the same seeds, else a new one."""
        from sqlalchemy import insert, select, update

        key = json.dumps(sorted(seeds), ensure_ascii=False)
        with self.engine.begin() as conn:
            last = conn.execute(
                select(self.runs.c.id, self.runs.c.status)
                .where(self.runs.c.seeds == key)
                .order_by(self.runs.c.id.desc())
            ).first()
            if last is not None and last.status in (RUNNING, STOPPED):
                conn.execute(update(self.runs).where(self.runs.c.id == last.id).values(status=RUNNING))
                return last.id, True
            run = conn.execute(
                insert(self.runs).values(seeds=key, status=RUNNING, started_at=now(), requests=0)
            ).inserted_primary_key[0]
            return int(run), False

    def end_run(self, run: int, status: str, requests: int) -> None:
        from sqlalchemy import update

        with self.engine.begin() as conn:
            conn.execute(
                update(self.runs)
                .where(self.runs.c.id == run)
                .values(
                    status=status,
                    finished_at=now() if status == DONE else None,
                    requests=self.runs.c.requests + requests,
                )
            )

    # ----------------------------------------------------------------------- pages

    def get(self, url: str) -> Known | None:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            row = conn.execute(select(self.pages).where(self.pages.c.url == url)).first()
        return _known(row) if row is not None else None

    def listed(
        self,
        run: int,
        url: str,
        kind: str,
        organ: str,
        column_url: str,
        *,
        title: str = "",
        year: int | None = None,
        listed_on: dt.date | None = None,
        parent_id: int | None = None,
    ) -> Known:
        """Record that this run found the URL (in its column, or on its page); a page that had gone
        and is listed again is back."""
        from sqlalchemy import insert, update

        known = self.get(url)
        with self.engine.begin() as conn:
            if known is None:
                conn.execute(
                    insert(self.pages).values(
                        url=url,
                        kind=kind,
                        organ=organ,
                        column_url=column_url,
                        parent_id=parent_id,
                        title=title,
                        year=year,
                        listed_on=listed_on,
                        state=NEW,
                        seen_run=run,
                        first_seen_at=now(),
                    )
                )
            else:
                values: dict[str, Any] = {"seen_run": run}
                if known.state == GONE:
                    values.update(
                        state=OK if known.fingerprint else NEW, gone_since=None, message="重新出现在栏目中"
                    )
                if title and not known.title:
                    values["title"] = title
                if organ and not known.organ:
                    values["organ"] = organ
                conn.execute(update(self.pages).where(self.pages.c.id == known.id).values(**values))
        found = self.get(url)
        assert found is not None
        return found

    def done(self, page_id: int, run: int, **values: Any) -> None:
        """The URL was fetched in this run (`values`: state, fingerprint, version_id, dates, message…)."""
        from sqlalchemy import update

        with self.engine.begin() as conn:
            conn.execute(
                update(self.pages)
                .where(self.pages.c.id == page_id)
                .values(done_run=run, fetched_at=now(), **values)
            )

    def note(self, page_id: int, **values: Any) -> None:
        """What became of the URL, without counting it as fetched in this run (a resumed run tries it)."""
        from sqlalchemy import update

        with self.engine.begin() as conn:
            conn.execute(update(self.pages).where(self.pages.c.id == page_id).values(**values))

    def in_run(self, run: int, column_url: str, kinds: str | tuple[str, ...]) -> list[Known]:
        """The column's URLs of these kinds found in this run, in the order they were first found."""
        from sqlalchemy import select

        kinds = (kinds,) if isinstance(kinds, str) else kinds
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(self.pages)
                .where(
                    self.pages.c.column_url == column_url,
                    self.pages.c.kind.in_(kinds),
                    self.pages.c.seen_run == run,
                )
                .order_by(self.pages.c.id)
            ).all()
        return [_known(r) for r in rows]

    def mark_gone(self, run: int, column_url: str, since_year: int | None) -> list[Known]:
        """Reports of a column listed before but not in this run's complete listing: recorded as gone
        (the library keeps every version)."""
        from sqlalchemy import or_, select, update

        with self.engine.begin() as conn:
            condition = [
                self.pages.c.column_url == column_url,
                self.pages.c.kind.in_((PAGE, FILE)),
                self.pages.c.parent_id.is_(None),  # a page's files go with their page
                or_(self.pages.c.seen_run.is_(None), self.pages.c.seen_run != run),
                self.pages.c.state != GONE,
            ]
            if since_year is not None:
                condition.append(self.pages.c.year >= since_year)
            rows = conn.execute(select(self.pages).where(*condition)).all()
            if rows:
                conn.execute(
                    update(self.pages)
                    .where(self.pages.c.id.in_([r.id for r in rows]))
                    .values(state=GONE, gone_since=now(), message="已从栏目中消失（库中的版本保留）")
                )
        return [_known(r) for r in rows]


def _known(row: Any) -> Known:
    return Known(
        id=row.id,
        url=row.url,
        kind=row.kind,
        organ=row.organ,
        column_url=row.column_url,
        title=row.title,
        year=row.year,
        state=row.state,
        fingerprint=row.fingerprint,
        version_id=row.version_id,
        changes=row.changes,
        seen_run=row.seen_run,
        done_run=row.done_run,
        fetched_at=row.fetched_at,
        parent_id=row.parent_id,
        listed_on=row.listed_on,
    )
