"""Many files at once, for a county office: a process pool on all cores, results in the input order,
a progress bar on a terminal, and Ctrl+C that stops cleanly.

Workers only read and compute; every file is written by the calling process (pipeline.publish), so a
stopped batch never leaves half a report behind. A failure in one file is that file's result.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..core.errors import ExitCode, XxgkError
from ..core.findings import Unreadable

T = TypeVar("T")
POOL_FROM = 4  # fewer files are done in this process: starting workers would cost more than it saves
INPUT_SUFFIXES = (".xlsx", ".json")


def expand(paths: Iterable[Path], skipped: list[tuple[Path, str]] | None = None) -> list[Path]:
    """The files to work on: each file as given, and a folder's workbooks and JSON reports (sorted,
    lock files and hidden files left out). A missing path stays, to be reported as its own result.
    A folder's entry named like a workbook that is no regular file (a dangling link, a pipe, a
    folder) is added to `skipped` with the reason, for the caller to say."""
    found: list[Path] = []
    for path in paths:
        if not Path(path).is_dir():
            found.append(Path(path))
            continue
        for entry in sorted(Path(path).iterdir()):
            if entry.suffix.lower() not in INPUT_SUFFIXES or entry.name.startswith(("~$", ".")):
                continue
            if entry.is_file():
                found.append(entry)
            elif skipped is not None:
                skipped.append((entry, _not_a_file(entry)))
    return found


def _not_a_file(entry: Path) -> str:
    """Why a folder entry named like a workbook is not read, in the clerk's words."""
    if entry.is_symlink() and not entry.exists():
        return "链接指向的文件不存在"
    if entry.is_dir():
        return "是文件夹"
    return "不是普通文件（如管道或设备）"


def jobs() -> int:
    """Worker processes: the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(work: Callable[[Path], T], items: Sequence[Path], *, label: str, quiet: bool = False) -> Iterator[T]:
    """`work(item)` for every item, yielded in the input order; a pool of processes for a batch."""
    bar = _progress(len(items), label) if not quiet and len(items) > 1 and sys.stderr.isatty() else None
    try:
        for result in _results(work, items):
            if bar is not None:
                bar.advance()
            yield result
    finally:
        if bar is not None:
            bar.stop()


def _results(work: Callable[[Path], T], items: Sequence[Path]) -> Iterator[T]:
    workers = min(jobs(), len(items))
    if len(items) < POOL_FROM or workers < 2:
        yield from map(work, items)
        return
    from concurrent.futures import ProcessPoolExecutor  # imported only for a batch: 10 ms a command

    executor = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    try:
        chunk = max(1, min(16, len(items) // (workers * 8)))
        yield from executor.map(work, items, chunksize=chunk)
    finally:  # on Ctrl+C too: queued work is dropped, running work ends, nothing was written by it
        executor.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl+C to the main process, which stops the pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def safely(work: Callable[..., T], path: Path, **options: Any) -> T | Unreadable:
    """`work(path, **options)`, with a failure turned into that file's result instead of stopping the
    batch; an unexpected one is logged and reported as an internal error (exit 70)."""
    try:
        return work(path, **options)
    except XxgkError as exc:
        return Unreadable(Path(path), exc.reason, exc.message, int(exc.exit_code))
    except Exception as exc:  # a bug: one file's, the others go on
        from ..core.errors import log_exception

        log = log_exception(exc)
        message = f"内部错误：{type(exc).__name__}。详细信息已记录在 {log}，请将该文件反馈给维护人员。"
        return Unreadable(Path(path), "internal", message, int(ExitCode.INTERNAL))


class _Bar:
    """A rich progress bar on stderr, imported only when one is shown."""

    def __init__(self, total: int, label: str):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task(label, total=total)
        self.progress.start()

    def advance(self) -> None:
        self.progress.advance(self.task)

    def stop(self) -> None:
        self.progress.stop()


def _progress(total: int, label: str) -> _Bar:
    return _Bar(total, label)
