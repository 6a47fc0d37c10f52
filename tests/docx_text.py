"""The text of a .docx in document order, for golden tests: paragraphs, then table rows cell by cell.

A merged cell is printed once: a gridSpan cell is one `w:tc` anyway, and vMerge continuation cells are
skipped.  Empty paragraphs are left out.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def paragraph_text(p: etree._Element) -> str:
    parts = []
    for node in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}tab":
            if node.getparent().tag == f"{W}r":  # a tab character, not a tab stop of the paragraph
                parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def is_continuation(tc: etree._Element) -> bool:
    merge = tc.find(f"{W}tcPr/{W}vMerge")
    return merge is not None and merge.get(f"{W}val", "continue") == "continue"


def table_lines(tbl: etree._Element) -> list[str]:
    lines = []
    for tr in tbl.iterchildren(f"{W}tr"):
        cells = [
            "\n".join(paragraph_text(p) for p in tc.iterchildren(f"{W}p")).strip()
            for tc in tr.iterchildren(f"{W}tc")
            if not is_continuation(tc)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def body_lines(body: etree._Element) -> list[str]:
    lines: list[str] = []
    for child in body:
        if child.tag == f"{W}p":
            text = paragraph_text(child)
            if text.strip():
                lines.append(text)
        elif child.tag == f"{W}tbl":
            lines.extend(table_lines(child))
    return lines


def docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    return "\n".join(body_lines(root.find(f"{W}body"))) + "\n"


def part_xml(path: Path) -> dict[str, str]:
    """document, header and footer parts of a .docx as text, by part name."""
    with zipfile.ZipFile(path) as z:
        return {
            name: z.read(name).decode("utf-8")
            for name in z.namelist()
            if name.startswith("word/")
            and name.endswith(".xml")
            and name.split("/")[-1].startswith(("document", "header", "footer"))
        }
