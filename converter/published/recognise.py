"""Find 表二, 表三 and 表四 in a document (grids by their labels, text lines by section) and read them."""

from __future__ import annotations

import itertools

from ..format import official as fmt
from .document import Document, Grid, Line, norm
from .labels import review_column
from .notes import ImportPosition
from .rows import Candidate, ValueCell, glued_splits, similarity
from .sections import Layout
from .tables import (
    APPLICANT_LABELS,
    T2,
    T3,
    T4,
    WRAPPED,
    Reader,
    align,
    check_totals,
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
    old_format = _check_2019(doc, reader)
    lines = [(i, b) for i, b in enumerate(doc.blocks) if isinstance(b, Line)]
    if lines:
        c2 += [c for c in _lines(doc, layout, "proactive", 1) if _is_table2_row(c)]
        c3 += _with_columns(doc, layout, _lines(doc, layout, "applications", 3))
        c4 += _lines(doc, layout, "review", 5) if "review" in layout.starts else _review_by_shape(doc)
        c4 = c4 or _glued_review(doc, layout)
    if not old_format:  # the 2019 表二 has other columns (新制作, 新公开…): nothing of it maps
        read_aligned(reader, T2, c2, t2)
    missing: list[str] | None = [] if old_format else None
    read_aligned(reader, T3, c3, t3, missing)
    if missing:
        reader.note(
            None, "format_2019", "warning",
            f"2019 年试行格式的{T3}没有（或未找到）2021 年格式的 {len(missing)} 行"
            f"（{'、'.join(missing[:3])}{'等' if len(missing) > 3 else ''}），这些行留空",
            ImportPosition(table=T3),
        )  # fmt: skip
    _read_review(reader, c4)
    check_totals(reader)
    return reader


NOISE = (
    *(norm(label) for _, label, items in fmt.OUTCOME_GROUPS if items),
    norm(next(c.label for c in fmt.APPLICATIONS.cells if c.label and c.rowspan > 3)),
)


def _check_2019(doc: Document, reader: Reader) -> bool:
    """A report in the 2019 trial format has other tables: say so once instead of guessing."""
    text = norm("".join(c.text for b in doc.blocks if isinstance(b, Grid) for row in b.rows for c in row))
    text += norm("".join(getattr(b, "text", "") for b in doc.blocks if not isinstance(b, Grid)))
    seen = [label for label in fmt.LABELS_2019 if norm(label) in text]
    if len(seen) < 2:
        return False
    reader.note(
        None, "format_2019", "error",
        f"这是 2019 年试行格式（国办公开办函〔2019〕60号）的报告（表中有“{seen[0]}”“{seen[1]}”）："
        f"{T2}的栏目与 2021 年格式不同，未读入；{T3}、{T4}按行标签读入能对应的数字",
        ImportPosition(),
    )  # fmt: skip
    return True


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


def _review_by_shape(doc: Document) -> list[Candidate]:
    """Without its heading, 表四 is the one line of exactly 15 numbers (no other table has as many)."""
    lines = [b for b in doc.blocks if isinstance(b, Line)]
    found = [c for c in line_candidates(lines, len(table4_columns())) if not c.stray]
    return [c for c in found if len(c.values) == len(table4_columns())][:1]


def _glued_review(doc: Document, layout: Layout) -> list[Candidate]:
    """表四's 15 figures glued into one run of digits (a portal's text copy)."""
    lo, hi = layout.region("review", len(doc.blocks))
    for block in doc.blocks[lo:hi] if "review" in layout.starts else ():
        digits = block.text.replace(" ", "") if isinstance(block, Line) else ""
        if digits.isdigit() and len(digits) >= len(table4_columns()):
            return [Candidate([""], [], block.page, None, lo + 1, glued=digits)]
    return []


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
    if cand.glued:
        n = len(columns)
        digits = cand.glued
        splits = [list(digits)] if len(digits) == n else glued_splits(digits, [(n // 3, True)] * 3)
        pos = ImportPosition(cand.page, T4)
        if len(splits) != 1:
            why = "有多种拆分" if splits else "无法按标准格式的列拆分"
            reader.note(
                columns[0][0],
                "glued_digits",
                "error",
                f"{T4}的数字连在一起印作“{digits}”，{why}，未读入",
                pos,
            )
            return
        cand.values = [ValueCell(v) for v in splits[0]]
        reader.note(
            columns[0][0], "glued_digits", "warning",
            f"{T4}的数字连在一起印作“{digits}”，按唯一可能的拆分（{' '.join(splits[0])}）读入", pos,
        )  # fmt: skip
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
