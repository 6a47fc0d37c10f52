"""Nothing left behind and no noise: an interrupted PDF conversion, a full disk, invisible direction marks
in a file name, entries of a batch folder that are not files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLES
from typer.testing import CliRunner

from converter.app import batch
from converter.cli import app
from converter.core.errors import ExitCode
from converter.write.files import safe_file_name

SAMPLE = SAMPLES / "huaian-2024.json"


def xxgk(*args: str, env: dict[str, str] | None = None, **options) -> subprocess.Popen:
    """The real command in a child process (signals and interpreter exit as a clerk gets them)."""
    return subprocess.Popen(
        [sys.executable, "-m", "converter", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        **options,
    )


# --------------------------------------------------------------------------- an interrupted PDF


def _wait_for(pattern: str, folder: Path, process: subprocess.Popen, limit: float = 120) -> bool:
    deadline = time.monotonic() + limit  # a bound on waiting, not a timed assertion
    while time.monotonic() < deadline and process.poll() is None:
        if list(folder.glob(pattern)):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.soffice
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl+C", "SIGTERM"])
def test_pdf_interrupted_leaves_no_libreoffice_profile(tmp_path, soffice, sig):
    temp, work = tmp_path / "tmp", tmp_path / "work"
    temp.mkdir()
    work.mkdir()
    source = work / SAMPLE.name
    source.write_bytes(SAMPLE.read_bytes())
    process = xxgk("build", str(source), "--pdf", env={"TMPDIR": str(temp)})
    started = _wait_for("xxgk-pdf-*/profile", temp, process)
    assert started, "LibreOffice did not start its profile"
    time.sleep(0.3)  # LibreOffice is writing its profile
    process.send_signal(sig)
    process.communicate(timeout=60)
    assert process.returncode in (130, 128 + sig)
    time.sleep(1)  # anything still running would write more
    assert list(temp.iterdir()) == []
    assert not list(work.glob("*.pdf"))


# --------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path):
    """A 16 KiB tmpfs (needs root and mount; skipped elsewhere)."""
    mount = tmp_path / "small"
    mount.mkdir()
    mount_it = ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount)]
    made = subprocess.run(mount_it, capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def _report(tmp_path: Path) -> Path:
    """A Word report to import."""
    out = tmp_path / "报告.docx"
    result = CliRunner().invoke(app, ["build", str(SAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("command", ["new", "build", "build --pdf", "import -o"])
def test_full_disk_is_one_message_without_zip_noise(tmp_path, small_disk, command):
    if command == "new":
        args = ["new", str(small_disk / "工作簿.xlsx")]
    elif command.startswith("build"):
        args = ["build", str(SAMPLE), "-o", str(small_disk / "报告.docx"), *command.split()[1:]]
    else:
        args = ["import", str(_report(tmp_path)), "-o", str(small_disk / "导入.xlsx")]
    _, stderr = xxgk(*args).communicate(timeout=120)
    text = stderr.decode()
    assert "磁盘空间不足" in text
    assert "Exception ignored" not in text and "Traceback" not in text and "ZipFile" not in text
    assert list(small_disk.iterdir()) == []


def test_a_failed_writer_that_is_not_a_full_disk_still_reports_its_noise(tmp_path):
    """Only a writer's own failure to close is hidden: other unraisable errors still show."""
    from converter.write.files import _closing_a_failed_file

    class Args:
        def __init__(self, exc, obj):
            self.exc_value, self.object = exc, obj

    assert _closing_a_failed_file(Args(OSError(28, "No space left on device"), print))
    assert _closing_a_failed_file(Args(ValueError("open writing handle"), _zip_del()))
    assert not _closing_a_failed_file(Args(ValueError("something else"), print))
    assert not _closing_a_failed_file(Args(RuntimeError("x"), _zip_del()))


def _zip_del():
    import zipfile

    return zipfile.ZipFile.__del__


# --------------------------------------------------------------------------- file names


MARKS = ["\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c", "\u200b", "\ufeff"]


@pytest.mark.parametrize("mark", MARKS)
def test_default_file_names_drop_direction_and_invisible_marks(mark):
    assert safe_file_name(f"某某{mark}县xcod.2024年报告") == "某某县xcod.2024年报告.docx"


def test_build_names_the_report_without_a_right_to_left_override(tmp_path):
    import json

    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["info"]["org"] = "淮安市\u202e人民政府"
    source = tmp_path / "r.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(source)])
    assert result.exit_code == 0, result.output
    made = sorted(p.name for p in tmp_path.glob("*.docx"))
    assert made == ["淮安市人民政府2024年政府信息公开工作年度报告.docx"]


# --------------------------------------------------------------------------- a batch folder


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "各单位"
    folder.mkdir()
    (folder / "甲.json").write_bytes(SAMPLE.read_bytes())
    (folder / "失效.xlsx").symlink_to(folder / "已删除.xlsx")
    os.mkfifo(folder / "管道.json")
    (folder / "夹.xlsx").mkdir()
    (folder / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    return folder


def test_expand_lists_entries_that_are_not_files_as_skipped(tmp_path):
    folder = _folder(tmp_path)
    skipped: list[tuple[Path, str]] = []
    assert batch.expand([folder], skipped) == [folder / "甲.json"]
    assert sorted(skipped) == [
        (folder / "失效.xlsx", "链接指向的文件不存在"),
        (folder / "夹.xlsx", "是文件夹"),
        (folder / "管道.json", "不是普通文件（如管道或设备）"),
    ]


@pytest.mark.parametrize("command", ["check", "build", "summary"])
def test_batch_commands_say_what_they_skipped(tmp_path, command):
    folder = _folder(tmp_path)
    args = [command, str(folder)]
    if command == "summary":
        args += ["-o", str(tmp_path / "汇总.xlsx")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == ExitCode.OK, result.output
    assert f"已跳过 {folder / '失效.xlsx'}：链接指向的文件不存在。" in result.stderr
    assert f"已跳过 {folder / '管道.json'}：不是普通文件（如管道或设备）。" in result.stderr
    assert "说明.txt" not in result.stderr
