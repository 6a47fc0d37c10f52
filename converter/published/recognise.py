"""Find 表二, 表三 and 表四 in a document (grids by their labels, text lines by section) and read them."""

from __future__ import annotations

import itertools

from ..format import official as fmt
from .document import Document, Grid, Line, norm
from .labels import review_column
from .notes import ImportPosition
from .rows import Candidate, similarity
from .sections import Layout
from .tables import (
    APPLICANT_LABELS,
    T2,
    T3,
    T4,
    WRAPPED,
    Reader,
    align,
    grid_candidates,
    line_candidates,
    read_aligned,
    table2_targets,
    table3_targets,
    table4_columns,
)

TABLE2_MATCH = 0.8


def _ends(label: str):
    target = norm(label)
    return lambda head: head.endswith(target)


def _review_column(group: str, outcome: str):
    g, o = norm(group), norm(outcome)
    if group == fmt.REVIEW_GROUPS[0][1]:
        return lambda head: g in head and "诉讼" not in head and head.endswith(o)
    return lambda head: g in head and head.endswith(o)


T3_COLUMNS = [_ends(label) for label in APPLICANT_LABELS]
T4_COLUMNS = [_review_column(g, o) for _, g, o in table4_columns()]


def read_tables(doc: Document, layout: Layout) -> Reader:
    """All values of the three tables, with notes; grids when the document has them, else text lines."""
    reader = Reader()
    t2, t3 = table2_targets(), table3_targets()
    grids = [b for b in doc.blocks if isinstance(b, Grid)]
    c2: list[Candidate] = []
    c3: list[Candidate] = []
    c4: list[Candidate] = []
    previous = ""
    for grid in grids:
        plain = grid_candidates(grid, t3, None)
        matched = len(align(plain, t3))
        if matched >= 6 or (previous == T3 and matched >= 1):  # a table continued on the next page
            c3 += grid_candidates(grid, t3, T3_COLUMNS)
            previous = T3
        elif _is_review(grid) or (previous == T4 and not c4 and any(len(c.values) >= 10 for c in plain)):
            c4 += grid_candidates(grid, [], T4_COLUMNS) if _is_review(grid) else plain
            previous = T4
        else:
            c2 += [c for c in plain if _is_table2_row(c)]
            previous = T2 if any(_is_table2_row(c) for c in plain) else ""
    _check_2019(doc, reader)
    lines = [(i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Line)]
    if lines:
        c2 += [c for c in _lines(doc, layout, "proactive", 1) if _is_table2_row(c)]
        c3 += _with_columns(doc, layout, _lines(doc, layout, "applications", 3))
        c4 += _lines(doc, layout, "review", 5)
    read_aligned(reader, T2, c2, t2)
    read_aligned(reader, T3, c3, t3)
    _read_review(reader, c4)
    return reader


NOISE = (
    *(norm(label) for _, label, items in fmt.OUTCOME_GROUPS if items),
    norm(next(c.label for c in fmt.APPLICATIONS.cells if c.label and c.rowspan > 3)),
)


def _check_2019(doc: Document, reader: Reader) -> None:
    """A report in the 2019 trial format has other tables: say so once instead of guessing."""
    text = norm("".join(c.text for b in doc.blocks if isinstance(b, Grid) for row in b.rows for c in row))
    text += norm("".join(getattr(b, "text", "") for b in doc.blocks if not isinstance(b, Grid)))
    seen = [label for label in fmt.LABELS_2019 if norm(label) in text]
    if len(seen) >= 2:
        reader.note(
            None, "format_2019", "error",
            f"这是 2019 年试行格式（国办公开办函〔2019〕60号）的报告（表中有“{seen[0]}”“{seen[1]}”），"
            "与 2021 年格式的表格不同，对不上的数字均未读入",
            ImportPosition(),
        )  # fmt: skip


HEADER_STARTS = tuple(norm(label)[:2] for label in APPLICANT_LABELS)  # 自然 商业 … 总计 (labels wrap)


def _with_columns(doc: Document, layout: Layout, cands: list[Candidate]) -> list[Candidate]:
    """On a PDF page, the 表三 column headers' centres, for rows printed with a blank cell."""
    if not cands:
        return cands
    lo, _ = layout.region("applications", len(doc.blocks))
    header = [b for b in doc.blocks[lo : cands[0].row - 1] if isinstance(b, Line) and b.centers]
    found: list[float] = []
    for start in HEADER_STARTS:
        x = next(
            (c for b in header for t, c in zip(b.cells, b.centers, strict=True) if norm(t).startswith(start)),
            None,
        )
        if x is None:
            return cands
        found.append(x)
    if all(a < b for a, b in itertools.pairwise(found)):
        for cand in cands:
            cand.columns_x = found
    return cands


def _lines(doc: Document, layout: Layout, key: str, min_values: int) -> list[Candidate]:
    lo, hi = layout.region(key, len(doc.blocks))
    lines = [b for b in doc.blocks[lo:hi] if isinstance(b, Line)]
    return line_candidates(lines, min_values, lo, NOISE if key == "applications" else ())


def _is_review(grid: Grid) -> bool:
    text = norm("".join(c.text for row in grid.rows[:3] for c in row))
    return "行政复议" in text and "行政诉讼" in text


def _is_table2_row(cand: Candidate) -> bool:
    return any(similarity(cand.printed, t.label) >= TABLE2_MATCH for t in table2_targets())


def _read_review(reader: Reader, cands: list[Candidate]) -> None:
    """表四's one row of 15 values (the first row that has them)."""
    columns = table4_columns()
    if not cands:
        reader.note(
            columns[0][0], "table_missing", "error",
            f"未找到{T4}（行政复议、行政诉讼情况）的数字行，表四未读入",
            ImportPosition(table=T4),
        )  # fmt: skip
        return
    cand = next((c for c in cands if not c.stray), cands[0])
    if cand.uncertain or cand.stray:
        reader.note(columns[0][0], "wrapped_number", "error", WRAPPED, ImportPosition(cand.page, T4))
        return
    cands = [c for c in cands if not c.stray]
    if len(cands) > 1:
        reader.note(
            None, "row_extra", "warning", f"{T4}有多个数字行，只读入第一行", ImportPosition(cand.page, T4)
        )
    if not cand.mapped and len(cand.values) != len(columns):
        reader.note(
            columns[0][0], "value_count", "error",
            f"{T4}的数字行有 {len(cand.values)} 个数值，标准格式为 {len(columns)} 个，无法确定各列，未读入",
            ImportPosition(cand.page, T4),
        )  # fmt: skip
        return
    for (key, group, outcome), cell in zip(columns, cand.values, strict=False):
        reader.put(key, cell, ImportPosition(cand.page, T4, None, review_column(group, outcome)))
