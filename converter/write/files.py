"""Write an output file atomically: all or nothing, never over an input, never over a file unasked."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..core.errors import OutputError

TEMP_PREFIX = ".~xxgk-"
"""Temporary files are hidden, in the output's folder, and keep its suffix: `.~xxgk-k3j9x1qa.docx`."""


def write_atomically(
    path: Path,
    write: Callable[[Path], None],
    *,
    force: bool = False,
    inputs: Iterable[Path | None] = (),
    suffix: str | None = None,
) -> Path:
    """Call `write(tmp)` on a temporary file beside `path`, then move it into place in one step.

    Refuses (OutputError) when `path` does not end in `suffix` (if given), is one of `inputs`, exists
    and `force` is off, or its folder is missing or not writable. If `write` raises anything, or the
    process is interrupted (Ctrl+C, SIGTERM, SIGHUP), the temporary file is removed and `path` is left
    as it was; a full disk becomes OutputError, any other exception propagates unchanged.
    """
    path = Path(path)
    if suffix is not None:
        check_suffix(path, suffix)
    _refuse_inputs(path, [Path(p) for p in inputs if p is not None])
    _check_target(path, force)
    with _termination_as_exception():
        tmp = _make_temp(path)
        try:
            _write(path, tmp, write)
            _check_written(path, tmp)
            _publish(tmp, path, force)
        except BaseException as exc:
            _let_go(exc)
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return path


def _let_go(exc: BaseException) -> None:
    """Drop now what the failed writer left open: a zip archive half written to a full disk would
    otherwise try to finish itself when collected, at exit, printing `Exception ignored in:
    ZipFile.__del__` after our message. Its (expected) failure to close is not shown."""
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if not _closing_a_failed_file(unraisable):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        for error in _chain(exc):
            traceback.clear_frames(error.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = previous


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _closing_a_failed_file(unraisable: sys.UnraisableHookArgs) -> bool:
    """A file or zip archive of the failed writer that cannot be closed (the disk is full, or a
    member was still being written): the error is already reported."""
    name = getattr(unraisable.object, "__qualname__", "")
    return isinstance(unraisable.exc_value, OSError | ValueError) and (
        name.startswith("ZipFile.") or isinstance(unraisable.exc_value, OSError)
    )


DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def _write(path: Path, tmp: Path, write: Callable[[Path], None]) -> None:
    """`write(tmp)`, with a full disk (or quota) as OutputError."""
    try:
        write(tmp)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise OutputError(_disk_full_message(path)) from exc
        raise


def _disk_full_message(path: Path) -> str:
    return (
        f"磁盘空间不足，无法写入 {path}，原有文件未改动；"
        "请清理该磁盘（或换一个有足够空间的输出位置，-o）后再试。"
    )


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while an output file was being written (exit 128 + signal)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(128 + signum)


def stop_on_termination() -> None:
    """For a whole command: SIGTERM and SIGHUP raise `Terminated`, wherever the command is (rendering
    in a temporary folder, writing), so every temporary file and folder is cleaned up on the way out."""
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) is signal.SIG_DFL:
            signal.signal(getattr(signal, name), _raise_terminated)


@contextlib.contextmanager
def _termination_as_exception() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP raise `Terminated` (Ctrl+C already raises KeyboardInterrupt),
    so the temporary file is removed as for any error. Only in the main thread (where Python runs
    signal handlers), and only over the default action: a program that handles them keeps its own."""
    names = ("SIGTERM", "SIGHUP")
    signals = [getattr(signal, n) for n in names if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in signals}
    ours = [sig for sig, handler in previous.items() if handler is signal.SIG_DFL]
    for sig in ours:
        signal.signal(sig, _raise_terminated)
    try:
        yield
    finally:
        for sig in ours:
            signal.signal(sig, previous[sig])


def _refuse_inputs(path: Path, inputs: list[Path]) -> None:
    for source in inputs:
        if same_file(path, source):
            raise OutputError(
                f"输出文件 {path} 就是输入文件 {source.name}，写入会覆盖输入；请换一个输出文件名（-o）。"
            )


def same_file(a: Path, b: Path) -> bool:
    """Same path after resolving links, or the same file on disk (hard links, case-insensitive disks)."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, RuntimeError):  # a symlink loop, an unreadable folder
        return False


def _check_target(path: Path, force: bool) -> None:
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"输出文件夹 {folder} 不存在；请先创建该文件夹，或换一个输出位置。")
    if not folder.is_dir():
        raise OutputError(f"输出位置 {folder} 是一个文件，不是文件夹；请换一个输出位置。")
    if path.is_dir():
        raise OutputError(f"输出路径 {path} 是一个文件夹；请在后面加上文件名，如 {path / '报告.docx'}。")
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputError(f"输出文件 {path} 已存在；如需覆盖请加 --force")


def _make_temp(path: Path) -> Path:
    try:
        handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=path.suffix, dir=path.parent)
    except OSError as exc:
        raise OutputError(_folder_message(path.parent, exc)) from exc
    os.close(handle)  # libraries open the file by name; Windows would refuse while we hold it
    return Path(name)


