"""PDF with a text layer (Word/WPS exports), read with pdfplumber as lines of positioned cells."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import zlib
from collections import Counter
from contextvars import ContextVar
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..core.errors import UnreadableInput
from .document import Document, Line
from .read_text import DASHED_PAGE_NUMBER, drop_bare_page_number

MiB = 1024 * 1024
MAX_PAGES = 200
MAX_PAGE_STREAM = 4 * MiB
"""A page's content (and each form it draws) decoded; a report page is 20–200 KiB."""
MAX_PAGE_CHARS = 30_000
"""Characters shown on one page; a dense report page has about 2,000."""
MAX_FILE_CHARS = 100_000
MAX_OPERATIONS = 300_000
"""Drawing operations of the whole file, forms drawn many times counted each time (the 5-page
reference report has about 90,000)."""
MAX_SECONDS = 20.0
FORM_WEIGHT = 20  # a form drawn costs pdfminer as much as about 20 operations (a sub-interpreter, resources)

DAMAGED = (
    "{name} 是损坏的 PDF 文件，无法读取（{why}）；请向发布单位索取完好的文件，或改用其 Word 文件、网页。"
)
PASSWORD = "{name} 有打开密码（加密的 PDF），无法读取；请提供未加密的文件。"


class PdfLimit(Exception):
    """The file asks for more work than any annual report needs."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class Budget:
    """Work done on one file: drawing operations, characters shown, time."""

    def __init__(self) -> None:
        self.operations = 0
        self.chars = 0
        self.page_chars = 0
        self.next_clock = 0x3FFF
        self.deadline = time.monotonic() + MAX_SECONDS

    def step(self, weight: int = 1) -> None:
        self.operations += weight
        if self.operations > MAX_OPERATIONS:
            raise PdfLimit(f"绘制操作超过 {MAX_OPERATIONS:,} 个")
        if self.operations >= self.next_clock:
            self.next_clock = self.operations + 0x3FFF
            if time.monotonic() > self.deadline:
                raise PdfLimit(f"读取超过 {MAX_SECONDS:.0f} 秒")

    def show(self, seq) -> None:
        n = sum(len(s) for s in seq if isinstance(s, bytes | str))
        self.page_chars += n
        self.chars += n
        if self.page_chars > MAX_PAGE_CHARS:
            raise PdfLimit(f"一页的文字超过 {MAX_PAGE_CHARS:,} 个字符")
        if self.chars > MAX_FILE_CHARS:
            raise PdfLimit(f"全文超过 {MAX_FILE_CHARS:,} 个字符")


_BUDGET: ContextVar[Budget] = ContextVar("pdf_budget")


def _interpreter_class():
    """pdfminer's page interpreter, counting each operation and each character shown against the budget."""
    from pdfminer.pdfinterp import PDFPageInterpreter

    class Bounded(PDFPageInterpreter):
        def push(self, obj) -> None:
            _BUDGET.get().step()
            super().push(obj)

        def do_TJ(self, seq) -> None:
            _BUDGET.get().show(seq)
            super().do_TJ(seq)

        def render_contents(self, resources, streams, ctm=(1, 0, 0, 1, 0, 0)) -> None:
            _BUDGET.get().step(FORM_WEIGHT)  # a form drawn: fan-out of forms is counted draw by draw
            super().render_contents(resources, streams, ctm)

    def counted(base):
        def op(self) -> None:
            _BUDGET.get().step()
            base(self)

        return op

    for name in dir(PDFPageInterpreter):  # operators without operands (q, Q, S, n, BT…) count too
        base = getattr(PDFPageInterpreter, name)
        if name.startswith("do_") and callable(base) and base.__code__.co_argcount == 1:
            setattr(Bounded, name, counted(base))
    return Bounded


