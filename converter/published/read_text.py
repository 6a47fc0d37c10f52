"""Plain text: copied from a web page, or made by `pdftotext -layout` (pages split by form feeds)."""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import UnreadableInput
from .document import Document, Line, split_cells

PAGE_NUMBER = re.compile(r"^[-—–－\s]*[0-9０-９]{0,3}[-—–－\s]*$|^第\s*\d+\s*页(共\s*\d+\s*页)?$")
DASHED_PAGE_NUMBER = re.compile(
    r"^[-—–－]\s*[0-9０-９]{1,3}\s*[-—–－]$|^[-—–－\s]*$|^第\s*\d+\s*页(共\s*\d+\s*页)?$"
)
"""A page number anywhere: `-3-`, `— 3 —`, `第3页`. A bare `3` is one only as a page's last line: inside a
table a lone number may be the wrapped digits of a cell, which must be seen."""


def drop_bare_page_number(lines: list[Line]) -> list[Line]:
    """Without a page's last line when it is a bare number (its page number)."""
    if lines and PAGE_NUMBER.match(lines[-1].text.strip()):
        return lines[:-1]
    return lines


MAX_TEXT_BYTES = 5 * 1024 * 1024
"""A report's text is tens of KiB; Markdown with images inlined (base64) may be a few MiB on few lines."""
MAX_TEXT_LINES = 10_000
"""A report is a few hundred lines (a per-row Markdown table a few more); reading takes ~0.3 ms a line."""


def read_bounded(path: Path) -> str:
    """A text or Markdown file's text, refused past `MAX_TEXT_BYTES` or `MAX_TEXT_LINES`."""
    with path.open("rb") as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise UnreadableInput(
            f"{path.name} 超过 {MAX_TEXT_BYTES // 1024 // 1024} MiB，不像是一份年度报告的文本。"
        )
    text = decode(data, path)
    lines = text.count("\n") or text.count("\r")  # ends of lines: Unix, Windows, or old Mac
    lines += bool(text) and not text.endswith(("\n", "\r"))  # a last line without its end
    if lines > MAX_TEXT_LINES:
        raise UnreadableInput(
            f"{path.name} 有 {lines:,} 行，超过 {MAX_TEXT_LINES:,} 行，不像是一份年度报告的文本"
            "（一份报告通常只有几百行）。"
        )
    return text


def decode(data: bytes, path: Path) -> str:
    """Text in UTF-8 (with or without BOM), UTF-16 with a BOM, or GB18030 (GBK/GB2312)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableInput(
        f"{path.name} 不是能识别编码的文本文件（应为 UTF-8 或 GBK）；请另存为 UTF-8 文本后重试。"
    )


def lines_of(text: str, page: int | None = 1) -> list[Line]:
    """Non-blank lines as cells; a form feed starts the next page; page numbers are dropped."""
    lines: list[Line] = []
    done: list[Line] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if "\f" in raw and page is not None:
            page += raw.count("\f")
            raw = raw.replace("\f", "")
            done += drop_bare_page_number(lines)
            lines = []
        expanded = raw.expandtabs(4).replace("\u3000", "  ")
        stripped = expanded.strip()
        if not stripped or DASHED_PAGE_NUMBER.match(stripped):
            continue
        indent = len(expanded) - len(expanded.lstrip())
        cells = (
            [c.strip() for c in expanded.split("|") if c.strip()]
            if "|" in expanded
            else split_cells(expanded)
        )
        lines.append(Line(cells, page, indent))
    return done + drop_bare_page_number(lines)


def read_text(path: Path) -> Document:
    """A text file as lines of cells."""
    text = read_bounded(path)
    has_pages = "\f" in text
    return Document("text", list(lines_of(text, 1 if has_pages else None)))
