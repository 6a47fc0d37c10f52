"""Write the standard Excel workbook from the format, empty or filled from a report (openpyxl)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..core.model import Info, Paragraph, Report
from ..format import layout
from ..format import official as fmt
from ..format import workbook as wbs
from ..read import values as cv

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


def write_workbook(path: Path, report: Report | None = None, reference: Report | None = None) -> None:
    """Write the standard workbook to `path`, filled from `report` when one is given; `reference`
    (last year's report) is shown beside each text, for the clerk to copy from (the reader ignores it)."""
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
    if reference is not None:
        _write_reference(wb, reference)
    for ws in wb.worksheets:
        ws.protection.sheet = True  # no password: labels locked, input cells unlocked
        ws.protection.formatRows = ws.protection.formatColumns = False  # resizing stays allowed
    wb.calculation.fullCalcOnLoad = True
    wb.save(path)


def _write_instructions(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 68  # within an A4 page in portrait at full size (LibreOffice)
    for row, (line, heading) in enumerate(wbs.instruction_lines(), start=1):
        cell = ws.cell(row, 1, line)
        cell.alignment = WRAPPED
        if heading:
            cell.font = TITLE_FONT if row == 1 else BOLD
    _fit_rows(ws)
    _print_setup(ws, landscape=False)


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
    _fit_rows(ws)
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


def _fit_rows(ws: Worksheet) -> None:
    """Rows tall enough for their wrapped text: a row's height is not grown for wrapped text by every
    spreadsheet (LibreOffice cut the 说明 lines at the right edge in print)."""
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            wraps = isinstance(cell.value, str) and cell.alignment.wrap_text
            if wraps and cell.coordinate not in ws.merged_cells:
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                lines = max(lines, text_lines(cell.value, width))
        if lines > 1:
            size = max((c.font.sz or 11) for c in row if c.value is not None)
            ws.row_dimensions[row[0].row].height = math.ceil(size * 1.45 * lines + 3)


def text_lines(text: str, width: float) -> int:
    """Lines `text` takes wrapped in a column `width` characters wide (a Chinese character takes two)."""
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def display_width(text: str) -> int:
    """Columns `text` takes: two for a wide (Chinese) character, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


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
        error=f"{fmt.INFO_BY_KEY['year'].label}请填四位数字，如 2024",
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


def _write_reference(wb: Workbook, last: Report) -> None:
    """Last year's 基本信息 and paragraphs in column D, headed as reference only."""
    col = layout.REFERENCE_COL
    letter = layout.column_letter(col)
    info = wb[layout.INFO_SHEET]
    info.cell(2, col, layout.REFERENCE_HEADER).font = BOLD
    for spec in fmt.INFO_FIELDS:
        value = getattr(last.info, spec.key)
        pos = layout.INFO_POSITIONS[spec.key]
        cell = info.cell(pos.row, col)
        if isinstance(value, str):
            _put_text(cell, value)
        elif value is not None:
            cell.value = value
            cell.number_format = DATE_FORMAT if spec.kind == "date" else "0"
        cell.alignment = WRAPPED
    info.column_dimensions[letter].width = 50
    for section in fmt.SECTIONS:
        ws = wb[section.sheet]
        first = layout.text_first_row(section)
        ws.cell(first - 1, col, layout.REFERENCE_HEADER).font = BOLD
        for row, paragraph in enumerate(last.sections.get(section.key, []), start=first):
            _put_text(ws.cell(row, col), "\n".join(t for t in (paragraph.heading, paragraph.body) if t))
            ws.cell(row, col).alignment = WRAPPED
        ws.column_dimensions[letter].width = 80


def _put_text(cell: Cell, text: str) -> None:
    """Text stays text: no control characters, and a leading “=” is not a formula."""
    if not text:
        return
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell.data_type = "s"
