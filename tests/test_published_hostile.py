"""Hostile and broken published reports (issue 17, point 9): each is a Chinese message and exit 3, in
bounded time and memory (run as `xxgk import` in a process capped at 1 GiB of address space), never an
internal error; one bad file never loses an audit or compare batch."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories import consistent_report
from hostile_inputs import (
    HELLO,
    W,
    broken_pdfs,
    cells,
    encrypted_pdf,
    fan_out_pdf,
    flate_bomb_pdf,
    grid_before,
    nested_mht,
    pages_pdf,
    set_property,
    text_page,
)
from published_inputs import markdown_table3, report_markdown, table3_rows
from typer.testing import CliRunner

from converter.cli import app
from converter.published import import_report
from converter.published.read_docx import MAX_TABLE_CELLS
from converter.published.read_text import MAX_TEXT_BYTES, MAX_TEXT_LINES
from converter.render.docx import render_report

DATA = Path(__file__).resolve().parent / "data" / "published"
SECONDS = 45  # generous: each case takes 0.2–8 s alone; the machine may be shared
PEAK_MIB = 400

RUNNER = r"""
import atexit, re, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
peak = lambda: int(re.search(r"VmHWM:\s*(\d+)", open("/proc/self/status").read()).group(1))
atexit.register(lambda: print(f"MAXRSS_KIB={peak()}", file=sys.stderr))
sys.argv = ["xxgk", *sys.argv[1:]]
from converter.cli import run
run()
"""


def bounded(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, float, int]:
    """xxgk in a subprocess capped at 1 GiB of address space: result, seconds, peak RSS in MiB."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, timeout=120, env=env
    )
    elapsed = time.perf_counter() - started
    rss = re.search(r"MAXRSS_KIB=(\d+)", result.stderr)
    return result, elapsed, int(rss.group(1)) // 1024 if rss else -1


def refused_in_bounds(tmp_path: Path, path: Path, *words: str) -> str:
    result, elapsed, peak = bounded(tmp_path, "import", str(path))
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert "内部错误" not in output and "Traceback" not in output
    assert path.name in output
    for word in words:
        assert word in output, output
    assert elapsed < SECONDS and 0 < peak < PEAK_MIB, (elapsed, peak)
    return output


# --------------------------------------------------------------------------- PDF: broken, encrypted


@pytest.mark.parametrize(
    "what", ["truncated", "bad startxref", "garbled xref", "header only", "magic and garbage"]
)
def test_a_broken_pdf_is_said_to_be_damaged(tmp_path, what):
    data = dict(broken_pdfs(pages_pdf([HELLO])))[what]
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    result, elapsed, peak = bounded(tmp_path, "import", str(path))
    output = result.stdout + result.stderr
    assert result.returncode == 3 and "内部错误" not in output
    assert "损坏的 PDF" in output or "没有找到年度报告" in output  # pdfminer recovers some
    assert elapsed < SECONDS and peak < PEAK_MIB


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-256"])
def test_an_encrypted_pdf_asks_for_the_file_without_password(tmp_path, algorithm):
    path = tmp_path / "加密.pdf"
    path.write_bytes(encrypted_pdf((DATA / "hongze-2024.pdf").read_bytes(), algorithm))
    refused_in_bounds(tmp_path, path, "有打开密码", "请提供未加密的文件")


# --------------------------------------------------------------------------- PDF: too much work


LINES = b"0 0 m 100 100 l S\n" * (50_000_000 // 18)


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("stream50mb.pdf", lambda p: p.write_bytes(pages_pdf([LINES])), ["一页的内容超过 4 MiB"]),
        ("stream50mb_flate.pdf", lambda p: p.write_bytes(pages_pdf([LINES], flate=True)), ["解压后超过"]),
        (
            "rects.pdf",
            lambda p: p.write_bytes(pages_pdf([b"10 10 5 5 re f\n" * 3_000_000], flate=True)),
            ["解压后"],
        ),
        ("bomb.pdf", lambda p: flate_bomb_pdf(p, 256 << 20), ["压缩炸弹"]),
        ("fanout_text.pdf", lambda p: p.write_bytes(fan_out_pdf()), ["个字符"]),
        ("fanout_paths.pdf", lambda p: p.write_bytes(fan_out_pdf(body=b"0 0 m 1 1 l S")), ["绘制操作超过"]),
        (
            "dense200.pdf",
            lambda p: p.write_bytes(pages_pdf([text_page(5000)] * 200, flate=True)),
            ["全文超过"],
        ),
        (
            "page500k.pdf",
            lambda p: p.write_bytes(pages_pdf([text_page(500_000)], flate=True)),
            ["一页的文字超过"],
        ),
    ],
)
def test_a_pdf_asking_for_too_much_work_is_refused_in_bounds(tmp_path, name, make, words):
    path = tmp_path / name
    make(path)
    output = refused_in_bounds(tmp_path, path, "超出一份年度报告可能的规模")
    assert any(word in output for word in [*words, "读取超过"]), output  # on a loaded machine: the time limit


