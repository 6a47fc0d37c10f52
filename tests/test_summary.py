"""The county office's 汇总 workbook: a row per unit, the findings, 表三 and 表四 summed."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import consistent_report
from openpyxl import load_workbook
from typer.testing import CliRunner

from converter.cli import app
from converter.format import official as fmt
from converter.format.grid import grid_rows
from converter.write.summary import FINDINGS_SHEET, TOTALS_SHEET, UNIT_HEADER, UNITS_SHEET
from converter.write.workbook import write_workbook

runner = CliRunner()


@pytest.fixture
def county(tmp_path) -> tuple[Path, list]:
    folder = tmp_path / "各单位"
    folder.mkdir()
    reports = []
    for number, org in enumerate(["乙县交通局", "甲县教育局", "丙镇人民政府"]):
        report = consistent_report()
        report.info.org = org
        report.values["applications.new.natural_person"] += number
        report.values["applications.carried_forward.natural_person"] += number
        report.values["applications.new.total"] += number
        report.values["applications.carried_forward.total"] += number
        report.values["review.upheld"] += 2 * number
        report.values["review.total"] += 2 * number
        write_workbook(folder / f"{number}.xlsx", report)
        reports.append(report)
    wrong = consistent_report()
    wrong.info.org = "丁县有误局"
    wrong.values["applications.new.natural_person"] += 1  # R0: 一 + 二 no longer equals 三 + 四
    wrong.values["applications.new.total"] += 1  # as the workbook's formula computes it
    write_workbook(folder / "3.xlsx", wrong)
    (folder / "4.xlsx").write_bytes(b"")  # unreadable
    return folder, [*reports, wrong]


def summarise(tmp_path: Path, folder: Path) -> Path:
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["summary", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "共检查 5 个文件：3 个通过，1 个有错误，1 个无法读取" in result.stderr
    return out


def test_one_row_per_unit_sorted_and_filtered(tmp_path, county):
    folder, _ = county
    wb = load_workbook(summarise(tmp_path, folder))
    units = wb[UNITS_SHEET]
    rows = [[c.value for c in row] for row in units.iter_rows()]
    assert tuple(rows[0]) == UNIT_HEADER
    assert [r[0] for r in rows[1:]] == ["丁县有误局", "丙镇人民政府", "乙县交通局", "甲县教育局", None]
    assert [r[3] for r in rows[1:]] == ["有错误", "通过", "通过", "通过", "无法读取"]
    jiaotong = rows[3]
    assert jiaotong[:6] == ["乙县交通局", 2024, "0.xlsx", "通过", 0, 0]
    new = consistent_report().values["applications.new.total"]
    assert jiaotong[UNIT_HEADER.index("新收")] == new
    assert jiaotong[UNIT_HEADER.index("行政诉讼")] == sum(
        consistent_report().values[k] for k in ("litigation_direct.total", "litigation_after_review.total")
    )
    assert units.auto_filter.ref == "A1:M6" and units.freeze_panes == "A2"


def test_the_findings_sheet_names_each_unit_and_cell(tmp_path, county):
    folder, _ = county
    rows = [
        [c.value for c in row]
        for row in load_workbook(summarise(tmp_path, folder))[FINDINGS_SHEET].iter_rows()
    ]
    assert rows[1][:5] == ["丁县有误局", "3.xlsx", "错误", "R0", "表三!D31"]
    assert rows[-1][1] == "4.xlsx" and "空文件" in rows[-1][5]


def test_table_3_and_4_are_the_sums_of_the_units(tmp_path, county):
    folder, reports = county
    ws = load_workbook(summarise(tmp_path, folder))[TOTALS_SHEET]
    top = 2
    for table in (fmt.APPLICATIONS, fmt.REVIEW):
        for row in grid_rows(table):
            for g in row:
                if g.continued:
                    continue
                value = ws.cell(top + g.cell.row, 1 + g.cell.col).value
                if g.cell.label is not None:
                    assert value == g.cell.label
                else:
                    assert value == sum(r.values[g.cell.key] for r in reports), g.cell.key
        top += table.nrows + 2
    assert ws.cell(1, 1).value == f"{fmt.APPLICATIONS.name}　{fmt.APPLICATIONS.caption}（4 个单位合计）"


@pytest.mark.soffice
def test_the_summary_opens_clean_in_libreoffice(tmp_path, county, soffice):
    folder, reports = county
    saved = soffice(summarise(tmp_path, folder), "xlsx", tmp_path / "lo")
    wb = load_workbook(saved)
    assert wb.sheetnames == [UNITS_SHEET, FINDINGS_SHEET, TOTALS_SHEET]
    key = "applications.new.total"
    cell = next(c for c in fmt.APPLICATIONS.cells if c.key == key)
    assert wb[TOTALS_SHEET].cell(2 + cell.row, 1 + cell.col).value == sum(r.values[key] for r in reports)
    assert wb[UNITS_SHEET].max_row == 6


def test_summary_refuses_to_overwrite_and_needs_xlsx(tmp_path, county):
    folder, _ = county
    out = summarise(tmp_path, folder)
    assert runner.invoke(app, ["summary", str(folder), "-o", str(out)]).exit_code == 5
    assert runner.invoke(app, ["summary", str(folder), "-o", str(tmp_path / "汇总.docx")]).exit_code == 5
