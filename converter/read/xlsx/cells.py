"""Just the cells the format uses, streamed out of an .xlsx: work bounded by the wanted rows, not the file.

openpyxl reads every shared string and every row of every sheet, so a register pasted into an extra sheet
costs seconds and hundreds of MB. Here only workbook.xml, the relationships, styles.xml (number formats)
and the wanted sheets are parsed, each sheet only down to its last wanted row, and of the shared strings
only those the wanted cells show (see xlsx_strings). Values are those of openpyxl's read-only
`data_only=True` mode. Transitional and Strict OOXML are both read (the same elements, two namespaces).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openpyxl.styles.numbers import builtin_format_code, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

from .parts import (
    PARSE_ERRORS,
    RELATIONSHIP_NAMESPACES,
    Package,
    SheetError,
    SheetTooLarge,
    XlsxError,
    elements,
    local,
    of_type,
    tags,
)
from .sheet import Needs, Sheet, SheetParser, Styles
from .strings import fill_shared_strings

__all__ = ["Book", "Sheet", "SheetError", "SheetTooLarge", "XlsxError", "read_book"]


@dataclass
class Book:
    sheetnames: list[str]
    """Every sheet's name in workbook order (worksheets and chartsheets), from workbook.xml alone."""
    sheets: dict[str, Sheet]
    """The wanted sheets the workbook has (a chartsheet's is empty)."""
    date1904: bool = False


def read_book(path: Path, wanted: Mapping[str, tuple[int, int]]) -> Book:
    """Read the wanted sheets' cells: `wanted` maps a sheet name to the (max_row, max_col) to read.

    Raises SheetError naming the sheet when a wanted sheet is missing from the package or damaged, and
    XlsxError when the file is not a readable SpreadsheetML package.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return _read(Package(archive), wanted)
    except XlsxError:
        raise
    except (*PARSE_ERRORS, NotImplementedError, RuntimeError) as exc:  # the last two: compression, encryption
        raise XlsxError(f"{type(exc).__name__}: {exc}") from exc


def _read(package: Package, wanted: Mapping[str, tuple[int, int]]) -> Book:
    part = _workbook_part(package)
    sheets, date1904 = _read_workbook(package.open(part))
    rels = package.relationships(part)
    styles = _read_styles(package, _part_of(rels, "styles", posixpath.join("xl", "styles.xml")), date1904)
    book = Book([name for name, _ in sheets], {}, date1904)
    needs: Needs = {}
    for name, rel_id in sheets:
        if name in wanted and name not in book.sheets:
            sheet = book.sheets[name] = Sheet(name)
            rel_type, target = rels.get(rel_id, ("", ""))
            if not target or not package.has(target):
                raise SheetError(name, f"part {target or rel_id!r} is missing")
            if not of_type(rel_type, "chartsheet"):  # a chartsheet has no cells, as in openpyxl
                SheetParser(sheet, wanted[name], styles, needs).parse(package, target)
    if needs:
        fill_shared_strings(package, _part_of(rels, "sharedStrings", ""), needs)
    return book


def _workbook_part(package: Package) -> str:
    for rel_type, target in package.relationships("").values():
        if of_type(rel_type, "officeDocument") and package.has(target):
            return target
    if package.has("xl/workbook.xml"):
        return "xl/workbook.xml"
    raise XlsxError("no workbook part (xl/workbook.xml)")


def _part_of(rels: dict[str, tuple[str, str]], kind: str, default: str) -> str:
    return next((target for rel_type, target in rels.values() if of_type(rel_type, kind)), default)


def _read_workbook(stream: IO[bytes]) -> tuple[list[tuple[str, str]], bool]:
    """[(sheet name, relationship id)] in workbook order, and the 1904 date system flag."""
    sheets: list[tuple[str, str]] = []
    date1904 = False
    wanted = (*tags("workbookPr"), *tags("sheet"), *tags("sheets"))
    for element in elements(stream, wanted, root="workbook"):
        name = local(element.tag)
        if name == "workbookPr":  # as openpyxl's Bool: "false", "f", "0" (and "") are false
            date1904 = element.get("date1904", "false") not in ("false", "f", "0", "")
        elif name == "sheet":
            ids = (element.get(f"{{{ns}}}id") for ns in RELATIONSHIP_NAMESPACES)
            sheets.append((element.get("name", ""), next((i for i in ids if i), "")))
        else:
            break  # </sheets>: nothing after it is needed
    return sheets, date1904


def _read_styles(package: Package, part: str, date1904: bool) -> Styles:
    """The cell formats that show numbers as dates or durations, from <numFmts> and <cellXfs>."""
    custom: dict[int, str] = {}
    formats: list[int] = []
    if package.has(part):
        wanted = (*tags("numFmt"), *tags("xf"), *tags("cellXfs"))
        for element in elements(package.open(part), wanted):
            above = element.getparent()
            name, parent = local(element.tag), local(above.tag if above is not None else "")
            if name == "numFmt" and parent == "numFmts":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif name == "xf" and parent == "cellXfs":  # not <cellStyleXfs>: those are named styles
                formats.append(int(element.get("numFmtId", "0")))
            elif name == "cellXfs":
                break
    codes = [custom[i] if i in custom else builtin_format_code(i) for i in formats]
    return Styles(
        frozenset(i for i, code in enumerate(codes) if is_date_format(code)),
        frozenset(i for i, code in enumerate(codes) if is_timedelta_format(code)),
        CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900,
    )
