"""Outputs besides the Word report: the portal page (HTML) and the PDF, from `xxgk build`."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES
from docx import Document
from lxml import html as lxml_html
from typer.testing import CliRunner

from converter.cli import app
from converter.format import official as fmt
from converter.render.html import ARTICLE_END, ARTICLE_START

runner = CliRunner()
SAMPLE_NAMES = ("oumiao-2024", "huaian-2024")


def build(tmp_path: Path, name: str, *options: str) -> Path:
    out = tmp_path / f"{name}.docx"
    result = runner.invoke(app, ["build", str(SAMPLES / f"{name}.xlsx"), "-o", str(out), *options])
    assert result.exit_code == 0, result.stderr
    return out


def docx_grids(path: Path) -> list[list[list[str]]]:
    """Each table as rows of cell texts, a merged cell repeated over the grid it covers."""
    return [
        [[cell.text.strip() for cell in row.cells] for row in table.rows]
        for table in Document(str(path)).tables
    ]


def html_grids(path: Path) -> list[list[list[str]]]:
    """The same from the page: rowspan and colspan expanded."""
    grids = []
    for table in lxml_html.parse(str(path)).getroot().iter("table"):
        grid: dict[tuple[int, int], str] = {}
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for cell in tr:
                while (r, c) in grid:
                    c += 1
                for dr in range(int(cell.get("rowspan", 1))):
                    for dc in range(int(cell.get("colspan", 1))):
                        grid[(r + dr, c + dc)] = cell.text_content().strip()
                c += int(cell.get("colspan", 1))
        rows = 1 + max(r for r, _ in grid)
        cols = 1 + max(c for _, c in grid)
        grids.append([[grid[(r, c)] for c in range(cols)] for r in range(rows)])
    return grids


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_table_cell_of_the_page_equals_the_word_report(tmp_path, name):
    report = build(tmp_path, name, "--html")
    page = report.with_suffix(".html")
    assert html_grids(page) == docx_grids(report)
    assert [len(grid) for grid in html_grids(page)] == [t.nrows for t in fmt.TABLES]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_the_page_has_the_report_text_in_order(tmp_path, name):
    page = build(tmp_path, name, "--html").with_suffix(".html")
    text = lxml_html.parse(str(page)).getroot().text_content()
    positions = [text.index(s.heading) for s in fmt.SECTIONS]
    assert positions == sorted(positions)
    golden = (Path(__file__).parent / "golden" / f"{name}.txt").read_text(encoding="utf-8")
    first_paragraph = next(line for line in golden.splitlines()[3:] if len(line) > 40)
    assert first_paragraph[:40] in text


def test_the_page_is_self_contained_and_marks_the_article(tmp_path):
    page = build(tmp_path, "huaian-2024", "--html").with_suffix(".html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", page, re.I)
    assert page.count(ARTICLE_START) == page.count(ARTICLE_END) == 1
    article = page[page.index(ARTICLE_START) : page.index(ARTICLE_END)]
    assert "<style>" in article and "<table" in article  # pasted alone, the article keeps its look
    assert '<meta name="viewport"' in page and "overflow-x: auto" in page  # a phone scrolls the tables


def test_the_clerks_text_is_escaped_in_the_page(tmp_path):
    import json

    data = json.loads((SAMPLES / "oumiao-2024.json").read_text(encoding="utf-8"))
    data["sections"]["overview"] = [{"heading": "", "body": "<script>alert(1)</script> & <b>粗</b>"}]
    source = tmp_path / "escape.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "escape.docx"
    assert runner.invoke(app, ["build", str(source), "-o", str(out), "--html"]).exit_code == 0
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert (
        "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;粗&lt;/b&gt;" in page
    )


@pytest.mark.soffice
def test_pdf_embeds_its_fonts(tmp_path, soffice):
    pdf = build(tmp_path, "huaian-2024", "--pdf").with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # the emb column
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "淮安市人民政府" in text and "结转下年度继续办理" in text


def test_pdf_without_libreoffice_is_a_clear_message_and_the_word_report_stays(tmp_path, monkeypatch):
    from converter.render import pdf

    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    out = tmp_path / "报告.docx"
    result = runner.invoke(app, ["build", str(SAMPLES / "oumiao-2024.xlsx"), "-o", str(out), "--pdf"])
    assert result.exit_code == 5
    assert "未找到 LibreOffice" in result.stderr and "Word 报告已生成" in result.stderr
    assert out.exists() and not out.with_suffix(".pdf").exists()


def test_pdf_conversion_that_hangs_is_stopped(tmp_path, monkeypatch):
    from converter.render import pdf

    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "find_soffice", lambda: str(fake))
    monkeypatch.setattr(pdf, "TIMEOUT_BASE", 1)
    out = tmp_path / "报告.docx"
    result = runner.invoke(app, ["build", str(SAMPLES / "oumiao-2024.xlsx"), "-o", str(out), "--pdf"])
    assert result.exit_code == 5
    assert "超过 1 秒" in result.stderr
    assert out.exists() and not out.with_suffix(".pdf").exists()
