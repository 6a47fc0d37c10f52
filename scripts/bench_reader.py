"""Time and peak memory of reading a workbook: the bounded reader against openpyxl reading everything.

    python scripts/bench_reader.py [--keep DIR]

Builds (a) a sample workbook as Excel stores it (shared strings), (b) the same with an extra sheet of
200,000 rows (a pasted register: text, numbers, dates; its strings stored before the report's, the worst
order for the reader), (c) with an extra sheet of about 190 MiB of XML and (d) with 1,000,000 formatted
empty rows below the text of a section sheet (a sheet that is read). Each measurement runs in a
fresh Python process; peak memory is that process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import html
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_workbooks" / "huaian-2024.xlsx"
RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
INLINE = re.compile(
    rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S
)

CHILD = r"""
import io, re, sys, time, warnings, zipfile
from pathlib import Path
from lxml import etree
from openpyxl import load_workbook
from converter.read.workbook import load_workbook_report as read_workbook
path, how = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
if how == "bounded":
    read_workbook(path)
else:  # what converter/workbook.py did before: openpyxl read-only, every row of every sheet
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        cells = {}
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for ws in wb.worksheets:
                ws.reset_dimensions()
                for row in ws.iter_rows():
                    for cell in row:
                        if cell.value is not None:
                            cells[ws.title, cell.row, cell.column] = cell
                with archive.open(ws._worksheet_path) as source:
                    tag = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
                    for _, element in etree.iterparse(source, tag=tag, resolve_entities=False):
                        element.clear()
        wb.close()
elapsed = time.perf_counter() - start
# VmHWM, not ru_maxrss: the latter keeps the forked parent's peak across exec
peak = re.search(r"VmHWM:\s*(\d+)", Path("/proc/self/status").read_text()).group(1)
print(elapsed, int(peak) / 1024)
"""


def shared_strings_sample(
    target: Path, extra_rows: int = 0, extra_bytes: int = 0, empty_rows: int = 0
) -> None:
    """The sample with its inline strings moved to sharedStrings.xml (as Excel and LibreOffice store
    them), plus an optional extra last sheet of `extra_rows` rows or about `extra_bytes` of XML."""
    with zipfile.ZipFile(SAMPLE) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    strings: list[bytes] = []
    extra = None
    if extra_rows:
        extra = list(_register(extra_rows, strings))  # its strings first, before the report's
    elif extra_bytes:
        extra = _numbers(extra_bytes)
    for name in [n for n in parts if n.startswith("xl/worksheets/")]:
        parts[name] = INLINE.sub(lambda m: _shared(m, strings), parts[name])
    if (
        empty_rows
    ):  # formatted, empty rows below the text of section 一 (sheet3.xml), as a selection formatted
        rows = b"".join(
            b'<row r="%d" s="2" customFormat="1"><c r="A%d" s="2"/><c r="B%d" s="2"/></row>' % (r, r, r)
            for r in range(3000, 3000 + empty_rows)
        )
        parts["xl/worksheets/sheet3.xml"] = parts["xl/worksheets/sheet3.xml"].replace(
            b"</sheetData>", rows + b"</sheetData>"
        )
    sst = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % s for s in strings)
    parts["xl/sharedStrings.xml"] = b'<sst xmlns="%s">%s</sst>' % (MAIN.encode(), sst)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        b'<Override PartName="/xl/worksheets/extra.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    )
    rels = b'<Relationship Id="rIdSst" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    if extra is not None:
        rels += b'<Relationship Id="rIdExtra" Target="worksheets/extra.xml" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
            b"</sheets>",
            '<sheet xmlns:r="%s" name="登记台账" sheetId="99" r:id="rIdExtra"/></sheets>'.encode() % RELS,
        )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rels + b"</Relationships>"
    )
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
        if extra is not None:
            with out.open("xl/worksheets/extra.xml", "w", force_zip64=True) as stream:
                for piece in extra:
                    stream.write(piece)


def _shared(match: re.Match, strings: list[bytes]) -> bytes:
    ref, style, text = match.groups()
    strings.append(text)
    return b'<c r="%s"%s t="s"><v>%d</v></c>' % (ref, style or b"", len(strings) - 1)


def _register(rows: int, strings: list[bytes]):
    """A pasted register: a unique text, an amount, a date and a repeated category per row."""
    categories = [html.escape(c).encode() for c in ("依申请公开", "主动公开", "行政复议", "行政诉讼")]
    strings.extend(categories)
    yield b'<worksheet xmlns="%s"><sheetData>' % MAIN.encode()
    for r in range(1, rows + 1):
        strings.append(f"（{r}）关于某某事项的政府信息公开申请登记".encode())
        yield (
            b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.5</v></c>'
            b'<c r="C%d"><v>%d</v></c><c r="D%d" t="s"><v>%d</v></c></row>'
            % (r, r, len(strings) - 1, r, r * 7 % 10007, r, 45000 + r % 700, r, r % 4)
        )
    yield b"</sheetData></worksheet>"


def _numbers(size: int):
    """An extra sheet of about `size` bytes of XML: inline text and numbers."""
    yield b'<worksheet xmlns="%s"><sheetData>' % MAIN.encode()
    written, r = 0, 0
    while written < size:
        r += 1
        row = (
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第{r}条记录 {r * 2654435761 % 99991}</t></is></c>'
            f'<c r="B{r}"><v>{r * 0.37:.2f}</v></c><c r="C{r}"><v>{r % 9973}</v></c></row>'
        ).encode()
        written += len(row)
        yield row
    yield b"</sheetData></worksheet>"


def measure(path: Path, how: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), how], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="folder to keep the built workbooks in")
    parser.add_argument("--skip-openpyxl", action="store_true", help="measure the bounded reader only")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-reader-"))
    folder.mkdir(parents=True, exist_ok=True)
    cases = {
        "a normal": {},
        "b +200,000 rows": {"extra_rows": 200_000},
        "c +190 MiB sheet": {"extra_bytes": 190 * 1024 * 1024},
        "d 1M empty rows": {"empty_rows": 1_000_000},
    }
    print(f"{'workbook':18} {'file':>9} {'reader':8} {'time s':>7} {'peak MB':>8}")
    for label, options in cases.items():
        path = folder / f"{label.split()[0]}.xlsx"
        shared_strings_sample(path, **options)
        size = f"{path.stat().st_size / 1e6:.2f} MB"
        for how in ("bounded", *(() if args.skip_openpyxl else ("openpyxl",))):
            seconds, peak = measure(path, how)
            print(f"{label:18} {size:>9} {how:8} {seconds:7.2f} {peak:8.0f}")


if __name__ == "__main__":
    main()
