"""The work behind `xxgk library …`: plain functions over a database URL; they never print or exit."""

from __future__ import annotations

import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
        stop_between() as stop,
    ):
        items = []
        for item in _items(paths, Path(scratch)):  # folders listed, files hashed
            stop.check()
            items.append(item)
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
            stop.check()
            with db.translated(url):
                yield store(engine, prepared, ruleset)
            stop.check()
        if todo:
            with db.translated(url):
                db.refresh_statistics(engine)


class Stop:
    """Ctrl+C asked for: `check` raises KeyboardInterrupt where it is safe to stop."""

    def __init__(self) -> None:
        self.asked = False

    def check(self) -> None:
        if self.asked:
            raise KeyboardInterrupt


@contextmanager
def stop_between() -> Iterator[Stop]:
    """Ctrl+C stops between two reports, not wherever Python happens to be: raised asynchronously it can
    land in a garbage collector's callback, where Python prints "Exception ignored" and goes on (the add
    then ran to its end). A second Ctrl+C stops at once. Outside the main thread: nothing to install."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(_signum: int, _frame: Any) -> None:
        stop.asked = True
        signal.signal(signal.SIGINT, previous)  # a second Ctrl+C: at once

    previous = signal.signal(signal.SIGINT, ask)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _items(paths: Iterable[Path], scratch: Path) -> Iterator[Job | Skipped]:
    from .ingest import expand

    yield from expand(paths, scratch)
