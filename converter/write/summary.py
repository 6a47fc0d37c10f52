"""The county office's 汇总 workbook (`xxgk summary`): a row per unit, the findings, and 表三 and 表四 summed
over the units without errors in the official layout (openpyxl; labels and grid from the format)."""

from __future__ import annotations

import math
import os
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..core.findings import FileFindings, Unreadable
from ..core.model import Number
from ..format import official as fmt
from ..format.grid import column_widths, grid_rows

UNITS_SHEET, FINDINGS_SHEET = "汇总", "问题"
TOTALS_SHEETS = {table.id: f"{table.name}合计" for table in (fmt.APPLICATIONS, fmt.REVIEW)}
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
REGION_ENDS = "省市区县州盟旗镇乡"  # where a shared start of the organs' names may end: 某某县, 某某市某某区
TITLE_ROW, HEADER_ROW = 1, 2
BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
SIDE = Side(style="thin", color="808080")
BORDER = Border(left=SIDE, right=SIDE, top=SIDE, bottom=SIDE)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAPPED = Alignment(vertical="top", wrap_text=True)
ONE_LINE = Alignment(horizontal="center", vertical="center")

Result = FileFindings | Unreadable


def write_summary(path: Path, results: Sequence[Result]) -> None:
    """Write the 汇总 workbook to `path` (the caller makes the write atomic)."""
    wb = Workbook()
    units = wb.active
    units.title = UNITS_SHEET
    title = summary_title(results)
    _write_units(units, results, title)
    _write_findings(wb.create_sheet(FINDINGS_SHEET), results, title)
    for table in SUMMED_TABLES:
        _write_totals(wb.create_sheet(TOTALS_SHEETS[table.id]), table, results, title)
    wb.save(path)


def summary_title(results: Sequence[Result]) -> str:
    """`某某县2024年政府信息公开工作年度报告汇总`: the start the units' names share (up to a 县, 市, 镇…)
    and their report year (the years' span when they differ)."""
    reports = [r.report for r in results if getattr(r, "report", None) is not None]  # type: ignore[attr-defined]
    area = shared_region([r.info.org for r in reports if r.info.org])
    years = sorted(Counter(r.info.year for r in reports if r.info.year))
    year = "" if not years else f"{years[0]}年" if len(years) == 1 else f"{years[0]}—{years[-1]}年"
    return f"{area}{year}政府信息公开工作年度报告汇总"


def shared_region(names: Iterable[str]) -> str:
    """The start all names share, cut after its last 省/市/区/县/镇…: 某某县交通局, 某某县教育局 → 某某县."""
    shared = os.path.commonprefix([n.strip() for n in names])  # noqa: RUF071 - characters are meant
    end = max((shared.rfind(ch) for ch in REGION_ENDS), default=-1)
    return shared[: end + 1] if end > 0 else ""


def totals_note(results: Sequence[Result]) -> str:
    """Which units a 合计 adds up, said in its title: `18 个单位合计，另有 2 个单位有错误未计入`."""
    counted = sum(1 for r in results if isinstance(r, FileFindings) and not r.errors)
    failed = sum(1 for r in results if isinstance(r, FileFindings) and r.errors)
    unreadable = len(results) - counted - failed
    note = f"{counted} 个单位合计"
    if failed:
        note += f"，另有 {failed} 个单位有错误未计入"
    if unreadable:
        note += f"，{unreadable} 个文件无法读取未计入"
    return note


def status(result: Result) -> str:
    if isinstance(result, Unreadable):
        return "无法读取"
    return "有错误" if result.errors else "通过"


def _organ(result: Result) -> tuple[str, int | None]:
    report = getattr(result, "report", None)
    return (report.info.org, report.info.year) if report is not None else ("", None)


# --------------------------------------------------------------------------- sheets


def _write_units(ws: Worksheet, results: Sequence[Result], title: str) -> None:
    """One row per workbook, sorted by 机关 and 年度; a filter on every column, the header frozen."""
    _title(ws, f"{title}：各单位情况")
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
        append_row(ws, row)
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(UNIT_HEADER)):
        for cell in row:
            cell.border = BORDER
            cell.alignment = ONE_LINE if cell.column not in (1, 3) else Alignment(vertical="center")
    _filter_and_freeze(ws, len(UNIT_HEADER))
    _fit_columns(ws, UNIT_HEADER, wide={1: 26, 3: 22})
    _print_setup(ws, f"{TITLE_ROW}:{HEADER_ROW}")


def _total(values: dict[str, Number | None], keys: tuple[str, ...]) -> Number | None:
    parts = [values.get(key) for key in keys]
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]


def _write_findings(ws: Worksheet, results: Sequence[Result], title: str) -> None:
    _title(ws, f"{title}：问题清单")
    _header(ws, FINDING_HEADER)
    for result in results:
        org, _ = _organ(result)
        name = Path(result.path).name
        if isinstance(result, Unreadable):
            append_row(ws, [org, name, "错误", "", "", result.message])
            continue
        for f in result.findings:
            append_row(ws, [org, name, f.severity.label, f.rule, f.location, f.message])
    _filter_and_freeze(ws, len(FINDING_HEADER))
    _fit_columns(ws, FINDING_HEADER, wide={1: 26, 2: 22, 5: 20, 6: 70})
    for row in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(FINDING_HEADER)):
        for cell in row:
            cell.alignment, cell.border = WRAPPED, BORDER
    _fit_rows(ws, skip={TITLE_ROW})
    _print_setup(ws, f"{TITLE_ROW}:{HEADER_ROW}")


