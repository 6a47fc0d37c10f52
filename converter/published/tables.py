"""Recognise 表二, 表三 and 表四 by their labels (from converter.format) and read their numbers.

Rows are matched to the official rows by label similarity in reading order (a monotone alignment), so
wrapped labels, misprints, a missing or an extra row do not shift the others. Columns of a grid are
found by their header labels; a text line must carry exactly the official number of values.
A value is only taken when it is read with certainty; anything else is a note and stays None.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..format import official as fmt
from .document import Grid, Line, norm
from .notes import ImportNote, ImportPosition
from .rows import (
    Candidate,
    ValueCell,
    column_headers,
    footnote,
    glued_splits,
    grid_labels,
    is_number,
    line_candidates,
    parse_amount,
    parse_count,
    place_by_position,
    row_split,
    similarity,
    value_cell,
)

WRAPPED = "该行旁边有不属于任何一行的数字（可能是单元格太窄，数字折成了两行），本行的数无法确定，未读入"
MATCH = 0.6  # a row label at least this alike is the official row (reading order settles the rest)
EXACT = 0.999

T2, T3, T4 = (fmt.TABLE_BY_ID[t].name for t in ("proactive", "applications", "review"))
APPLICANT_LABELS = tuple(label for _, label in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))
APPLICANT_KEYS = tuple(key for key, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))


@dataclass(frozen=True)
class Target:
    """An official row: its key (a group row of several items is `group`), label, value keys, columns."""

    key: str
    label: str
    value_keys: tuple[str, ...]
    columns: tuple[str, ...]
    group_of: tuple[str, ...] = ()  # for a group row printed alone: the item rows it stands for


def table3_targets() -> list[Target]:
    """The 25 rows of 表三 in order, with each group's own label before its items (printed as one row)."""
    out = []
    cols = APPLICANT_LABELS
    labels = {c.row: c.label for c in fmt.APPLICATIONS.cells if c.label and c.col in (0, 1, 2) and c.row >= 3}
    items_by_group = {g: items for g, _, items in fmt.OUTCOME_GROUPS}
    group_labels = {g: label for g, label, _ in fmt.OUTCOME_GROUPS}
    emitted = set()
    for i, (row, _desc) in enumerate(fmt.APPLICATION_ROWS):
        group = row.split(".")[0]
        if "." in row and group not in emitted:
            emitted.add(group)
            item_rows = tuple(f"{group}.{item}" for item, _ in items_by_group[group])
            keys = tuple(f"applications.{r}.{c}" for r in item_rows for c in APPLICANT_KEYS)
            out.append(Target(group, group_labels[group], keys, cols, item_rows))
        label = labels.get(3 + i) if "." not in row else dict(items_by_group[group])[row.split(".")[1]]
        label = label or group_labels.get(row, row)
        out.append(Target(row, label, tuple(f"applications.{row}.{c}" for c in APPLICANT_KEYS), cols))
    return out


def table2_targets() -> list[Target]:
    """表二's six rows: label and the value keys in the official column order."""
    out = []
    for _header, titles, rows, cols, _kind in fmt.PROACTIVE_BLOCKS:
        for row_key, row_label in rows:
            keys = tuple(f"proactive.{row_key}.{c}" for c in cols)
            out.append(Target(row_key, row_label, keys, titles))
    return out


def table4_columns() -> list[tuple[str, str, str]]:
    """(value key, group label, outcome label) for the 15 columns of 表四."""
    return [(f"{g}.{o}", gl, ol) for g, gl in fmt.REVIEW_GROUPS for o, ol in fmt.REVIEW_OUTCOMES]


# --------------------------------------------------------------------------- alignment


def exact_target(cand: Candidate, targets: list[Target]) -> int | None:
    """The one official row whose label the candidate prints exactly (its own label, or joined pieces)."""
    if cand.stray or cand.bare:
        return None
    printed = [norm(a) for a in cand.labels if a]
    hits = [
        t for t, target in enumerate(targets)
        if any(p == norm(target.label) or (p.endswith(norm(target.label)) and MARKER.match(target.label))
               for p in printed)
    ]  # fmt: skip
    return hits[0] if len(hits) == 1 else None