def _folder_message(folder: Path, exc: OSError) -> str:
    reason = "没有写入权限" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
    return f"无法在输出文件夹 {folder} 中写入文件（{reason}）；请换一个有写入权限的输出位置。"


def _check_written(path: Path, tmp: Path) -> None:
    """The writer must have produced something: an empty file must never replace a good one."""
    if tmp.stat().st_size == 0:
        raise OutputError(f"生成 {path.name} 时没有写出任何内容，原有文件未改动；这是程序错误，请报告。")


def _publish(tmp: Path, path: Path, force: bool) -> None:
    """Give the file the usual permissions, flush it to disk, then move it into place."""
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with open(tmp, "rb+") as stream:
            os.fsync(stream.fileno())
        if not force and (path.exists() or path.is_symlink()):  # appeared while we were writing
            raise OutputError(f"输出文件 {path} 已存在；如需覆盖请加 --force")
        os.replace(tmp, path)
    except OutputError:
        raise
    except OSError as exc:
        if exc.errno in DISK_FULL:  # fsync is where a full disk often shows
            raise OutputError(_disk_full_message(path)) from exc
        raise OutputError(
            f"无法写入 {path}（{exc.strerror or exc}）；如果该文件正在 Word 或 WPS 中打开，请先关闭再试。"
        ) from exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# --------------------------------------------------------------------------- names

OUTPUT_KINDS = {".docx": "Word 报告", ".xlsx": "Excel 工作簿"}


def check_suffix(path: Path, expected: str = ".docx") -> None:
    """Refuse (OutputError) an output name not ending in `expected` (case-insensitive): a Word report
    saved as `x.xlsx` would not open, and with --force would replace an unrelated workbook."""
    path = Path(path)
    if path.suffix.lower() == expected.lower():
        return
    kind = OUTPUT_KINDS.get(expected.lower(), f"{expected} 文件")
    given = f"扩展名是“{path.suffix}”" if path.suffix else "没有扩展名"
    raise OutputError(
        f"输出文件 {path.name} {given}，而要生成的是{kind}，只能保存为 {expected} 文件；"
        f"请把输出文件名改为 {path.stem or path.name}{expected}（-o）。"
    )


FORBIDDEN = re.compile(
    r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\ud800-\udfff'
    r"\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
"""Characters Windows forbids in file names, control characters, lone surrogates (not encodable), and
invisible direction and zero-width marks: a right-to-left override (U+202E) in an organ's name would
show `报告.docx` as `xcod.告报` and hide the real extension."""
RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}) | {
    f"{name}{n}" for name in ("COM", "LPT") for n in [*"123456789", "¹", "²", "³"]
}
"""Device names Windows reserves, whatever the extension (`CON.docx` cannot be created)."""
YEAR = re.compile(r"(?:19|20)\d\d\s*年?")
ELLIPSIS = "…"


def safe_file_name(title: str, *, keep: str = "", suffix: str = ".docx", limit_bytes: int = 255) -> str:
    """A Windows-safe file name for `title`, within `limit_bytes` UTF-8 bytes, ending in `suffix`.

    Forbidden and control characters are dropped, runs of spaces become one, and leading or trailing
    dots and spaces go (Windows drops trailing ones); a reserved device name (CON, NUL, COM1…) gets a
    `_`. Too long a title is shortened in the middle with "…": the start up to `keep` (the organ's
    name) and the year with what follows it are kept as far as they fit. An empty result is "报告".
    """
    budget = limit_bytes - _bytes(suffix)
    name = _clean(title)
    if _bytes(name) > budget:
        name = _shorten(name, _clean(keep), budget)
    name = name.strip(" .") or "报告"
    if name.split(".")[0].strip(" ").upper() in RESERVED:
        name = "_" + name
    return _cut(name, budget).rstrip(" .") + suffix


def _clean(text: str) -> str:
    text = FORBIDDEN.sub("", " ".join(str(text).split()))
    return text.lstrip(" .~$").rstrip(" .")


def _bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` UTF-8 bytes (never half a character)."""
    return text.encode("utf-8")[: max(limit, 0)].decode("utf-8", "ignore")


def _shorten(name: str, keep: str, budget: int) -> str:
    """`head…tail`: the tail from the year on (`2024年政府信息公开工作年度报告`) kept whole when it takes
    at most half the room (else cut, keeping at least the year), the head from the start, as much as
    fits; `keep` (the organ's name) is the head's start, so it comes first."""
    year = YEAR.search(name)
    head, tail = (name[: year.start()], name[year.start() :]) if year else (name, "")
    room = budget - 2 * _bytes(ELLIPSIS)
    year_bytes = _bytes(year.group()) if year else 0
    tail_room = _bytes(tail) if _bytes(tail) <= room // 2 else max(year_bytes, room // 2)
    kept_tail = _cut(tail, tail_room)
    kept_head = _cut(head, room - _bytes(kept_tail))
    return (
        kept_head.rstrip(" .")
        + (ELLIPSIS if kept_head != head else "")
        + kept_tail.lstrip(" ")
        + (ELLIPSIS if kept_tail != tail else "")
    )
