"""Hostile and broken published reports, made on the fly (issue 17, point 9): PDFs written by hand,
Word tables with impossible spans and merges, a deeply nested single-file page."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from pathlib import Path

HELLO = b"BT /F1 12 Tf 72 720 Td (2024 report) Tj ET"
FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def build_pdf(objects: dict[int, bytes], root: int = 1) -> bytes:
    """A PDF file of these numbered objects, with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    start = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for i in range(1, size):
        out += b"%010d 00000 n \n" % offsets[i] if i in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, start)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pages_pdf(
    contents: list[bytes], xobjects: dict[bytes, bytes] | None = None, flate: bool = False
) -> bytes:
    """One page per content stream; `xobjects`: name -> form content, each a Form XObject on every page."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 3: FONT}
    forms = b""
    number = 10
    for name, body in (xobjects or {}).items():
        objects[number] = stream(body, b"/Type /XObject /Subtype /Form /BBox [0 0 600 800] /Resources 4 0 R")
        forms += b"/%s %d 0 R " % (name, number)
        number += 1
    objects[4] = b"<< /Font << /F1 3 0 R >> /XObject << " + forms + b">> >>"
    kids = []
    for body in contents:
        data = zlib.compress(body) if flate else body
        objects[number] = stream(data, b"/Filter /FlateDecode" if flate else b"")
        page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 4 0 R /Contents %d 0 R >>"
        objects[number + 1] = page % number
        kids.append(b"%d 0 R" % (number + 1))
        number += 2
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return build_pdf(objects)


def text_page(chars: int) -> bytes:
    """A page showing `chars` characters in lines of 100."""
    line = b"(" + b"x" * 100 + b") Tj 0 -1 Td\n"
    return b"BT /F1 1 Tf 10 800 Td\n" + line * (chars // 100) + b"ET"


def flate_bomb_pdf(path: Path, size: int) -> None:
    """A page whose content stream inflates to `size` bytes of harmless operators (compressed ~1000:1)."""
    packer = zlib.compressobj(9)
    chunk = b"0 0 m 1 1 l S\n" * (1 << 16)
    data = bytearray()
    for _ in range(size // len(chunk)):
        data += packer.compress(chunk)
    data += packer.flush()
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        3: stream(bytes(data), b"/Filter /FlateDecode"),
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>",
    }
    path.write_bytes(build_pdf(objects))


def fan_out_pdf(width: int = 60, depth: int = 4, body: bytes = HELLO) -> bytes:
    """Form X0 draws `body`; each X(k+1) draws Xk `width` times: width**depth draws on one page."""
    forms = {b"X0": body}
    for k in range(1, depth + 1):
        forms[b"X%d" % k] = b" ".join([b"/X%d Do" % (k - 1)] * width)
    return pages_pdf([b"/X%d Do" % depth], forms)


def broken_pdfs(good: bytes) -> Iterator[tuple[str, bytes]]:
    """(what, bytes) for each way a PDF file is broken."""
    yield "truncated", good[: len(good) // 2]
    start = good.rindex(b"startxref")
    yield "bad startxref", good[:start] + b"startxref\n999999999\n%%EOF\n"
    xref = good.rindex(b"xref\n0 ")
    yield "garbled xref", good[:xref] + b"xref\n0 9\n" + b"garbage!! zz\n" * 9 + good[start:]
    yield "header only", b"%PDF-1.7\n"
    yield "magic and garbage", b"%PDF-1.4\n" + bytes(range(256)) * 40


def encrypted_pdf(good: bytes, algorithm: str) -> bytes:
    """The PDF with a user password (pypdf: RC4-128 or AES-256)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- Word

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def word_table(path: Path, rows: int, cols: int, change) -> None:
    """A Word file with one table of rows × cols; `change(table_element)` makes it hostile."""
    import docx

    document = docx.Document()
    document.add_paragraph("2024年某某局政府信息公开工作年度报告")
    table = document.add_table(rows=rows, cols=cols)
    change(table._tbl)
    document.save(str(path))


def set_property(tc, name: str, value: str | None) -> None:
    """<w:tcPr><w:NAME w:val=VALUE/></w:tcPr> on a cell (value None: no w:val)."""
    from lxml import etree

    tcpr = tc.find(f"{W}tcPr")
    if tcpr is None:
        tcpr = etree.SubElement(tc, f"{W}tcPr")
        tc.remove(tcpr)
        tc.insert(0, tcpr)
    element = etree.SubElement(tcpr, f"{W}{name}")
    if value is not None:
        element.set(f"{W}val", value)


def grid_before(tbl, value: str) -> None:
    from lxml import etree

    tr = tbl.find(f"{W}tr")
    trpr = tr.find(f"{W}trPr")
    if trpr is None:
        trpr = etree.Element(f"{W}trPr")
        tr.insert(0, trpr)
    etree.SubElement(trpr, f"{W}gridBefore").set(f"{W}val", value)


def cells(tbl) -> list[list]:
    return [tr.findall(f"{W}tc") for tr in tbl.findall(f"{W}tr")]


# --------------------------------------------------------------------------- web page


def nested_mht(depth: int) -> bytes:
    """A single-file page whose MIME parts nest `depth` deep."""
    head = b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b0"\r\n\r\n'
    parts = [head]
    for k in range(1, depth):
        parts.append(b'--b%d\r\nContent-Type: multipart/related; boundary="b%d"\r\n\r\n' % (k - 1, k))
    parts.append(b"--b%d\r\nContent-Type: text/html\r\n\r\n<html><body>x</body></html>\r\n" % (depth - 1))
    for k in reversed(range(depth)):
        parts.append(b"--b%d--\r\n" % k)
    return b"".join(parts)
