"""Output hardening: a full disk, a killed write, a wrong extension, an over-long or unsafe file name."""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from converter.cli import app
from converter.core.errors import ExitCode, OutputError
from converter.write import files as output
from converter.write.files import RESERVED, TEMP_PREFIX, check_suffix, safe_file_name, write_atomically

# --------------------------------------------------------------------------- a full disk


def failing(code: int):
    def write(tmp: Path) -> None:
        tmp.write_bytes(b"half a report")
        raise OSError(code, os.strerror(code), str(tmp))

    return write


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT], ids=["ENOSPC", "EDQUOT"])
@pytest.mark.parametrize("force", [False, True], ids=["new", "forced"])
def test_full_disk_while_writing_is_an_output_error(tmp_path, code, force):
    target = tmp_path / "报告.docx"
    if force:
        target.write_bytes(b"old")
    with pytest.raises(OutputError, match="磁盘空间不足") as info:
        write_atomically(target, failing(code), force=force)
    assert info.value.exit_code == ExitCode.OUTPUT and str(target) in info.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == (["报告.docx"] if force else [])


def test_full_disk_at_fsync_is_an_output_error(tmp_path, monkeypatch):
    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "fsync", fsync)
    with pytest.raises(OutputError, match="磁盘空间不足"):
        write_atomically(tmp_path / "报告.docx", lambda tmp: tmp.write_bytes(b"x"))
    assert list(tmp_path.iterdir()) == []


def test_other_write_errors_propagate_unchanged(tmp_path):
    with pytest.raises(OSError) as info:
        write_atomically(tmp_path / "报告.docx", failing(errno.EIO))
    assert info.type is OSError and info.value.errno == errno.EIO
    assert list(tmp_path.iterdir()) == []


def test_build_on_a_full_disk_exits_5_without_traceback(tmp_path, monkeypatch):
    from converter.render import docx as render_docx

    def full(self, context, out, template=None):
        out.write_bytes(b"PK")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(render_docx.WordRenderer, "render", full)
    source = tmp_path / "report.json"
    source.write_bytes((SAMPLES / "huaian-2024.json").read_bytes())
    result = CliRunner().invoke(app, ["build", str(source), "-o", str(tmp_path / "out.docx")])
    assert result.exit_code == ExitCode.OUTPUT, result.output
    assert "磁盘空间不足" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_real_full_file_system(tmp_path):
    """A 64 KiB tmpfs (needs root and mount; skipped elsewhere): the OS itself says ENOSPC."""
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with pytest.raises(OutputError, match="磁盘空间不足"):
            write_atomically(mount / "报告.docx", lambda tmp: tmp.write_bytes(bytes(1024 * 1024)))
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=True)


# --------------------------------------------------------------------------- a killed write

WRITER = """
import signal, sys, time
from pathlib import Path
from converter.write.files import write_atomically

# As a command run from a terminal starts: a test run under nohup (SIGHUP ignored) or in the background
# of a script (SIGINT ignored) hands its child ignored signals, and an ignored signal never arrives.
signal.signal(signal.SIGHUP, signal.SIG_DFL)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.signal(signal.SIGINT, signal.default_int_handler)

def write(tmp):
    tmp.write_bytes(b"half")
    if sys.argv[2] == "default":  # control: the default action kills without clean-up
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print("writing", flush=True)
    time.sleep(60)

write_atomically(Path(sys.argv[1]), write)
"""


def killed_while_writing(tmp_path: Path, sig: int, mode: str = "ours") -> int:
    target = tmp_path / "报告.docx"
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    ) as child:
        assert child.stdout.readline().strip() == "writing"
        assert any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())
        child.send_signal(sig)
        child.communicate(timeout=30)
    assert not target.exists()
    return child.returncode


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_a_killed_write_leaves_no_temporary_file(tmp_path, sig):
    code = killed_while_writing(tmp_path, sig)
    assert list(tmp_path.iterdir()) == []
    assert code == (128 + sig if sig != signal.SIGINT else -signal.SIGINT)  # Ctrl+C: KeyboardInterrupt


def test_control_default_sigterm_would_leave_the_temporary_file(tmp_path):
    """Without the handler the temporary file stays behind: the test above can fail."""
    assert killed_while_writing(tmp_path, signal.SIGTERM, "default") == -signal.SIGTERM
    assert [p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir()] == [True]


