"""One worksheet for the bounded .xlsx reader: its cells down to a row and across to a column, streamed.

Values are those openpyxl's read-only `data_only=True` mode gives (see its `WorkSheetParser.parse_cell`).
Reading stops at the first value below the wanted rows; the merged ranges, which follow the rows in the
XML, are then found in the bytes without parsing the rows in between.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree
from openpyxl.utils.datetime import from_excel, from_ISO8601

from .xlsx_parts import PARSE_ERRORS, PARSER_OPTIONS, Package, SheetError, a1, drop, is_main, item_text, local

MAX_ROW_ELEMENTS = 1 << 18  # a full row of 16,384 cells is 32,768 elements (<c><v>); rich text adds some
# Top-level worksheet elements that follow <mergeCells> in the schema: parsing stops at them.
_AFTER_MERGES = """phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins
    pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing
    legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst"""
AFTER_MERGES = frozenset(_AFTER_MERGES.split())
_COORDINATE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_ROW_NUMBER = re.compile(r"[\d.eE+]+")
_MERGE_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^<>]*?\bref\s*=\s*[\"']([^\"'<>]*)[\"']")


@dataclass
class Sheet:
    """The values read from one worksheet, by (row, column), 1-based; empty cells are absent."""

    title: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    errors: set[tuple[int, int]] = field(default_factory=set)
    merged: set[str] = field(default_factory=set)
    overflow: str | None = None
    """A1 reference of the first value found below the wanted rows (any column); reading stopped there."""

    @property
    def max_row(self) -> int:
        """The largest row with a value read (0 for an empty sheet)."""
        return max((row for row, _ in self.cells), default=0)

    def value(self, row: int, col: int) -> Any:
        return self.cells.get((row, col))

    def is_error(self, row: int, col: int) -> bool:
        return (row, col) in self.errors


@dataclass(frozen=True)
class Styles:
    """Which cell formats (a cell's `s`) show a number as a date, or as a duration; and the epoch."""

    dates: frozenset[int]
    durations: frozenset[int]
    epoch: Any


Needs = dict[int, list[tuple[Sheet, tuple[int, int]]]]
"""Shared string index -> the cells that show it, filled once every wanted sheet is read."""


class SheetParser:
    """One wanted sheet, streamed: rows down to max_row, columns up to max_col, then its merged ranges."""

    def __init__(self, sheet: Sheet, bounds: tuple[int, int], styles: Styles, needs: Needs):
        self.sheet, (self.max_row, self.max_col) = sheet, bounds
        self.styles, self.needs = styles, needs
        self.row = 0

    def parse(self, package: Package, part: str) -> None:
        try:
            with package.open(part) as stream:
                stopped = self._stream(stream)
            if stopped:  # the merged ranges are further on: find them without parsing what precedes
                with package.open(part) as stream:
                    self.sheet.merged = set(scan_merges(stream))
        except SheetError:
            raise
        except PARSE_ERRORS as exc:
            raise SheetError(self.sheet.title, f"{type(exc).__name__}: {exc}") from exc

    def _stream(self, stream: IO[bytes]) -> bool:
        """Parse until the wanted rows and the merged ranges are read; True when the merged ranges are
        still to be found (reading stopped at a value below the wanted rows, or they are out of place).

        Every element outside a row is cleared once parsed and a row once read, so memory holds one row.
        """
        depth = 0  # of the element being parsed, the worksheet being 1
        in_row = 0  # elements parsed in the current row, bounded so that one row cannot fill memory
        for event, element in etree.iterparse(stream, events=("start", "end"), **PARSER_OPTIONS):
            name = local(element.tag)
            if event == "start":
                depth += 1
                if depth == 1 and not is_main(element.tag):
                    raise SheetError(self.sheet.title, f"not SpreadsheetML (root element {element.tag})")
                if depth == 2 and name in AFTER_MERGES:
                    return True  # no <mergeCells> where the schema puts them: look in the bytes
                if depth == 3 and name == "row":
                    in_row = 1
                elif in_row:
                    in_row += 1
                    if in_row > MAX_ROW_ELEMENTS:
                        raise SheetError(self.sheet.title, f"row {self.row + 1} is too large")
                continue
            depth -= 1
            if in_row and not (depth == 2 and name == "row"):
                continue  # a cell or part of one: read with its row
            if in_row:
                in_row = 0
                if self._row(element):
                    return True
            elif name == "mergeCell":
                self.sheet.merged.add(element.get("ref", ""))
            drop(element)
            if name == "mergeCells" and depth == 1:
                return False
        return False

    def _row(self, element: Any) -> bool:
        """Read one <row>; True when it lies below the wanted rows and holds a value."""
        number = element.get("r")
        self.row = _row_number(number) if number else self.row + 1
        col = 0
        for cell in element:
            if local(cell.tag) != "c":
                continue
            ref = cell.get("r")
            row, col = _coordinate(ref) if ref else (self.row, col + 1)
            if row > self.max_row:
                if _has_value(cell):
                    self.sheet.overflow = ref or a1(row, col)
                    return True
            elif col <= self.max_col:
                self._cell(cell, (row, col))
        return False

    def _cell(self, cell: Any, key: tuple[int, int]) -> None:
        kind = cell.get("t", "n")
        ns = cell.tag[: cell.tag.index("}") + 1]
        if kind == "inlineStr":
            inline = cell.find(f"{ns}is")
            if inline is not None:
                self.sheet.cells[key] = item_text(inline)
            return
        raw = cell.findtext(f"{ns}v") or None
        if raw is None:
            return  # empty, or a formula with no cached value
        if kind == "s":
            self.needs.setdefault(self._index(raw, key), []).append((self.sheet, key))
        elif kind == "n":
            self.sheet.cells[key] = self._number(raw, int(cell.get("s") or 0), key)
        elif kind == "b":
            self.sheet.cells[key] = bool(int(raw))
        elif kind == "d":
            self.sheet.cells[key] = from_ISO8601(raw)
        else:  # "str" (a formula's text), "e" (an error such as #REF!), or a type openpyxl keeps as text
            self.sheet.cells[key] = raw
            if kind == "e":
                self.sheet.errors.add(key)

    def _number(self, raw: str, style: int, key: tuple[int, int]) -> Any:
        number = _cast_number(raw)
        if style not in self.styles.dates:
            return number
        try:
            return from_excel(number, self.styles.epoch, timedelta=style in self.styles.durations)
        except (OverflowError, ValueError):  # as openpyxl: a date serial out of range is #VALUE!
            self.sheet.errors.add(key)
            return "#VALUE!"

    def _index(self, raw: str, key: tuple[int, int]) -> int:
        try:
            return int(raw)
        except ValueError:
            raise SheetError(self.sheet.title, f"{a1(*key)}: bad shared string index {raw!r}") from None


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text) if _ROW_NUMBER.fullmatch(text) else 0.5
        if not number.is_integer():
            raise ValueError(f"invalid row number {text!r}") from None
        return int(number)


