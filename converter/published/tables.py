"""Recognise 表二, 表三 and 表四 by their labels (from converter.format) and read their numbers.

Rows are matched to the official rows by label similarity in reading order (a monotone alignment), so
wrapped labels, misprints, a missing or an extra row do not shift the others. Columns of a grid are
found by their header labels; a text line must carry exactly the official number of values.
A value is only taken when it is read with certainty; anything else is a note and stays None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..format import official as fmt
from .document import Grid, Line, norm
from .notes import ImportNote, ImportPosition
from .rows import (
    Candidate,
    column_headers,
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


def align(cands: list[Candidate], targets: list[Target]) -> dict[int, tuple[int, float]]:
    """Best order-keeping assignment target index → (candidate index, score), each score ≥ MATCH."""
    n, m = len(cands), len(targets)
    score = [
        [
            0.0 if c.stray else max((similarity(a, t.label) for a in c.labels if a), default=0.0)
            for t in targets
        ]
        for c in cands
    ]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = score[i - 1][j - 1]
            take = best[i - 1][j - 1] + s if s >= MATCH else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], take)
    out: dict[int, tuple[int, float]] = {}
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
        self.values[key] = value

    def row(self, table: str, target: Target, cand: Candidate, score: float) -> None:
        """The values of a matched row, or a note saying why they are not taken."""
        pos = ImportPosition(cand.page, table, target.label)
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
            self.note(
                target.value_keys[0], "value_count", "error",
                f"该行有 {len(cand.values)} 个数值，标准格式为 {n} 个，无法确定各列，未读入", pos,
            )  # fmt: skip
            return
        for key, column, cell in zip(target.value_keys, target.columns, cand.values, strict=False):
            self.put(key, cell, ImportPosition(cand.page, table, target.label, column))

    def group_row(self, table: str, target: Target, cand: Candidate) -> None:
        """A group printed as one row (（六）其他处理): its items are 0 only when the row is all 0."""
        pos = ImportPosition(cand.page, table, target.label)
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


def read_aligned(reader: Reader, table: str, cands: list[Candidate], targets: list[Target]) -> None:
    """Match candidates to official rows, read them; say what is missing and what is extra."""
    matched = align(cands, targets)
    if not matched:
        caption = next(t.caption for t in fmt.TABLES if t.name == table)
        reader.note(
            targets[0].value_keys[0], "table_missing", "error",
            f"未找到{table}（{caption}）的数字，{table}未读入", ImportPosition(table=table),
        )  # fmt: skip
        return
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
        elif not target.group_of and target.key.split(".")[0] not in groups_printed:
            page = cands[0].page if cands else None
            severity = "warning" if target.key == "regulations" else "error"  # 规章: only cities make them
            reader.note(
                target.value_keys[0], "row_missing", severity,
                f"未找到“{target.label}”行，该行的数未读入", ImportPosition(page, table, target.label),
            )  # fmt: skip
    used = {c for c, _ in matched.values()}
    for i, cand in enumerate(cands):
        if i not in used and not cand.stray and any(is_number(v.text) for v in cand.values):
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
