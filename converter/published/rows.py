"""Table rows as candidates: a row label and its value cells, from a grid (docx, html) or a text line.

Nothing here knows the official tables; `tables.py` matches these candidates to them by label.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import lru_cache

from ..format import official as fmt
from .document import Grid, GridCell, Line, norm

NUMBER = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
PLACEHOLDERS = {"", "无", "/", "-", "—", "--", "——", "－", "\\", "空", "不适用"}


@dataclass
class ValueCell:
    """A printed value cell: its text, and whether it is a copy of a cell merged from elsewhere."""

    text: str
    merged: bool = False
    column: str = ""  # the column's header as printed, where known
    x: float | None = None  # on a PDF page: the horizontal centre of the printed number


@dataclass
class Candidate:
    """A row that may be an official one: label texts to compare (own first), values, where it was."""

    labels: list[str]
    values: list[ValueCell]
    page: int | None = None
    table: int | None = None  # grid index
    row: int | None = None  # 1-based row of the grid or index of the line
    mapped: bool = False  # values already placed in the official column order by header
    stray: bool = False  # numbers that belong to no row: the digits of a neighbour wrapped in its cell?
    uncertain: bool = False  # next to a stray line: its own numbers may be cut short
    columns_x: list[float] | None = None  # on a PDF page: centres of the official columns' headers
    notes: list[str] = field(default_factory=list)
    glued: str = ""  # the cells' digits glued together (`1000001`), to be split by the row's arithmetic
    bare: bool = False  # a line of numbers alone, its label printed apart (a converter pulled it out)
    gap: list[str] = field(default_factory=list)  # label lines between the previous numbers line and this
    tail: list[str] = field(default_factory=list)  # (the last numbers line) label lines after it
    paired: bool = False  # a bare row given the label printed apart from it

    @property
    def printed(self) -> str:
        return self.labels[0] if self.labels else ""


UNITS = ("万元", "件", "元")
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
"""Footnote markers as Word, HTML (<sup>) and text print them; NFKC would make them digits of the number."""
_MARKER = re.compile(rf"(?<=[0-9０-９])\s*([{SUPERSCRIPTS}]+)\s*$")


def footnote(text: str) -> tuple[str, str]:
    """(the number without a trailing footnote marker, the marker): `71²` → (`71`, `²`)."""
    match = _MARKER.search(text)
    return (text[: match.start()], match.group(1)) if match else (text, "")


def is_value(text: str) -> bool:
    """A value cell's text: a number (`12`, `1,234`, `12件`, `9116.36万元`) or a placeholder (无, /, -)."""
    t = unicodedata.normalize("NFKC", footnote(text)[0]).strip().replace(" ", "")
    for unit in UNITS:
        t = t.removesuffix(unit)
    return bool(NUMBER.match(t)) or t in PLACEHOLDERS


def is_number(text: str) -> bool:
    t = unicodedata.normalize("NFKC", footnote(text)[0]).strip().replace(" ", "")
    for unit in UNITS:
        t = t.removesuffix(unit)
    return bool(NUMBER.match(t))


FLOOR = 0.5  # below this two labels are unrelated, and the exact figure does not matter


