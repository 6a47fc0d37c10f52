"""Word files (.docx, from Word or WPS) with python-docx: paragraphs and tables in body order."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UnreadableInput
from .document import Document, Grid, GridCell, Para
from .rows import SUPERSCRIPTS

MAX_GRID_COLUMNS = 64
"""Columns of a table as read: a span reaching beyond is cut there (表三 has 10)."""
MAX_TABLE_CELLS = 20_000
"""Cells of one table after spans are expanded (表三 has 280)."""


def read_docx(path: Path) -> Document:
    """Body paragraphs and tables in order; merged cells expanded with their origin kept."""
    import docx
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise UnreadableInput(f"{path.name} 是损坏的 Word 文件，无法读取（{type(exc).__name__}）。") from exc
    blocks: list = []
    body = document.element.body
    _mark_superscripts(body)
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(Para(Paragraph(child, document).text))
        elif tag == "tbl":
            _table(child, blocks, path)
    return Document("docx", blocks)


def _table(tbl, blocks: list, path: Path) -> None:
    """A table as a grid; a one-column layout frame (text typed inside a table) as its paragraphs."""
    rows = grid_of(tbl, path)
    if rows and all(len({c.origin for c in row}) <= 1 for row in rows):
        for tr in tbl.iterchildren(f"{W}tr"):
            for tc in tr.iterchildren(f"{W}tc"):
                if _merge(tc) == "continue":
                    continue
                for child in tc.iterchildren():
                    if child.tag == f"{W}p":
                        blocks.append(Para(paragraph_text(child)))
                    elif child.tag == f"{W}tbl":
                        _table(child, blocks, path)
        return
    index = sum(isinstance(b, Grid) for b in blocks) + 1
    blocks.append(Grid(rows, index))


def grid_of(tbl, path: Path | None = None) -> list[list[GridCell]]:
    """Rows of cells, spans expanded; a merged cell's copies share the origin of its first position.

    Read from the XML in one pass (a vertical merge takes the origin of the cell above): spans are cut
    at MAX_GRID_COLUMNS, a merge that continues nothing is a cell of its own, and a table of more than
    MAX_TABLE_CELLS cells is refused."""
    rows: list[list[GridCell]] = []
    above: list[GridCell] = []
    total = 0
    for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
        skip = min(_val(tr.find(f"{W}trPr/{W}gridBefore"), 0), MAX_GRID_COLUMNS)
        cells = [GridCell("", (r, c)) for c in range(skip)]  # a row may start after the first column
        for tc in tr.iterchildren(f"{W}tc"):
            c = len(cells)
            if c >= MAX_GRID_COLUMNS:
                break
            span = min(max(_val(tc.find(f"{W}tcPr/{W}gridSpan"), 1), 1), MAX_GRID_COLUMNS - c)
            if _merge(tc) == "continue" and c < len(above):
                cell = above[c]
            else:
                cell = GridCell(cell_text(tc), (r, c))
            cells += [cell] * span
        total += len(cells)
        if total > MAX_TABLE_CELLS:
            name = path.name if path else "文件"
            raise UnreadableInput(
                f"{name} 中有一个表格超过 {MAX_TABLE_CELLS:,} 个单元格，"
                "不像是年度报告的表格，为安全起见已停止读取。"
            )
        rows.append(cells)
        above = cells
    return rows


def _val(element, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(f"{W}val", default))
    except ValueError:
        return default


def _merge(tc) -> str | None:
    """ "restart", "continue" or None: a cell's vertical merge (w:vMerge without a value continues)."""
    merge = tc.find(f"{W}tcPr/{W}vMerge")
    return None if merge is None else merge.get(f"{W}val", "continue")


def paragraph_text(p) -> str:
    """A paragraph's text as python-docx gives it: runs, tabs and breaks, without deleted text."""
    parts = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
        tag = el.tag.rsplit("}", 1)[-1]
        parts.append(el.text or "" if tag == "t" else "\t" if tag == "tab" else "\n")
    return "".join(parts)


def cell_text(tc) -> str:
    """A cell's own paragraphs, one a line (text of tables nested in it is not the cell's)."""
    return "\n".join(paragraph_text(p) for p in tc.iterchildren(f"{W}p"))


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SUPERSCRIPT_DIGITS = str.maketrans("0123456789", SUPERSCRIPTS)


def _mark_superscripts(body) -> None:
    """Digits in superscript runs as superscript characters: a footnote marker (3001²) is not a digit."""
    for align in body.iter(f"{W}vertAlign"):
        if align.get(f"{W}val") != "superscript":
            continue
        run = align.getparent().getparent()
        for t in run.iter(f"{W}t"):
            if t.text:
                t.text = t.text.translate(SUPERSCRIPT_DIGITS)
