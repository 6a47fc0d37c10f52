"""The standard workbook: written from the format, read back exactly, and bad cells or layouts reported."""

from __future__ import annotations

import copy
import datetime as dt
import re
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from factories import consistent_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from converter.check.rules import check
from converter.core.errors import UnreadableInput
from converter.core.findings import Severity
from converter.core.model import Paragraph, Report
from converter.format import layout
from converter.format import official as fmt
from converter.read.workbook import load_workbook_report
from converter.write.workbook import write_workbook

APPLICATIONS = fmt.TABLE_BY_ID["applications"]
PROACTIVE = fmt.TABLE_BY_ID["proactive"]
T3 = layout.table_sheet(APPLICATIONS)
INPUT_KEYS = [k for k, v in fmt.VALUES.items() if not v.sum_of]
TOTAL_KEYS = [k for k, v in fmt.VALUES.items() if v.sum_of]


def filled_report() -> Report:
    """consistent_report() with everything the workbook holds: title, preamble, custom fields, text."""
    report = consistent_report()
    report.info.title = "某某市某某局2024年政府信息公开工作年度报告"
    report.info.preamble = "根据条例要求编制本报告。\n所列数据统计期限自2024年1月1日起至2024年12月31日止。"
    report.info.custom = {"联系电话": "0510-12345678", "网址": "https://example.gov.cn"}
    report.sections["overview"] = [
        Paragraph("", "2024年，本机关认真贯彻落实条例。"),
        Paragraph("（一）主动公开。", "全年主动公开政府信息1269条。\n其中政策解读12篇。"),
        Paragraph("（二）依申请公开", "全年新收申请35件。"),
    ]
    report.sections["problems"].append(Paragraph("", "=一个以等号开头的段落，不是公式"))
    report.sections["other"].append(Paragraph("（一）政府集中采购信息公开情况。", "按要求公开。"))
    return report


def read_workbook(path: Path):
    """The report as read, and the findings about values as read (value rules, unreadable dates), placed."""
    loaded = load_workbook_report(path)
    found = check(loaded.report, notes=loaded.notes)
    reading = [f for f in found if fmt.RULES[f.rule].scope is fmt.Scope.VALUE or f.code == "bad-date"]
    return loaded.report, [f.placed(loaded.locate) for f in reading]


def at(finding) -> tuple[str, str]:
    return finding.position.sheet, finding.position.cell


def cell_of(key: str) -> str:
    return layout.position(key if key in fmt.VALUES else fmt.info_field(key)).cell


def sheet_of(key: str) -> str:
    return layout.position(key).sheet


def edit(path: Path, sheet: str, cell: str, value: Any) -> None:
    wb = load_workbook(path)
    wb[sheet][cell].value = value
    wb.save(path)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    path = tmp_path / "报告.xlsx"
    write_workbook(path, filled_report())
    return path


# --------------------------------------------------------------------------- round trips


def test_round_trip_gives_the_same_report(filled: Path):
    report, findings = read_workbook(filled)
    assert findings == []
    assert report == filled_report()


def test_a_blank_workbook_reads_as_blanks(tmp_path: Path):
    path = tmp_path / "空白.xlsx"
    write_workbook(path)
    report, findings = read_workbook(path)
    assert all(v is None for v in report.values.values())
    required = [k for k in INPUT_KEYS if fmt.VALUES[k].required]
    info_required = [f.key for f in fmt.INFO_FIELDS if f.required]
    blank = [f for f in findings if f.code == "blank"]
    covered = [(p.sheet, p.cell) for f in blank for p in (f.covered_positions or [f.position])]
    assert sorted(covered) == sorted(
        [
            *((sheet_of(k), cell_of(k)) for k in required),
            *((layout.INFO_SHEET, cell_of(k)) for k in info_required),
        ]
    )
    # one finding per table for its blank cells (R6), one per 基本信息 field
    assert [f.rule for f in findings].count("R6") == len(fmt.TABLES)
    assert len(findings) == len(fmt.TABLES) + len(info_required)
    assert report.sections == Report().sections
    empty = [f.field for f in check(report, notes=load_workbook_report(path).notes) if f.rule == "C1"]
    assert empty == ["sections.overview", "sections.problems", "sections.other"]  # 二、三、四 generated


