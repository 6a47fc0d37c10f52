"""A .docx as a zip of parts: a clean copy without duplicate entries, and its parts read safely as XML."""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..read.inspect import duplicate_entries

RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
FOOTER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"


@contextmanager
def deduplicated(path: Path) -> Iterator[Path]:
    """`path` itself, or, when a part name occurs more than once, a clean copy keeping the last entry.

    LibreOffice can write such files. zipfile (so python-docx and docxtpl) reads the last copy of a
    name while Word may take the first; a copy with one entry per name makes every reader see the same
    part. The copy lives in a temporary folder removed when the block ends. Call after
    `safety.inspect_input(path, expect="docx")` accepted the file.
    """
    path = Path(path)
    if not duplicate_entries(path):
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="xxgk-template-"))
    try:
        clean = folder / path.name
        _copy_last_entries(path, clean)
        yield clean
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _copy_last_entries(source: Path, target: Path) -> None:
    """Copy the zip keeping, for each name (compared case-insensitively, as OPC does), its last entry."""
    with zipfile.ZipFile(source) as archive:
        last = {info.filename.casefold(): info for info in archive.infolist()}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for info in last.values():
                out.writestr(info, archive.open(info).read(), compress_type=zipfile.ZIP_DEFLATED)


def parse_xml(data: bytes) -> etree._Element:
    """Parse a part without resolving entities or touching the network (inspect_input refused DTDs)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    return etree.fromstring(data, parser=parser)


def read_part(archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    """A part by name as XML, or None when the package has no such part."""
    try:
        return parse_xml(archive.read(name))
    except KeyError:
        return None


def header_footer_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(kind, part name) of the headers and footers the main document uses: what docxtpl renders."""
    rels = read_part(archive, "word/_rels/document.xml.rels")
    if rels is None:
        return []
    found = []
    for rel in rels.iter(f"{RELS}Relationship"):
        kind = {HEADER_REL: "header", FOOTER_REL: "footer"}.get(rel.get("Type", ""))
        target = rel.get("Target", "")
        if kind and rel.get("TargetMode") != "External":
            name = target.lstrip("/") if target.startswith("/") else f"word/{target}"
            found.append((kind, name))
    return sorted(set(found), key=lambda item: (item[0] == "footer", _natural(item[1])))


def _natural(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits or 0), name)


# --------------------------------------------------------------------------- parts as lines of text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
CORE_PROPERTIES = (  # the core properties docxtpl renders as templates, with their Word names
    ("{http://purl.org/dc/elements/1.1/}title", "标题"),
    ("{http://purl.org/dc/elements/1.1/}subject", "主题"),
    ("{http://purl.org/dc/elements/1.1/}creator", "作者"),
    ("{http://purl.org/dc/elements/1.1/}description", "备注"),
    ("{http://purl.org/dc/elements/1.1/}identifier", "标识符"),
    ("{http://purl.org/dc/elements/1.1/}language", "语言"),
)
PART_NAMES = {"header": "页眉", "footer": "页脚"}


@dataclass(frozen=True)
class Line:
    """One paragraph (or document property) of a part: where it is, and its text as docxtpl reads it."""

    where: str  # "第3段", "表格2第1行第4列", or a property name such as "标题"
    text: str
    cell: bool = False  # the paragraph is in a table cell


@dataclass(frozen=True)
class Part:
    """A part docxtpl renders (body, a header or footer, footnotes, properties) as lines of text."""

    name: str  # 正文, 页眉, 页脚2, 脚注, 文档属性
    lines: tuple[Line, ...]


def template_parts(path: Path) -> list[Part]:
    """Every part docxtpl renders, in its order: 正文, 页眉, 页脚, 文档属性, 脚注."""
    with zipfile.ZipFile(path) as archive:
        parts = []
        document = read_part(archive, "word/document.xml")
        body = document.find(f"{W}body") if document is not None else None
        if body is not None:
            parts.append(Part("正文", paragraph_lines(body)))
        related = header_footer_parts(archive)
        for kind, name in related:
            root = read_part(archive, name)
            if root is not None:
                same_kind = [n for k, n in related if k == kind]
                number = str(same_kind.index(name) + 1) if len(same_kind) > 1 else ""
                parts.append(Part(PART_NAMES[kind] + number, paragraph_lines(root)))
        core = read_part(archive, "docProps/core.xml")
        if core is not None:
            parts.append(Part("文档属性", property_lines(core)))
        footnotes = read_part(archive, "word/footnotes.xml")
        if footnotes is not None:
            parts.append(Part("脚注", paragraph_lines(footnotes)))
    return parts


def paragraph_lines(root: etree._Element) -> tuple[Line, ...]:
    """Each paragraph in document order with where it is; copies Word keeps for old readers are skipped."""
    tables = {tbl: n for n, tbl in enumerate(root.iter(f"{W}tbl"), start=1)}
    lines, number = [], 0
    for p in root.iter(f"{W}p"):
        if any(a.tag == MC_FALLBACK for a in p.iterancestors()):
            continue
        cell = next(p.iterancestors(f"{W}tc"), None)
        if cell is None:
            number += 1
            lines.append(Line(f"第{number}段", own_text(p)))
        else:
            lines.append(Line(_cell_name(cell, tables), own_text(p), cell=True))
    return tuple(lines)


def own_text(p: etree._Element) -> str:
    """The w:t text of a paragraph, without that of paragraphs nested in it (text boxes)."""
    texts = (t.text or "" for t in p.iter(f"{W}t") if next(t.iterancestors(f"{W}p"), None) is p)
    return "".join(texts).replace("\n", " ")


def _cell_name(cell: etree._Element, tables: dict[etree._Element, int]) -> str:
    row = cell.getparent()
    table = next(cell.iterancestors(f"{W}tbl"))
    r = list(table.iterchildren(f"{W}tr")).index(row) + 1 if row.tag == f"{W}tr" else 0
    c = list(row.iterchildren(f"{W}tc")).index(cell) + 1
    return f"表格{tables[table]}第{r}行第{c}列"


def property_lines(core: etree._Element) -> tuple[Line, ...]:
    lines = []
    for tag, name in CORE_PROPERTIES:
        node = core.find(tag)
        if node is not None and node.text:
            lines.append(Line(name, node.text.replace("\n", " ")))
    return tuple(lines)
