"""The standard Excel workbook: written from the format, read back into a Report (the one openpyxl user)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import cellvalues as cv
from . import format as fmt
from . import layout, xlsx_cells
from . import workbook_spec as wbs
from .errors import UnreadableInput
from .findings import Finding
from .model import Info, Paragraph, Report

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # light yellow: to be filled in
FORMULA_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue: computed, locked
LABEL_FILL = PatternFill("solid", fgColor="F2F2F2")
_SIDE = Side(style="thin", color="808080")
BORDER = Border(left=_SIDE, right=_SIDE, top=_SIDE, bottom=_SIDE)
UNLOCKED = Protection(locked=False)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAPPED = Alignment(vertical="top", wrap_text=True)
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
DATE_FORMAT = 'yyyy"年"m"月"d"日"'

MAX_LISTED = 20


# =========================================================================== writing


def write_workbook(path: Path, report: Report | None = None) -> None:
    """Write the standard workbook to `path`, filled from `report` when one is given."""
    wb = Workbook()
    wb.remove(wb.active)
    for name in layout.sheet_order():
        wb.create_sheet(name)
    _write_instructions(wb[layout.INSTRUCTIONS_SHEET])
    _write_info(wb[layout.INFO_SHEET])
    for section in fmt.SECTIONS:
        _write_section(wb[section.sheet], section)
    for table in fmt.TABLES:
        _write_table(wb[layout.table_sheet(table)], table)
    if report is not None:
        _fill(wb, report)
    for ws in wb.worksheets:
        ws.protection.sheet = True  # no password: labels locked, input cells unlocked
        ws.protection.formatRows = ws.protection.formatColumns = False  # resizing stays allowed
    wb.calculation.fullCalcOnLoad = True
    wb.save(path)


def _write_instructions(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 120
    for row, (line, heading) in enumerate(wbs.instruction_lines(), start=1):
        cell = ws.cell(row, 1, line)
        cell.alignment = WRAPPED
        if heading:
            cell.font = TITLE_FONT if row == 1 else BOLD


def _write_info(ws: Worksheet) -> None:
    ws.cell(1, 1, wbs.INFO_CAPTION).font = TITLE_FONT
    _header_row(ws, 2, wbs.INFO_HEADER)
    for spec in fmt.INFO_FIELDS:
        pos = layout.INFO_POSITIONS[spec.key]
        _label(ws.cell(pos.row, 1, spec.label))
        _input(ws.cell(pos.row, pos.col))
        ws.cell(pos.row, 3, spec.hint).alignment = WRAPPED
        if spec.choices:
            _validate(ws, _list_validation(spec.choices), pos.cell)
    year, date = layout.INFO_POSITIONS["year"], layout.INFO_POSITIONS["date"]
    _validate(ws, _year_validation(), year.cell)
    ws.cell(date.row, date.col).number_format = DATE_FORMAT
    ws.cell(layout.CUSTOM_HEADER_ROW - 1, 1, layout.CUSTOM_TITLE).font = BOLD
    _header_row(ws, layout.CUSTOM_HEADER_ROW, wbs.CUSTOM_HEADER)
    ws.cell(layout.CUSTOM_HEADER_ROW, 3, wbs.CUSTOM_HINT).alignment = WRAPPED
    for row in range(layout.CUSTOM_FIRST_ROW, layout.CUSTOM_FIRST_ROW + layout.CUSTOM_ROWS):
        _input(ws.cell(row, 1))
        _input(ws.cell(row, 2))
    _widths(ws, {"A": 16, "B": 50, "C": 60})
    ws.freeze_panes = "A3"
    _print_setup(ws, landscape=True)


def _write_section(ws: Worksheet, section: fmt.Section) -> None:
    ws.cell(1, 1, section.heading).font = TITLE_FONT
    ws.cell(2, 1, wbs.section_hint(section)).alignment = WRAPPED
    ws.merge_cells("A2:B2")
    ws.row_dimensions[2].height = 36
    if section.key == "other":
        _write_fees(ws)
    first = layout.text_first_row(section)
    _header_row(ws, first - 1, layout.TEXT_HEADER)
    for row in range(first, first + layout.TEXT_ROWS):
        _text_input_row(ws, row)
    _widths(ws, {"A": 30, "B": 100, "C": 10})
    ws.freeze_panes = f"A{first}"
    _print_setup(ws, landscape=False)


def _write_fees(ws: Worksheet) -> None:
    for spec in fmt.FEE_VALUES:
        pos = layout.VALUE_POSITIONS[spec.key]
        _label(ws.cell(pos.row, 1, spec.description))
        _input(ws.cell(pos.row, pos.col))
        ws.cell(pos.row, pos.col + 1, spec.kind.unit)
        _validate(ws, _number_validation(spec.kind), pos.cell)


def _text_input_row(ws: Worksheet, row: int) -> None:
    for col in (1, 2):
        cell = _input(ws.cell(row, col))
        cell.alignment = WRAPPED


def _write_table(ws: Worksheet, table: fmt.Table) -> None:
    ws.cell(layout.TABLE_TITLE_ROW, 1, wbs.table_title(table)).font = TITLE_FONT
    status = ws.cell(layout.TABLE_STATUS_ROW, 1, wbs.status_formula(table))
    status.font = BOLD
    top, left = layout.TABLE_GRID_ROW, layout.TABLE_GRID_COL
    for row in ws.iter_rows(top, top + table.nrows - 1, left, left + table.ncols - 1):
        for cell in row:
            cell.border = BORDER
    validations = {kind: _number_validation(kind) for kind in fmt.Kind}
    for spec in table.cells:
        _write_grid_cell(ws, table, spec, validations)
    for validation in validations.values():
        if validation.sqref:
            ws.add_data_validation(validation)
    _table_widths(ws, table)
    ws.freeze_panes = layout.a1(top + table.header_rows, left + table.label_cols)
    _print_setup(ws, landscape=table.ncols > 4)


def _write_grid_cell(
    ws: Worksheet, table: fmt.Table, spec: fmt.Cell, validations: dict[fmt.Kind, DataValidation]
) -> None:
    pos = layout.grid_position(table, spec)
    cell = ws.cell(pos.row, pos.col)
    if spec.rowspan > 1 or spec.colspan > 1:
        ws.merge_cells(wbs.span_range(table, spec))
    cell.alignment = CENTRED
    if spec.label is not None:
        cell.value = spec.label
        cell.fill = LABEL_FILL
        return
    value = fmt.VALUES[spec.key]
    if value.sum_of:
        cell.value = wbs.sum_formula(value)
        cell.fill = FORMULA_FILL
    else:
        _input(cell)
        cell.alignment = CENTRED
        validations[value.kind].add(pos.cell)


def _table_widths(ws: Worksheet, table: fmt.Table) -> None:
    """Each grid column wide enough for its one-column labels (two units per Chinese character)."""
    for col in range(table.ncols):
        labels = [c.label for c in table.cells if c.label and c.col == col and c.colspan == 1]
        longest = max((len(label) for label in labels), default=4)
        width = min(max(2.1 * longest + 2, 9), 36)
        ws.column_dimensions[layout.column_letter(layout.TABLE_GRID_COL + col)].width = width
    for spec in table.cells:
        if spec.label and spec.rowspan == 1 and spec.colspan == 1:
            width = ws.column_dimensions[layout.column_letter(layout.TABLE_GRID_COL + spec.col)].width
            lines = math.ceil(2.1 * len(spec.label) / (width - 1))
            row = layout.TABLE_GRID_ROW + spec.row
            current = ws.row_dimensions[row].height or 15
            ws.row_dimensions[row].height = max(current, 15 * lines + 3)


def _print_setup(ws: Worksheet, *, landscape: bool) -> None:
    """A4, as wide as one page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