@lru_cache(maxsize=8192)
def similarity(a: str, b: str) -> float:
    """How alike two labels are after normalisation (0..1); 0 for anything below FLOOR."""
    a, b = norm(a), norm(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < FLOOR or matcher.quick_ratio() < FLOOR:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= FLOOR else 0.0


def parse_count(text: str) -> tuple[int | None, str]:
    """A count as printed → (value, "") or (None, why it cannot be read); a footnote marker is not read."""
    t = unicodedata.normalize("NFKC", footnote(text)[0]).strip().replace(" ", "").removesuffix("件")
    if re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", t):
        return int(t.replace(",", "")), ""
    if t == "":
        return None, "空白"
    return None, f"印作“{text.strip()}”"


def parse_amount(text: str) -> tuple[Decimal | None, str]:
    """An amount (万元 or 元) as printed, kept exactly; a footnote marker is not read."""
    t = (
        unicodedata.normalize("NFKC", footnote(text)[0])
        .strip()
        .replace(" ", "")
        .removesuffix("万元")
        .removesuffix("元")
    )
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?", t):
        try:
            value = Decimal(t.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None, f"印作“{text.strip()}”"
        return (Decimal(int(value)) if value == value.to_integral_value() else value), ""
    if t == "":
        return None, "空白"
    return None, f"印作“{text.strip()}”"


# --------------------------------------------------------------------------- text lines


def split_line(line: Line) -> tuple[list[str], list[str]]:
    """(label cells, trailing numbers) of a layout line: `1.属于国家秘密  2  0  0` → ([…], [2, 0, 0])."""
    cells = list(line.cells)
    values: list[str] = []
    while cells:
        if not cells[-1].strip():  # an empty pipe-table cell: a blank among the values, else nothing
            if values:
                values.insert(0, "")
            cells.pop()
            continue
        tokens = cells[-1].split()
        k = len(tokens)
        while k and is_number(tokens[k - 1]):
            k -= 1
        values[:0] = tokens[k:]
        if k:
            cells[-1] = " ".join(tokens[:k])
            break
        cells.pop()
    return cells, values


def _value_centers(line: Line, n: int) -> list[float | None]:
    """Centres of the last n cells when each of them is one number (a PDF line), else unknown."""
    tail = line.cells[-n:] if n else []
    if line.centers is None or len(tail) < n or any(len(c.split()) != 1 for c in tail):
        return [None] * n
    return list(line.centers[-n:])


def place_by_position(values: list[ValueCell], centers: list[float]) -> list[ValueCell] | None:
    """Values under the nearest column header (blank where none is); None when that is not certain."""
    if not centers or any(v.x is None for v in values):
        return None
    spacing = min((b - a for a, b in itertools.pairwise(centers)), default=0.0)
    if spacing <= 0:
        return None
    placed: list[ValueCell | None] = [None] * len(centers)
    for value in values:
        distances = [abs(value.x - c) for c in centers]  # type: ignore[operator]
        best = distances.index(min(distances))
        if distances[best] > spacing * 0.45 or placed[best] is not None:
            return None
        placed[best] = value
    return [v if v is not None else ValueCell("", x=centers[i]) for i, v in enumerate(placed)]


GLUED = re.compile(r"^(.*[^\d\s,.．])(\d+(?:\.\d+)?)$")
"""A row label with its cells' digits glued on, as some portals' text copies give a table row."""
MAX_GLUED_DIGITS = 7  # digits of one figure in a glued row


def glued_splits(digits: str, groups: list[tuple[int, bool]], limit: int = 2) -> list[list[str]]:
    """Ways (up to `limit`) to cut glued digits into the row's figures: groups of (size, whether its last
    figure is the sum of the others); a figure has no leading zero and at most MAX_GLUED_DIGITS digits."""
    out: list[list[str]] = []
    if not digits.isdigit():
        return out

    def parts(text: str, k: int) -> Iterator[list[str]]:
        if k == 1:
            if text and (text == "0" or text[0] != "0") and len(text) <= MAX_GLUED_DIGITS:
                yield [text]
            return
        for i in range(1, min(MAX_GLUED_DIGITS, len(text) - k + 1) + 1):
            head = text[:i]
            if len(head) > 1 and head[0] == "0":
                break
            for rest in parts(text[i:], k - 1):
                yield [head, *rest]

    def walk(text: str, g: int, found: list[str]) -> None:
        if g == len(groups):
            if not text:
                out.append(found)
            return
        size, summed = groups[g]
        for length in range(size, min(len(text), size * MAX_GLUED_DIGITS) + 1):
            for cut in parts(text[:length], size):
                if summed and int(cut[-1]) != sum(int(x) for x in cut[:-1]):
                    continue
                walk(text[length:], g + 1, found + cut)
                if len(out) >= limit:
                    return

    walk(digits, 0, [])
    return out


_T3_HEADS = [
    c.label for c in fmt.APPLICATIONS.cells if c.label and c.col > 0 and c.row < fmt.APPLICATIONS.header_rows
]
HEADER_WORDS = frozenset(
    norm(w)
    for w in (
        *_T3_HEADS,  # 申请人情况, 自然人, 法人或其他组织, 商业企业 … 总计
        *(label[:2] for label in _T3_HEADS if len(label) == 4),  # 商业 / 企业: a header word wrapped
        *(label[2:] for label in _T3_HEADS if len(label) == 4),
        *(title for block in fmt.PROACTIVE_BLOCKS for title in block[1]),  # 本年制发件数 …
        next(c.label for c in fmt.PROACTIVE.cells if c.row == 1 and c.col == 0),  # 信息内容
        "项目", "序号", "---",
    )
)  # fmt: skip
_DEGRADED = re.compile(r"^(数据|列|column|col)\d{1,2}$", re.IGNORECASE)


def is_header_line(cells: list[str]) -> bool:
    """A table's column header row (also printed again mid-table, or degraded to 数据1 … 数据7)."""
    words = [norm(c) for c in cells if norm(c)]
    return bool(words) and all(w in HEADER_WORDS or _DEGRADED.match(w) or set(w) <= set("-:") for w in words)


def line_candidates(
    lines: list[Line], min_values: int, first: int = 0, noise: tuple[str, ...] = ()
) -> list[Candidate]:
    """Lines with at least `min_values` trailing numbers; wrapped label pieces around them as alternatives.

    A piece that is part of a `noise` label (a group label printed beside its items) is not taken. A
    line of numbers without any label of its own is `bare`: its label is wherever a converter put it,
    and `tables.pair_bare` pairs it only when the pairing is forced.
    """
    split = [split_line(line) for line in lines]
    glued: dict[int, str] = {}
    for i, (labels, values) in enumerate(split):
        if labels and not values and (match := GLUED.match(labels[-1])):
            split[i] = ([*labels[:-1], match.group(1)], [])
            glued[i] = match.group(2)
    numeric = [i for i, (_, v) in enumerate(split) if len(v) >= min_values or i in glued]
    out = []
    if numeric:  # lines with a few numbers among the rows: digits wrapped inside a narrow cell
        span = range(max(0, numeric[0] - 2), min(len(lines), numeric[-1] + 3))
        for j in (j for j in span if split[j][1] and j not in numeric):
            labels, values = split[j]
            cells = [ValueCell(v) for v in values]
            out.append(
                Candidate(
                    [labels[-1] if labels else ""], cells, lines[j].page, None, first + j + 1, stray=True
                )
            )
    header = [is_header_line(line.cells) for line in lines]

    def label_lines(lo: int, hi: int) -> list[str]:
        return [
            "".join(split[j][0]) for j in range(lo, hi) if split[j][0] and not split[j][1] and not header[j]
        ]

    for n, i in enumerate(numeric):
        labels, values = split[i]
        own = labels[-1] if labels else ""
        cells = [
            ValueCell(v, x=x) for v, x in zip(values, _value_centers(lines[i], len(values)), strict=True)
        ]
        gap = label_lines(numeric[n - 1] + 1 if n else 0, i)
        tail = label_lines(i + 1, len(lines)) if n + 1 == len(numeric) else []
        if not own:
            out.append(
                Candidate([""], cells, lines[i].page, None, first + i + 1, bare=True, gap=gap, tail=tail)
            )
            continue
        lo = numeric[n - 1] + 1 if n else max(0, i - 3)
        hi = numeric[n + 1] if n + 1 < len(numeric) else min(len(lines), i + 3)
        near = range(max(lo, i - 3), min(hi, i + 3))
        pieces = [j for j in near if j != i and split[j][0] and not split[j][1] and not header[j]]
        pieces = [j for j in pieces if not any(norm(split[j][0][-1]) in label for label in noise)]
        above = [split[j][0][-1] for j in pieces if j < i]
        below = [split[j][0][-1] for j in pieces if j > i]
        alts = [own]
        for a in range(len(above) + 1):
            for b in range(len(below) + 1):
                if a or b:
                    alts.append("".join(above[len(above) - a :]) + own + "".join(below[:b]))
        out.append(
            Candidate(
                alts, cells, lines[i].page, None, first + i + 1, gap=gap, tail=tail, glued=glued.get(i, "")
            )
        )
    out.sort(key=lambda c: c.row or 0)
    for k, cand in enumerate(out):
        if cand.stray:
            for neighbour in out[max(0, k - 1) : k + 2]:
                neighbour.uncertain = not neighbour.stray
    return out


# --------------------------------------------------------------------------- grids


def row_split(grid: Grid, r: int) -> tuple[list[GridCell], list[int]]:
    """(label cells of row r, distinct by origin; column indexes of the value cells after them)."""
    row = grid.rows[r]
    last_label = -1
    for c, cell in enumerate(row):
        if not is_value(cell.text):
            last_label = c
    labels: list[GridCell] = []
    for cell in row[: last_label + 1]:
        if not labels or labels[-1].origin != cell.origin:
            labels.append(cell)
    return labels, list(range(last_label + 1, len(row)))


def grid_labels(labels: list[GridCell], r: int) -> list[str]:
    """Label texts to compare: the row's own most specific label first, then all of them joined."""
    own = [c.text for c in labels if c.origin[0] == r] or [c.text for c in labels]
    return [own[-1] if own else "", "".join(c.text for c in labels)]


def column_headers(grid: Grid, upto: int) -> list[str]:
    """Per column, the header cells above row `upto` joined (merged headers counted once per column)."""
    width = max((len(row) for row in grid.rows[:upto]), default=0)
    heads = []
    for c in range(width):
        seen, parts = set(), []
        for row in grid.rows[:upto]:
            if c < len(row) and row[c].origin not in seen:
                seen.add(row[c].origin)
                parts.append(row[c].text)
        heads.append(norm("".join(parts)))
    return heads


def value_cell(grid: Grid, r: int, c: int, header: str = "") -> ValueCell:
    cell = grid.rows[r][c] if c < len(grid.rows[r]) else GridCell("", (r, c))
    return ValueCell(cell.text, cell.origin != (r, c), header)
