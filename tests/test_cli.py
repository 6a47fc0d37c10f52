"""The `xxgk` command line: exit codes, stdout/stderr, files written or not."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from docx_text import docx_text
from factories import consistent_report
from typer.testing import CliRunner

from converter.app import pipeline
from converter.cli import app
from converter.write.workbook import write_workbook

runner = CliRunner()


def xxgk(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def write_json(path: Path, report) -> Path:
    path.write_text(json.dumps(report.to_dict(), ensure_ascii=False), encoding="utf-8")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def good(tmp_path) -> Path:
    return write_json(tmp_path / "好 报告.json", consistent_report())


@pytest.fixture
def broken(tmp_path) -> Path:
    report = consistent_report()
    report.values["applications.carried_forward.natural_person"] += 1
    return write_json(tmp_path / "broken.json", report)


def test_version_and_help():
    assert xxgk("--version").stdout.startswith("xxgk ")
    result = xxgk("--help")
    assert result.exit_code == 0
    for command in ("new", "check", "dump", "build", "template"):
        assert command in result.stdout


def test_check_passes_with_exit_0(good):
    result = xxgk("check", good)
    assert result.exit_code == 0
    assert "检查通过：0 个错误，0 个警告。" in result.stdout


def test_check_reports_errors_with_exit_1(broken):
    result = xxgk("check", broken)
    assert result.exit_code == 1
    assert "values.applications.carried_forward.natural_person" in result.stdout  # JSON: its own paths
    assert "values.applications.carried_forward.total" in result.stdout
    assert "检查未通过：2 个错误，0 个警告。" in result.stdout


def test_check_names_the_cell_of_a_workbook(tmp_path):
    report = consistent_report()
    report.values["applications.carried_forward.natural_person"] += 1
    book = tmp_path / "有误.xlsx"
    write_workbook(book, report)
    result = xxgk("check", book)
    assert result.exit_code == 1
    assert "  错误  R0    表三!D31" in result.stdout
    data = json.loads(xxgk("check", book, "--json").stdout)
    (only,) = data
    where = [(f["rule"], f["field"], f["position"], f["location"]) for f in only["findings"]]
    assert where[0] == (
        "R0",
        "applications.carried_forward.natural_person",
        {"kind": "workbook", "sheet": "表三", "cell": "D31"},
        "表三!D31",
    )


def test_check_json_is_the_same_report_as_data(broken):
    result = xxgk("check", broken, "--json")
    assert result.exit_code == 1
    (data,) = json.loads(result.stdout)  # a list of file results, even for one file
    assert (data["ok"], data["unreadable"], data["errors"], data["warnings"]) == (False, False, 2, 0)
    where = [(f["rule"], f["field"], f["position"]["path"]) for f in data["findings"]]
    assert where == [
        (
            "R0",
            "applications.carried_forward.natural_person",
            "values.applications.carried_forward.natural_person",
        ),
        ("R2", "applications.carried_forward.total", "values.applications.carried_forward.total"),
    ]
    assert data["findings"][0]["related"][0] == "applications.new.natural_person"


def test_check_many_files_exit_with_the_worst(good, broken):
    result = xxgk("check", good, broken)
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if line.startswith("文件：")] == [
        f"文件：{good}",
        f"文件：{broken}",
    ]
    assert result.stdout.endswith("共检查 2 个文件：1 个通过，1 个有错误。\n")


def test_check_many_files_counts_the_unreadable(good, broken, tmp_path):
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    result = xxgk("check", good, empty, broken, good)
    assert result.exit_code == 3
    assert result.stdout.endswith("共检查 4 个文件：2 个通过，1 个有错误，1 个无法读取。\n")
    assert "空.xlsx" in result.stderr


def test_check_one_file_has_no_summary(good):
    assert "共检查" not in xxgk("check", good).stdout


def test_check_unreadable_input_exits_3_without_traceback(tmp_path):
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    result = xxgk("check", empty)
    assert result.exit_code == 3
    assert "空.xlsx" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_missing_file_is_its_own_result_and_the_others_are_checked(good, tmp_path):
    missing = tmp_path / "nope.xlsx"
    result = xxgk("check", good, missing)
    assert result.exit_code == 3
    assert "找不到文件" in result.stderr and "nope.xlsx" in result.stderr
    assert result.stdout.endswith("共检查 2 个文件：1 个通过，0 个有错误，1 个无法读取。\n")


def test_check_json_lists_unreadable_files_with_their_reason(good, tmp_path):
    empty = tmp_path / "空.xlsx"
    empty.write_bytes(b"")
    result = xxgk("check", "--json", good, empty, tmp_path / "nope.xlsx")
    assert result.exit_code == 3
    first, second, third = json.loads(result.stdout)
    assert (first["ok"], first["unreadable"]) == (True, False)
    assert (second["ok"], second["unreadable"], second["reason"], second["exit_code"]) == (
        False,
        True,
        "unreadable",
        3,
    )
    assert "空文件" in second["message"] and second["file"] == str(empty)
    assert "找不到文件" in third["message"]


def test_build_reads_a_broken_previous_once_and_writes_nothing(good, tmp_path):
    empty = tmp_path / "上年.xlsx"
    empty.write_bytes(b"")
    result = xxgk("build", good, good, "--previous", empty)
    assert result.exit_code == 3
    assert result.stderr.count("上年工作簿（--previous）无法读取") == 1
    assert not list(tmp_path.rglob("*.docx"))


def test_build_goes_on_past_a_missing_workbook(good, tmp_path):
    result = xxgk("build", tmp_path / "nope.xlsx", good)
    assert result.exit_code == 3
    assert "找不到文件" in result.stderr
    assert len(list(tmp_path.rglob("*.docx"))) == 1


def test_a_broken_previous_is_one_error_not_a_mark_on_every_file(good, tmp_path):
    empty = tmp_path / "上年.xlsx"
    empty.write_bytes(b"")
    result = xxgk("check", good, good, "--previous", empty)
    assert result.exit_code == 3
    assert result.stderr.count("上年工作簿（--previous）无法读取") == 1
    assert result.stdout == ""


def test_dump_prints_the_model(good):
    result = xxgk("dump", good)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(good.read_text(encoding="utf-8"))


def test_build_writes_beside_the_input_named_after_the_title(good):
    result = xxgk("build", good)
    assert result.exit_code == 0, result.stderr
    out = good.with_name("某某市某某局2024年政府信息公开工作年度报告.docx")
    assert out.is_file()
    assert result.stdout.strip() == str(out)


def test_build_does_not_overwrite_without_force(good, tmp_path):
    out = tmp_path / "报告.docx"
    out.write_bytes(b"keep me")
    result = xxgk("build", good, "-o", out)
    assert result.exit_code == 5
    assert "--force" in result.stderr
    assert out.read_bytes() == b"keep me"
    assert xxgk("build", good, "-o", out, "--force").exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


def test_build_with_errors_writes_nothing(broken, tmp_path):
    out = tmp_path / "out.docx"
    before = digest(broken)
    result = xxgk("build", broken, "-o", out)
    assert result.exit_code == 1
    assert "未生成报告" in result.stderr
    assert not out.exists()
    assert digest(broken) == before
    assert list(tmp_path.iterdir()) == [broken]


def _organ(folder: Path, org: str, preamble: str = "") -> Path:
    report = consistent_report()
    report.info.org, report.info.preamble = org, preamble
    folder.mkdir(exist_ok=True)
    return write_json(folder / f"{org}.json", report)


def test_build_many_workbooks_skips_the_broken_one(tmp_path, broken):
    town = _organ(tmp_path / "乡镇", "某某县某某镇")
    bureau = _organ(tmp_path / "部门", "某某县某某局")
    result = xxgk("build", town, broken, bureau)
    assert result.exit_code == 1
    made = [
        town.with_name("某某县某某镇2024年政府信息公开工作年度报告.docx"),
        bureau.with_name("某某县某某局2024年政府信息公开工作年度报告.docx"),
    ]
    assert result.stdout.splitlines() == [str(p) for p in made]
    assert all(p.is_file() for p in made)
    assert "broken.json 有错误，未生成报告。" in result.stderr
    assert result.stderr.rstrip().endswith("共 3 个文件：已生成 2 份报告，1 个有错误未生成。")


def test_build_many_workbooks_refuses_one_output_name(tmp_path, good):
    other = _organ(tmp_path / "部门", "某某县某某局")
    result = xxgk("build", good, other, "-o", tmp_path / "报告.docx")
    assert result.exit_code == 2
    assert "一次生成多份报告时不能用 -o" in result.stderr
    assert not list(tmp_path.rglob("*.docx"))


def test_build_never_overwrites_a_report_made_in_the_same_run(tmp_path):
    first = _organ(tmp_path / "甲", "某某县某某局", preamble="第一份的导语。")
    second = _organ(tmp_path / "乙", "某某县某某局", preamble="第二份的导语。")
    second = second.rename(first.with_name("副本.json"))
    result = xxgk("build", first, second, "--force")
    assert result.exit_code == 5
    assert (
        f"“副本.json”要生成的 某某县某某局2024年政府信息公开工作年度报告.docx "
        f"与本次刚由“{first.name}”生成的报告同名" in result.stderr
    )
    reports = list(tmp_path.rglob("*.docx"))
    assert len(reports) == 1
    assert "第一份的导语。" in docx_text(reports[0])


def test_build_many_stops_at_a_broken_template(tmp_path):
    town = _organ(tmp_path / "乡镇", "某某县某某镇")
    bureau = _organ(tmp_path / "部门", "某某县某某局")
    template = tmp_path / "模板.docx"
    template.write_bytes(b"PK\x03\x04 not really a zip")
    result = xxgk("build", town, bureau, "--template", template)
    assert result.exit_code == 4
    assert "模板.docx" in result.stderr
    assert result.stderr.count("模板.docx") == 1  # told once, not once per workbook
    assert result.stderr.rstrip().endswith("1 个因模板有误未处理。")
    assert not list(tmp_path.rglob("*报告.docx"))


def test_build_into_a_missing_folder_is_a_clear_error(good, tmp_path):
    result = xxgk("build", good, "-o", tmp_path / "没有" / "out.docx")
    assert result.exit_code == 5
    assert "没有" in result.stderr


def test_unexpected_exception_is_logged_not_shown(good, monkeypatch):
    def boom(*_args, **_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(pipeline, "check_loaded", boom)
    result = xxgk("check", good)
    assert result.exit_code == 70
    assert "内部错误" in result.stderr
    assert "xxgk-error.log" in result.stderr
    assert "Traceback" not in result.stderr


def test_new_then_dump_round_trips(good, tmp_path):
    book = tmp_path / "填好.xlsx"
    assert xxgk("new", book, "--from", good).exit_code == 0
    assert json.loads(xxgk("dump", book).stdout) == json.loads(good.read_text(encoding="utf-8"))
    assert xxgk("new", book, "--from", good).exit_code == 5
    assert xxgk("check", book).exit_code == 0


def test_new_blank_workbook_with_org_and_year(tmp_path):
    book = tmp_path / "空白.xlsx"
    assert xxgk("new", book, "--org", "某某县某某局", "--year", "2025").exit_code == 0
    info = json.loads(xxgk("dump", book).stdout)["info"]
    assert (info["org"], info["year"]) == ("某某县某某局", 2025)


def test_samples_pass_check():
    for sample in sorted(SAMPLES.glob("*.xlsx")) + sorted(SAMPLES.glob("*.json")):
        result = xxgk("check", sample)
        assert result.exit_code == 0, result.stdout


def test_console_script_separates_stdout_and_stderr(good, tmp_path):
    out = tmp_path / "r.docx"
    proc = subprocess.run(
        [sys.executable, "-m", "converter", "build", str(good), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    assert "已生成报告" in proc.stderr


@pytest.mark.parametrize("name", ["oumiao-2024", "huaian-2024"])
def test_sample_workbooks_hold_the_sample_data(name):
    """The committed .xlsx samples are `xxgk new --from` of the committed JSON: they cannot drift."""
    dumped = json.loads(xxgk("dump", SAMPLES / f"{name}.xlsx").stdout)
    assert dumped == json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def test_a_very_long_organ_name_gets_a_short_file_name_and_the_full_title_inside(tmp_path):
    report = consistent_report()
    report.info.org = "某某省" + "某某市某某县某某乡镇人民政府办公室" * 6  # 105 characters, 315 bytes
    source = write_json(tmp_path / "长.json", report)
    result = xxgk("build", source)
    assert result.exit_code == 0, result.stderr
    (made,) = tmp_path.glob("*.docx")
    assert len(made.name.encode("utf-8")) <= 255 and made.name.endswith("2024年政府信息公开工作年度报告.docx")
    assert made.name.startswith("某某省某某市")
    assert report.info.org in docx_text(made).replace("\n", "")


@pytest.mark.parametrize(
    ("args", "suffix"),
    [(["build", "{good}", "-o", "{tmp}/报告.xlsx"], ".docx"), (["new", "{tmp}/工作簿.docx"], ".xlsx")],
)
def test_output_names_must_carry_the_right_extension(good, tmp_path, args, suffix):
    unrelated = tmp_path / ("报告.xlsx" if suffix == ".docx" else "工作簿.docx")
    unrelated.write_bytes(b"keep me")
    result = xxgk(*[a.format(good=good, tmp=tmp_path) for a in args], "--force")
    assert result.exit_code == 5
    assert suffix in result.stderr
    assert unrelated.read_bytes() == b"keep me"


# --------------------------------------------------------------------------- findings as printed


def test_check_prints_blank_cells_as_one_line_per_table_with_the_first_cells(tmp_path):
    report = consistent_report()
    parts = [k for k in report.values if k.startswith("applications.") and ".total" not in k][:30]
    for key in parts:
        report.values[key] = None
    book = tmp_path / "空格.xlsx"
    write_workbook(book, report)
    lines = xxgk("check", book).stdout.splitlines()
    (row,) = [i for i, line in enumerate(lines) if "R6" in line]
    assert "表三!D7 等 30 处" in lines[row]
    assert lines[row].endswith("表三有 30 个空格；没有发生的请填 0，不要留空")
    assert lines[row + 1].strip() == "表三!D7、E7、F7、G7、H7、I7、D8、E8 … 共 30 处"
    (only,) = json.loads(xxgk("check", book, "--json").stdout)
    (r6,) = [f for f in only["findings"] if f["rule"] == "R6"]
    assert len(r6["covers"]) == len(r6["covered_positions"]) == 30
    assert r6["covered_positions"][-1] == "表三!I11"


def test_check_lists_errors_before_warnings(tmp_path):
    report = consistent_report()
    report.info.date = None  # D1: a warning on 基本信息, first in the format's order
    report.values["applications.carried_forward.natural_person"] += 1
    lines = xxgk("check", write_json(tmp_path / "r.json", report)).stdout.splitlines()
    levels = [line.split()[0] for line in lines[2:-1]]
    assert levels == ["错误", "错误", "警告"]


def run_check_on(path: Path, *, tty: bool, no_color: bool = False) -> str:
    """`xxgk check` in a child process, its output on a pseudo-terminal or a pipe."""
    import os
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color:
        env["NO_COLOR"] = "1"
    command = [sys.executable, "-m", "converter", "check", str(path)]
    if not tty:
        return subprocess.run(command, capture_output=True, env=env, check=False).stdout.decode()
    leader, follower = pty.openpty()
    child = subprocess.Popen(command, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    child.wait()
    os.close(leader)
    return b"".join(chunks).decode()


def test_levels_are_coloured_on_a_terminal_only(tmp_path, broken):
    report = consistent_report()
    report.info.date = None
    report.values["applications.carried_forward.natural_person"] += 1
    path = write_json(tmp_path / "r.json", report)
    on_terminal = run_check_on(path, tty=True)
    assert "\x1b[31m\x1b[1m错误" in on_terminal and "\x1b[33m\x1b[1m警告" in on_terminal
    for plain in (run_check_on(path, tty=False), run_check_on(path, tty=True, no_color=True)):
        assert "错误" in plain and "\x1b[" not in plain


def test_a_dangling_symlink_at_an_output_path_is_refused_and_nothing_is_written(good, tmp_path):
    """A link to nowhere is a file in the way, as any other: without --force nothing is written, not
    the link's target, nor the other file of the same report (the .docx when the .html is the link)."""
    out = tmp_path / "报告.docx"
    elsewhere = tmp_path / "别处" / "报告.html"
    (tmp_path / "报告.html").symlink_to(elsewhere)
    result = xxgk("build", good, "-o", out, "--html")
    assert result.exit_code == 5, result.output
    assert "报告.html 已存在" in result.stderr
    assert not out.exists() and not elsewhere.exists()
    assert (tmp_path / "报告.html").is_symlink()
    (tmp_path / "报告.html").unlink()
    out.symlink_to(tmp_path / "别处" / "报告.docx")
    result = xxgk("build", good, "-o", out)
    assert result.exit_code == 5 and "已存在" in result.stderr
    assert out.is_symlink() and not out.exists()