# --------------------------------------------------------------------------- small writers


def _header_row(ws: Worksheet, row: int, labels: Iterable[str]) -> None:
    for col, text in enumerate(labels, start=1):
        _label(ws.cell(row, col, text)).font = BOLD


def _label(cell: Cell) -> Cell:
    cell.fill = LABEL_FILL
    cell.border = BORDER
    cell.alignment = CENTRED
    return cell


def _input(cell: Cell) -> Cell:
    cell.fill = INPUT_FILL
    cell.border = BORDER
    cell.protection = UNLOCKED
    cell.alignment = WRAPPED
    return cell


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width


def _validate(ws: Worksheet, validation: DataValidation, cell: str) -> None:
    validation.add(cell)
    ws.add_data_validation(validation)


def _number_validation(kind: fmt.Kind) -> DataValidation:
    whole = kind is fmt.Kind.COUNT
    message = "请填写非负整数，没有发生的填 0" if whole else f"请填写非负数（单位：{kind.unit}），可以有小数"
    return DataValidation(
        type="whole" if whole else "decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="填写有误",
        error=message,
    )


def _list_validation(choices: Iterable[str]) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=f'"{",".join(choices)}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="填写有误",
        error=f"请从下拉列表中选择：{'、'.join(choices)}",
    )


def _year_validation() -> DataValidation:
    low, high = cv.YEAR_RANGE
    return DataValidation(
        type="whole",
        operator="between",
        formula1=str(low),
        formula2=str(high),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="填写有误",
        error="报告年度请填四位数字，如 2024",
    )