def align(cands: list[Candidate], targets: list[Target]) -> dict[int, tuple[int, float]]:
    """Target index → (candidate index, score), each score ≥ MATCH.

    A row that prints an official label exactly belongs to that row wherever it stands (rows printed in
    another order are read by label, never by position). The others are matched keeping order between
    those anchors; a row whose label is exactly another official row's is never taken for this one.
    """
    exact: dict[int, int] = {}
    claimed: dict[int, int] = {}
    for i, cand in enumerate(cands):
        t = exact_target(cand, targets)
        if t is not None:
            claimed[t] = claimed.get(t, 0) + 1
            exact.setdefault(t, i)
    anchors = {t: i for t, i in exact.items() if claimed[t] == 1}  # a row printed twice anchors nothing
    taken_c = set(anchors.values())
    duplicate = {
        i for i, cand in enumerate(cands) if exact_target(cand, targets) in claimed and i not in taken_c
    }
    n, m = len(cands), len(targets)

    def consistent(i: int, j: int) -> bool:
        return all((i < ai) == (j < at) for at, ai in anchors.items())

    score = [
        [
            0.0
            if c.stray or c.bare or i in taken_c or i in duplicate or j in anchors or not consistent(i, j)
            else max((similarity(a, t.label) for a in c.labels if a), default=0.0)
            for j, t in enumerate(targets)
        ]
        for i, c in enumerate(cands)
    ]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = score[i - 1][j - 1]
            take = best[i - 1][j - 1] + s if s >= MATCH else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], take)
    out: dict[int, tuple[int, float]] = {t: (i, 1.0) for t, i in anchors.items()}
    i, j = n, m
    while i and j:
        s = score[i - 1][j - 1]
        if s >= MATCH and abs(best[i][j] - (best[i - 1][j - 1] + s)) < 1e-9:
            out[j - 1] = (i - 1, s)
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return out


MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）]|\d{1,2}[.．、](?!\d))")
_LABEL_START = re.compile(
    r"(?:[一二三四五六七]、|[（(][一二三四五六七][)）]|(?<![\d.．])\d{1,2}[.．、](?!\d))"
)


def printed_labels(texts: list[str]) -> list[str]:
    """Row labels in label lines set apart from their numbers: split where a numbered label starts."""
    text = norm("".join(texts))
    starts = [m.start() for m in _LABEL_START.finditer(text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=False)]


# --------------------------------------------------------------------------- reading values