def _consistent_values(data: st.DataObject) -> dict[str, Any]:
    """Random parts, 一、本年新收 chosen so that R0 holds, totals summed as the formulas would."""
    count = st.integers(0, 10**6)
    amount = st.decimals(0, 10**8, places=6, allow_nan=False, allow_infinity=False)
    values: dict[str, Any] = {}
    for key in INPUT_KEYS:
        spec = fmt.VALUES[key]
        strategy = count if spec.kind is fmt.Kind.COUNT else amount
        values[key] = data.draw(strategy if spec.required else st.none() | strategy, label=key)
    for col, _ in fmt.APPLICANT_COLUMNS:
        handled = sum(values[f"applications.{row}.{col}"] for row in fmt.OUTCOME_ROWS)
        available = handled + values[f"applications.carried_forward.{col}"]
        over = data.draw(st.integers(0, available), label=f"carried_over.{col}")
        values[f"applications.carried_over.{col}"] = over
        values[f"applications.new.{col}"] = available - over
    return _with_totals(values)


def _with_totals(values: dict[str, Any]) -> dict[str, Any]:
    def total(key: str) -> Any:
        if key not in values:
            values[key] = sum(total(part) for part in fmt.VALUES[key].sum_of)
        return values[key]

    for key in TOTAL_KEYS:
        total(key)
    return values


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_consistent_report_round_trips(data: st.DataObject):
    report = consistent_report()
    report.values = _consistent_values(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "随机.xlsx"
        write_workbook(path, report)
        back, findings = read_workbook(path)
    assert [f for f in findings if f.severity is Severity.ERROR] == []
    assert back == report


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.soffice
def test_a_workbook_saved_by_libreoffice_reads_the_same(filled: Path, soffice, tmp_path: Path):
    saved = soffice(filled, "xlsx", tmp_path / "lo")
    report, findings = read_workbook(saved)
    assert findings == []
    assert report == filled_report()


@pytest.mark.soffice
def test_formulas_compute_in_libreoffice(tmp_path: Path, soffice):
    report = consistent_report()
    report.values["applications.new.natural_person"] += 1  # breaks R0 in two columns
    path = tmp_path / "公式.xlsx"
    write_workbook(path, report)
    wb = load_workbook(soffice(path, "xlsx", tmp_path / "lo"), data_only=True)
    for key in TOTAL_KEYS:
        pos = layout.position(key)
        parts = [wb[pos.sheet][cell_of(k)].value for k in fmt.VALUES[key].sum_of]
        assert wb[pos.sheet][pos.cell].value == sum(parts), key
    assert wb[T3][cell_of("applications.new.total")].value == report.values["applications.new.total"] + 1
    status = {t.id: wb[layout.table_sheet(t)].cell(layout.TABLE_STATUS_ROW, 1).value for t in fmt.TABLES}
    assert status["proactive"].startswith("✔")
    assert status["applications"].startswith("✘")
    assert status["review"].startswith("✔")


# --------------------------------------------------------------------------- what is written


def test_sheets_labels_and_merges_follow_the_format(filled: Path):
    wb = load_workbook(filled)
    assert tuple(wb.sheetnames) == layout.sheet_order()
    for table in fmt.TABLES:
        ws = wb[layout.table_sheet(table)]
        assert ws.cell(layout.TABLE_TITLE_ROW, 1).value == f"{table.name}　{table.caption}"
        merged = {str(r) for r in ws.merged_cells.ranges}
        for cell in table.cells:
            pos = layout.grid_position(table, cell)
            if cell.label is not None:
                assert ws[pos.cell].value == cell.label
            if cell.rowspan > 1 or cell.colspan > 1:
                end = layout.a1(pos.row + cell.rowspan - 1, pos.col + cell.colspan - 1)
                assert f"{pos.cell}:{end}" in merged
    info = wb[layout.INFO_SHEET]
    for spec in fmt.INFO_FIELDS:
        assert info.cell(layout.INFO_POSITIONS[spec.key].row, 1).value == spec.label
    assert info[cell_of("date")].number_format == 'yyyy"年"m"月"d"日"'
    assert isinstance(info[cell_of("date")].value, dt.datetime)
    instructions = "\n".join(str(c.value) for c in wb[layout.INSTRUCTIONS_SHEET]["A"] if c.value)
    for rule in fmt.RULES.values():  # a clerk's rules; a Word template's only in `template check`
        clerks = rule.scope.of_reports and fmt.WORKBOOK in rule.sources  # not those only `audit` runs
        assert (f"{rule.id}　{rule.title}" in instructions) == clerks
    assert "xxgk check 工作簿.xlsx" in instructions
    assert "xxgk build 工作簿.xlsx" in instructions


def test_totals_are_locked_formulas_and_inputs_are_unlocked(filled: Path):
    wb = load_workbook(filled)
    for key in TOTAL_KEYS:
        cell = wb[sheet_of(key)][cell_of(key)]
        assert str(cell.value).startswith("=SUM("), key
        assert cell.protection.locked
    assert wb[T3][cell_of("applications.total.natural_person")].value == "=SUM(D9:D29)"
    assert wb[T3][cell_of("applications.new.total")].value == "=SUM(D7:I7)"
    for key in INPUT_KEYS:
        cell = wb[sheet_of(key)][cell_of(key)]
        assert not cell.protection.locked, key
        assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    label = layout.grid_position(APPLICATIONS, APPLICATIONS.cells[0])
    assert wb[T3][label.cell].protection.locked
    assert all(ws.protection.sheet for ws in wb.worksheets)
    assert all(ws.protection.password is None for ws in wb.worksheets)


def test_data_validation_guards_every_input_cell(filled: Path):
    wb = load_workbook(filled)
    for key in INPUT_KEYS:
        spec, pos = fmt.VALUES[key], layout.position(key)
        rules = [dv for dv in wb[pos.sheet].data_validations.dataValidation if pos.cell in dv.sqref]
        assert len(rules) == 1, key
        expected = "whole" if spec.kind is fmt.Kind.COUNT else "decimal"
        assert (rules[0].type, rules[0].operator, rules[0].formula1) == (expected, "greaterThanOrEqual", "0")
        assert rules[0].showErrorMessage and rules[0].error
    info = wb[layout.INFO_SHEET].data_validations.dataValidation
    organ = next(dv for dv in info if cell_of("organ_type") in dv.sqref)
    assert organ.type == "list" and organ.formula1 == f'"{",".join(fmt.ORGAN_TYPES)}"'
    assert next(dv for dv in info if cell_of("year") in dv.sqref).type == "whole"


# --------------------------------------------------------------------------- bad values

APP = "applications.granted.natural_person"
MONEY = "proactive.admin_fees.amount"
BAD_VALUES = [
    (APP, None, "R6", "blank", Severity.ERROR, None),
    (APP, "   ", "R6", "blank", Severity.ERROR, None),
    (APP, "无", "R6", "not-number", Severity.ERROR, None),
    (APP, "-", "R6", "not-number", Severity.ERROR, None),
    (APP, "/", "R6", "not-number", Severity.ERROR, None),
    (APP, "十二", "R6", "not-number", Severity.ERROR, None),
    (APP, "12", "R6", "text-number", Severity.WARNING, 12),
    (APP, " 12 ", "R6", "text-number", Severity.WARNING, 12),
    (APP, "447,228", "R6", "text-number", Severity.WARNING, 447228),
    (APP, "3，985，758", "R6", "text-number", Severity.WARNING, 3985758),
    (APP, "1,5", "R6", "not-number", Severity.ERROR, None),
    (APP, "12,34", "R6", "not-number", Severity.ERROR, None),
    (APP, "12件", "R6", "not-number", Severity.ERROR, None),
    (APP, 12.5, "R6", "not-integer", Severity.ERROR, Decimal("12.5")),
    (APP, -3, "R6", "negative", Severity.ERROR, -3),
    (APP, True, "R6", "not-number", Severity.ERROR, None),
    (APP, dt.datetime(2024, 3, 1), "R6", "not-number", Severity.ERROR, None),
    (APP, "#REF!", "R6", "formula-error", Severity.ERROR, None),
    (APP, "#DIV/0!", "R6", "formula-error", Severity.ERROR, None),
    (APP, 10**10, "R6", "too-large", Severity.ERROR, 10**10),
    (MONEY, None, "R6", "blank", Severity.ERROR, None),
    (MONEY, "无", "R8", "not-number", Severity.ERROR, None),
    (MONEY, -1.5, "R8", "negative", Severity.ERROR, Decimal("-1.5")),
    (MONEY, "3.25", "R8", "text-number", Severity.WARNING, Decimal("3.25")),
    (MONEY, "96,171.6", "R8", "text-number", Severity.WARNING, Decimal("96171.6")),
    ("review.upheld", "0", "R6", "text-number", Severity.WARNING, 0),
]


@pytest.mark.parametrize(("key", "raw", "rule", "code", "severity", "value"), BAD_VALUES)
def test_a_bad_value_gives_one_finding_at_its_cell(filled: Path, key, raw, rule, code, severity, value):
    edit(filled, sheet_of(key), cell_of(key), raw)
    report, findings = read_workbook(filled)
    found = [(f.rule, f.code, f.severity, *at(f)) for f in findings]
    assert found == [(rule, code, severity, sheet_of(key), cell_of(key))]
    assert findings[0].message
    assert report.values[key] == value


def test_totals_follow_their_parts_and_blank_parts_leave_them_blank(filled: Path):
    edit(filled, T3, cell_of(APP), 100)
    report, _ = read_workbook(filled)
    expected = filled_report().values["applications.granted.total"] + 100 - filled_report().values[APP]
    assert report.values["applications.granted.total"] == expected
    edit(filled, T3, cell_of(APP), None)
    report, findings = read_workbook(filled)
    assert report.values["applications.granted.total"] is None
    assert report.values["applications.total.total"] is None
    assert [(f.code, at(f)[1]) for f in findings] == [("blank", cell_of(APP))]


def test_optional_fee_figures_may_be_blank(filled: Path):
    for spec in fmt.FEE_VALUES:
        edit(filled, sheet_of(spec.key), cell_of(spec.key), None)
    report, findings = read_workbook(filled)
    assert findings == []
    assert all(report.values[spec.key] is None for spec in fmt.FEE_VALUES)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025年1月17日", dt.date(2025, 1, 17)),
        ("2025年01月07日", dt.date(2025, 1, 7)),
        ("2025.1.17", dt.date(2025, 1, 17)),
        ("2025-01-17", dt.date(2025, 1, 17)),
        ("2025/1/17", dt.date(2025, 1, 17)),
        (dt.datetime(2025, 1, 17), dt.date(2025, 1, 17)),
        (45674, dt.date(2025, 1, 17)),  # an Excel day number
    ],
)
def test_dates_in_any_common_form(filled: Path, raw, expected):
    edit(filled, layout.INFO_SHEET, cell_of("date"), raw)
    report, findings = read_workbook(filled)
    assert findings == []
    assert report.info.date == expected