def test_handlers_are_restored_and_foreign_ones_kept(tmp_path):
    def mine(signum, frame):
        pass

    previous = signal.signal(signal.SIGHUP, mine)
    try:
        seen = {}

        def write(tmp: Path) -> None:
            seen.update(term=signal.getsignal(signal.SIGTERM), hup=signal.getsignal(signal.SIGHUP))
            tmp.write_bytes(b"x")

        write_atomically(tmp_path / "a.docx", write)
        assert seen["term"] is output._raise_terminated and seen["hup"] is mine
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL and signal.getsignal(signal.SIGHUP) is mine
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_writes_from_another_thread_leave_signals_alone(tmp_path):
    import threading

    errors = []

    def run() -> None:
        try:
            write_atomically(tmp_path / "a.docx", lambda tmp: tmp.write_bytes(b"x"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == [] and (tmp_path / "a.docx").read_bytes() == b"x"


# --------------------------------------------------------------------------- the extension


@pytest.mark.parametrize(
    ("name", "expected"), [("报告.docx", ".docx"), ("报告.DOCX", ".docx"), ("a.xlsx", ".xlsx")]
)
def test_matching_suffix_passes(name, expected):
    check_suffix(Path(name), expected)


@pytest.mark.parametrize(
    ("name", "expected", "words"),
    [
        ("报告.xlsx", ".docx", ["Word 报告", "报告.docx", "“.xlsx”"]),
        ("报告", ".docx", ["没有扩展名", "报告.docx"]),
        ("报告.docx.bak", ".docx", ["“.bak”"]),
        ("新表.docx", ".xlsx", ["Excel 工作簿", "新表.xlsx"]),
    ],
)
def test_wrong_suffix_is_refused_in_chinese(name, expected, words):
    with pytest.raises(OutputError) as info:
        check_suffix(Path(name), expected)
    assert all(word in info.value.message for word in words), info.value.message


def test_write_atomically_checks_the_suffix_before_touching_anything(tmp_path):
    workbook = tmp_path / "台账.xlsx"
    workbook.write_bytes(b"an unrelated workbook")
    with pytest.raises(OutputError, match=r"\.docx"):
        write_atomically(workbook, lambda tmp: tmp.write_bytes(b"report"), force=True, suffix=".docx")
    assert workbook.read_bytes() == b"an unrelated workbook"
    assert [p.name for p in tmp_path.iterdir()] == ["台账.xlsx"]
    write_atomically(tmp_path / "r.docx", lambda tmp: tmp.write_bytes(b"report"), suffix=".docx")


# --------------------------------------------------------------------------- the file name

FORBIDDEN_CHARS = set('\\/:*?"<>|') | {chr(c) for c in range(32)} | {"\x7f"}


def valid_windows_name(name: str, suffix: str, limit: int = 255) -> None:
    assert name.endswith(suffix)
    assert len(name.encode("utf-8")) <= limit
    assert not FORBIDDEN_CHARS & set(name)
    stem = name[: -len(suffix)]
    assert stem and stem == stem.strip(" .") and not stem.startswith("~$")
    assert stem.split(".")[0].strip().upper() not in RESERVED


@settings(max_examples=300, deadline=None)
@given(title=st.text(), keep=st.text(max_size=100), suffix=st.sampled_from([".docx", ".xlsx"]))
@example(title="机关" * 200, keep="机关", suffix=".docx")
@example(title="CON", keep="", suffix=".docx")
@example(title="lpt1.报告", keep="", suffix=".docx")
@example(title=" . ", keep="", suffix=".docx")
@example(title="\ud800报告", keep="", suffix=".docx")
def test_any_title_gives_a_valid_name(title, keep, suffix):
    name = safe_file_name(title, keep=keep, suffix=suffix)
    valid_windows_name(name, suffix)
    with tempfile.TemporaryDirectory() as folder:  # and the OS takes it
        (Path(folder) / name).write_bytes(b"x")


ORG = "某某省某某市某某县某某乡镇人民政府" + "某某" * 30  # 78 characters, 234 bytes


def test_long_title_keeps_the_organ_and_the_year():
    name = safe_file_name(f"{ORG}2024年政府信息公开工作年度报告", keep=ORG)
    assert len(name.encode()) <= 255 and name.startswith(ORG[:20])
    assert name.endswith("…2024年政府信息公开工作年度报告.docx")  # what the file is stays readable


def test_long_organ_is_shortened_but_the_year_stays():
    org = "某某" * 100
    name = safe_file_name(f"{org}2024年政府信息公开工作年度报告", keep=org)
    assert re.fullmatch(r"(某某)+某?…2024年政府信息公开工作年度报告\.docx", name), (
        name
    )  # 机关 cut, the rest whole
    assert len(name.encode()) <= 255


def test_short_titles_are_unchanged_but_cleaned():
    assert (
        safe_file_name("某某局2024年政府信息公开工作年度报告") == "某某局2024年政府信息公开工作年度报告.docx"
    )
    assert safe_file_name('某局:2024/年*报告?"<>|\t ') == "某局2024年报告.docx"
    assert safe_file_name("CON") == "_CON.docx" and safe_file_name("nul.报告") == "_nul.报告.docx"
    assert safe_file_name("报告...") == "报告.docx" and safe_file_name("") == "报告.docx"
    assert safe_file_name("x", suffix=".xlsx") == "x.xlsx"


def test_the_name_fits_a_smaller_limit():
    name = safe_file_name(f"{ORG}2024年报告", keep=ORG, limit_bytes=100)
    assert len(name.encode()) <= 100 and "2024年" in name


def test_control_an_over_long_name_is_refused_by_the_os(tmp_path):
    """Why the limit matters: the raw title as a name fails with ENAMETOOLONG (the issue's exit 70)."""
    with pytest.raises(OSError) as info:
        (tmp_path / f"{ORG}2024年政府信息公开工作年度报告.docx").write_bytes(b"x")
    assert info.value.errno == errno.ENAMETOOLONG
    (tmp_path / safe_file_name(f"{ORG}2024年政府信息公开工作年度报告", keep=ORG)).write_bytes(b"x")


BUILDER = """
import sys, time
from converter.render import docx as render_docx
from converter.cli import run

real = render_docx.WordRenderer.render

def slow(self, context, out, template=None):
    real(self, context, out, template)
    print("writing", flush=True)
    time.sleep(60)

render_docx.WordRenderer.render = slow
sys.argv = ["xxgk", "build", sys.argv[1], "-o", sys.argv[2]]
run()
"""


def test_xxgk_build_killed_mid_write_leaves_nothing(tmp_path):
    source = tmp_path / "report.json"
    source.write_bytes((SAMPLES / "huaian-2024.json").read_bytes())
    out = tmp_path / "out" / "报告.docx"
    out.parent.mkdir()
    with subprocess.Popen(
        [sys.executable, "-c", BUILDER, str(source), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    ) as child:
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGTERM)
        _, stderr = child.communicate(timeout=30)
    assert child.returncode == 128 + signal.SIGTERM
    assert list(out.parent.iterdir()) == [] and "Traceback" not in stderr
