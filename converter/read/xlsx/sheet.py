"""One worksheet for the bounded .xlsx reader: its cells down to a row and across to a column, streamed.

Values are those openpyxl's read-only `data_only=True` mode gives (see its `WorkSheetParser.parse_cell`).
Parsing stops at the first row below the wanted ones; whether a value lies further down, and the merged
ranges, which follow the rows in the XML, are then found in the bytes without parsing anything more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree
from openpyxl.utils.datetime import from_excel, from_ISO8601

from .parts import (
    PARSE_ERRORS,
    PARSER_OPTIONS,
    ByteWindow,
    Package,
    SheetError,
    SheetTooLarge,
    a1,
    drop,
    events,
    is_main,
    item_text,
    local,
    namespace,
)

WHOLE_PART = 256 * 1024
"""A sheet part at most this large is parsed at once (tens of thousands of elements at most): the same
values as streaming it, at a third of the cost; larger ones are streamed within the bounds below."""
MAX_SHEET_ELEMENTS = 500_000
"""XML elements parsed of one wanted sheet: 2,000 rows of text in two columns are some 10,000."""
BELOW, MERGES = "below", "merges"
# Top-level worksheet elements that follow <mergeCells> in the schema: parsing stops at them.
_AFTER_MERGES = """phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins
    pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing
    legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst"""
AFTER_MERGES = frozenset(_AFTER_MERGES.split())
_COORDINATE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_ROW_NUMBER = re.compile(r"[\d.eE+]+")


@dataclass
class Sheet:
    """The values read from one worksheet, by (row, column), 1-based; empty cells are absent."""

    title: str
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    errors: set[tuple[int, int]] = field(default_factory=set)
    merged: set[str] = field(default_factory=set)
    overflow: str | None = None
    """Where the first value below the wanted rows is (any column): its A1 reference, or "" when its cell
    has none; None when there is none. Reading stopped at the wanted rows."""

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
        self.parsed = 0  # elements

    def parse(self, package: Package, part: str) -> None:
        try:
            if package.size(part) <= WHOLE_PART:
                with package.open(part) as stream:
                    if self._whole(stream.read(WHOLE_PART + 1)):
                        return
            with package.open(part) as stream:
                rest = self._stream(stream)
            if rest:  # what is still to be found lies further on: look in the bytes, parse no more
                with package.open(part) as stream:
                    merged, overflow = scan_rest(stream, self.max_row if rest == BELOW else None)
                if len(merged) > MAX_SHEET_ELEMENTS:
                    raise SheetTooLarge(self.sheet.title, MAX_SHEET_ELEMENTS)
                self.sheet.merged = merged
                if rest == BELOW:
                    self.sheet.overflow = overflow
        except SheetError:
            raise
        except PARSE_ERRORS as exc:
            raise SheetError(self.sheet.title, f"{type(exc).__name__}: {exc}") from exc

    def _whole(self, data: bytes) -> bool:
        """A small sheet parsed at once, then read as `_stream` reads it (rows down to max_row, the first
        value below them as the overflow, every merged range). False, with nothing read, where streaming
        could answer otherwise (broken XML, perhaps only below the wanted rows; past a limit)."""
        try:
            root = etree.fromstring(data, etree.XMLParser(**PARSER_OPTIONS))
        except etree.XMLSyntaxError:
            return False
        if not is_main(root.tag) or len(root.xpath("//*")) > MAX_SHEET_ELEMENTS:
            return False
        merges = list(root.iter(f"{{{namespace(root.tag)}}}mergeCell"))
        if len(merges) > MAX_SHEET_ELEMENTS:
            return False
        for child in root:
            name = local(child.tag)
            if name == "sheetData":
                self._rows(child)
        self.sheet.merged.update(m.get("ref", "") for m in merges)
        return True

    def _rows(self, data: Any) -> None:
        rows = [row for row in data if local(row.tag) == "row"]
        for index, row in enumerate(rows):
            number = row.get("r")
            if number and _row_number(number) > self.max_row:
                self.sheet.overflow = _first_value(rows[index:])
                return
            if self._row(row):  # a value below the wanted rows, in a row without "r"
                return

    def _stream(self, stream: IO[bytes]) -> str:
        """Parse the wanted rows; then the merged ranges if they come next. What is left to find in the
        bytes: BELOW (any value below the wanted rows, and the merged ranges), MERGES, or nothing.

        Every element outside a row is cleared once parsed and a row once read, so memory holds one row;
        at most MAX_SHEET_ELEMENTS are parsed.
        """
        depth = 0  # of the element being parsed, the worksheet being 1
        in_row = rows_done = False
        for event, element in events(stream):
            name = local(element.tag)
            if event == "start":
                depth += 1
                self.parsed += 1
                if self.parsed > MAX_SHEET_ELEMENTS:
                    raise SheetTooLarge(self.sheet.title, MAX_SHEET_ELEMENTS)
                if depth == 1 and not is_main(element.tag):
                    raise SheetError(self.sheet.title, f"not SpreadsheetML (root element {element.tag})")
                if depth == 2 and name in AFTER_MERGES and rows_done:
                    return MERGES  # no <mergeCells> where the schema puts them
                if depth == 3 and name == "row":
                    number = element.get("r")
                    if number and _row_number(number) > self.max_row:
                        return BELOW
                    in_row = True
                continue
            depth -= 1
            if in_row and not (depth == 2 and name == "row"):
                continue  # a cell or part of one: read with its row
            if in_row:
                in_row = False
                if self._row(element):  # a value below the wanted rows, in a row without "r"
                    return MERGES
            elif name == "mergeCell":
                self.sheet.merged.add(element.get("ref", ""))
            drop(element)
            rows_done = rows_done or (name == "sheetData" and depth == 1)
            if name == "mergeCells" and depth == 1 and rows_done:
                return ""
        return ""

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


def _first_value(rows: list[Any]) -> str | None:
    """The A1 reference of the first cell with a value in these rows ("" when it has none), or None."""
    for row in rows:
        for cell in row:
            if local(cell.tag) == "c" and _has_value(cell):
                return cell.get("r") or ""
    return None


def _has_value(cell: Any) -> bool:
    ns = cell.tag[: cell.tag.index("}") + 1]
    if cell.get("t") == "inlineStr":
        return cell.find(f"{ns}is") is not None
    return bool(cell.findtext(f"{ns}v"))


def _cast_number(raw: str) -> int | float | str:
    """As openpyxl: a decimal point or exponent makes a float, else an int; what Python will not parse
    as an int (thousands of digits) stays text, so that the cell, not the file, is reported (too large)."""
    try:
        return float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    except ValueError:
        if raw.strip().lstrip("+-").isdigit():  # too many digits for int(): kept whole, not as infinity
            return raw
        try:
            return float(raw)
        except ValueError:
            return raw


_PREFIX = rb"<(?:[A-Za-z_][\w.-]{0,40}:)?"
_MERGE = _PREFIX + rb"mergeCell\s[^<>]*?\bref\s*=\s*[\"'](?P<ref>[^\"'<>]*)[\"']"
_ROW = _PREFIX + rb"row\s[^<>]*?\br\s*=\s*[\"'](?P<row>\d+)[\"']"
_VALUE = _PREFIX + rb"(?P<value>v(?:\s[^<>]*)?>(?=[^<])|is[\s>/])"
_END = rb"</(?:[A-Za-z_][\w.-]{0,40}:)?(?P<end>sheetData)\s*>"
_SCANS = {
    "rows": re.compile(b"|".join((_MERGE, _ROW, _END))),
    "values": re.compile(b"|".join((_MERGE, _VALUE, _END))),
    "merges": re.compile(_MERGE),
}
_CELL = re.compile(_PREFIX + rb"c(?:\s[^<>]*)?>")
_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{1,3}\d+)[\"']")


def scan_rest(stream: IO[bytes], below: int | None) -> tuple[set[str], str | None]:
    """The merged ranges of a sheet, found in its bytes, and with `below` the first value in a row
    further down than that (its A1 reference, or "" when its cell has none), or None.

    Nothing is parsed: a regular expression runs over the decompressed bytes. It cannot be fooled by
    text, as `<` cannot occur inside XML text or attribute values.
    """
    window = ByteWindow(stream, lookbehind=1024, keep=4096)
    state = "merges" if below is None else "rows"
    merged: set[str] = set()
    overflow = None
    while (match := window.search(_SCANS[state])) is not None and len(merged) <= MAX_SHEET_ELEMENTS:
        window.pos = match.end()
        if match.lastgroup == "ref":
            merged.add(match["ref"].decode("ascii", "replace"))
        elif match.lastgroup == "row" and below is not None and int(match["row"]) > below:
            state = "values"  # the first row below: the next value is the one
        elif match.lastgroup == "value":
            overflow, state = _cell_ref(window.data, match.start()), "merges"
        elif match.lastgroup == "end":
            state = "merges"
    return merged, overflow


def _cell_ref(data: bytes, end: int) -> str:
    """The `r` of the last cell start tag before `end` (in the 4 KiB kept), or ""."""
    cells = list(_CELL.finditer(data, max(end - 4096, 0), end))
    ref = _REF.search(cells[-1].group(0)) if cells else None
    return ref.group(1).decode("ascii") if ref else ""