def test_a_day_number_in_a_general_format_cell_is_a_date(filled: Path):
    """A clerk who types 45674 into a cell formatted 常规 (General): the reader sees a plain number,
    not a date, and the day-number branch of the date reading makes it 2025-01-17."""
    wb = load_workbook(filled)
    cell = wb[layout.INFO_SHEET][cell_of("date")]
    cell.value, cell.number_format = 45674, "General"
    wb.save(filled)
    assert load_workbook(filled)[layout.INFO_SHEET][cell_of("date")].value == 45674  # a plain number
    report, findings = read_workbook(filled)
    assert findings == []
    assert report.info.date == dt.date(2025, 1, 17)


@pytest.mark.parametrize(
    ("key", "raw", "rule", "code"),
    [
        ("date", "2025年2月30日", "D1", "bad-date"),
        ("date", "明年一月", "D1", "bad-date"),
        ("year", "二〇二四", "info", "bad-year"),
        ("org", None, "info", "blank"),
        ("self_name", " ", "info", "blank"),
        ("organ_type", "局", "info", "bad-choice"),
    ],
)
def test_bad_info_gives_one_finding(filled: Path, key, raw, rule, code):
    edit(filled, layout.INFO_SHEET, cell_of(key), raw)
    _, findings = read_workbook(filled)
    found = [(f.rule, f.code, f.severity, *at(f)) for f in findings]
    assert found == [(rule, code, Severity.ERROR, layout.INFO_SHEET, cell_of(key))]


