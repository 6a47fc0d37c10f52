"""Just the cells the format uses, streamed out of an .xlsx: work bounded by the wanted rows, not the file.

openpyxl reads every shared string and every row of every sheet, so a register pasted into an extra sheet
costs seconds and hundreds of MB. Here only workbook.xml, its rels, styles.xml (number formats) and the
wanted sheets are parsed, each sheet only down to its last wanted row, and the shared strings only as far
as the wanted cells need them. Values are those openpyxl's read-only `data_only=True` mode gives.
Transitional and Strict OOXML are both read (the same elements in two namespaces).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree
from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",  # Transitional
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict
)
RELATIONSHIP_NAMESPACES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_ROW_ELEMENTS = 1 << 18  # a full row of 16,384 cells is 32,768 elements (<c><v>); rich text adds some
# Top-level worksheet elements that follow <mergeCells> in the schema: nothing after them is read.
_AFTER_MERGES = """phoneticPr conditionalFormatting dataValidations hyperlinks printOptions pageMargins
    pageSetup headerFooter rowBreaks colBreaks customProperties cellWatches ignoredErrors smartTags drawing
    legacyDrawing legacyDrawingHF drawingHF picture oleObjects controls webPublishItems tableParts extLst"""
AFTER_MERGES = frozenset(_AFTER_MERGES.split())
_COORDINATE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_MERGE_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([^\"'<>]*)[\"']")
PARSE_ERRORS = (etree.LxmlError, ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile, zlib.error)
"""What zipfile and lxml raise for a damaged part."""
_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": False, "remove_comments": True}


class XlsxError(Exception):
    """The workbook's package or one of its shared parts cannot be read; `reason` says why (English)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SheetError(XlsxError):
    """A wanted sheet cannot be read: its part is missing or its XML is damaged."""

    def __init__(self, sheet: str, reason: str):
        super().__init__(reason)
        self.sheet = sheet


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


@dataclass
class Book:
    sheetnames: list[str]
    """Every sheet's name in workbook order (worksheets and chartsheets), from workbook.xml alone."""
    sheets: dict[str, Sheet]
    """The wanted sheets the workbook has."""
    date1904: bool = False


def read_book(path: Path, wanted: Mapping[str, tuple[int, int]]) -> Book:
    """Read the wanted sheets' cells: `wanted` maps a sheet name to the (max_row, max_col) to read.

    Raises SheetError naming the sheet when a wanted sheet is missing from the package or damaged, and
    XlsxError when the file is not a readable SpreadsheetML package.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return _Reader(_Package(archive)).read(wanted)
    except XlsxError:
        raise
    except (*PARSE_ERRORS, NotImplementedError, RuntimeError) as exc:  # the last two: compression, encryption
        raise XlsxError(f"{type(exc).__name__}: {exc}") from exc


# --------------------------------------------------------------------------- package


class _Package:
    """Parts by name, found case-insensitively (writers differ), and the relationships between them."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names: dict[str, str] = {}
        for name in archive.namelist():
            self.names.setdefault(name.lower(), name)

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    def open(self, part: str) -> IO[bytes]:
        return self.archive.open(self.names[part.lower()])

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Id -> (type, target part) of `part`'s internal relationships (empty when it has none)."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", f"{name}.rels")
        found: dict[str, tuple[str, str]] = {}
        if not self.has(rels):
            return found
        tag = f"{{{PACKAGE_RELATIONSHIPS}}}Relationship"
        for element in _elements(self.open(rels), tag):
            target = element.get("Target", "")
            if element.get("TargetMode") != "External" and target:
                found[element.get("Id", "")] = (element.get("Type", ""), _resolve(folder, target))
        return found


