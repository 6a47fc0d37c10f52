"""Table headers without orphans: the break points declared in the format (format.grid.WORD_BREAKS) are
the only places a header label of 表三 or 表四 may break, in the .docx, `build --html` and the web page.
Checked from the declared data and each rendering's own markup, not from pixels."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLES
from lxml import etree
from typer.testing import CliRunner

from converter.cli import app
from converter.format import official as fmt
from converter.format.grid import SMALL_CHAR, WORD_BREAKS, label_words
from converter.render.docx import default_template_path
from converter.web.tables import WORD_BREAK, format_description

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
STATIC = Path(__file__).resolve().parents[1] / "converter" / "web" / "static"
TABLES = (fmt.APPLICATIONS, fmt.REVIEW)


def header_labels(table: fmt.Table, one_column: bool = True) -> set[str]:
    return {
        c.label
        for c in table.cells
        if c.label and c.row < table.header_rows and (c.colspan == 1 or not one_column) and len(c.label) < 20
    }


def test_every_short_header_label_declares_its_break_points():
    labels = set().union(*(header_labels(t, one_column=False) for t in TABLES))
    declared = {entry.replace("/", "") for entry in WORD_BREAKS}
    assert labels == declared
    for entry in WORD_BREAKS:
        assert label_words(entry.replace("/", "")) == tuple(entry.split("/"))
    assert label_words("1.属于国家秘密") is None  # a row label may break anywhere


def _allowed_breaks(label: str) -> set[int]:
    """Character offsets where a line of the label may end: between its declared words."""
    offsets, at = set(), 0
    for word in label_words(label) or (label,):
        at += len(word)
        offsets.add(at)
    return offsets


def test_the_word_template_columns_break_header_labels_only_between_words():
    """Word breaks Chinese text after any character that fills the line: the cell's width (minus its
    margins) in 小五 characters must leave every break of a one-column header label between words."""
    xml = etree.fromstring(zipfile.ZipFile(default_template_path()).read("word/document.xml"))
    checked = 0
    for tbl in xml.iter(f"{W}tbl"):
        margin = int(tbl.find(f"{W}tblPr/{W}tblCellMar/{W}left").get(f"{W}w"))
        for tc in tbl.iter(f"{W}tc"):
            text = "".join(t.text or "" for t in tc.iter(f"{W}t"))
            if tc.find(f"{W}tcPr/{W}gridSpan") is not None or label_words(text) is None:
                continue
            width = int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w"))
            per_line = (width - 2 * margin) // SMALL_CHAR
            assert per_line >= max(len(w) for w in label_words(text)), text  # no word broken
            breaks = {per_line * n for n in range(1, math.ceil(len(text) / per_line))}
            assert breaks <= _allowed_breaks(text), (text, per_line)
            checked += 1
    assert checked == sum(1 for t in TABLES for c in t.cells if c.colspan == 1 and label_words(c.label or ""))


@pytest.fixture(scope="module")
def portal_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("html") / "报告.docx"
    result = CliRunner().invoke(app, ["build", str(SAMPLES / "huaian-2024.json"), "-o", str(out), "--html"])
    assert result.exit_code == 0, result.output
    return out.with_suffix(".html").read_text(encoding="utf-8")


def test_the_portal_page_breaks_header_labels_only_at_the_declared_points(portal_page):
    for label in set().union(*(header_labels(t, one_column=False) for t in TABLES)):
        words = label_words(label)
        marked = "<wbr>".join(words)
        assert f'<th class="words">{marked}</th>' in portal_page or f">{marked}</th>" in portal_page, label
    assert re.search(r"th\.words\s*\{[^}]*word-break:\s*keep-all", portal_page)
    assert "商业企<wbr>" not in portal_page and "自然<wbr>人" not in portal_page


def test_the_web_page_gets_the_declared_points_and_keeps_words_whole():
    for table in format_description()["tables"]:
        for cell in table["cells"]:
            words = label_words(cell["label"] or "")
            assert cell["wrapped"] == (WORD_BREAK.join(words) if words else None), cell["label"]
    script = (STATIC / "official.js").read_text(encoding="utf-8")  # the drawing both pages use
    assert 'class: cell.wrapped ? "words" : null, text: cell.wrapped || cell.label' in script
    css = (STATIC / "style.css").read_text(encoding="utf-8")
    assert re.search(r"th\.words\s*\{[^}]*word-break:\s*keep-all", css)