def test_a_blank_date_is_left_to_the_checks(filled: Path):
    edit(filled, layout.INFO_SHEET, cell_of("date"), None)
    report, findings = read_workbook(filled)
    assert (report.info.date, findings) == (None, [])


def test_year_as_text_is_read(filled: Path):
    edit(filled, layout.INFO_SHEET, cell_of("year"), "2024")
    report, findings = read_workbook(filled)
    assert (report.info.year, findings) == (2024, [])


def test_text_cells_are_normalised(filled: Path):
    section = fmt.SECTION_BY_KEY["problems"]
    row = layout.text_first_row(section) + 10
    wb = load_workbook(filled)
    ws = wb[section.sheet]
    ws.cell(row, 1, 12.0)
    ws.cell(row, 2, "第一行\r\n第二行  ")
    ws.cell(row + 1, 2, 3.5)
    wb.save(filled)
    report, _ = read_workbook(filled)
    assert report.sections["problems"][-2:] == [Paragraph("12", "第一行\n第二行"), Paragraph("", "3.5")]


# --------------------------------------------------------------------------- not a standard workbook


def _unreadable(path: Path) -> str:
    with pytest.raises(UnreadableInput) as info:
        read_workbook(path)
    return info.value.message


def test_a_renamed_sheet_is_named(filled: Path):
    wb = load_workbook(filled)
    wb[T3].title = "Sheet1"
    wb.save(filled)
    message = _unreadable(filled)
    assert f"缺少工作表“{T3}”" in message
    assert "Sheet1" in message
    assert "xxgk new" in message