def _coordinate(ref: str) -> tuple[int, int]:
    match = _COORDINATE.fullmatch(ref)
    if not match or not int(match.group(2)):
        raise ValueError(f"invalid cell reference {ref!r}")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)), col


def _has_value(cell: Any) -> bool:
    ns = cell.tag[: cell.tag.index("}") + 1]
    if cell.get("t") == "inlineStr":
        return cell.find(f"{ns}is") is not None
    return bool(cell.findtext(f"{ns}v"))


def _cast_number(raw: str) -> int | float:
    """As openpyxl: a decimal point or exponent makes a float, else an int; what Python cannot parse as
    either (nan, thousands of digits) is read as a float, so that the cell, not the file, is reported."""
    try:
        return float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    except ValueError:
        return float(raw)


def scan_merges(stream: IO[bytes], chunk: int = 1 << 20) -> Iterator[str]:
    """Every <mergeCell ref> of a sheet, found in its bytes: no tree is built for the rows before them.

    `<` cannot occur inside an XML attribute or text, so each match is a real tag.
    """
    tail = b""
    while data := stream.read(chunk):
        data = tail + data
        cut = data.rfind(b"<")
        cut = len(data) if cut < 0 else cut
        for match in _MERGE_CELL.finditer(data, 0, cut):
            yield match.group(1).decode("ascii", "replace")
        tail = data[cut:] if len(data) - cut < 1024 else b""
