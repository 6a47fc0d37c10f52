"""The work behind `xxgk library …`: plain functions over a database URL; they never print or exit."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from . import db
from .ingest import Job, Skipped, Stored, known_hashes, prepare, ruleset_version, store


def add(
    url: str,
    paths: Iterable[Path],
    *,
    quiet: bool = True,
    progress: Callable[[Iterator[Any], int], Iterator[Any]] | None = None,
) -> Iterator[Stored]:
    """Add files, folders and archives: each file read and checked (in a process pool for many), then
    stored in a transaction of its own. Yields one result per file, in order."""
    from ..app import batch

    ruleset = ruleset_version()
    with (
        db.one_writer(url),
        db.opened(url) as engine,
        tempfile.TemporaryDirectory(prefix="xxgk-library-") as scratch,
    ):
        items = list(_items(paths, Path(scratch)))
        with db.translated(url), engine.connect() as conn:
            known = known_hashes(conn, [i.content_hash for i in items if isinstance(i, Job)])
        todo: list[Job] = []
        seen: set[str] = set()
        for item in items:
            if isinstance(item, Skipped):
                yield Stored(item.source, "skipped", item.message)
            elif item.content_hash in known or item.content_hash in seen:
                yield Stored(item.source, "exists", "相同内容已在库中")
            else:
                seen.add(item.content_hash)
                todo.append(item)
        for prepared in batch.run(prepare, todo, label="入库", quiet=quiet):  # type: ignore[arg-type]
            with db.translated(url):
                yield store(engine, prepared, ruleset)
        if todo:
            with db.translated(url):
                db.refresh_statistics(engine)


def _items(paths: Iterable[Path], scratch: Path) -> Iterator[Job | Skipped]:
    from .ingest import expand

    yield from expand(paths, scratch)