def test_the_real_pdf_is_well_within_the_bounds():
    from converter.published import read_pdf

    token = read_pdf._BUDGET.set(read_pdf.Budget())
    try:
        import pdfplumber

        read_pdf._read(DATA / "hongze-2024.pdf", pdfplumber)
        budget = read_pdf._BUDGET.get()
    finally:
        read_pdf._BUDGET.reset(token)
    assert budget.operations * 10 < read_pdf.MAX_OPERATIONS and budget.chars * 20 < read_pdf.MAX_FILE_CHARS


# --------------------------------------------------------------------------- Word tables


def report_with_table(tmp_path: Path, rows: int, cols: int, change) -> tuple[Path, object]:
    """A real report as Word with one more (hostile) table after it."""
    import docx

    report = consistent_report()
    path = tmp_path / "报告.docx"
    render_report(report, path)
    document = docx.Document(str(path))
    table = document.add_table(rows=rows, cols=cols)
    change(table._tbl)
    document.save(str(path))
    return path, report


def _span(value: str):
    return lambda tbl: set_property(cells(tbl)[0][0], "gridSpan", value)


def _first_row_continues(tbl):
    set_property(cells(tbl)[0][0], "vMerge", None)


def _misaligned(tbl):
    first = cells(tbl)[0]
    set_property(first[1], "gridSpan", "2")
    tbl.findall(f"{W}tr")[0].remove(first[2])
    set_property(cells(tbl)[1][2], "vMerge", None)  # continues a column the row above spans into


def _tall(tbl):
    set_property(cells(tbl)[0][0], "vMerge", "restart")
    for row in cells(tbl)[1:]:
        set_property(row[0], "vMerge", None)


def _wide(tbl):
    for row in cells(tbl):
        set_property(row[0], "gridSpan", "100000")


@pytest.mark.parametrize(
    ("rows", "cols", "change"),
    [
        (3, 3, _span("2000000000")),
        (3, 3, lambda tbl: grid_before(tbl, "2000000000")),
        (3, 3, _first_row_continues),
        (3, 3, _misaligned),
        (3000, 2, _tall),
        (300, 2, _wide),
    ],
    ids=[
        "gridSpan 2e9",
        "gridBefore 2e9",
        "vMerge first row",
        "vMerge misaligned",
        "vMerge 3000 tall",
        "wide",
    ],
)
def test_impossible_word_tables_are_bounded_and_the_report_still_read(tmp_path, rows, cols, change):
    path, report = report_with_table(tmp_path, rows, cols, change)
    result, elapsed, peak = bounded(tmp_path, "import", str(path), "--json")
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert elapsed < SECONDS and peak < PEAK_MIB, (elapsed, peak)
    imported = import_report(path)
    assert {k: v for k, v in imported.report.values.items() if k in report.values} == report.values


def test_a_table_of_too_many_cells_is_refused(tmp_path):
    rows = MAX_TABLE_CELLS // 60 + 1
    path, _ = report_with_table(tmp_path, rows, 60, lambda tbl: None)
    refused_in_bounds(tmp_path, path, f"超过 {MAX_TABLE_CELLS:,} 个单元格")


def test_a_big_word_report_is_not_refused_as_a_template(tmp_path):
    import docx

    report = consistent_report()
    path = tmp_path / "长报告.docx"
    render_report(report, path)
    document = docx.Document(str(path))
    for _ in range(12_000):
        document.add_paragraph("附：本年度工作台账的说明文字，逐条列出，以便查阅。" * 3)
    document.save(str(path))
    imported = import_report(path)  # word/document.xml is over 4 MiB, the template limit
    assert imported.report.values == report.values


# --------------------------------------------------------------------------- web page


def test_a_deeply_nested_single_file_page_is_refused(tmp_path):
    path = tmp_path / "页面.mht"
    path.write_bytes(nested_mht(2000))
    refused_in_bounds(tmp_path, path, "multipart", "另存为 .html")


# --------------------------------------------------------------------------- text and Markdown