class Reader:
    """Collects values and notes for one document."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.positions: dict[str, ImportPosition] = {}  # where each value was printed
        self.notes: list[ImportNote] = []

    def note(self, field: str | None, code: str, severity: str, message: str, pos: ImportPosition) -> None:
        self.notes.append(ImportNote(field, code, severity, message, pos))  # type: ignore[arg-type]

    def put(self, key: str, cell, pos: ImportPosition) -> None:
        """One value cell into `key`, or a note when it cannot be read with certainty."""
        kind = fmt.VALUES[key].kind
        self.positions[key] = pos
        if cell.merged:
            self.note(
                key, "merged_value", "error", "数值单元格与相邻单元格合并，无法确定本格的数，未读入", pos
            )
            return
        parse: Callable = parse_count if kind is fmt.Kind.COUNT else parse_amount
        value, why = parse(cell.text)
        if value is None:
            self.note(key, "unreadable_value", "error", f"数值{why}，不是确定的数字，未读入", pos)
            return
        base, marker = footnote(cell.text)
        if marker:
            self.note(
                key, "footnote_marker", "warning",
                f"数值后有注释标记“{marker}”，按 {base.strip()} 读入（注释标记不是数字的一部分）", pos,
            )  # fmt: skip
        self.values[key] = value

    def unglue(self, table: str, target: Target, cand: Candidate) -> bool:
        """A row printed with its digits glued (`1000001`): read only when the split is unique — one digit
        a column, or the one split under which each total is the sum of its parts."""
        pos = ImportPosition(cand.page, table, target.label)
        n = len(target.columns)
        summed = bool(fmt.VALUES[target.value_keys[-1]].sum_of) if n > 1 else False
        digits = cand.glued
        splits = (
            [list(digits)]
            if len(digits) == n
            else glued_splits(digits, [(n, summed)])
            if n > 1
            else [[digits]]
        )
        if len(splits) != 1:
            why = "有多种拆分" if splits else "无法按标准格式的列拆分"
            self.note(
                target.value_keys[0], "glued_digits", "error",
                f"该行的数字连在一起印作“{digits}”，{why}，未读入", pos,
            )  # fmt: skip
            return False
        cand.values = [ValueCell(v) for v in splits[0]]
        if n > 1:
            self.note(
                target.value_keys[0], "glued_digits", "warning",
                f"该行的数字连在一起印作“{digits}”，按唯一可能的拆分（{' '.join(splits[0])}）读入", pos,
            )  # fmt: skip
        return True

    def row(self, table: str, target: Target, cand: Candidate, score: float) -> None:
        """The values of a matched row, or a note saying why they are not taken."""
        pos = ImportPosition(cand.page, table, target.label)
        if cand.glued and not self.unglue(table, target, cand):
            return
        if score < EXACT and not any(norm(a).endswith(norm(target.label)) for a in cand.labels):
            printed = max((a for a in cand.labels if a), key=lambda a: similarity(a, target.label)).strip()
            start = printed.find(target.label[:2])
            printed = printed[start:] if start > 0 else printed
            self.note(
                target.value_keys[0], "label_variant", "warning",
                f"行标签印作“{printed}”，与标准格式“{target.label}”不同，按该行读入", pos,
            )  # fmt: skip
        if cand.uncertain:
            self.note(target.value_keys[0], "wrapped_number", "error", WRAPPED, pos)
            return
        n = len(target.columns)
        if not cand.mapped and len(cand.values) != n and cand.columns_x:
            placed = place_by_position(cand.values, cand.columns_x)
            if placed is not None and len(placed) == n:
                cand.values, cand.mapped = placed, True
        if not cand.mapped and len(cand.values) != n:
            name = target.label if len(target.label) <= 8 else "该"
            few = (
                f"{name}行只有 {len(cand.values)} 个数"
                if len(cand.values) < n
                else f"该行有 {len(cand.values)} 个数"
            )
            self.note(
                target.value_keys[0], "value_count", "error",
                f"{few}，标准格式为 {n} 个，无法确定各列，未读入", pos,
            )  # fmt: skip
            return
        for key, column, cell in zip(target.value_keys, target.columns, cand.values, strict=False):
            self.put(key, cell, ImportPosition(cand.page, table, target.label, column))

    def group_row(self, table: str, target: Target, cand: Candidate) -> None:
        """A group printed as one row (（六）其他处理): its items are 0 only when the row is all 0."""
        pos = ImportPosition(cand.page, table, target.label)
        if cand.glued:
            cand.values = [ValueCell(d) for d in cand.glued] if set(cand.glued) == {"0"} else []
        zeros = (
            (cand.mapped or len(cand.values) == len(target.columns))
            and all(not c.merged and parse_count(c.text)[0] == 0 for c in cand.values)
        )  # fmt: skip
        n_items = len(target.group_of)
        if zeros:
            for key in target.value_keys:
                self.values[key] = 0
                self.positions[key] = pos
            self.note(
                target.value_keys[0], "group_one_row", "warning",
                f"“{target.label}”只印了一行（标准格式分 {n_items} 项），该行全为 0，各项按 0 读入", pos,
            )  # fmt: skip
            return
        self.note(
            target.value_keys[0], "group_one_row", "error",
            f"“{target.label}”只印了一行（标准格式分 {n_items} 项），无法拆分到各项，未读入", pos,
        )  # fmt: skip


def pair_bare(
    reader: Reader, table: str, cands: list[Candidate], targets: list[Target], matched: dict
) -> set[int]:
    """Pair label-less number rows with the labels printed apart from them, only where that is forced.

    Between two rows read by their own labels, the labels printed apart must match the number rows one to
    one, in order, each the one official row it is most like. Otherwise those rows stay blank with one
    note. Returns the official rows so accounted for (no `row_missing` for them).
    """
    anchors = sorted((c, t) for t, (c, _) in matched.items())
    bounds = [(-1, -1), *anchors, (len(cands), len(targets))]
    covered: set[int] = set()
    for (ca, ta), (cb, tb) in itertools.pairwise(bounds):
        bare = [i for i in range(ca + 1, cb) if cands[i].bare]
        if not bare:
            continue
        texts = [g for i in range(ca + 1, min(cb + 1, len(cands))) for g in cands[i].gap]
        if cb == len(cands):
            texts += cands[-1].tail
        assigned, certain = [], ta < tb
        for label in printed_labels(texts):
            scores = [similarity(label, t.label) for t in targets]
            best = max(range(len(targets)), key=scores.__getitem__)
            if scores[best] < MATCH or best in (ta, tb):
                continue  # prose or a header; or the wrapped rest of a neighbour's own label
            certain &= scores.count(scores[best]) == 1
            assigned.append(best)
        assigned = [
            t
            for k, t in enumerate(assigned)
            if not (
                targets[t].group_of
                and k + 1 < len(assigned)
                and targets[assigned[k + 1]].key in targets[t].group_of
            )
        ]  # fmt: skip  a group's label printed above its first item
        open_rows = [t for t in range(ta + 1, tb) if t not in matched]
        forced = (
            certain
            and len(assigned) == len(bare)
            and all(t in open_rows for t in assigned)
            and all(a < b for a, b in itertools.pairwise(assigned))
        )
        if forced:
            for i, t in zip(bare, assigned, strict=True):
                matched[t] = (i, 1.0)
                cands[i].labels = [targets[t].label]
                cands[i].paired = True
            continue
        rows = [t for t in open_rows if not targets[t].group_of] or open_rows
        covered.update(open_rows)
        if not rows:
            continue
        span = _short(targets[rows[0]].label) + (
            "" if len(rows) == 1 else f"至{_short(targets[rows[-1]].label)}"
        )
        reader.note(
            targets[rows[0]].value_keys[0], "unpaired_rows", "error",
            f"{table}{span}的 {len(bare)} 行数字没有印在行标签旁，与标签无法一一对应，未读入",
            ImportPosition(cands[bare[0]].page, table, targets[rows[0]].label),
        )  # fmt: skip
    return covered


def _short(label: str) -> str:
    return f"“{label if len(label) <= 14 else label[:12] + '…'}”"


def check_paired(
    reader: Reader, table: str, cands: list[Candidate], matched: dict, targets: list[Target]
) -> None:
    """Rows paired with labels printed apart are kept only when the table's sums hold with that pairing."""
    paired = [t for t, (c, _) in matched.items() if cands[c].paired]
    if not paired or table != T3:
        return
    failed = False
    for rule in ("R0", "R1"):
        for eq in fmt.RULES[rule].equations:
            sides = [[reader.values.get(k) for k in side] for side in (eq.left, eq.right)]
            if all(v is not None for side in sides for v in side) and sum(sides[0]) != sum(sides[1]):
                failed = True
    if not failed:
        return
    for t in paired:
        for key in targets[t].value_keys:
            reader.values.pop(key, None)
    first = targets[min(paired)]
    reader.note(
        first.value_keys[0], "unpaired_rows", "error",
        f"{table}有 {len(paired)} 行数字没有印在行标签旁，"
        "按顺序与标签配对后合计关系（R0、R1）不成立，这些行未读入",
        ImportPosition(cands[matched[min(paired)][0]].page, table, first.label),
    )  # fmt: skip


