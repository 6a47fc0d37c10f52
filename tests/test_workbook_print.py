"""The standard workbook as a clerk reads and prints it: words for web and command-line users, the
rules a clerk's workbook is checked by, and 填写说明 and 基本信息 wrapped within an A4 page."""

from __future__ import annotations

import re

import pdfplumber
import pytest
from openpyxl import load_workbook

from converter.format import layout
from converter.format import official as fmt
from converter.format import workbook as wbs
from converter.write.workbook import display_width, text_lines, write_workbook

LONG_ORG = "某某省某某市某某区人力资源和社会保障局"


def test_status_row_speaks_to_web_and_command_line_users():
    for text in (wbs.STATUS_BAD, wbs.STATUS_BAD_NO_RULES):
        assert "拖入网页版检查，或运行 xxgk check" in text
        assert "请运行 xxgk check" not in text


def test_instructions_never_address_only_command_line_users():
    lines = [line for line, _ in wbs.instruction_lines()]
    commands = [line for line in lines if re.search(r"xxgk |--[a-z]", line)]  # a command or an option
    assert commands and all("网页版" in line for line in commands), commands
    previous = [line for line in lines if line.startswith(("R4", "S1"))]
    assert len(previous) == 2 and all("上年工作簿" in line for line in previous), previous


def test_instructions_list_the_clerk_rules_and_no_template_rules():
    text = "\n".join(line for line, _ in wbs.instruction_lines())
    for rule in fmt.RULES.values():
        listed = f"{rule.id}　{rule.title}" in text
        clerks = rule.scope is not fmt.Scope.TEMPLATE and fmt.WORKBOOK in rule.sources
        assert listed == clerks, rule.id  # not a template's rules, nor those only `audit` runs
    assert "填充标记" not in text and "沙箱" not in text


@pytest.fixture
def workbook(tmp_path):
    from converter.core.model import Info, Report

    path = tmp_path / "空白.xlsx"
    write_workbook(path, Report(info=Info(org=LONG_ORG, year=2024)))
    return path


@pytest.mark.parametrize("sheet", [layout.INSTRUCTIONS_SHEET, layout.INFO_SHEET])
def test_long_lines_wrap_in_rows_tall_enough(workbook, sheet):
    ws = load_workbook(workbook)[sheet]
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    wrapped = 0
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or cell.coordinate in ws.merged_cells:
                continue
            if cell.font.sz and cell.font.sz > 11:
                continue  # the sheet's title runs on across the page
            width = ws.column_dimensions[cell.column_letter].width
            lines = text_lines(cell.value, width)
            if lines > 1:
                wrapped += 1
                assert cell.alignment.wrap_text, cell.coordinate
                height = ws.row_dimensions[cell.row].height
                assert height and height >= 15 * lines, (cell.coordinate, height, lines)
    assert wrapped, "no line long enough to wrap: the test shows nothing"


def test_text_lines_counts_chinese_as_two_columns():
    assert display_width("表三a") == 5
    assert text_lines("字" * 10, 21) == 1 and text_lines("字" * 11, 21) == 2
    assert text_lines("一\n二", 40) == 2


@pytest.mark.soffice
def test_instructions_and_info_print_within_the_page(workbook, soffice, tmp_path):
    """As LibreOffice prints them: no character of 填写说明 or 基本信息 beyond the page's right margin,
    and every line of 填写说明 printed whole."""
    pdf = soffice(workbook, "pdf", tmp_path / "pdf")
    printed = []
    with pdfplumber.open(pdf) as document:
        for page in document.pages:  # 填写说明's pages, then 基本信息's
            text = page.extract_text() or ""
            right = max((c["x1"] for c in page.chars), default=0)
            assert right <= page.width - 20, (page.page_number, right, page.width)
            printed.append("".join(text.split()))
            if wbs.INFO_CAPTION in text:
                break
    joined = "".join(printed)
    for line, _ in wbs.instruction_lines():
        assert "".join(line.split()) in joined, line
    assert LONG_ORG in joined