def test_a_deleted_sheet_is_named(filled: Path):
    wb = load_workbook(filled)
    del wb[layout.INFO_SHEET]
    wb.save(filled)
    assert f"缺少工作表“{layout.INFO_SHEET}”" in _unreadable(filled)


def test_sheets_in_the_wrong_order(filled: Path):
    wb = load_workbook(filled)
    wb.move_sheet(T3, offset=-3)
    wb.save(filled)
    assert "工作表顺序应为" in _unreadable(filled)


def test_an_edited_label_is_named_with_its_cell(filled: Path):
    granted = next(c for c in APPLICATIONS.cells if c.label and c.label.startswith("（一）"))
    pos = layout.grid_position(APPLICATIONS, granted)
    edit(filled, T3, pos.cell, granted.label[3:])
    message = _unreadable(filled)
    assert f"{T3}!{pos.cell}：应为“{granted.label}”，实为“{granted.label[3:]}”" in message


def test_a_wrapped_label_still_matches(filled: Path):
    cell = next(c for c in PROACTIVE.cells if c.label == "行政规范性文件")
    pos = layout.grid_position(PROACTIVE, cell)
    edit(filled, pos.sheet, pos.cell, "  行政规范\n性文件 ")
    assert read_workbook(filled)[1] == []


def test_an_unmerged_header_is_named(filled: Path):
    corner = APPLICATIONS.cells[0]
    pos = layout.grid_position(APPLICATIONS, corner)
    span = f"{pos.cell}:{layout.a1(pos.row + corner.rowspan - 1, pos.col + corner.colspan - 1)}"
    wb = load_workbook(filled)
    wb[T3].unmerge_cells(span)
    wb.save(filled)
    assert f"{T3}!{span}：应为合并单元格" in _unreadable(filled)


def test_rows_inserted_above_a_table_are_found(filled: Path):
    wb = load_workbook(filled)
    wb[T3].insert_rows(1)
    wb.save(filled)
    message = _unreadable(filled)
    assert f"{T3}!{layout.a1(layout.TABLE_GRID_ROW, 1)}：应为“{fmt.APPLICATIONS_CORNER}”，实为空白" in message
    assert "等 " in message  # many differences, the list is cut short
    assert len(message.splitlines()) < 25


