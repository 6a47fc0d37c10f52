"""Word files (.docx, from Word or WPS) with python-docx: paragraphs and tables in body order."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import UnreadableInput
from .document import Document, Grid, GridCell, Para


def read_docx(path: Path) -> Document:
    """Body paragraphs and tables in order; merged cells expanded with their origin kept."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise UnreadableInput(f"{path.name} 是损坏的 Word 文件，无法读取（{type(exc).__name__}）。") from exc
    blocks: list = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(Para(Paragraph(child, document).text))
        elif tag == "tbl":
            _table(Table(child, document), blocks)
    return Document("docx", blocks)


def _table(table, blocks: list) -> None:
    """A table as a grid; a one-column layout frame (text typed inside a table) as its paragraphs."""
    rows = grid_of(table)
    if rows and all(len({c.origin for c in row}) <= 1 for row in rows):
        seen: set = set()
        for row in table.rows:
            for cell in row.cells:
                if cell._tc in seen:
                    continue
                seen.add(cell._tc)
                blocks.extend(Para(p.text) for p in cell.paragraphs)
                for inner in cell.tables:
                    _table(inner, blocks)
        return
    index = sum(isinstance(b, Grid) for b in blocks) + 1
    blocks.append(Grid(rows, index))


def grid_of(table) -> list[list[GridCell]]:
    """Rows of cells, spans expanded; a merged cell's copies share the origin of its first position.

    Walks the <w:tr>/<w:tc> elements once, as python-docx's `row.cells` would yield them (a gridSpan
    repeated, a vMerge continuation standing for the cell above it), without its per-cell XPath
    look-ups of the cell above (which took most of the time of reading a report)."""
    rows: list[list[GridCell]] = []
    above: dict[int, GridCell] = {}  # grid column -> the cell at that column in the row before
    for r, tr in enumerate(table._tbl.tr_lst):
        skip = tr.grid_before  # a row may start after the first column: keep columns aligned
        cells = [GridCell("", (r, c)) for c in range(skip)]
        for tc in tr.tc_lst:
            column = len(cells)
            if tc.vMerge == "continue" and column in above:
                top = above[column]
                span = tc.grid_span
                cells += [GridCell(top.text, top.origin) for _ in range(span)]
                continue
            text = "\n".join(p.text for p in tc.p_lst)
            cells += [GridCell(text, (r, column)) for _ in range(tc.grid_span)]
        rows.append(cells)
        above = dict(enumerate(cells))
    return rows