def check_totals(reader: Reader) -> None:
    """A printed total that is not the sum of its printed parts: named, the printed figure kept in the note.

    The workbook computes totals by formula, so without this note the printed figure would silently vanish.
    """
    for key, spec in fmt.VALUES.items():
        if not spec.sum_of or key not in reader.values:
            continue
        parts = [reader.values.get(k) for k in spec.sum_of]
        if any(p is None for p in parts):
            continue
        total = sum(parts)  # type: ignore[arg-type]
        if total != reader.values[key]:
            reader.note(
                key, "total_mismatch", "error",
                f"总计印作 {reader.values[key]}，但各项之和为 {total}；工作簿中总计由公式计算，请核对原报告",
                reader.positions.get(key, ImportPosition()),
            )  # fmt: skip


def read_aligned(
    reader: Reader,
    table: str,
    cands: list[Candidate],
    targets: list[Target],
    missing: list[str] | None = None,
) -> None:
    """Match candidates to official rows, read them; say what is missing (or, given `missing`, list the
    missing rows' labels there for one note) and what is extra."""
    matched = align(cands, targets)
    if not matched and not any(c.bare for c in cands):
        caption = next(t.caption for t in fmt.TABLES if t.name == table)
        reader.note(
            targets[0].value_keys[0], "table_missing", "error",
            f"未找到{table}（{caption}）的数字，{table}未读入", ImportPosition(table=table),
        )  # fmt: skip
        return
    order = [t for _, t in sorted((c, t) for t, (c, _) in matched.items())]
    if any(a > b for a, b in itertools.pairwise(order)):
        reader.note(
            None, "row_order", "warning",
            f"{table}各行的先后顺序与标准格式不同，已按各行的标签读入", ImportPosition(cands[0].page, table),
        )  # fmt: skip
    covered = pair_bare(reader, table, cands, targets, matched)
    for t_index in list(matched):
        target = targets[t_index]
        if target.group_of and any(targets.index(t) in matched for t in targets if t.key in target.group_of):
            del matched[t_index]  # the items are printed: the group's own row is a heading
    groups_printed = {targets[t].key for t in matched if targets[t].group_of}
    for t_index, target in enumerate(targets):
        if t_index in matched:
            c_index, score = matched[t_index]
            if target.group_of:
                reader.group_row(table, target, cands[c_index])
            else:
                reader.row(table, target, cands[c_index], score)
        elif t_index in covered:
            continue
        elif not target.group_of and target.key.split(".")[0] not in groups_printed:
            if missing is not None:
                missing.append(target.label)
                continue
            page = cands[0].page if cands else None
            severity = "warning" if target.key == "regulations" else "error"  # 规章: only cities make them
            reader.note(
                target.value_keys[0], "row_missing", severity,
                f"未找到“{target.label}”行，该行的数未读入", ImportPosition(page, table, target.label),
            )  # fmt: skip
    check_paired(reader, table, cands, matched, targets)
    used = {c for c, _ in matched.values()}
    for i, cand in enumerate(cands):
        if i not in used and not cand.stray and not cand.bare and any(is_number(v.text) for v in cand.values):
            reader.note(
                None, "row_extra", "warning",
                f"多出一行“{cand.printed or '（无标签）'}”，不属于标准格式，未读入",
                ImportPosition(cand.page, table, cand.printed or None),
            )  # fmt: skip


