"""`xxgk library export`: one row per organ-year (latest version), as .xlsx or .csv.

Text cells are always text: in the workbook a name beginning with `=` is stored as a string, never a
formula; in the CSV such a cell is prefixed with `'` so that a spreadsheet does not evaluate it.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..format import official as fmt
from ..write.summary import csv_cell
from .organs import TYPE_LABEL
from .queries import KEY_FIGURES, STATUS, Row, titles

HEADER = [
    "机关",
    "上级地区",
    TYPE_LABEL,
    "在名录中",
    "年度",
    "版本数",
    "状态",
    "错误",
    "警告",
    "得分",
    fmt.INFO_BY_KEY["date"].label,
    "文件",
]


def cells(row: Row) -> list[object]:
    return [
        row.organ,
        row.region,
        row.organ_type,
        "是" if row.organ_source == "directory" else "否",
        row.year,
        row.versions,
        STATUS.get(row.status, row.status),
        row.errors,
        row.warnings,
        row.score,
        row.published_on.isoformat() if row.published_on else "",
        row.file_name,
        *(row.figures.get(k) for k in KEY_FIGURES),
    ]


def write_xlsx(path: Path, rows: list[Row]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from ..write.summary import append_row

    wb = Workbook()
    ws = wb.active
    ws.title = "指标"
    for values in [[*HEADER, *titles()], *(cells(r) for r in rows)]:
        append_row(ws, values)  # text always a string cell, never a formula
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for number, width in enumerate(
        [26, 20, 9, 7, 6, 7, 8, 6, 6, 6, 11, 22] + [11] * len(KEY_FIGURES), start=1
    ):
        ws.column_dimensions[get_column_letter(number)].width = width
    ws.row_dimensions[1].height = 15 * 6  # the figures' long titles, wrapped
    ws.page_setup.paperSize = ws.PAPERSIZE_A4  # printed: A4 landscape, one page wide, header repeated
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.save(path)


def write_csv(path: Path, rows: list[Row]) -> None:
    with Path(path).open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([*HEADER, *titles()])
        for row in rows:
            writer.writerow([csv_cell(v) for v in cells(row)])