# --------------------------------------------------------------------------- filling a report


def _fill(wb: Workbook, report: Report) -> None:
    for key, value in report.values.items():
        if value is None or fmt.VALUES[key].sum_of:
            continue  # never overwrite a formula
        pos = layout.VALUE_POSITIONS[key]
        wb[pos.sheet].cell(pos.row, pos.col).value = cv.to_cell_number(value)
    _fill_info(wb[layout.INFO_SHEET], report.info)
    for section in fmt.SECTIONS:
        _fill_paragraphs(wb[section.sheet], section, report.sections.get(section.key, []))


def _fill_info(ws: Worksheet, info: Info) -> None:
    for spec in fmt.INFO_FIELDS:
        value = getattr(info, spec.key)
        pos = layout.INFO_POSITIONS[spec.key]
        if isinstance(value, str):
            _put_text(ws.cell(pos.row, pos.col), value)
        elif value is not None:
            ws.cell(pos.row, pos.col).value = value
    for row, (name, value) in enumerate(info.custom.items(), start=layout.CUSTOM_FIRST_ROW):
        _put_text(_input(ws.cell(row, 1)), name)
        _put_text(_input(ws.cell(row, 2)), value)


def _fill_paragraphs(ws: Worksheet, section: fmt.Section, paragraphs: list[Paragraph]) -> None:
    for row, paragraph in enumerate(paragraphs, start=layout.text_first_row(section)):
        _text_input_row(ws, row)  # rows beyond TEXT_ROWS get the input style too
        _put_text(ws.cell(row, 1), paragraph.heading)
        _put_text(ws.cell(row, 2), paragraph.body)


def _put_text(cell: Cell, text: str) -> None:
    """Text stays text: no control characters, and a leading “=” is not a formula."""
    if not text:
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"


# =========================================================================== reading


def read_workbook(path: Path) -> tuple[Report, list[Finding]]:
    """Read a standard workbook into a Report and the problems of its cells (one pass, all of them).

    Raises UnreadableInput when the file cannot be opened, is the 2019 trial format, or is not the
    standard workbook (sheets or labels moved or edited).
    """
    book = _load(path)
    _reject_2019(book, path)
    _check_standard(book, path)
    findings: list[Finding] = []
    report = Report()
    report.values = _read_values(book, findings)
    report.info = _read_info(book[layout.INFO_SHEET], findings)
    for section in fmt.SECTIONS:
        report.sections[section.key] = _read_paragraphs(book[section.sheet], section)
    return report, findings


_Sheet = xlsx_cells.Sheet  # title, value(row, col), is_error(row, col), merged, max_row, cells (values)