def _write_totals(ws: Worksheet, table: fmt.Table, results: Sequence[Result], title: str) -> None:
    """The table as the format draws it, each value the sum over the units without errors."""
    counted = [r for r in results if isinstance(r, FileFindings) and not r.errors]
    _title(ws, title)
    caption = ws.cell(HEADER_ROW, 1, f"{table.name}　{table.caption}（{totals_note(results)}）")
    caption.font = BOLD
    top = HEADER_ROW + 1
    _write_grid(ws, table, top, counted)
    _widths(ws, _grid_widths(table))
    _fit_rows(ws, skip={TITLE_ROW, HEADER_ROW})
    _print_setup(ws, f"{TITLE_ROW}:{top + table.header_rows - 1}")


def _grid_widths(table: fmt.Table) -> tuple[float, ...]:
    """Column widths in characters: 表三 proportioned as the Word template draws it; other tables wide
    enough for their longest one-column label on one line (结果维持, 尚未审结)."""
    if table is fmt.APPLICATIONS:
        return tuple(max(6, w) for w in column_widths(table, 160))
    widths = []
    for col in range(table.ncols):
        labels = [c.label for c in table.cells if c.label and c.col == col and c.colspan == 1]
        widths.append(max((text_width(label) + 2 for label in labels), default=8))
    return tuple(widths)


def _write_grid(ws: Worksheet, table: fmt.Table, top: int, counted: Sequence[FileFindings]) -> None:
    for grid_row in grid_rows(table):
        for g in grid_row:
            if g.continued:
                continue
            c = g.cell
            cell = ws.cell(top + c.row, 1 + c.col)
            if c.label is not None:
                cell.value, cell.fill = c.label, HEADER_FILL
            else:
                cell.value = _total_over_units(c.key or "", counted)
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


def _total_over_units(key: str, counted: Sequence[FileFindings]) -> Number:
    return sum((r.report.values.get(key) or 0) for r in counted)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- cells and layout


def append_row(ws: Worksheet, values: Sequence[Any]) -> None:
    """A row of values from input: every text is a string cell, never a formula (an organ named
    `=HYPERLINK(…)` stays that text), without the control characters a workbook cannot hold. The cells
    are made here and appended (looking the row up again by `ws.max_row` scans every cell of the sheet:
    100,000 rows took minutes)."""
    ws.append([text_cell(ws, v) if isinstance(v, str) else v for v in values])


def text_cell(ws: Any, text: str) -> Cell:
    """A string cell of `ws` (a worksheet, or one in write-only mode) holding the text as text."""
    cell = Cell(ws, row=1, column=1, value=ILLEGAL_CHARACTERS_RE.sub("", text))  # placed by append
    cell.data_type = "s"  # openpyxl takes a string beginning with `=` for a formula
    return cell


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would read as a formula


def csv_cell(value: Any) -> Any:
    """A value for a CSV a spreadsheet will open: text it would take for a formula gets a leading `'`,
    None is empty."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def text_width(text: str) -> int:
    """Columns `text` takes: two for a wide (Chinese) character, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _title(ws: Worksheet, text: str) -> None:
    """The title on row 1, running on across the page."""
    ws.cell(TITLE_ROW, 1, text).font = TITLE_FONT
    ws.row_dimensions[TITLE_ROW].height = 24


def _header(ws: Worksheet, titles: Sequence[str]) -> None:
    for col, text in enumerate(titles, start=1):
        cell = ws.cell(HEADER_ROW, col, text)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEADER_FILL, CENTRED, BORDER


def _filter_and_freeze(ws: Worksheet, ncols: int) -> None:
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(ncols)}{max(HEADER_ROW + 1, ws.max_row)}"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"


def _fit_columns(ws: Worksheet, header: Sequence[str], wide: dict[int, float]) -> None:
    """Each column as wide as its header and values on one line (headers never break as `（元` + `）`);
    the columns in `wide` get the width given, their text wraps."""
    for col in range(1, len(header) + 1):
        if col in wide:
            width = wide[col]
        else:
            values = [ws.cell(r, col).value for r in range(HEADER_ROW, ws.max_row + 1)]
            width = max(8, max(text_width(str(v)) for v in values if v is not None) + 3)
        ws.column_dimensions[get_column_letter(col)].width = width


def _fit_rows(ws: Worksheet, skip: set[int]) -> None:
    """Rows tall enough for their wrapped text (spreadsheets do not grow a row for wrapped text); the
    rows in `skip` (titles) run on across the page instead."""
    for row in ws.iter_rows():
        if row[0].row in skip:
            continue
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.coordinate not in ws.merged_cells:
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                lines = max(lines, math.ceil(1.05 * text_width(cell.value) / max(width - 1, 1)))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines + 3


def _widths(ws: Worksheet, widths: Sequence[float]) -> None:
    for number, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(number)].width = width


def _print_setup(ws: Worksheet, repeat: str) -> None:
    """A4 landscape, as wide as one page; the title and header rows repeated on every printed page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = repeat
