"""PDF with a text layer (Word/WPS exports), read with pdfplumber as lines of positioned cells."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..core.errors import UnreadableInput
from .document import Document, Line
from .read_text import DASHED_PAGE_NUMBER, drop_bare_page_number

MAX_PAGES = 200


def read_pdf(path: Path) -> Document:
    """Each page's words grouped into lines and cells; a PDF without any text is refused."""
    import pdfplumber  # heavy: only when a PDF is read
    from pdfminer.pdfparser import PDFSyntaxError

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its notes on odd fonts are not the clerk's
    lines: list[Line] = []
    try:
        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise UnreadableInput(
                    f"{path.name} 有 {len(pdf.pages)} 页，超过 {MAX_PAGES} 页，不像是一份年度报告。"
                )
            dates = _dates(pdf.metadata)
            for number, page in enumerate(pdf.pages, start=1):
                lines += page_lines(page.extract_words(x_tolerance=1.5, y_tolerance=2), number)
                page.flush_cache()
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise UnreadableInput(f"{path.name} 是损坏的 PDF 文件，无法读取（{type(exc).__name__}）。") from exc
    except Exception as exc:
        # pdfplumber wraps pdfminer's errors on opening in its own PdfminerException
        inner = exc.args[0] if type(exc).__name__ == "PdfminerException" and exc.args else exc
        if type(inner).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError"):
            raise UnreadableInput(f"{path.name} 是加密的 PDF 文件；请先去掉密码再导入。") from exc
        if inner is not exc:
            name = type(inner).__name__
            raise UnreadableInput(f"{path.name} 是损坏的 PDF 文件，无法读取（{name}）。") from exc
        raise
    if not lines:
        raise UnreadableInput(
            f"{path.name} 没有文字层（可能是扫描件或图片），无法读取其中的文字和数字；"
            "请使用发布单位的 Word 文件或网页，或先用 OCR 软件转为可选中文字的 PDF。"
        )
    return Document("pdf", lines, dates=dates)


PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")
CREATION_DATE = "PDF 创建日期"


def _dates(metadata: dict[str, Any]) -> dict[str, dt.date]:
    """The PDF's creation date (D:20250225021115+00'00'), when it is a real date."""
    raw = metadata.get("CreationDate")
    match = PDF_DATE.match(raw if isinstance(raw, str) else "")
    if not match:
        return {}
    try:
        return {CREATION_DATE: dt.date(*(int(g) for g in match.groups()))}
    except ValueError:
        return {}


def page_lines(words: list[dict[str, Any]], page: int) -> list[Line]:
    """Words → lines (close `top`) → cells (split where the gap is wider than a character)."""
    if not words:
        return []
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        height = word["bottom"] - word["top"]
        if rows and abs(rows[-1][0]["top"] - word["top"]) < height * 0.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    for row in rows:
        row.sort(key=lambda w: w["x0"])
    # the body's left margin: where most lines start (a wide table may start further left)
    left = Counter(round(row[0]["x0"]) for row in rows).most_common(1)[0][0]
    lines = []
    for row in rows:
        line = _line(row, left, page)
        if not DASHED_PAGE_NUMBER.match(line.text.strip()):
            lines.append(line)
    return drop_bare_page_number(lines)


def _line(row: list[dict[str, Any]], left: float, page: int) -> Line:
    size = max(w["bottom"] - w["top"] for w in row) or 10.0
    cells = [row[0]["text"]]
    spans = [[row[0]["x0"], row[0]["x1"]]]
    for before, word in pairwise(row):
        gap = word["x0"] - before["x1"]
        if gap > size * 0.8:
            cells.append(word["text"])
            spans.append([word["x0"], word["x1"]])
        else:
            cells[-1] += (" " if gap > size * 0.15 else "") + word["text"]
            spans[-1][1] = word["x1"]
    indent = round((row[0]["x0"] - left) / (size / 2))
    return Line(cells, page, max(0, indent), [(x0 + x1) / 2 for x0, x1 in spans])
