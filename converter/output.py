"""Write an output file atomically: all or nothing, never over an input, never over a file unasked."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import OutputError

TEMP_PREFIX = ".~xxgk-"
"""Temporary files are hidden, in the output's folder, and keep its suffix: `.~xxgk-k3j9x1qa.docx`."""


def write_atomically(
    path: Path,
    write: Callable[[Path], None],
    *,
    force: bool = False,
    inputs: Iterable[Path | None] = (),
) -> Path:
    """Call `write(tmp)` on a temporary file beside `path`, then move it into place in one step.

    Refuses (OutputError) when `path` is one of `inputs`, exists and `force` is off, or its folder is
    missing or not writable. If `write` raises anything, the temporary file is removed, `path` is left
    as it was, and the exception propagates unchanged.
    """
    path = Path(path)
    _refuse_inputs(path, [Path(p) for p in inputs if p is not None])
    _check_target(path, force)
    tmp = _make_temp(path)
    try:
        write(tmp)
        _check_written(path, tmp)
        _publish(tmp, path, force)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return path


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
        raise OutputError(
            f"无法写入 {path}（{exc.strerror or exc}）；如果该文件正在 Word 或 WPS 中打开，请先关闭再试。"
        ) from exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