def _check_streams(page) -> None:
    """Each content stream of the page, and each form it may draw, inflates to at most MAX_PAGE_STREAM."""
    from pdfminer.pdftypes import LITERALS_FLATE_DECODE, resolve1, stream_value

    streams = list(page.page_obj.contents)
    xobjects = resolve1((page.page_obj.resources or {}).get("XObject")) or {}
    if isinstance(xobjects, dict):
        streams += list(xobjects.values())
    for ref in streams:
        try:
            stream = stream_value(ref)
        except Exception:  # not a stream: pdfminer skips it too
            continue
        raw = stream.rawdata if stream.rawdata is not None else b""
        filters = stream.get_filters()
        if len(raw) > MAX_PAGE_STREAM:
            raise PdfLimit(f"一页的内容超过 {MAX_PAGE_STREAM // MiB} MiB")
        if filters and filters[0][0] in LITERALS_FLATE_DECODE:
            inflater = zlib.decompressobj()
            try:
                out = inflater.decompress(raw, MAX_PAGE_STREAM + 1)
            except zlib.error:
                continue  # pdfminer reads what it can of a damaged stream
            if len(out) > MAX_PAGE_STREAM:
                raise PdfLimit(f"一页的内容解压后超过 {MAX_PAGE_STREAM // MiB} MiB（疑似“压缩炸弹”）")


def read_pdf(path: Path) -> Document:
    """Each page's words grouped into lines and cells; a PDF without any text is refused.

    Damaged and encrypted files are refused in Chinese; the work per file is bounded (pages, content
    size, drawing operations, characters, time), so a hostile file is refused in seconds."""
    import pdfplumber  # heavy: only when a PDF is read

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its notes on odd fonts are not the clerk's
    token = _BUDGET.set(Budget())
    try:
        lines, dates = _read(path, pdfplumber)
    except UnreadableInput:
        raise
    except PdfLimit as exc:
        raise UnreadableInput(
            f"{path.name} 的内容超出一份年度报告可能的规模（{exc.what}），为安全起见已停止读取；"
            "请确认选择了正确的文件。"
        ) from exc
    except (MemoryError, RecursionError) as exc:
        raise UnreadableInput(
            f"{path.name} 的结构过于复杂（{type(exc).__name__}），为安全起见已停止读取；"
            "请确认选择了正确的文件。"
        ) from exc
    except Exception as exc:  # pdfminer raises many kinds for a damaged file; pdfplumber wraps them
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__ or exc
        if _is_encryption(cause) or _is_encryption(exc):
            raise UnreadableInput(PASSWORD.format(name=path.name)) from exc
        if isinstance(cause, PdfLimit):
            raise UnreadableInput(
                f"{path.name} 的内容超出一份年度报告可能的规模（{cause.what}），为安全起见已停止读取。"
            ) from exc
        raise UnreadableInput(DAMAGED.format(name=path.name, why=_why(cause))) from exc
    finally:
        _BUDGET.reset(token)
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


def _is_encryption(exc: BaseException) -> bool:
    from pdfminer.pdfdocument import PDFEncryptionError

    return isinstance(exc, PDFEncryptionError) or type(exc).__name__ in (
        "PDFPasswordIncorrect",
        "PDFEncryptionError",
    )


def _why(exc: BaseException) -> str:
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSEOF

    if isinstance(exc, PSEOF):
        return "文件不完整，可能只下载了一部分"
    if isinstance(exc, PDFSyntaxError):
        return "文件结构（交叉引用表）有误"
    return type(exc).__name__


def _read(path: Path, pdfplumber) -> tuple[list[Line], dict[str, dt.date]]:
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent

    interpreter_class = _interpreter_class()
    lines: list[Line] = []
    with pdfplumber.open(path) as pdf:
        if len(pdf.pages) > MAX_PAGES:
            raise UnreadableInput(
                f"{path.name} 有 {len(pdf.pages)} 页，超过 {MAX_PAGES} 页，不像是一份年度报告。"
            )
        dates = _dates(pdf.metadata)
        for number, page in enumerate(pdf.pages, start=1):
            _check_streams(page)
            _BUDGET.get().page_chars = 0
            device = PDFPageAggregatorWithMarkedContent(
                pdf.rsrcmgr, pageno=page.page_number, laparams=pdf.laparams
            )
            interpreter_class(pdf.rsrcmgr, device).process_page(page.page_obj)
            page._layout = device.get_result()  # as pdfplumber's Page.layout, with the bounded interpreter
            lines += page_lines(page.extract_words(x_tolerance=1.5, y_tolerance=2), number)
            page.flush_cache()
    return lines, dates


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