def test_a_2019_format_label_is_rejected(filled: Path):
    edit(filled, PROACTIVE.name, "B5", fmt.LABELS_2019[0])
    message = _unreadable(filled)
    assert "国办公开办函〔2019〕60号" in message
    assert "国办公开办函〔2021〕30号" in message
    assert "xxgk new" in message


def test_a_broken_file_is_unreadable(tmp_path: Path):
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert "坏文件.xlsx" in _unreadable(path)


def test_reading_does_not_change_the_report_it_was_written_from(filled: Path):
    report = filled_report()
    before = copy.deepcopy(report)
    write_workbook(filled, report)
    assert report == before


def test_a_cached_total_is_kept_as_it_is(filled: Path):
    # A number in a total cell stands for the formula's cached value: the checks compare it with the sum.
    key = "applications.granted.total"
    edit(filled, T3, cell_of(key), 999)
    report, findings = read_workbook(filled)
    assert (report.values[key], findings) == (999, [])
    edit(filled, T3, cell_of(key), "#VALUE!")
    report, findings = read_workbook(filled)
    assert [(f.rule, f.code, at(f)[1]) for f in findings] == [("R6", "formula-error", cell_of(key))]
    assert report.values[key] is None


def test_more_rows_than_the_template_offers_round_trip(tmp_path: Path):
    report = filled_report()
    report.info.custom = {f"字段{i}": f"值{i}" for i in range(layout.CUSTOM_ROWS + 3)}
    report.sections["other"] = [Paragraph(f"（{i}）", f"第{i}段。") for i in range(layout.TEXT_ROWS + 5)]
    path = tmp_path / "长.xlsx"
    write_workbook(path, report)
    assert read_workbook(path) == (report, [])


def _rewrite_sheets(source: Path, target: Path, change) -> None:
    """Copy a workbook, passing each worksheet's XML through `change`, as other writers might store it."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = change(data.decode("utf-8")).encode("utf-8")
            zout.writestr(item, data)


@pytest.mark.parametrize("dimension", ['<dimension ref="A1"/>', ""])
def test_a_wrong_or_missing_sheet_size_is_read_past(filled: Path, tmp_path: Path, dimension: str):
    """Some writers store `<dimension ref="A1"/>` or none: every row is still read."""
    changed = tmp_path / "dimension.xlsx"
    _rewrite_sheets(filled, changed, lambda xml: re.sub(r"<dimension [^>]*/>", dimension, xml))
    assert read_workbook(changed) == read_workbook(filled)


def test_merged_ranges_are_read_from_each_sheet(filled: Path, tmp_path: Path):
    """Merges are checked per sheet: a merge dropped from 表三's XML is found there, and only there."""
    corner = APPLICATIONS.cells[0]
    pos = layout.grid_position(APPLICATIONS, corner)
    span = f"{pos.cell}:{layout.a1(pos.row + corner.rowspan - 1, pos.col + corner.colspan - 1)}"
    changed = tmp_path / "merges.xlsx"
    _rewrite_sheets(filled, changed, lambda xml: xml.replace(f'<mergeCell ref="{span}"/>', ""))
    message = _unreadable(changed)
    assert f"{T3}!{span}：应为合并单元格" in message
    assert message.count("应为合并单元格") == 1


def test_a_damaged_sheet_is_named(filled: Path, tmp_path: Path):
    """A sheet's XML cut short names that sheet; the file is left as it was."""
    changed = tmp_path / "损坏.xlsx"
    part = f"xl/worksheets/sheet{layout.sheet_order().index(T3) + 1}.xml"  # openpyxl numbers them in order
    with zipfile.ZipFile(filled) as zin, zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename == part else data)
    before = changed.read_bytes()
    message = _unreadable(changed)
    assert f"无法读取工作簿“损坏.xlsx”的工作表“{T3}”" in message
    assert changed.read_bytes() == before
