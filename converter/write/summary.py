"""The county office's 汇总 workbook (`xxgk summary`): a row per unit, the findings, and 表三 and 表四 summed
over every unit in the official layout (openpyxl; labels and grid from the format)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..core.findings import FileFindings, Unreadable
from ..core.model import Number
from ..format import official as fmt
from ..format.grid import column_widths, grid_rows

UNITS_SHEET, FINDINGS_SHEET, TOTALS_SHEET = "汇总", "问题", "表三表四合计"
FIGURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    # (column title, the value keys it adds up)
    ("新收", ("applications.new.total",)),
    ("上年结转", ("applications.carried_over.total",)),
    ("办结", ("applications.total.total",)),
    ("结转下年度", ("applications.carried_forward.total",)),
    (fmt.REVIEW_GROUPS[0][1], ("review.total",)),
    (fmt.LITIGATION_LABEL, ("litigation_direct.total", "litigation_after_review.total")),
    (f"信息处理费（{fmt.Kind.YUAN.unit}）", ("fees.collected",)),
)
UNIT_HEADER = ("机关", "年度", "文件", "状态", "错误", "警告", *(title for title, _ in FIGURES))
FINDING_HEADER = ("机关", "文件", "级别", "规则", "位置", "说明")
SUMMED_TABLES = (fmt.APPLICATIONS, fmt.REVIEW)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
SIDE = Side(style="thin", color="808080")
BORDER = Border(left=SIDE, right=SIDE, top=SIDE, bottom=SIDE)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)

Result = FileFindings | Unreadable


def write_summary(path: Path, results: Sequence[Result]) -> None:
    """Write the 汇总 workbook to `path` (the caller makes the write atomic)."""
    wb = Workbook()
    units = wb.active
    units.title = UNITS_SHEET
    _write_units(units, results)
    _write_findings(wb.create_sheet(FINDINGS_SHEET), results)
    read = [r for r in results if isinstance(r, FileFindings)]
    _write_totals(wb.create_sheet(TOTALS_SHEET), read)
    for ws in wb.worksheets:
        _print_setup(ws)
    wb.save(path)


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, as wide as one page; the header row repeated on every printed page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if ws.title != TOTALS_SHEET:
        ws.print_title_rows = "1:1"


def status(result: Result) -> str:
    if isinstance(result, Unreadable):
        return "无法读取"
    return "有错误" if result.errors else "通过"


def _organ(result: Result) -> tuple[str, int | None]:
    report = getattr(result, "report", None)
    return (report.info.org, report.info.year) if report is not None else ("", None)


def _write_units(ws: Worksheet, results: Sequence[Result]) -> None:
    """One row per workbook, sorted by 机关 and 年度; a filter on every column, the header frozen."""
    _header(ws, UNIT_HEADER)
    rows = []
    for result in results:
        org, year = _organ(result)
        row: list[Any] = [org, year, Path(result.path).name, status(result)]
        if isinstance(result, FileFindings):
            row += [len(result.errors), len(result.warnings)]
            row += [_total(result.report.values, keys) for _, keys in FIGURES]  # type: ignore[attr-defined]
        rows.append(row)
    for row in sorted(rows, key=lambda r: (r[0] == "", r[0], r[1] or 0, r[2])):
        ws.append(row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(UNIT_HEADER))}{max(2, ws.max_row)}"
    ws.freeze_panes = "A2"
    _widths(ws, (30, 8, 30, 10, 6, 6, *(12 for _ in FIGURES)))


def _total(values: dict[str, Number | None], keys: tuple[str, ...]) -> Number | None:
    parts = [values.get(key) for key in keys]
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]


def _write_findings(ws: Worksheet, results: Sequence[Result]) -> None:
    _header(ws, FINDING_HEADER)
    for result in results:
        org, _ = _organ(result)
        name = Path(result.path).name
        if isinstance(result, Unreadable):
            ws.append([org, name, "错误", "", "", result.message])
            continue
        for f in result.findings:
            ws.append([org, name, f.severity.label, f.rule, f.location, f.message])
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FINDING_HEADER))}{max(2, ws.max_row)}"
    ws.freeze_panes = "A2"
    _widths(ws, (30, 30, 6, 6, 18, 90))


def _write_totals(ws: Worksheet, read: Sequence[FileFindings]) -> None:
    """表三 and 表四 as the format draws them, each value the sum over the units that have it."""
    row, titles = 1, set()
    for table in SUMMED_TABLES:
        title = f"{table.name}　{table.caption}（{len(read)} 个单位合计）"
        ws.cell(row, 1, title).font = BOLD
        titles.add(row)
        row = _write_grid(ws, table, row + 1, read) + 2
    widths = column_widths(fmt.APPLICATIONS, 160)  # in characters, as the Word template proportions them
    _widths(ws, tuple(max(6, w) for w in widths))
    _fit_rows(ws, titles)


def _fit_rows(ws: Worksheet, skip: set[int]) -> None:
    """Rows tall enough for their wrapped labels (spreadsheets do not grow a row for wrapped text);
    the title rows in `skip` run on across the page instead."""
    for row in ws.iter_rows():
        if row[0].row in skip:
            continue
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.coordinate not in ws.merged_cells:
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                lines = max(lines, math.ceil(2.1 * len(cell.value) / max(width - 1, 1)))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines + 3


def _write_grid(ws: Worksheet, table: fmt.Table, top: int, read: Sequence[FileFindings]) -> int:
    """The table's grid from `top`; returns the last row written."""
    for grid_row in grid_rows(table):
        for g in grid_row:
            if g.continued:
                continue
            c = g.cell
            cell = ws.cell(top + c.row, 1 + c.col)
            if c.label is not None:
                cell.value, cell.fill = c.label, HEADER_FILL
            else:
                cell.value = _total_over_units(c.key or "", read)
            cell.alignment = CENTRED
            if c.rowspan > 1 or c.colspan > 1:
                ws.merge_cells(
                    start_row=top + c.row,
                    start_column=1 + c.col,
                    end_row=top + c.row + c.rowspan - 1,
                    end_column=c.col + c.colspan,
                )
    for r in range(top, top + table.nrows):
        for col in range(1, table.ncols + 1):
            ws.cell(r, col).border = BORDER
    return top + table.nrows - 1


def _total_over_units(key: str, read: Sequence[FileFindings]) -> Number:
    return sum((r.report.values.get(key) or 0) for r in read)  # type: ignore[attr-defined]


def _header(ws: Worksheet, titles: Sequence[str]) -> None:
    ws.append(list(titles))
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, CENTRED


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for number, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width
