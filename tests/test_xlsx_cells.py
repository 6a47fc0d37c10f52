"""The bounded cell reader: the values openpyxl reads, from only the parts and rows that are wanted."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, SAMPLES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.core.errors import UnreadableInput
from converter.format import layout
from converter.format import official as fmt
from converter.read.workbook import _wanted, load_workbook_report
from converter.read.xlsx import parts as xlsx_parts
from converter.read.xlsx import sheet as xlsx_sheet
from converter.read.xlsx import strings as xlsx_strings
from converter.read.xlsx.cells import SheetError, SheetTooLarge, XlsxError, read_book
from converter.read.xlsx.sheet import MAX_SHEET_ELEMENTS


def read_workbook(path):
    """The report and the reading notes, as the reader gives them (comparable between two files)."""
    loaded = load_workbook_report(path)
    return loaded.report, loaded.notes


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_RELS = "http://purl.oclc.org/ooxml/officeDocument/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
EVERYTHING = (1_048_576, 16_384)


# --------------------------------------------------------------------------- building packages


def package(
    sheets: dict[str, str | bytes],
    *,
    strings: list[str] | None = None,
    styles: str | None = None,
    workbook_pr: str = "",
    targets: dict[str, str] | None = None,
) -> bytes:
    """A minimal .xlsx: each sheet's content (inside <worksheet>, or whole raw bytes), shared strings
    (raw <si> content), styles (inside <styleSheet>); `targets` overrides a sheet's relationship target."""
    parts: dict[str, bytes] = {}
    types = [f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>']
    rels, entries = [], []
    for number, (name, body) in enumerate(sheets.items(), start=1):
        part = f"xl/worksheets/sheet{number}.xml"
        parts[part] = (
            body if isinstance(body, bytes) else f'<worksheet xmlns="{MAIN}">{body}</worksheet>'.encode()
        )
        types.append(f'<Override PartName="/{part}" ContentType="{CT}.worksheet+xml"/>')
        target = (targets or {}).get(name, f"worksheets/sheet{number}.xml")
        rels.append(f'<Relationship Id="rId{number}" Type="{RELS}/worksheet" Target="{target}"/>')
        entries.append(f'<sheet name="{name}" sheetId="{number}" r:id="rId{number}"/>')
    if strings is not None:
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{"".join(strings)}</sst>'.encode()
        types.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rIdS" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        parts["xl/styles.xml"] = f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>'.encode()
        types.append(f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>')
        rels.append(f'<Relationship Id="rIdT" Type="{RELS}/styles" Target="styles.xml"/>')
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{workbook_pr}'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    ).encode()
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PACKAGE_RELS}">{"".join(rels)}</Relationships>'.encode()
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ).encode()
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(types) + "</Types>"
    ).encode()
    return zip_parts(parts)