# --------------------------------------------------------------------------- grids and lines


def grid_candidates(
    grid: Grid, targets: list[Target], columns: list[Callable[[str], bool]] | None
) -> list[Candidate]:
    """Rows of a grid that carry values, with values put in official column order by header if possible."""
    first = None
    cands = []
    for r in range(len(grid.rows)):
        labels, value_cols = row_split(grid, r)
        if first is None and any(is_number(grid.rows[r][c].text) for c in value_cols):
            first = r  # rows above the first with a number are the header
        if first is None or not value_cols:
            continue
        texts = grid_labels(labels, r)
        cands.append(Candidate(texts, [value_cell(grid, r, c) for c in _distinct(grid, r, value_cols)],
                               grid.page, grid.index, r + 1))  # fmt: skip
    if columns and first is not None:
        heads = column_headers(grid, first)
        found = [next((c for c, h in enumerate(heads) if match(h)), None) for match in columns]
        if None not in found and len(set(found)) == len(found):
            for cand in cands:
                r = cand.row - 1
                cand.values = [value_cell(grid, r, c, heads[c]) for c in found]  # type: ignore[arg-type]
                cand.mapped = True
    return cands


def _distinct(grid: Grid, r: int, cols: list[int]) -> list[int]:
    out: list[int] = []
    for c in cols:
        if (
            not out
            or grid.rows[r][out[-1]].origin != grid.rows[r][c].origin
            or grid.rows[r][c].origin[0] != r
        ):
            out.append(c)
    return out


def table_lines(lines: list[Line], start: int, min_values: int) -> list[Candidate]:
    return line_candidates(lines, min_values, start)
