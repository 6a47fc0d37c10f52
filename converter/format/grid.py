"""The official tables as drawn: rows of cells with their merges, column widths and label alignment.

Derived from `format.TABLES` and shared by every drawing of the tables (the Word template script,
an HTML page), so that all of them show the same grid. No Word or HTML here: widths are given in
whatever unit the caller asks for, as shares of the width it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from . import official as fmt

TYPE_AREA = 8845  # the 公文 type area, 156 mm, in dxa: the widths below were set against it
APPLICATION_LABEL_WIDTHS = (440, 1180)  # 表三: the narrow 三、 column (one character a line), the group
PROACTIVE_LABEL_SHARE = 32  # 表二: per cent of the width for the 信息内容 column


WORD_BREAKS = (
    "申请人/情况", "自然人", "法人或/其他组织", "商业/企业", "科研/机构", "社会/公益/组织", "法律/服务/机构",
    "其他", "行政/复议", "行政/诉讼", "未经复议/直接起诉", "复议后/起诉",
    "结果/维持", "结果/纠正", "其他/结果", "尚未/审结", "总计",
)  # fmt: skip
"""The header labels of 表三 and 表四 with the only points a line may break at (`/`): `商业/企业`, never
`商业企/业` or `自然/人`. Every drawing of the tables keeps to them: the Word template's column widths,
`build --html` and the web page (a break opportunity at each point, none inside a word)."""
_WORDS = {entry.replace("/", ""): tuple(entry.split("/")) for entry in WORD_BREAKS}
SMALL_CHAR, SMALL_MARGIN = 180, 57  # 小五 in dxa, and the cell margin the Word template gives 表三
WORD_SLACK = 60  # dxa beyond the longest word: Word wraps a line that exactly fills its cell


def label_words(label: str) -> tuple[str, ...] | None:
    """The words of a header label, where a line may break between them; None for a label that may
    break anywhere (a long row label)."""
    return _WORDS.get(label)


@dataclass(frozen=True)
class GridCell:
    """A cell as met walking the grid row by row; `continued` marks the rows below a vertical merge."""

    cell: fmt.Cell
    continued: bool = False


def grid_rows(table: fmt.Table) -> Iterator[list[GridCell]]:
    """Each row of the table, left to right; a cell merged down appears again, `continued`, below."""
    starts = {(c.row, c.col): c for c in table.cells}
    below = {(c.row + i, c.col): c for c in table.cells for i in range(1, c.rowspan)}
    for r in range(table.nrows):
        row, col = [], 0
        while col < table.ncols:
            if (r, col) in starts:
                found = GridCell(starts[(r, col)])
            elif (r, col) in below:
                found = GridCell(below[(r, col)], continued=True)
            else:
                raise ValueError(f"{table.name}: no cell at row {r}, column {col}")
            row.append(found)
            col += found.cell.colspan
        yield row


def spread(total: int, n: int) -> list[int]:
    """n widths adding up to total exactly."""
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def column_widths(table: fmt.Table, total: int = TYPE_AREA) -> tuple[int, ...]:
    """The width of each column, adding up to `total` (dxa for Word, per mille for a web page…)."""
    if table is fmt.PROACTIVE:
        first = total * PROACTIVE_LABEL_SHARE // 100
        return (first, *spread(total - first, 3))
    if table is fmt.APPLICATIONS:
        labels = [total * w // TYPE_AREA for w in APPLICATION_LABEL_WIDTHS]
        data = spread(total // 2, 7)  # 商业/企业: two characters a line, like the official
        for number, width in enumerate(data):  # but never narrower than a word: 自然人 on one line
            data[number] = max(width, total * _word_width(table, len(labels) + 1 + number) // TYPE_AREA)
        labels.append(total - sum(labels) - sum(data))
        return (*labels, *data)
    return tuple(spread(total, table.ncols))


def min_width_em(table: fmt.Table) -> int:
    """The narrowest a table is drawn on a screen, in em: a phone scrolls it sideways instead of
    crushing its labels to two characters a line (the portal page and the web page alike)."""
    return 3 * table.ncols + 8


def _word_width(table: fmt.Table, col: int) -> int:
    """Dxa the longest declared word of a column's one-column labels takes in 小五, with margins."""
    labels = [c.label or "" for c in table.cells if c.col == col and c.colspan == 1]
    words = [word for label in labels for word in label_words(label) or ()]
    longest = max((len(w) for w in words), default=0)
    return longest * SMALL_CHAR + 2 * SMALL_MARGIN + WORD_SLACK


def small_print(table: fmt.Table) -> bool:
    """Tables with many columns are printed one size smaller (小五) than 表二 (五号)."""
    return table is not fmt.PROACTIVE


def left_aligned(table: fmt.Table) -> frozenset[tuple[int, int]]:
    """(row, col) of the long row labels justified rather than centred: 表三's item labels."""
    if table is not fmt.APPLICATIONS:
        return frozenset()
    return frozenset(
        (c.row, c.col)
        for c in table.cells
        if c.label and c.row >= table.header_rows and (c.colspan > 1 or c.col == 2)
    )