def _load(path: Path) -> dict[str, _Sheet]:
    """Every sheet of the workbook at `path`, by name in workbook order; only the standard sheets' cells
    the format uses are read (sheets it does not use, and chartsheets, stay empty).

    A 基本信息 or text section sheet with content below `layout.MAX_TEXT_ROWS` is refused, never cut.
    """
    try:
        book = xlsx_cells.read_book(path, _wanted())
    except xlsx_cells.SheetTooLarge as exc:
        raise UnreadableInput(
            f"工作簿“{path.name}”的工作表“{exc.sheet}”过大：读取的行中有超过 {exc.limit:,} 个 XML 元素，"
            "不是可以读取的报表。请删除该表中多余的行、列和单元格格式后再试，"
            "或用 `xxgk new` 生成新工作簿后把数据粘贴进去。"
        ) from exc
    except xlsx_cells.SheetError as exc:  # the sheet's XML is cut short, malformed or missing
        raise UnreadableInput(
            f"无法读取工作簿“{path.name}”的工作表“{exc.sheet}”（{_cause(exc)}）：该表的数据已损坏。"
            "请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx 再试，"
            "或用 `xxgk new` 生成新工作簿后把数据粘贴进去。"
        ) from exc
    except xlsx_cells.XlsxError as exc:
        raise UnreadableInput(
            f"无法读取工作簿“{path.name}”（{_cause(exc)}）：文件已损坏或不是 Excel 工作簿（.xlsx）。"
            "请用 Excel、WPS 或 LibreOffice 打开后另存为 .xlsx 再试。"
        ) from exc
    for name in (layout.INFO_SHEET, *(section.sheet for section in fmt.SECTIONS)):
        _refuse_overflow(book.sheets.get(name), path)
    return {name: book.sheets.get(name) or _Sheet(name) for name in book.sheetnames}


def _wanted() -> dict[str, tuple[int, int]]:
    """(last row, last column) to read of each sheet the format uses: the grid of a table sheet, and
    columns A-B down to `layout.MAX_TEXT_ROWS` of 基本信息 and of each text section sheet."""
    wanted = {layout.INFO_SHEET: (layout.MAX_TEXT_ROWS, 2)}
    for section in fmt.SECTIONS:
        wanted[section.sheet] = (layout.MAX_TEXT_ROWS, 2)
    for table in fmt.TABLES:
        last = (layout.TABLE_GRID_ROW + table.nrows - 1, layout.TABLE_GRID_COL + table.ncols - 1)
        wanted[layout.table_sheet(table)] = last
    return wanted


def _refuse_overflow(sheet: _Sheet | None, path: Path) -> None:
    if sheet is not None and sheet.overflow is not None:
        where = f"（{sheet.title}!{sheet.overflow}）" if sheet.overflow else ""
        raise UnreadableInput(
            f"工作簿“{path.name}”的工作表“{sheet.title}”在第 {layout.MAX_TEXT_ROWS:,} 行以下还有内容"
            f"{where}，超过了{layout.MAX_TEXT_ROWS_LIMIT}。"
            f"请把内容移到前 {layout.MAX_TEXT_ROWS:,} 行以内（可合并段落），或删除这些行后再试。"
        )


def _cause(exc: BaseException) -> str:
    """The name of what went wrong underneath, as the messages show it (e.g. XMLSyntaxError)."""
    return type(exc.__cause__ or exc).__name__


def _reject_2019(book: dict[str, _Sheet], path: Path) -> None:
    labels = set(fmt.LABELS_2019)
    for sheet in book.values():
        for (row, col), value in sheet.cells.items():
            if isinstance(value, str) and wbs.normal_label(value) in labels:
                raise UnreadableInput(
                    f"工作簿“{path.name}”是 2019 年试行格式（国办公开办函〔2019〕60号）的表格"
                    f"（{sheet.title}!{layout.a1(row, col)}：“{wbs.normal_label(value)}”），不再支持。"
                    "请使用 2021 年修订的格式（国办公开办函〔2021〕30号）："
                    "用 `xxgk new` 生成标准工作簿后把数据填进去。"
                )


def _check_standard(book: dict[str, _Sheet], path: Path) -> None:
    differences = [*wbs.sheet_differences(list(book)), *_label_differences(book)]
    if not differences:
        return
    listed = differences[:MAX_LISTED]
    if len(differences) > MAX_LISTED:
        listed.append(f"……等 {len(differences)} 处")
    raise UnreadableInput(
        f"工作簿“{path.name}”不是标准工作簿，以下 {len(differences)} 处与标准格式不一致：\n"
        + "\n".join(listed)
        + "\n请用 `xxgk new` 生成标准工作簿后把数据粘贴进去"
        + "（只粘贴数值和正文，不要改动表头、工作表名称和行列）。"
    )


