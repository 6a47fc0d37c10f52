"""A county office's batches: folders, all cores, input order, one failure never stops the others,
a progress bar only on a terminal, Ctrl+C without half-written files."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT
from factories import consistent_report
from typer.testing import CliRunner

from converter.app import batch
from converter.cli import app
from converter.write.workbook import write_workbook

runner = CliRunner()


def organ_workbooks(folder: Path, count: int, *, prefix: str = "单位") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        report = consistent_report()
        report.info.org = f"某某县第{number:03d}局"
        path = folder / f"{prefix}{number:03d}.xlsx"
        write_workbook(path, report)
        paths.append(path)
    return paths


def test_a_folder_is_its_workbooks_and_reports_in_name_order(tmp_path):
    organ_workbooks(tmp_path / "各单位", 3)
    (tmp_path / "各单位" / "~$单位000.xlsx").write_bytes(b"lock")
    (tmp_path / "各单位" / "说明.txt").write_text("不是工作簿", encoding="utf-8")
    assert [p.name for p in batch.expand([tmp_path / "各单位"])] == [
        "单位000.xlsx",
        "单位001.xlsx",
        "单位002.xlsx",
    ]


def test_hidden_files_in_a_folder_are_skipped(tmp_path):
    """A Mac leaves `._单位.xlsx` (resource forks) beside each file copied from it; `.备份.json` is a
    hidden copy: neither is a workbook to check."""
    organ_workbooks(tmp_path / "各单位", 1)
    (tmp_path / "各单位" / "._单位000.xlsx").write_bytes(b"\x00\x05\x16\x07Mac OS X")
    (tmp_path / "各单位" / ".备份.json").write_text("{}", encoding="utf-8")
    assert [p.name for p in batch.expand([tmp_path / "各单位"])] == ["单位000.xlsx"]
    result = CliRunner().invoke(app, ["check", str(tmp_path / "各单位")])
    assert result.exit_code == 0 and "._单位000" not in result.output


def test_the_pool_uses_several_processes_and_keeps_the_input_order():
    items = [Path(str(n)) for n in range(12)]
    results = list(batch.run(_pid_of, items, label="测试", quiet=True))
    assert [name for name, _ in results] == [str(n) for n in range(12)]
    if batch.jobs() > 1:
        assert len({pid for _, pid in results}) > 1


def _pid_of(path: Path) -> tuple[str, int]:
    time.sleep(0.05)
    return path.name, os.getpid()


def test_build_a_folder_with_one_broken_and_one_wrong_workbook(tmp_path):
    folder = tmp_path / "各单位"
    organ_workbooks(folder, 5)
    (folder / "单位002.xlsx").write_bytes(b"")  # broken
    wrong = consistent_report()
    wrong.info.org = "某某县有误局"
    wrong.values["applications.new.natural_person"] += 1
    write_workbook(folder / "单位004.xlsx", wrong)
    result = runner.invoke(app, ["build", str(folder), "--html"])
    assert result.exit_code == 3
    made = result.stdout.split()
    assert [Path(p).name for p in made] == [
        f"某某县第{n:03d}局2024年政府信息公开工作年度报告.{suffix}"
        for n in (0, 1, 3)
        for suffix in ("docx", "html")
    ]
    assert "共 5 个文件：已生成 3 份报告，1 个有错误未生成，1 个无法处理（见上方说明）。" in result.stderr
    assert "单位002.xlsx 是空文件" in result.stderr


def test_check_a_folder_prints_in_input_order_with_the_summary(tmp_path):
    folder = tmp_path / "各单位"
    organ_workbooks(folder, 6)
    (folder / "单位003.xlsx").write_bytes(b"")
    result = runner.invoke(app, ["check", str(folder), "--json"])
    assert result.exit_code == 3
    files = [Path(r["file"]).name for r in json.loads(result.stdout)]
    assert files == [f"单位{n:03d}.xlsx" for n in range(6)]
    text = runner.invoke(app, ["check", str(folder)]).stdout
    assert text.endswith("共检查 6 个文件：5 个通过，0 个有错误，1 个无法读取。\n")


def test_an_empty_folder_is_said_so(tmp_path):
    (tmp_path / "空").mkdir()
    result = runner.invoke(app, ["check", str(tmp_path / "空")])
    assert result.exit_code == 3
    assert "没有工作簿" in result.stderr


def test_two_workbooks_of_one_organ_in_a_pooled_batch_name_each_other(tmp_path):
    folder = tmp_path / "各单位"
    paths = organ_workbooks(folder, 4)
    twin = consistent_report()
    twin.info.org = "某某县第001局"
    write_workbook(folder / "单位001副本.xlsx", twin)
    result = runner.invoke(app, ["build", str(folder)])
    assert result.exit_code == 5
    twin_report = "某某县第001局2024年政府信息公开工作年度报告.docx"
    assert f"“单位001副本.xlsx”要生成的 {twin_report} 与本次刚由“{paths[1].name}”" in result.stderr
    assert len(list(folder.glob("*.docx"))) == 4


def _run_with_terminal(args: list[str]) -> tuple[int, bytes]:
    """Run xxgk with stderr on a pseudo-terminal; its exit code and what the terminal showed."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    return process.wait(timeout=120), shown


def test_a_progress_bar_on_a_terminal_and_none_with_quiet(tmp_path):
    folder = tmp_path / "各单位"
    organ_workbooks(folder, 5)
    code, shown = _run_with_terminal(["check", str(folder)])
    assert code == 0
    assert "检查".encode() in shown and b"5/5" in shown
    code, shown = _run_with_terminal(["check", str(folder), "--quiet"])
    assert code == 0
    assert b"5/5" not in shown


def test_no_progress_bar_when_not_a_terminal(tmp_path):
    folder = tmp_path / "各单位"
    organ_workbooks(folder, 5)
    result = subprocess.run(
        [sys.executable, "-m", "converter", "check", str(folder)], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0 and "\x1b[" not in result.stderr + result.stdout


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_stops_a_batch_without_half_written_files(tmp_path):
    folder = tmp_path / "各单位"
    organ_workbooks(folder, 60)
    process = subprocess.Popen(
        [sys.executable, "-m", "converter", "build", str(folder), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # the first report is written: the batch is under way
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl+C reaches the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    assert "已中断" in stderr.decode()
    reports = list(folder.glob("*.docx"))
    assert 1 <= len(reports) < 60
    assert not [p for p in folder.iterdir() if p.name.startswith(".~xxgk-")]
    for report in reports:
        with zipfile.ZipFile(report) as archive:
            assert archive.testzip() is None
