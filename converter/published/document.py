"""The generic form every input kind is read into: paragraphs, text lines and grids of cells.

A reader only says what is on the page; recognising the official sections and tables is done once,
on this form, by `sections.py` and `tables.py`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_ITEM_NUMBER = re.compile(r"^(\d{1,2})[、.．]")


@dataclass
class GridCell:
    """One cell of a table after spans are expanded: `origin` is the (row, column) it was printed at."""

    text: str
    origin: tuple[int, int]


@dataclass
class Grid:
    """A table as printed (docx, html): rows of cells with rowspan/colspan expanded to copies."""

    rows: list[list[GridCell]]
    index: int  # 1-based, in document order
    page: int | None = None


@dataclass
class Para:
    """A paragraph of running text."""

    text: str
    page: int | None = None


@dataclass
class Line:
    """A line of a page laid out as text (pdf, txt): its cells are the runs split at wide gaps."""

    cells: list[str]
    page: int | None = None
    indent: int = 0  # leading spaces (or the equivalent on a PDF page)
    centers: list[float] | None = None  # on a PDF page: the horizontal centre of each cell

    @property
    def text(self) -> str:
        return " ".join(self.cells)


Block = Para | Grid | Line


@dataclass
class Document:
    """What a reader found, in reading order."""

    kind: str  # "docx" | "pdf" | "html" | "markdown" | "text"
    blocks: list[Block] = field(default_factory=list)
    title_hint: str = ""  # e.g. an HTML page's article title
    dates: dict[str, dt.date] = field(default_factory=dict)  # where a date was found -> the date (D2)
    published: tuple[str, str] | None = None  # (发布时间 as printed, where): a portal page's own header


@lru_cache(maxsize=16384)
def norm(text: str) -> str:
    """A label for comparison: NFKC (half-width brackets and digits), no spaces, `1、` as `1.`."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    return _ITEM_NUMBER.sub(r"\1.", text)


_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])[ \t]+|[ \t]+(?=[\u3000-\u9fff\uff00-\uffef])")


def tidy(text: str) -> str:
    """Running text as a person typed it: no spaces a layout engine put beside Chinese characters."""
    return _CJK_GAP.sub("", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


def split_cells(line: str) -> list[str]:
    """A layout text line split at runs of two or more spaces."""
    return [c.strip() for c in re.split(r"[ \u3000\xa0]{2,}", line.strip()) if c.strip()]