def _label_differences(book: dict[str, _Sheet]) -> Iterator[str]:
    for sheet, row, col, label in wbs.expected_labels():
        if sheet not in book:
            continue
        actual = wbs.normal_label(book[sheet].value(row, col))
        if actual != label:
            shown = f"“{actual}”" if actual else "空白"
            yield f"{sheet}!{layout.a1(row, col)}：应为“{label}”，实为{shown}"
    for table in fmt.TABLES:
        sheet = layout.table_sheet(table)
        if sheet not in book:
            continue
        for cell in table.cells:
            if cell.label is not None and (cell.rowspan > 1 or cell.colspan > 1):
                span = wbs.span_range(table, cell)
                if span not in book[sheet].merged:
                    yield f"{sheet}!{span}：应为合并单元格（“{cell.label}”），实为未合并"


# --------------------------------------------------------------------------- values


def _read_values(book: dict[str, _Sheet], findings: list[Finding]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    blank: set[str] = set()
    for key, spec in fmt.VALUES.items():
        pos = layout.VALUE_POSITIONS[key]
        sheet = book[pos.sheet]
        raw = sheet.value(pos.row, pos.col)
        rule = "R6" if spec.kind is fmt.Kind.COUNT else "R8"
        if cv.is_blank(raw):
            values[key] = None
            blank.add(key)
            if spec.required and not spec.sum_of:  # R6 forbids blanks of every kind, as the checks do
                issue = cv.Issue("blank", cv.BLANK_MESSAGE, cv.expected_number(spec.kind), "")
                findings.append(_finding("R6", issue, pos))
            continue
        reading = cv.read_number(raw, spec.kind, is_error=sheet.is_error(pos.row, pos.col))
        values[key] = reading.value
        findings += [_finding(rule, issue, pos) for issue in reading.issues]
    for key in fmt.VALUES:
        if key in blank and fmt.VALUES[key].sum_of:
            values[key] = _computed(key, values, blank)
    return values


def _computed(key: str, values: dict[str, Any], blank: set[str]) -> Any:
    """A total whose formula has no cached value (a file written by openpyxl): the sum of its parts."""
    parts = []
    for part in fmt.VALUES[key].sum_of:
        if part in blank and fmt.VALUES[part].sum_of:
            values[part] = _computed(part, values, blank)
            blank.discard(part)
        parts.append(values[part])
    if any(p is None for p in parts):
        return None
    return sum(parts)


def _finding(rule: str, issue: cv.Issue, pos: layout.Position) -> Finding:
    return Finding(
        rule, issue.code, issue.severity, pos.sheet, pos.cell, issue.expected, issue.actual, issue.message
    )


# --------------------------------------------------------------------------- 基本信息 and text


def _read_info(ws: _Sheet, findings: list[Finding]) -> Info:
    info = Info()
    for spec in fmt.INFO_FIELDS:
        pos = layout.INFO_POSITIONS[spec.key]
        raw = ws.value(pos.row, pos.col)
        if cv.is_blank(raw):
            if spec.required:
                issue = cv.Issue("blank", f"“{spec.label}”不能为空（{spec.hint}）", "必填", "")
                findings.append(_finding("info", issue, pos))
            continue
        reading = _read_info_value(spec, raw)
        setattr(info, spec.key, reading.value)
        rule = "D1" if spec.key == "date" else "info"
        findings += [_finding(rule, issue, pos) for issue in reading.issues]
    info.custom = _read_custom(ws)
    return info


def _read_info_value(spec: fmt.InfoField, raw: Any) -> cv.Reading:
    if spec.key == "year":
        return cv.read_year(raw)
    if spec.key == "date":
        return cv.read_date(raw)
    text = cv.text_of(raw).strip()
    if spec.choices and text not in spec.choices:
        options = "、".join(spec.choices)
        message = f"“{spec.label}”应为{options}之一，实为“{text}”"
        return cv.Reading(text, [cv.Issue("bad-choice", message, options, text)])
    return cv.Reading(text)


def _read_custom(ws: _Sheet) -> dict[str, str]:
    custom: dict[str, str] = {}
    for row in range(layout.CUSTOM_FIRST_ROW, ws.max_row + 1):
        name = cv.text_of(ws.value(row, 1)).strip()
        if name:
            custom[name] = cv.text_of(ws.value(row, 2)).strip()
    return custom


def _read_paragraphs(ws: _Sheet, section: fmt.Section) -> list[Paragraph]:
    paragraphs = []
    for row in range(layout.text_first_row(section), ws.max_row + 1):
        heading, body = (cv.text_of(ws.value(row, col)) for col in (1, 2))
        if heading or body:
            paragraphs.append(Paragraph(heading, body))
    return paragraphs
