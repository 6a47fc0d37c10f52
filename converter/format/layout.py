"""Where everything lives in the standard workbook: sheet names and A1 cells, derived from the format.

Pure data, no openpyxl: the workbook writer and reader use it, and the reader maps a finding's field
to its cell through `FIELD_POSITIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import official as fmt

INSTRUCTIONS_SHEET = "填写说明"
INFO_SHEET = "基本信息"

TABLE_TITLE_ROW = 1  # "表三　收到和处理政府信息公开申请情况"
TABLE_STATUS_ROW = 2  # status cell: whether the table's rules hold
TABLE_GRID_ROW = 4  # first row of the official grid
TABLE_GRID_COL = 1  # column A

INFO_FIRST_ROW = 3  # A: label, B: value, C: hint
CUSTOM_TITLE = "自定义字段"
CUSTOM_ROWS = 10  # name / value pairs below the standard fields

TEXT_HEADER = ("小标题", "正文")
TEXT_ROWS = 40  # unlocked rows offered per text section
REFERENCE_COL = 4  # D: last year's text beside this year's (`xxgk new --previous`); never read
REFERENCE_HEADER = "上年内容（仅供参考，不进入报告）"
MAX_TEXT_ROWS = 2_000
"""Rows read from 基本信息 and from each text section sheet (clerks may add rows below the offered ones);
a value further down is refused with a message naming the sheet and this limit, never silently dropped."""
MAX_TEXT_ROWS_LIMIT = f"“{INFO_SHEET}”和各正文工作表最多读取的 {MAX_TEXT_ROWS:,} 行"
"""The limit in words (Chinese), for messages and README's list of limits."""
FEE_FIRST_ROW = 3  # sheet 六: fee figures in rows 3-5 (A label, B value, C unit)


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    return f"{column_letter(col)}{row}"


@dataclass(frozen=True)
class Position:
    """A cell of the standard workbook: printed `表三!D12`."""

    sheet: str
    row: int
    col: int

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}"

    def to_dict(self) -> dict[str, str]:
        return {"kind": "workbook", "sheet": self.sheet, "cell": self.cell}


def table_sheet(table: fmt.Table) -> str:
    return table.name


def grid_position(table: fmt.Table, cell: fmt.Cell) -> Position:
    return Position(table_sheet(table), TABLE_GRID_ROW + cell.row, TABLE_GRID_COL + cell.col)


def _fee_positions() -> dict[str, Position]:
    sheet = fmt.SECTION_BY_KEY["other"].sheet
    return {v.key: Position(sheet, FEE_FIRST_ROW + i, 2) for i, v in enumerate(fmt.FEE_VALUES)}


def _value_positions() -> dict[str, Position]:
    positions = {c.key: grid_position(t, c) for t in fmt.TABLES for c in t.cells if c.key}
    positions.update(_fee_positions())
    return positions


VALUE_POSITIONS: dict[str, Position] = _value_positions()
INFO_POSITIONS: dict[str, Position] = {
    f.key: Position(INFO_SHEET, INFO_FIRST_ROW + i, 2) for i, f in enumerate(fmt.INFO_FIELDS)
}
CUSTOM_HEADER_ROW = INFO_FIRST_ROW + len(fmt.INFO_FIELDS) + 1
CUSTOM_FIRST_ROW = CUSTOM_HEADER_ROW + 1


def text_first_row(section: fmt.Section) -> int:
    """First 小标题/正文 input row of a text section's sheet (its header row is the one above)."""
    return FEE_FIRST_ROW + len(fmt.FEE_VALUES) + 2 if section.key == "other" else 4


def sheet_order() -> tuple[str, ...]:
    """Sheets of the standard workbook, in order: each table follows its section."""
    names = [INSTRUCTIONS_SHEET, INFO_SHEET]
    for section in fmt.SECTIONS:
        names.append(section.sheet)
        if section.table:
            names.append(table_sheet(fmt.TABLE_BY_ID[section.table]))
    return tuple(names)


def _field_positions() -> dict[str, Position]:
    """Every field's cell: values, `info.<key>`, and `sections.<key>` at the section's first text row."""
    positions = dict(VALUE_POSITIONS)
    positions.update({fmt.info_field(key): pos for key, pos in INFO_POSITIONS.items()})
    for section in fmt.SECTIONS:
        positions[fmt.section_field(section.key)] = Position(section.sheet, text_first_row(section), 1)
    return positions


FIELD_POSITIONS: dict[str, Position] = _field_positions()


def position(field: str) -> Position:
    """Where a field lives in the standard workbook."""
    return FIELD_POSITIONS[field]