def zip_parts(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write(tmp_path: Path, data: bytes, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- the oracle


def openpyxl_view(path: Path) -> tuple[list[str], dict[str, dict]]:
    """Sheet names and {sheet: {(row, col): (value, is_error)}} as openpyxl read-only data_only reads."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True, data_only=True)
        try:
            view = {}
            for ws in wb.worksheets:
                ws.reset_dimensions()
                cells = {}
                for row in ws.iter_rows():
                    for cell in row:
                        if cell.value is not None:
                            cells[cell.row, cell.column] = (cell.value, cell.data_type == "e")
                view[ws.title] = cells
            return wb.sheetnames, view
        finally:
            wb.close()


def openpyxl_merges(path: Path) -> dict[str, set[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    return {ws.title: {str(r) for r in ws.merged_cells.ranges} for ws in wb.worksheets}


def our_view(path: Path, wanted=None) -> tuple[list[str], dict[str, dict]]:
    names = openpyxl_view(path)[0] if wanted is None else list(wanted)
    book = read_book(path, wanted or dict.fromkeys(names, EVERYTHING))
    view = {
        name: {key: (value, sheet.is_error(*key)) for key, value in sheet.cells.items()}
        for name, sheet in book.sheets.items()
    }
    return book.sheetnames, view


def assert_same_as_openpyxl(path: Path) -> None:
    names, expected = openpyxl_view(path)
    ours_names, ours = our_view(path)
    assert ours_names == names
    assert ours == expected
    assert _typed(ours) == _typed(expected)  # 1 and 1.0 and True are equal: the types must be too
    book = read_book(path, dict.fromkeys(names, EVERYTHING))
    assert {name: sheet.merged for name, sheet in book.sheets.items()} == openpyxl_merges(path)


def _typed(view: dict[str, dict]) -> dict:
    return {name: {k: type(v) for k, (v, _) in cells.items()} for name, cells in view.items()}


# --------------------------------------------------------------------------- real workbooks


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.xlsx")), ids=lambda p: p.stem)
def test_the_samples_read_as_openpyxl_reads_them(sample: Path):
    assert_same_as_openpyxl(sample)


@pytest.mark.soffice
def test_the_samples_saved_by_libreoffice_read_as_openpyxl_reads_them(soffice, tmp_path: Path):
    for sample in sorted(SAMPLES.glob("*.xlsx")):
        saved = soffice(sample, "xlsx", tmp_path / sample.stem)
        assert "xl/sharedStrings.xml" in parts_of(saved)  # Excel's way of storing text, not openpyxl's
        assert_same_as_openpyxl(saved)
        assert read_workbook(saved) == read_workbook(sample)


# --------------------------------------------------------------------------- cell types

STYLES = (
    '<numFmts count="2">'
    '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts>'
    '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'  # not a cell format: must not count
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/>'
    '<xf numFmtId="4"/></cellXfs>'
    '<dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="yyyy"/></dxf></dxfs>'
)
STRINGS = [
    "<si><t>申请数</t></si>",
    '<si><t xml:space="preserve">  前后空格  </t></si>',
    '<si><r><rPr><b/></rPr><t>加粗</t></r><r><t xml:space="preserve"> 与常规</t></r></si>',
    '<si><t>东京</t><rPh sb="0" eb="2"><t>とうきょう</t></rPh></si>',
    "<si><t>回车_x000D_换行_x005F_x000D_</t></si>",
    "<si><t/></si>",
]
CELLS = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
    '<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>'
    '<row r="2"><c r="A2" t="inlineStr">'
    '<is><r><t>内联</t></r><r><t xml:space="preserve"> 富文本</t></r></is></c>'
    '<c r="B2" t="str"><f>"公式"&amp;"文本"</f><v>公式文本</v></c><c r="C2" t="b"><v>1</v></c>'
    '<c r="D2" t="b"><v>0</v></c><c r="E2" t="e"><v>#REF!</v></c>'
    '<c r="F2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    '<row r="3"><c r="A3"><v>12</v></c><c r="B3"><v>12.0</v></c><c r="C3"><v>1.5E3</v></c>'
    '<c r="D3"><v>-0.25</v></c><c r="E3" s="4"><v>1234.5</v></c>'
    '<c r="F3"><f>SUM(A3:B3)</f><v>24</v></c></row>'
    '<row r="4"><c r="A4" s="1"><v>45292</v></c><c r="B4" s="2"><v>45658.5</v></c>'
    '<c r="C4" s="3"><v>1.25</v></c><c r="D4" t="d"><v>2024-03-01T10:30:00</v></c>'
    '<c r="E4" s="1"><v>0.5</v></c><c r="F4" s="2"><v>1e20</v></c></row>'
    '<row r="5"><c r="A5"><f>A3*2</f></c><c r="B5"><v></v></c><c r="C5" t="s"/><c r="D5" s="1"/>'
    '<c r="E5" t="inlineStr"/><c r="F5"><v>1e400</v></c></row>'
)


def test_every_cell_type_reads_as_openpyxl_reads_it(tmp_path: Path):
    path = write(
        tmp_path, package({"数据": f"<sheetData>{CELLS}</sheetData>"}, strings=STRINGS, styles=STYLES)
    )
    assert_same_as_openpyxl(path)
    sheet = read_book(path, {"数据": EVERYTHING}).sheets["数据"]
    row = {col: sheet.value(1, col) for col in range(1, 7)}
    assert row == {
        1: "申请数",
        2: "  前后空格  ",
        3: "加粗 与常规",
        4: "东京",
        5: "回车_x000D_换行_x000D_",
        6: "",
    }
    assert sheet.value(2, 1) == "内联 富文本" and sheet.value(2, 2) == "公式文本"
    assert (sheet.value(2, 3), sheet.value(2, 4)) == (True, False)
    assert [sheet.value(2, c) for c in (5, 6)] == ["#REF!", "#DIV/0!"]
    assert sheet.is_error(2, 5) and sheet.is_error(2, 6) and not sheet.is_error(2, 2)
    assert [sheet.value(3, c) for c in range(1, 7)] == [12, 12.0, 1500.0, -0.25, 1234.5, 24]
    assert type(sheet.value(3, 1)) is int and type(sheet.value(3, 2)) is float
    assert sheet.value(4, 1) == dt.datetime(2024, 1, 1)
    assert sheet.value(4, 2) == dt.datetime(2025, 1, 1, 12)
    assert sheet.value(4, 3) == dt.timedelta(days=1, hours=6)
    assert sheet.value(4, 4) == dt.datetime(2024, 3, 1, 10, 30)
    assert sheet.value(4, 5) == dt.time(12)
    assert (sheet.value(4, 6), sheet.is_error(4, 6)) == ("#VALUE!", True)  # a date out of range
    assert [sheet.value(5, c) for c in range(1, 6)] == [None] * 5  # no cached value, nothing to read
    assert sheet.value(5, 6) == float("inf")
    assert sheet.max_row == 5


def test_1904_dates(tmp_path: Path):
    body = (
        '<sheetData><row r="1"><c r="A1" s="1"><v>1</v></c><c r="B1" s="1"><v>43830</v></c></row></sheetData>'
    )
    styles = '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
    days = (("1", dt.datetime(1904, 1, 2)), ("true", dt.datetime(1904, 1, 2)), ("0", dt.datetime(1900, 1, 1)))
    for flag, first in days:
        pr = f'<workbookPr date1904="{flag}"/>'
        path = write(tmp_path, package({"表": body}, styles=styles, workbook_pr=pr))
        assert_same_as_openpyxl(path)
        book = read_book(path, {"表": EVERYTHING})
        assert book.date1904 is (flag != "0")
        assert book.sheets["表"].value(1, 1) == first
    assert book.sheets["表"].value(1, 2) == dt.datetime(2019, 12, 31)  # 1900 system: 43830 is 2019-12-31


def test_cells_and_rows_without_references(tmp_path: Path):
    """Some writers leave out `r`: rows and columns follow from position, after any explicit one."""
    rows = (
        '<row><c t="inlineStr"><is><t>一</t></is></c><c><v>2</v></c></row>'
        '<row r="4"><c r="C4"><v>3</v></c><c><v>4</v></c></row>'
        '<row><c><v>5</v></c><c r="E5"><v>6</v></c><c><v>7</v></c></row>'
    )
    path = write(tmp_path, package({"表": f"<sheetData>{rows}</sheetData>"}))
    assert_same_as_openpyxl(path)
    cells = read_book(path, {"表": EVERYTHING}).sheets["表"].cells
    assert cells == {(1, 1): "一", (1, 2): 2, (4, 3): 3, (4, 4): 4, (5, 1): 5, (5, 5): 6, (5, 6): 7}


def test_only_the_wanted_rows_and_columns_are_kept(tmp_path: Path):
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in "ABCD") + "</row>"
        for r in range(1, 9)
    )
    path = write(tmp_path, package({"表": f"<sheetData>{rows}</sheetData>", "另一表": "<sheetData/>"}))
    book = read_book(path, {"表": (3, 2), "不存在": (1, 1)})
    assert book.sheetnames == ["表", "另一表"] and list(book.sheets) == ["表"]
    sheet = book.sheets["表"]
    assert set(sheet.cells) == {(r, c) for r in (1, 2, 3) for c in (1, 2)}
    assert sheet.overflow == "A4" and sheet.max_row == 3


# --------------------------------------------------------------------------- bounded work


def test_an_unwanted_sheet_is_never_parsed(tmp_path: Path):
    """A sheet nobody wants may be huge or broken: it is not opened, so neither matters."""
    good = '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    broken = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></row>'.encode() + b"\xff<<<"
    path = write(tmp_path, package({"表": good, "台账": broken}))
    book = read_book(path, {"表": EVERYTHING})
    assert book.sheetnames == ["表", "台账"] and book.sheets["表"].cells == {(1, 1): 1}
    with pytest.raises(SheetError) as caught:
        read_book(path, {"表": EVERYTHING, "台账": EVERYTHING})
    assert caught.value.sheet == "台账"


def test_a_sheet_is_read_no_further_than_its_wanted_rows(tmp_path: Path):
    """Past the wanted rows reading stops at the first value: what follows, even broken XML, is not
    parsed; the merged ranges, stored after the rows, are still found."""
    body = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="3" s="2" customFormat="1"><c r="A3" s="2"/></row>'  # formatted but empty: read past
        '<row r="7"><c r="C7"><v>9</v></c></row><row r="8"><c r="A8"><v>broken</c></row>'
        '</sheetData><mergeCells count="2"><mergeCell ref="A1:B2"/><mergeCell ref="C3:D4"/></mergeCells>'
        "</worksheet>"
    ).encode()
    path = write(tmp_path, package({"表": body}))
    sheet = read_book(path, {"表": (5, 4)}).sheets["表"]
    assert (sheet.cells, sheet.overflow, sheet.merged) == ({(1, 1): 1}, "C7", {"A1:B2", "C3:D4"})
    assert read_book(path, {"表": (7, 4)}).sheets["表"].cells == {(1, 1): 1, (7, 3): 9}
    with pytest.raises(SheetError, match="XMLSyntaxError") as caught:
        read_book(path, {"表": (8, 4)})  # row 8 is wanted now: its broken XML is parsed
    assert caught.value.sheet == "表"


def test_empty_rows_below_do_not_overflow_and_merges_are_read(tmp_path: Path):
    rows = '<row r="1"><c r="A1"><v>1</v></c></row>' + "".join(
        f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/></row>' for r in range(2, 500)
    )
    body = f'<sheetData>{rows}</sheetData><mergeCells count="1"><mergeCell ref="A1:A2"/></mergeCells>'
    sheet = read_book(write(tmp_path, package({"表": body})), {"表": (1, 1)}).sheets["表"]
    assert (sheet.overflow, sheet.merged) == (None, {"A1:A2"})


def test_many_empty_rows_below_are_scanned_not_parsed(tmp_path: Path):
    """200,000 formatted but empty rows below the wanted ones: no value there, found in well under a
    second; then one value far down is found and named."""
    empty = b"".join(
        b'<row r="%d" s="1" customFormat="1"><c r="A%d" s="1"/></row>' % (r, r) for r in range(3, 200_003)
    )
    head = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'.encode()
    tail = b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>'
    for last, overflow in ((b"", None), (b'<row r="250000"><c r="D250000"><v>7</v></c></row>', "D250000")):
        path = write(tmp_path, package({"表": head + empty + last + tail}))
        start = time.perf_counter()
        sheet = read_book(path, {"表": (2, 2)}).sheets["表"]
        assert time.perf_counter() - start < 1
        assert (sheet.cells, sheet.merged, sheet.overflow) == ({(1, 1): 1}, {"A1:B1"}, overflow)


@pytest.mark.parametrize(
    ("rows", "overflow"),
    [
        ('<row r="9"><c><v>5</v></c></row>', ""),  # a value below, in a cell without a reference
        ('<row r="9"><c r="B9" t="inlineStr"><is><t>字</t></is></c></row>', "B9"),
        ('<row r="9"><c r="B9" t="inlineStr"/><c r="C9"><f>1+1</f><v></v></c></row>', None),
        ("<row/><row><c/><c><v>6</v></c></row>", "B3"),  # no references at all
    ],
)
def test_what_counts_as_a_value_below(tmp_path: Path, rows: str, overflow):
    body = f'<sheetData><row r="1"><c r="A1"><v>1</v></c></row>{rows}</sheetData>'
    sheet = read_book(write(tmp_path, package({"表": body})), {"表": (2, 2)}).sheets["表"]
    assert (sheet.cells, sheet.overflow) == ({(1, 1): 1}, overflow)


def test_a_sheet_too_large_within_its_rows_is_refused(tmp_path: Path):
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(300_000))
    path = write(tmp_path, package({"表": f'<sheetData><row r="1">{cells}</row></sheetData>'}))
    with pytest.raises(SheetTooLarge) as caught:
        read_book(path, {"表": (2, 2)})
    assert (caught.value.sheet, caught.value.limit) == ("表", MAX_SHEET_ELEMENTS)


def test_merges_out_of_their_place_are_found(tmp_path: Path):
    """A writer that puts <mergeCells> after, say, <hyperlinks>: the ranges are still found."""
    body = (
        '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
    )
    path = write(tmp_path, package({"表": body}))
    sheet = read_book(path, {"表": EVERYTHING}).sheets["表"]
    assert (sheet.cells, sheet.merged, sheet.overflow) == ({(1, 1): 1}, {"A1:B1"}, None)


def test_parts_before_the_rows_out_of_their_place(tmp_path: Path):
    """<mergeCells> or <pageMargins> before <sheetData>: the rows are still read."""
    rows = '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    merges = '<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
    margins = '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    path = write(tmp_path, package({"表": merges + margins + rows}))
    sheet = read_book(path, {"表": EVERYTHING}).sheets["表"]
    assert (sheet.cells, sheet.merged) == ({(1, 1): 1}, {"A1:B1"})


def test_shared_strings_are_read_no_further_than_needed(tmp_path: Path):
    """Only as far as the last needed string: a broken tail is not parsed, unless a cell needs it."""
    strings = ["<si><t>一</t></si>", "<si><t>二</t></si>", "<si><t>三</t></si>", "<si><t>坏</t><broken></si>"]
    body = (
        '<sheetData><row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>0</v></c>{}</row></sheetData>'
    )
    path = write(tmp_path, package({"表": body.format("")}, strings=strings))
    assert read_book(path, {"表": EVERYTHING}).sheets["表"].cells == {(1, 1): "二", (1, 2): "一"}
    needs_last = write(
        tmp_path, package({"表": body.format('<c r="C1" t="s"><v>3</v></c>')}, strings=strings)
    )
    with pytest.raises(XlsxError, match="shared strings"):
        read_book(needs_last, {"表": EVERYTHING})
    unwanted = body.format('<c r="C1" t="s"><v>3</v></c>')
    path = write(tmp_path, package({"表": body.format(""), "台账": unwanted}, strings=strings))
    assert read_book(path, {"表": EVERYTHING}).sheets["表"].cells == {(1, 1): "二", (1, 2): "一"}


def test_strings_before_the_first_needed_one_are_counted_not_parsed(tmp_path: Path):
    """Items the cells do not show are only counted: one that would not even parse does no harm."""
    skipped = ["<si><t>甲</t><unclosed></si>", "<si/>", "<si ><t>乙</t></si>"]
    strings = [*skipped, "<si><t>要的</t></si>", "<si/>", "<si><r><t>富</t></r><r><t>文本</t></r></si>"]
    body = (
        '<sheetData><row r="1"><c r="A1" t="s"><v>3</v></c><c r="B1" t="s"><v>4</v></c>{}</row></sheetData>'
    )
    path = write(tmp_path, package({"表": body.format('<c r="C1" t="s"><v>5</v></c>')}, strings=strings))
    assert read_book(path, {"表": EVERYTHING}).sheets["表"].cells == {
        (1, 1): "要的",
        (1, 2): "",
        (1, 3): "富文本",
    }
    for needed in (0, 1, 2):  # now the broken item is parsed, or counted past
        path = write(
            tmp_path, package({"表": body.format(f'<c r="C1" t="s"><v>{needed}</v></c>')}, strings=strings)
        )
        if needed == 0:
            with pytest.raises(XlsxError, match="shared strings"):
                read_book(path, {"表": EVERYTHING})
        else:
            assert read_book(path, {"表": EVERYTHING}).sheets["表"].value(1, 3) == ("", "乙")[needed - 1]


@pytest.mark.parametrize("chunk", [97, 1000, 1 << 20])
def test_strings_across_read_boundaries(tmp_path: Path, monkeypatch, chunk: int):
    """Items cut by the end of a read are still counted once and taken whole."""
    monkeypatch.setattr(xlsx_parts, "CHUNK", chunk)
    strings = [
        f"<si><t>{'长' * (i % 37)}{i}</t></si>" if i % 5 else f"<si><r><t>{i}</t></r><r><t> 段</t></r></si>"
        for i in range(400)
    ]
    rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{layout.a1(r, c)}" t="s"><v>{(r - 1) * 30 + (c - 1) * 3}</v></c>' for c in range(1, 11)
        )
        + "</row>"
        for r in range(1, 14)
    )
    path = write(tmp_path, package({"表": f"<sheetData>{rows}</sheetData>"}, strings=strings))
    assert_same_as_openpyxl(path)
    cells = read_book(path, {"表": EVERYTHING}).sheets["表"].cells
    assert len(cells) == 130 and (cells[1, 1], cells[1, 2], cells[13, 10]) == (
        "0 段",
        "长长长3",
        f"{'长' * (387 % 37)}387",
    )


SST_VARIANTS = {
    "comment": (f'<sst xmlns="{MAIN}"><!-- <si> --><si><t>一</t></si><si><t>二</t></si></sst>', "utf-8"),
    "cdata": (f'<sst xmlns="{MAIN}"><si><t>一</t></si><si><t><![CDATA[</si><si>]]></t></si></sst>', "utf-8"),
    "utf-16": (
        f'<?xml version="1.0" encoding="UTF-16"?><sst xmlns="{MAIN}">'
        "<si><t>一</t></si><si><t>二</t></si></sst>",
        "utf-16",
    ),
    "prefixed": (
        f'<x:sst xmlns:x="{MAIN}"><x:si><x:t>一</x:t></x:si><x:si><x:t>二</x:t></x:si></x:sst>',
        "utf-8",
    ),
    "declared": (
        f'<?xml version="1.0" encoding="utf-8"?>\n<sst xmlns="{MAIN}" count="2">'
        "<si><t>一</t></si>\n<si><t>二</t></si></sst>",
        "utf-8",
    ),
}


@pytest.mark.parametrize("variant", SST_VARIANTS)
def test_shared_strings_as_other_writers_store_them(tmp_path: Path, variant: str):
    """Counting gives way to parsing where the bytes could mislead it; both read as openpyxl does."""
    xml, encoding = SST_VARIANTS[variant]
    body = '<sheetData><row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>0</v></c></row></sheetData>'
    parts = parts_of(write(tmp_path, package({"表": body}, strings=[])))
    parts["xl/sharedStrings.xml"] = xml.encode(encoding)
    path = write(tmp_path, zip_parts(parts))
    assert_same_as_openpyxl(path)
    expected = "</si><si>" if variant == "cdata" else "二"
    assert read_book(path, {"表": EVERYTHING}).sheets["表"].cells == {(1, 1): expected, (1, 2): "一"}


def test_strings_that_cannot_be_counted_are_parsed_only_so_far(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(xlsx_strings, "MAX_PARSED_ITEMS", 3)
    strings = ["<!-- a comment: counting gives way -->", *(f"<si><t>{i}</t></si>" for i in range(5))]
    body = '<sheetData><row r="1"><c r="A1" t="s"><v>{}</v></c></row></sheetData>'
    path = write(tmp_path, package({"表": body.format(2)}, strings=strings))
    assert read_book(path, {"表": EVERYTHING}).sheets["表"].cells == {(1, 1): "2"}
    path = write(tmp_path, package({"表": body.format(3)}, strings=strings))
    with pytest.raises(XlsxError, match="more than 3 string items"):
        read_book(path, {"表": EVERYTHING})


def test_a_missing_shared_string_names_the_sheet_and_cell(tmp_path: Path):
    body = '<sheetData><row r="2"><c r="B2" t="s"><v>5</v></c></row></sheetData>'
    path = write(tmp_path, package({"表": body}, strings=["<si><t>一</t></si>"]))
    with pytest.raises(SheetError, match="B2: shared string 5") as caught:
        read_book(path, {"表": EVERYTHING})
    assert caught.value.sheet == "表"


def test_a_number_cell_holding_no_number_is_read_as_its_text(tmp_path: Path):
    """Reported at its cell by the checks (not a number, or too many digits), not as a damaged file."""
    cells = f'<c r="A1"><v>x</v></c><c r="B1"><v>{"9" * 5001}</v></c>'
    body = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    path = write(tmp_path, package({"表": body.encode()}))
    sheet = read_book(path, {"表": (1, 2)}).sheets["表"]
    assert (sheet.value(1, 1), sheet.value(1, 2)) == ("x", "9" * 5001)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "XMLSyntaxError"),
        (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode(), "XMLSyntaxError"),
        (b'<worksheet xmlns="urn:other"><sheetData/></worksheet>', "not SpreadsheetML"),
        (
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="x"/></sheetData></worksheet>'.encode(),
            "invalid row number 'x'",
        ),
        (
            f'<worksheet xmlns="{MAIN}"><sheetData><row><c r="A0"/></row></sheetData></worksheet>'.encode(),
            "A0",
        ),
    ],
)
def test_a_damaged_wanted_sheet_is_named(tmp_path: Path, body: bytes, reason: str):
    path = write(tmp_path, package({"表": "<sheetData/>", "坏表": body}))
    with pytest.raises(SheetError, match=re.escape(reason)) as caught:
        read_book(path, {"表": EVERYTHING, "坏表": EVERYTHING})
    assert caught.value.sheet == "坏表"


def test_a_missing_sheet_part_is_named(tmp_path: Path):
    parts = parts_of(write(tmp_path, package({"表": "<sheetData/>", "缺": "<sheetData/>"})))
    del parts["xl/worksheets/sheet2.xml"]
    path = write(tmp_path, zip_parts(parts))
    assert read_book(path, {"表": EVERYTHING}).sheetnames == ["表", "缺"]
    with pytest.raises(SheetError, match="missing") as caught:
        read_book(path, {"缺": EVERYTHING})
    assert caught.value.sheet == "缺"


def test_targets_absolute_relative_and_in_another_case(tmp_path: Path):
    body = '<sheetData><row r="1"><c r="A1"><v>7</v></c></row></sheetData>'
    targets = {
        "甲": "/xl/worksheets/sheet1.xml",
        "乙": "../xl/worksheets/SHEET2.XML",
        "丙": "./worksheets/sheet3.xml",
    }
    path = write(tmp_path, package(dict.fromkeys(targets, body), targets=targets))
    book = read_book(path, dict.fromkeys(targets, EVERYTHING))
    assert {name: sheet.cells for name, sheet in book.sheets.items()} == {
        name: {(1, 1): 7} for name in targets
    }


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not a zip", "BadZipFile"),
        (zip_parts({"[Content_Types].xml": b"<Types/>"}), "no workbook part"),
        (zip_parts({"xl/workbook.xml": b"<workbook xmlns='urn:x'/>"}), "not SpreadsheetML"),
    ],
)
def test_not_a_workbook(tmp_path: Path, data: bytes, reason: str):
    with pytest.raises(XlsxError, match=reason) as caught:
        read_book(write(tmp_path, data), {})
    assert not isinstance(caught.value, SheetError)


# --------------------------------------------------------------------------- Strict OOXML


def strict(path: Path) -> bytes:
    """The same workbook in Strict OOXML's namespaces, as Excel's "Strict Open XML" saves it."""
    renames = {
        MAIN.encode(): STRICT_MAIN.encode(),
        f"{RELS}/".encode(): f"{STRICT_RELS}/".encode(),
        RELS.encode(): STRICT_RELS.encode(),
    }
    parts = {}
    for name, data in parts_of(path).items():
        for old, new in renames.items():
            data = data.replace(old, new)
        parts[name] = data
    return zip_parts(parts)


def test_strict_ooxml_reads_as_the_transitional_original(tmp_path: Path):
    sample = SAMPLES / "huaian-2024.xlsx"
    converted = write(tmp_path, strict(sample), "strict.xlsx")
    assert STRICT_MAIN.encode() in parts_of(converted)["xl/workbook.xml"]
    assert openpyxl_view(converted)[0] == []  # openpyxl finds no sheets in it: the complaint
    names = openpyxl_view(sample)[0]
    assert our_view(converted, dict.fromkeys(names, EVERYTHING)) == our_view(sample)
    assert read_workbook(converted) == read_workbook(sample)


def test_strict_typed_cells(tmp_path: Path):
    path = write(
        tmp_path, package({"数据": f"<sheetData>{CELLS}</sheetData>"}, strings=STRINGS, styles=STYLES)
    )
    converted = write(tmp_path, strict(path), "strict.xlsx")
    assert our_view(converted, {"数据": EVERYTHING}) == our_view(path)


# --------------------------------------------------------------------------- any values openpyxl writes

VALUES = st.one_of(
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    st.text(st.sampled_from(" \t\n_x000D5F#=&<>\"'"), max_size=12),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.sampled_from(["#REF!", "#N/A", "=1+1", "=A1"]),
)
FORMATS = st.sampled_from(["General", "0.00", "yyyy-mm-dd", "[h]:mm", "@"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.dictionaries(
        st.tuples(st.integers(1, 30), st.integers(1, 8)), st.tuples(VALUES, FORMATS), max_size=25
    )
)
def test_any_values_written_by_openpyxl(tmp_path: Path, cells):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    wb.create_sheet("其他")["B2"] = "另一张表"
    for (row, col), (value, number_format) in cells.items():
        cell = ws.cell(row, col, value)
        cell.number_format = number_format
    path = tmp_path / "random.xlsx"
    wb.save(path)
    assert_same_as_openpyxl(path)


# --------------------------------------------------------------------------- the standard workbook


def test_the_wanted_bounds_cover_every_cell_the_reader_uses():
    wanted = _wanted()
    positions = [*layout.VALUE_POSITIONS.values(), *layout.INFO_POSITIONS.values()]
    for pos in positions:
        max_row, max_col = wanted[pos.sheet]
        assert pos.row <= max_row and pos.col <= max_col, pos
    for table in fmt.TABLES:
        for cell in table.cells:
            pos = layout.grid_position(table, cell)
            assert (pos.row, pos.col) <= wanted[pos.sheet] and pos.col <= wanted[pos.sheet][1]
    assert layout.INSTRUCTIONS_SHEET not in wanted


def add_sheet(path: Path, name: str, sheet_xml: bytes, *, first: bool = False) -> None:
    """Add a worksheet part named `name` to the workbook at `path` (last, or first)."""
    parts = parts_of(path)
    parts["xl/worksheets/added.xml"] = sheet_xml
    entry = f'<sheet xmlns:r="{RELS}" name="{name}" sheetId="99" r:id="rIdAdded"/>'.encode()
    workbook = parts["xl/workbook.xml"]
    parts["xl/workbook.xml"] = (
        workbook.replace(b"<sheets>", b"<sheets>" + entry)
        if first
        else workbook.replace(b"</sheets>", entry + b"</sheets>")
    )
    rel = f'<Relationship Id="rIdAdded" Type="{RELS}/worksheet" Target="worksheets/added.xml"/>'.encode()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rel + b"</Relationships>"
    )
    path.write_bytes(zip_parts(parts))


def test_an_extra_sheet_changes_nothing_even_broken(tmp_path: Path):
    sample = SAMPLES / "oumiao-2024.xlsx"
    path = tmp_path / "加了表.xlsx"
    path.write_bytes(sample.read_bytes())
    add_sheet(path, "登记台账", f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">'.encode() + b"\x00" * 1000)
    assert read_workbook(path) == read_workbook(sample)


def text_below(tmp_path: Path, sheet: str, ref: str, value: str = "多出来的一段") -> Path:
    path = tmp_path / "长.xlsx"
    path.write_bytes((SAMPLES / "huaian-2024.xlsx").read_bytes())
    wb = openpyxl.load_workbook(path)
    wb[sheet][ref] = value
    wb.save(path)
    return path


@pytest.mark.parametrize("column", ["A", "B", "E"])
def test_text_below_the_row_limit_is_refused_not_dropped(tmp_path: Path, column: str):
    section = fmt.SECTIONS[1]
    ref = f"{column}{layout.MAX_TEXT_ROWS + 1}"
    path = text_below(tmp_path, section.sheet, ref)
    with pytest.raises(UnreadableInput) as caught:
        read_workbook(path)
    message = caught.value.message
    assert f"“{path.name}”" in message and f"“{section.sheet}”" in message
    assert f"{section.sheet}!{ref}" in message and f"{layout.MAX_TEXT_ROWS:,}" in message


def test_text_on_the_last_row_within_the_limit_is_read(tmp_path: Path):
    section = fmt.SECTIONS[1]
    path = text_below(tmp_path, section.sheet, f"B{layout.MAX_TEXT_ROWS}", "最后一行")
    report, _ = read_workbook(path)
    assert report.sections[section.key][-1].body == "最后一行"


def test_custom_fields_below_the_limit_are_refused(tmp_path: Path):
    path = text_below(tmp_path, layout.INFO_SHEET, f"A{layout.MAX_TEXT_ROWS + 5}")
    with pytest.raises(UnreadableInput, match=layout.INFO_SHEET):
        read_workbook(path)


def test_notes_below_a_table_are_ignored(tmp_path: Path):
    table = fmt.TABLES[0]
    sample = SAMPLES / "huaian-2024.xlsx"
    path = text_below(tmp_path, layout.table_sheet(table), "A60", "注：本表由办公室填写")
    assert read_workbook(path) == read_workbook(sample)


MEASURED = r"""
import json, re, sys, time
from pathlib import Path
from converter.read.workbook import load_workbook_report
start = time.perf_counter()
loaded = load_workbook_report(Path(sys.argv[1]))
report, findings = loaded.report, loaded.notes
seconds = time.perf_counter() - start
peak = int(re.search(r"VmHWM:\s*(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
print(json.dumps([seconds, peak, repr(report), repr(findings)]))
"""
INLINE = re.compile(rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t>([^<]*)</t></is></c>')


def as_excel_stores_it(sample: Path, target: Path, register_rows: int) -> None:
    """The sample with its text in sharedStrings.xml after a pasted register's (the worst order for a
    reader that stops early), the register being an extra first sheet of `register_rows` rows."""
    parts = parts_of(sample)
    strings = [f"<si><t>第{r}号登记</t></si>".encode() for r in range(register_rows)]
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.5</v></c></row>' % (r, r, r - 1, r, r)
        for r in range(1, register_rows + 1)
    )

    def shared(match: re.Match) -> bytes:
        strings.append(b"<si><t>" + match.group(3) + b"</t></si>")
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2) or b"", len(strings) - 1)

    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        parts[name] = INLINE.sub(shared, parts[name])
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">'.encode() + b"".join(strings) + b"</sst>"
    rel = f'<Relationship Id="rIdSst" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'.encode()
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(b"</Relationships>", rel + b"</Relationships>")
    target.write_bytes(zip_parts(parts))
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode() + rows + b"</sheetData></worksheet>"
    add_sheet(target, "登记台账", sheet, first=True)


def below_a_table(sample: Path, target: Path, register_rows: int) -> None:
    """The register pasted below a table's grid, in that table's sheet."""
    target.write_bytes(sample.read_bytes())
    wb = openpyxl.load_workbook(target)
    ws = wb[layout.table_sheet(fmt.TABLES[-1])]
    for r in range(60, 60 + register_rows):
        ws.cell(r, 1, f"第{r}号登记")
        ws.cell(r, 2, r + 0.5)
    wb.save(target)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory from /proc (Linux)")
@pytest.mark.parametrize(("build", "rows"), [(as_excel_stores_it, 200_000), (below_a_table, 50_000)])
def test_a_pasted_register_costs_little_time_and_memory(tmp_path: Path, build, rows: int):
    """A register pasted into the workbook is read past in a fresh process: fast, small, and the report
    is the same as without it."""
    sample = SAMPLES / "huaian-2024.xlsx"
    path = tmp_path / "台账.xlsx"
    build(sample, path, rows)
    with zipfile.ZipFile(path) as archive:
        assert sum(info.file_size for info in archive.infolist()) > 5_000_000
    out = subprocess.run(
        [sys.executable, "-c", MEASURED, str(path)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    seconds, peak_mb, report, findings = json.loads(out.stdout)
    assert seconds < 2 and peak_mb < 100, (seconds, peak_mb)
    assert (report, findings) == tuple(map(repr, read_workbook(sample)))


# --------------------------------------------------------------------------- damaged parts

FUZZED_PARTS = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"]


@pytest.fixture(scope="module")
def excel_like(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "excel.xlsx"
    as_excel_stores_it(SAMPLES / "huaian-2024.xlsx", path, 50)
    return path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    part=st.sampled_from([*FUZZED_PARTS, "xl/worksheets/sheet3.xml", "xl/worksheets/sheet7.xml"]),
    cut=st.integers(0, 4000),
    flips=st.lists(st.tuples(st.integers(0, 20_000), st.sampled_from(b'<>/="x0 &;#:'))),
)
def test_damaged_parts_give_only_our_errors(tmp_path: Path, excel_like: Path, part: str, cut: int, flips):
    """Whatever the bytes of a part, reading ends in a Book, a SheetError or an XlsxError."""
    parts = parts_of(excel_like)
    data = bytearray(parts[part])
    for position, byte in flips:
        data[position % len(data)] = byte
    parts[part] = bytes(data[: max(len(data) - cut, 0)])
    path = write(tmp_path, zip_parts(parts))
    try:
        book = read_book(path, _wanted())
    except SheetError as exc:
        assert exc.sheet in _wanted()
    except XlsxError as exc:
        assert exc.reason
    else:
        assert set(book.sheets) <= set(_wanted())


def test_a_sheet_too_large_is_refused_in_chinese(monkeypatch):
    monkeypatch.setattr(xlsx_sheet, "MAX_SHEET_ELEMENTS", 100)
    with pytest.raises(UnreadableInput) as caught:
        read_workbook(SAMPLES / "huaian-2024.xlsx")
    message = caught.value.message
    assert f"工作表“{layout.INFO_SHEET}”过大" in message and "超过 100 个" in message


def test_a_value_below_without_a_reference_is_still_refused(tmp_path: Path):
    section = fmt.SECTIONS[2]
    sample = SAMPLES / "huaian-2024.xlsx"
    path = tmp_path / "无引用.xlsx"
    path.write_bytes(sample.read_bytes())
    index = layout.sheet_order().index(section.sheet) + 1
    parts = parts_of(path)
    name = f"xl/worksheets/sheet{index}.xml"
    below = f'<row r="{layout.MAX_TEXT_ROWS + 9}"><c t="inlineStr"><is><t>多</t></is></c></row>'.encode()
    parts[name] = parts[name].replace(b"</sheetData>", below + b"</sheetData>")
    path.write_bytes(zip_parts(parts))
    with pytest.raises(UnreadableInput) as caught:
        read_workbook(path)
    assert f"“{section.sheet}”在第 {layout.MAX_TEXT_ROWS:,} 行以下还有内容，超过了" in caught.value.message


def test_a_chartsheet_is_an_empty_sheet(tmp_path: Path):
    parts = parts_of(write(tmp_path, package({"表": "<sheetData/>", "图": b"not even XML"})))
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        b'rId2" Type="%s/worksheet' % RELS.encode(), b'rId2" Type="%s/chartsheet' % RELS.encode()
    )
    book = read_book(write(tmp_path, zip_parts(parts)), {"表": EVERYTHING, "图": EVERYTHING})
    assert book.sheetnames == ["表", "图"] and book.sheets["图"].cells == {}


def test_reading_a_workbook_no_longer_loads_it_with_openpyxl(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl.load_workbook was called")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(openpyxl.reader.excel, "load_workbook", refuse)
    report, _ = read_workbook(SAMPLES / "oumiao-2024.xlsx")
    assert report.info.org


def test_a_bloated_shared_part_is_refused(tmp_path: Path, monkeypatch):
    """workbook.xml, the relationships and styles.xml are parsed only up to a number of elements."""
    monkeypatch.setattr(xlsx_parts, "MAX_PART_ELEMENTS", 50)
    fonts = "<fonts>" + "<font><b/></font>" * 30 + "</fonts>"
    styles = fonts + '<cellXfs count="1"><xf numFmtId="0"/></cellXfs>'
    path = write(tmp_path, package({"表": "<sheetData/>"}, styles=styles))
    with pytest.raises(XlsxError, match="more than 50 XML elements") as caught:
        read_book(path, {"表": EVERYTHING})
    assert not isinstance(caught.value, SheetError)
    path = write(tmp_path, package({"表": "<sheetData/>"}, styles=styles[len(fonts) :]))
    assert read_book(path, {"表": EVERYTHING}).sheets["表"].cells == {}


def test_too_many_merged_ranges_are_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(xlsx_sheet, "MAX_SHEET_ELEMENTS", 3)
    merges = "".join(f'<mergeCell ref="A{r}:B{r}"/>' for r in range(10, 15))
    body = f'<sheetData><row r="5"><c r="A5"><v>1</v></c></row></sheetData><mergeCells>{merges}</mergeCells>'
    path = write(tmp_path, package({"表": body}))
    with pytest.raises(SheetTooLarge):
        read_book(path, {"表": (2, 2)})
    monkeypatch.setattr(xlsx_sheet, "MAX_SHEET_ELEMENTS", 5)
    assert len(read_book(path, {"表": (2, 2)}).sheets["表"].merged) == 5