def _resolve(folder: str, target: str) -> str:
    """A relationship target as a part name, as openpyxl resolves it."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))


def _elements(stream: IO[bytes], tag: tuple[str, ...], root: str = "") -> Iterator[Any]:
    """Each `tag` element once parsed; every element is then cleared and dropped with its earlier
    siblings, so memory holds one element at a time whatever the part's size. With `root`, the root
    element must be SpreadsheetML (`root` names the part in the error)."""
    inside = 0  # depth within a wanted element, whose descendants are kept until it ends
    with stream:
        for event, element in etree.iterparse(stream, events=("start", "end"), **_PARSER_OPTIONS):
            wanted = element.tag in tag
            if event == "start":
                if root and element.getparent() is None and not _is_main(element.tag):
                    raise XlsxError(f"the {root} part is not SpreadsheetML (root element {element.tag})")
                inside += wanted or inside > 0
                continue
            if wanted:
                yield element
            if inside:
                inside -= 1
            if not inside:
                _drop(element)


def _drop(element: Any) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: str) -> str:
    return tag[1 : tag.index("}")] if tag.startswith("{") else ""


def _tags(name: str) -> tuple[str, ...]:
    return tuple(f"{{{ns}}}{name}" for ns in MAIN_NAMESPACES)


def _of_type(rel_type: str, name: str) -> bool:
    return rel_type.rsplit("/", 1)[-1] == name


# --------------------------------------------------------------------------- workbook


class _Reader:
    def __init__(self, package: _Package):
        self.package = package

    def read(self, wanted: Mapping[str, tuple[int, int]]) -> Book:
        part = self._workbook_part()
        sheets, date1904 = _read_workbook(self.package.open(part))
        rels = self.package.relationships(part)
        styles = _Styles.read(self.package, _part_of(rels, "styles", posixpath.join("xl", "styles.xml")))
        epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        book = Book([name for name, _ in sheets], {}, date1904)
        needs: dict[int, list[tuple[Sheet, tuple[int, int]]]] = {}
        for name, rel_id in sheets:
            if name in wanted and name not in book.sheets:
                sheet = Sheet(name)
                rel_type, target = rels.get(rel_id, ("", ""))
                if not target or not self.package.has(target):
                    raise SheetError(name, f"part {target or rel_id!r} is missing")
                if not _of_type(rel_type, "chartsheet"):  # a chartsheet has no cells, as in openpyxl
                    _SheetParser(sheet, wanted[name], styles, epoch, needs).parse(self.package, target)
                book.sheets[name] = sheet
        if needs:
            _fill_shared_strings(self.package, _part_of(rels, "sharedStrings", ""), needs)
        return book

    def _workbook_part(self) -> str:
        for rel_type, target in self.package.relationships("").values():
            if _of_type(rel_type, "officeDocument") and self.package.has(target):
                return target
        if self.package.has("xl/workbook.xml"):
            return "xl/workbook.xml"
        raise XlsxError("no workbook part (xl/workbook.xml)")


def _part_of(rels: dict[str, tuple[str, str]], kind: str, default: str) -> str:
    return next((target for rel_type, target in rels.values() if _of_type(rel_type, kind)), default)


def _read_workbook(stream: IO[bytes]) -> tuple[list[tuple[str, str]], bool]:
    """[(sheet name, relationship id)] in workbook order, and the 1904 date system flag."""
    sheets: list[tuple[str, str]] = []
    date1904 = False
    tags = (*_tags("workbookPr"), *_tags("sheet"), *_tags("sheets"))
    for element in _elements(stream, tags, root="workbook"):
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904", "false") not in ("false", "f", "0", "")
        elif name == "sheet":
            ids = (element.get(f"{{{ns}}}id") for ns in RELATIONSHIP_NAMESPACES)
            sheets.append((element.get("name", ""), next((i for i in ids if i), "")))
        else:
            break  # </sheets>: nothing after it is needed
    return sheets, date1904


def _is_main(tag: str) -> bool:
    return _namespace(tag) in MAIN_NAMESPACES


@dataclass
class _Styles:
    """Which cell formats (`s` of a cell) show a number as a date, or as a duration."""

    dates: frozenset[int] = frozenset()
    durations: frozenset[int] = frozenset()

    @classmethod
    def read(cls, package: _Package, part: str) -> _Styles:
        if not package.has(part):
            return cls()
        custom: dict[int, str] = {}
        formats: list[int] = []
        tags = (*_tags("numFmt"), *_tags("xf"), *_tags("cellXfs"))
        for element in _elements(package.open(part), tags):
            name, parent = _local(element.tag), _local(element.getparent().tag)
            if name == "numFmt" and parent == "numFmts":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif name == "xf" and parent == "cellXfs":
                formats.append(int(element.get("numFmtId", "0")))
            elif name == "cellXfs":
                break
        codes = [custom[i] if i in custom else builtin_format_code(i) for i in formats]
        return cls(
            frozenset(i for i, code in enumerate(codes) if is_date_format(code)),
            frozenset(i for i, code in enumerate(codes) if is_timedelta_format(code)),
        )


# --------------------------------------------------------------------------- sheets


class _SheetParser:
    """One wanted sheet, streamed: rows down to max_row, columns up to max_col, then its merged ranges."""

    def __init__(self, sheet: Sheet, bounds: tuple[int, int], styles: _Styles, epoch: Any, needs: dict):
        self.sheet, (self.max_row, self.max_col) = sheet, bounds
        self.styles, self.epoch, self.needs = styles, epoch, needs
        self.row = 0

    def parse(self, package: _Package, part: str) -> None:
        try:
            with package.open(part) as stream:
                stopped = self._stream(stream)
            if stopped:  # the merged ranges follow the rows: find them without parsing those
                with package.open(part) as stream:
                    self.sheet.merged = set(_scan_merges(stream))
        except SheetError:
            raise
        except (
            etree.LxmlError,
            ValueError,
            KeyError,
            OSError,
            EOFError,
            zipfile.BadZipFile,
            zlib.error,
        ) as exc:
            raise SheetError(self.sheet.title, f"{type(exc).__name__}: {exc}") from exc

    def _stream(self, stream: IO[bytes]) -> bool:
        """Parse until the wanted rows and the merged ranges are read; True when stopped at a value below.

        Every element outside a row is cleared once parsed and a row once read, so memory holds one row.
        """
        depth = 0  # of the element being parsed, the worksheet being 1
        in_row = 0  # elements parsed in the current row, bounded so that one row cannot fill memory
        for event, element in etree.iterparse(stream, events=("start", "end"), **_PARSER_OPTIONS):
            name = _local(element.tag)
            if event == "start":
                depth += 1
                if depth == 1 and not _is_main(element.tag):
                    raise SheetError(self.sheet.title, f"not SpreadsheetML (root element {element.tag})")
                elif depth == 2 and name in AFTER_MERGES:
                    return False
                elif depth == 3 and name == "row":
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
            _drop(element)
            if name == "mergeCells" and depth == 1:
                return False
        return False

    def _row(self, element: Any) -> bool:
        """Read one <row>; True when it lies below the wanted rows and holds a value."""
        number = element.get("r")
        self.row = _row_number(number) if number else self.row + 1
        col = 0
        for cell in element:
            if _local(cell.tag) != "c":
                continue
            ref = cell.get("r")
            row, col = _coordinate(ref) if ref else (self.row, col + 1)
            if row > self.max_row:
                if _has_value(cell):
                    self.sheet.overflow = ref or _a1(row, col)
                    return True
            elif col <= self.max_col:
                self._cell(cell, row, col)
        return False

    def _cell(self, cell: Any, row: int, col: int) -> None:
        kind = cell.get("t", "n")
        ns = _namespace(cell.tag)
        if kind == "inlineStr":
            inline = cell.find(f"{{{ns}}}is")
            if inline is not None:
                self.sheet.cells[row, col] = _text(inline)
            return
        raw = cell.findtext(f"{{{ns}}}v") or None
        if raw is None:
            return
        key = (row, col)
        if kind == "s":
            self.needs.setdefault(_index(raw, self.sheet, key), []).append((self.sheet, key))
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
            return from_excel(number, self.epoch, timedelta=style in self.styles.durations)
        except (OverflowError, ValueError):  # openpyxl: a date serial out of range is #VALUE!
            self.sheet.errors.add(key)
            return "#VALUE!"


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text) if re.fullmatch(r"[\d.eE+]+", text) else 0.5
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


def _a1(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row}"


def _has_value(cell: Any) -> bool:
    ns = _namespace(cell.tag)
    if cell.get("t") == "inlineStr":
        return cell.find(f"{{{ns}}}is") is not None
    return bool(cell.findtext(f"{{{ns}}}v"))


def _cast_number(raw: str) -> int | float:
    """As openpyxl: a decimal point or exponent makes a float, else an int; what Python cannot parse as
    either (nan, thousands of digits) is read as a float, so that the cell, not the file, is reported."""
    try:
        return float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    except ValueError:
        return float(raw)


def _index(raw: str, sheet: Sheet, key: tuple[int, int]) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SheetError(sheet.title, f"{_a1(*key)}: bad shared string index {raw!r}") from None


def _text(element: Any) -> str:
    """The plain text of a string item, as openpyxl's `Text.content`: <t>, then each run's <t>.

    Phonetic runs (<rPh>) are left out; as in openpyxl the last of repeated <t> elements counts.
    """
    plain = None
    runs = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            run = None
            for part in child:
                if _local(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    return "".join(([plain] if plain is not None else []) + runs)


def _scan_merges(stream: IO[bytes], chunk: int = 1 << 20) -> Iterator[str]:
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


# --------------------------------------------------------------------------- shared strings


def _fill_shared_strings(package: _Package, part: str, needs: dict[int, list[tuple[Sheet, Any]]]) -> None:
    """Put the needed shared strings into their cells, reading sharedStrings.xml no further than the last."""
    last = max(needs)
    count = 0  # string items read
    if part and package.has(part):
        try:
            for index, element in enumerate(_elements(package.open(part), _tags("si"))):
                count = index + 1
                for sheet, key in needs.get(index, ()):
                    sheet.cells[key] = _text(element).replace("x005F_", "")  # as openpyxl reads them
                if index == last:
                    return
        except PARSE_ERRORS as exc:
            raise XlsxError(f"shared strings: {type(exc).__name__}: {exc}") from exc
    missing = min(index for index in needs if index >= count)
    sheet, key = needs[missing][0]
    raise SheetError(sheet.title, f"{_a1(*key)}: shared string {missing} does not exist")
