"""Markdown, as converters make it from PDF or Word: `#` headings, paragraphs, pipe tables.

Converters split tables into one small table per row (each under its own `###` heading), repeat or
degrade header rows (`数据1 … 数据7`), pull wrapped row labels out of the table, and leave page footers
(`— 3 —`) between rows. The reader only says what is on the page: headings and paragraphs as lines of
text, table rows as lines of cells; the table reader pairs labels and numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from .document import Document, Line
from .read_text import DASHED_PAGE_NUMBER, read_bounded
from .sections import date_parts

HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
TAGS = re.compile(r"</?(?:span|font|b|strong|em|i|u|p|div)\b[^>]*>", re.IGNORECASE)
SUP = re.compile(r"<sup>\s*(\d+)\s*</sup>", re.IGNORECASE)
LIST_MARK = re.compile(r"^\s*(?:[-*+]\s+|>\s*)")
ENDS_SENTENCE = tuple("。；！？：;!?:")
STARTS_ITEM = re.compile(
    r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[.．、](?!\d)|第[一二三四五六七八九十]+[条项部]|表[一二三四])"
)
SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def is_markdown(text: str) -> bool:
    """Text with a pipe table's separator row, or at least two `#` headings."""
    head = text[:200_000]
    if re.search(r"^\s*\|?\s*:?-{3,}:?\s*\|", head, re.MULTILINE):
        return True
    return len(re.findall(r"^#{1,6}\s+\S", head, re.MULTILINE)) >= 2


def inline(text: str) -> str:
    """A cell or line without Markdown's marks: emphasis, <br>, simple tags, escaped pipes."""
    text = SUP.sub(lambda m: m.group(1).translate(SUPERSCRIPT_DIGITS), text)
    text = BREAK.sub("", TAGS.sub("", text))
    text = EMPHASIS.sub(r"\2", text)
    return text.replace("\\|", "|").replace("\\*", "*").replace("\\_", "_").strip()


def cells_of(row: str) -> list[str]:
    """A pipe table row's cells: an empty cell between others is kept (a blank in its column), empty
    cells at the end (left over from merged cells) are not."""
    cells = [inline(p) for p in re.split(r"(?<!\\)\|", row.strip().strip("|"))]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def continues(previous: str, line: str) -> bool:
    """A line of a Markdown paragraph goes on with the line before it, unless it starts a numbered item
    or sub-heading (（一）, 1.) after a finished sentence or a short heading-like line."""
    if date_parts(line):
        return False  # the signing date under the organ's name
    return not STARTS_ITEM.match(line) or (not previous.endswith(ENDS_SENTENCE) and len(previous) > 40)


def markdown_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            lines.append(Line(["".join(para)]))
            para.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"):
        stripped = raw.strip()
        if not stripped or DASHED_PAGE_NUMBER.match(stripped):
            flush()
            continue
        if SEPARATOR.match(stripped):
            continue
        if TABLE_ROW.match(stripped):
            flush()
            cells = cells_of(stripped)
            if any(cells):
                lines.append(Line(cells))
            continue
        if heading := HEADING.match(raw):
            flush()
            if body := inline(heading.group(2)):
                lines.append(Line([body]))
            continue
        line = inline(LIST_MARK.sub("", stripped))
        if para and not continues(para[-1], line):
            flush()
        para.append(line)
    flush()
    return lines


def read_markdown(path: Path) -> Document:
    return Document("markdown", markdown_lines(read_bounded(path)))