def _many_rows_markdown(report, repeats: int) -> str:
    """A report whose 表三 rows are printed `repeats` times over (the issue's 60,000 rows, 4.3 MB)."""
    table = markdown_table3(table3_rows(report))
    return report_markdown(report, table[:2] + table[2:] * repeats)


@pytest.mark.parametrize(
    "name, make, words",
    [
        (
            "表格六万行.md",
            lambda: _many_rows_markdown(consistent_report(), 2400),
            ["有 60,0", f"超过 {MAX_TEXT_LINES:,} 行"],
        ),
        (
            "六万行.txt",
            lambda: "行政许可  1  2  3  4  5  6  7\r\n" * 60_000,
            ["有 60,000 行", f"超过 {MAX_TEXT_LINES:,} 行"],
        ),
        ("旧式换行.txt", lambda: "政府信息公开\r" * 20_000, ["有 20,000 行"]),
        ("六兆.md", lambda: "# 标题\n\n" + "政" * (MAX_TEXT_BYTES // 3 + 10), ["超过 5 MiB"]),
    ],
)
def test_a_text_or_markdown_file_too_long_is_refused_in_bounds(tmp_path, name, make, words):
    path = tmp_path / name
    path.write_text(make(), encoding="utf-8", newline="")
    refused_in_bounds(tmp_path, path, *words)


def test_a_markdown_report_of_exactly_the_most_lines_is_read(tmp_path):
    report = consistent_report()
    text = report_markdown(report)
    title, rest = text.split("\n", 1)
    path = tmp_path / "空行很多.md"
    path.write_text(title + "\n" * (MAX_TEXT_LINES - text.count("\n") + 1) + rest, encoding="utf-8")
    assert path.read_text(encoding="utf-8").count("\n") == MAX_TEXT_LINES
    assert import_report(path).report.values == report.values


# --------------------------------------------------------------------------- long organ names


def test_build_with_an_organ_name_over_255_characters(tmp_path):
    sample = json.loads(
        (Path(__file__).resolve().parents[1] / "sample_workbooks" / "oumiao-2024.json").read_text()
    )
    sample["info"]["org"] = "某" * 300
    source = tmp_path / "长名称.json"
    source.write_text(json.dumps(sample, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "报告.docx"
    result, elapsed, peak = bounded(tmp_path, "build", str(source), "-o", str(out), "--html")
    assert result.returncode == 0, result.stdout + result.stderr
    assert elapsed < SECONDS and 0 < peak < PEAK_MIB
    import docx

    assert len(docx.Document(str(out)).core_properties.author) == 255
    checked = CliRunner().invoke(app, ["check", str(source)])
    assert "“机关全称”有 300 个字，不像是机关全称" in checked.output and checked.exit_code == 0


# --------------------------------------------------------------------------- batches


def test_one_bad_file_never_loses_an_audit_batch(tmp_path):
    good = DATA / "pingtan-2022.html"
    broken = tmp_path / "损坏.pdf"
    broken.write_bytes(dict(broken_pdfs(pages_pdf([HELLO])))["garbled xref"])
    locked = tmp_path / "加密.pdf"
    locked.write_bytes(encrypted_pdf((DATA / "hongze-2024.pdf").read_bytes(), "AES-256"))
    table, _ = report_with_table(tmp_path, 3, 3, _misaligned)
    files = [str(good), str(broken), str(locked), str(table)]
    result, elapsed, peak = bounded(tmp_path, "audit", *files, "--json", "-o", str(tmp_path / "汇总.xlsx"))
    assert result.returncode == 3, result.stdout + result.stderr
    assert elapsed < SECONDS and 0 < peak < PEAK_MIB and "内部错误" not in result.stderr
    payload = json.loads(result.stdout)
    assert [p.get("unreadable", False) for p in payload] == [False, True, True, False]
    assert "损坏的 PDF" in payload[1]["message"] and "有打开密码" in payload[2]["message"]
    assert payload[0]["year"] == 2022 and payload[3]["year"] == 2024
    assert (tmp_path / "汇总.xlsx").exists()


def test_compare_with_a_broken_file_is_a_chinese_message(tmp_path):
    broken = tmp_path / "损坏.pdf"
    broken.write_bytes(dict(broken_pdfs(pages_pdf([HELLO])))["truncated"])
    result = CliRunner().invoke(app, ["compare", str(DATA / "pingtan-2022.html"), str(broken)])
    assert result.exit_code == 3 and "内部错误" not in result.output
    assert "损坏.pdf" in result.output
