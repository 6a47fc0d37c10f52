"""Read the standard Excel workbook back into a report: values and what reading each cell found.

`xlsx_cells` reads only the cells the format uses, within bounds; `cellvalues` decides what each cell's
value means; the checks decide which rule a bad cell breaks. Positions (sheet and A1 cell) are this
source's, attached to findings later.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import UnreadableInput
from ..core.model import Info, Paragraph, Report, complete_totals
from ..format import layout
from ..format import official as fmt
from ..format import workbook as wbs
from . import values as cv
from .sources import Loaded
from .xlsx import cells as xlsx_cells

MAX_LISTED = 20


def load_workbook_report(path: Path) -> Loaded:
    """Read a standard workbook: the report, what reading each cell noted, and each field's cell.

    Raises UnreadableInput when the file cannot be opened, is the 2019 trial format, or is not the
    standard workbook (sheets or labels moved or edited).
    """
    book = _load(path)
    _reject_2019(book, path)
    _check_standard(book, path)
    notes: dict[str, list[cv.Note]] = {}
    positions = dict(layout.FIELD_POSITIONS)
    report = Report()
    report.values = _read_values(book, notes)
    report.info = _read_info(book[layout.INFO_SHEET], notes)
    for section in fmt.SECTIONS:
        report.sections[section.key] = _read_paragraphs(book[section.sheet], section, positions)
    return Loaded(report, notes, positions.get)


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


def _read_values(book: dict[str, _Sheet], notes: dict[str, list[cv.Note]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    empty: set[str] = set()
    for key, spec in fmt.VALUES.items():
        pos = layout.VALUE_POSITIONS[key]
        sheet = book[pos.sheet]
        raw = sheet.value(pos.row, pos.col)
        if cv.is_blank(raw):
            empty.add(key)
        reading = cv.read_number(raw, spec.kind, is_error=sheet.is_error(pos.row, pos.col))
        values[key] = reading.value
        if reading.notes:
            notes[key] = reading.notes
    complete_totals(values, empty)  # totals saved without their result (files written by openpyxl)
    return values


def _read_info(ws: _Sheet, notes: dict[str, list[cv.Note]]) -> Info:
    info = Info()
    for spec in fmt.INFO_FIELDS:
        pos = layout.INFO_POSITIONS[spec.key]
        reading = cv.read_info(spec, ws.value(pos.row, pos.col))
        if reading.value is not None:
            setattr(info, spec.key, reading.value)
        if reading.notes:
            notes[fmt.info_field(spec.key)] = reading.notes
    info.custom = _read_custom(ws)
    return info


def _read_custom(ws: _Sheet) -> dict[str, str]:
    custom: dict[str, str] = {}
    for row in range(layout.CUSTOM_FIRST_ROW, ws.max_row + 1):
        name = cv.text_of(ws.value(row, 1)).strip()
        if name:
            custom[name] = cv.text_of(ws.value(row, 2)).strip()
    return custom


def _read_paragraphs(
    ws: _Sheet, section: fmt.Section, positions: dict[str, layout.Position]
) -> list[Paragraph]:
    """The filled 小标题/正文 rows; each paragraph's field (`sections.overview.2`) mapped to its row."""
    paragraphs = []
    for row in range(layout.text_first_row(section), ws.max_row + 1):
        heading, body = (cv.text_of(ws.value(row, col)) for col in (1, 2))
        if heading or body:
            field_name = f"{fmt.section_field(section.key)}.{len(paragraphs)}"
            positions[field_name] = layout.Position(ws.title, row, 2 if body else 1)
            paragraphs.append(Paragraph(heading, body))
    return paragraphs
