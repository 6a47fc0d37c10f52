"""Atomic output: all or nothing, never over an input, never over an existing file unasked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import docx
import pytest

from converter.core.errors import ExitCode, OutputError
from converter.write.files import TEMP_PREFIX, write_atomically


def writes(data: bytes):
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_writes_through_a_hidden_temporary_file_with_the_same_suffix(tmp_path):
    seen: list[Path] = []

    def write(tmp: Path) -> None:
        seen.append(tmp)
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(TEMP_PREFIX) and tmp.suffix == ".docx"
        tmp.write_bytes(b"report")

    target = tmp_path / "报告.docx"
    assert write_atomically(target, write) == target
    assert target.read_bytes() == b"report"
    assert not seen[0].exists()
    assert listing(tmp_path) == {"报告.docx": b"report"}


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_output_gets_the_usual_permissions(tmp_path):
    target = write_atomically(tmp_path / "报告.docx", writes(b"x"))
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_existing_file_is_refused_without_force(tmp_path):
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")
    called = []
    with pytest.raises(OutputError) as caught:
        write_atomically(target, called.append)
    assert caught.value.message == f"输出文件 {target} 已存在；如需覆盖请加 --force"
    assert caught.value.exit_code is ExitCode.OUTPUT
    assert called == []
    assert listing(tmp_path) == {"报告.docx": b"old"}


def test_existing_file_is_replaced_with_force(tmp_path):
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")
    write_atomically(target, writes(b"new"), force=True)
    assert listing(tmp_path) == {"报告.docx": b"new"}


def test_missing_folder(tmp_path):
    folder = tmp_path / "不存在 的目录"
    with pytest.raises(OutputError, match="不存在") as caught:
        write_atomically(folder / "报告.docx", writes(b"x"))
    assert str(folder) in caught.value.message


def test_folder_that_is_a_file(tmp_path):
    blocker = tmp_path / "输出"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError, match="不是文件夹") as caught:
        write_atomically(blocker / "报告.docx", writes(b"x"))
    assert str(blocker) in caught.value.message


def test_target_that_is_a_folder(tmp_path):
    (tmp_path / "报告.docx").mkdir()
    with pytest.raises(OutputError, match="是一个文件夹"):
        write_atomically(tmp_path / "报告.docx", writes(b"x"), force=True)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders"
)
def test_unwritable_folder(tmp_path):
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="没有写入权限") as caught:
            write_atomically(folder / "报告.docx", writes(b"x"))
        assert str(folder) in caught.value.message
    finally:
        folder.chmod(0o700)


def test_unwritable_folder_message_even_as_root(tmp_path, monkeypatch):
    def denied(**kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(OutputError, match="没有写入权限") as caught:
        write_atomically(tmp_path / "报告.docx", writes(b"x"))
    assert str(tmp_path) in caught.value.message


def test_file_that_appears_while_writing_is_not_overwritten(tmp_path):
    target = tmp_path / "报告.docx"

    def write(tmp: Path) -> None:
        target.write_bytes(b"someone else")
        tmp.write_bytes(b"ours")

    with pytest.raises(OutputError, match="已存在"):
        write_atomically(target, write)
    assert listing(tmp_path) == {"报告.docx": b"someone else"}


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()], ids=["error", "interrupt"])
@pytest.mark.parametrize("force", [False, True], ids=["new", "forced"])
def test_failure_inside_write_leaves_nothing_behind(tmp_path, error, force):
    target = tmp_path / "报告.docx"
    if force:
        target.write_bytes(b"old")
    before = listing(tmp_path)

    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half a rep")
        raise error

    with pytest.raises(type(error)) as caught:
        write_atomically(target, write, force=force)
    assert caught.value is error
    assert listing(tmp_path) == before


def test_writer_that_writes_nothing(tmp_path):
    target = tmp_path / "报告.docx"
    target.write_bytes(b"old")
    with pytest.raises(OutputError, match="没有写出任何内容"):
        write_atomically(target, lambda tmp: None, force=True)
    assert listing(tmp_path) == {"报告.docx": b"old"}


def test_output_may_not_be_an_input(tmp_path):
    source = tmp_path / "报表.xlsx"
    source.write_bytes(b"workbook")
    same = tmp_path / "子目录" / ".." / "报表.xlsx"
    (tmp_path / "子目录").mkdir()
    for target in (source, same):
        with pytest.raises(OutputError, match="就是输入文件"):
            write_atomically(target, writes(b"x"), force=True, inputs=[None, source])
    assert source.read_bytes() == b"workbook"


@pytest.mark.skipif(not hasattr(os, "link"), reason="no hard links")
def test_output_may_not_be_a_link_to_an_input(tmp_path):
    source = tmp_path / "报表.xlsx"
    source.write_bytes(b"workbook")
    os.link(source, tmp_path / "硬链接.docx")
    (tmp_path / "软链接.docx").symlink_to(source)
    for name in ("硬链接.docx", "软链接.docx"):
        with pytest.raises(OutputError, match="就是输入文件"):
            write_atomically(tmp_path / name, writes(b"x"), force=True, inputs=[source])
    assert source.read_bytes() == b"workbook"


def test_chinese_names_with_spaces_and_a_real_docx(tmp_path):
    folder = tmp_path / "输出 目录"
    folder.mkdir()
    target = folder / "报告 2024.docx"

    def write(tmp: Path) -> None:
        document = docx.Document()
        document.add_paragraph("一、总体情况")
        document.save(tmp)

    assert write_atomically(target, write) == target
    assert docx.Document(target).paragraphs[0].text == "一、总体情况"
    assert [p.name for p in folder.iterdir()] == ["报告 2024.docx"]
