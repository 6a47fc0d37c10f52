"""`xxgk compare LAST THIS`: key figures of two years side by side, R4 column by column.

Either side may be a workbook, a JSON report or a published report (any mix).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..core.model import Number, Report, format_number
from ..format import official as fmt
from .summary import KEY_FIGURES, figure_title

OUTCOME_TOTALS = tuple(f"applications.{row}.total" for row in fmt.OUTCOME_ROWS)
FIGURES = KEY_FIGURES + tuple(k for k in OUTCOME_TOTALS if k not in KEY_FIGURES)


def load_any(path: Path) -> Report:
    """A workbook or JSON through the workbook reader; anything else through the importer."""
    from ..read.sources import load
    from . import import_report

    with Path(path).open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK") and _is_workbook(path):
        return load(path).report
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return load(path).report
    return import_report(path).report


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.lower() == "xl/workbook.xml" for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


@dataclass(frozen=True)
class Change:
    key: str
    name: str
    last: Number | None
    this: Number | None

    @property
    def change(self) -> Number | None:
        return None if self.last is None or self.this is None else self.this - self.last

    @property
    def percent(self) -> Decimal | None:
        if self.change is None or not self.last:
            return None
        return (Decimal(self.change) * 100 / Decimal(self.last)).quantize(Decimal("0.1"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "last": _json(self.last),
            "this": _json(self.this),
            "change": _json(self.change),
            "percent": None if self.percent is None else str(self.percent),
        }


@dataclass(frozen=True)
class CarryOver:
    column: str
    last_carried_forward: Number | None
    this_carried_over: Number | None

    @property
    def ok(self) -> bool:
        return self.last_carried_forward == self.this_carried_over

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "last_carried_forward": _json(self.last_carried_forward),
            "this_carried_over": _json(self.this_carried_over),
            "ok": self.ok,
        }


def _json(value: Number | None) -> int | str | None:
    return format_number(value) if isinstance(value, Decimal) else value


def compare(last: Report, this: Report) -> tuple[list[Change], list[CarryOver]]:
    """Key figures, largest change first (blank sides last), and R4 for each 表三 column."""
    changes = [Change(k, figure_title(k), last.values.get(k), this.values.get(k)) for k in FIGURES]
    changes.sort(key=lambda c: (c.change is None, -abs(c.change or 0)))
    columns = (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)
    carry = [
        CarryOver(
            label,
            last.values.get(f"applications.carried_forward.{key}"),
            this.values.get(f"applications.carried_over.{key}"),
        )
        for key, label in columns
    ]
    return changes, carry


def render(
    last: Report, this: Report, changes: list[Change], carry: list[CarryOver], width: int = 100
) -> str:
    """Plain text a clerk can paste: figures, change, percentage; then 上年结转 against last year. Tables
    drawn by rich, which counts a Chinese character as two columns; numbers never broken."""
    from rich import box
    from rich.table import Table

    ly, ty = last.info.year or "上年", this.info.year or "本年"
    lines = [f"{this.info.org or '（未填机关）'}：{ly} 年 → {ty} 年"]
    if last.info.org != this.info.org:
        lines.append(f"注意：两份报告的机关不同（{last.info.org or '空'}、{this.info.org or '空'}）。")
    if isinstance(ly, int) and isinstance(ty, int) and ty != ly + 1:
        lines.append("注意：两份报告不是相邻年度，上年结转的比较仅供参考。")
    figures = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    figures.add_column("项目", overflow="fold", ratio=1)
    for title in (f"{ly} 年", f"{ty} 年", "增减", "增减幅度"):
        figures.add_column(title, justify="right", no_wrap=True)
    for c in changes:
        percent = "—" if c.percent is None else f"{c.percent:+}%"
        change = "—" if c.change is None else f"{c.change:+}"
        figures.add_row(c.name, format_number(c.last) or "空", format_number(c.this) or "空", change, percent)
    rows = dict(fmt.APPLICATION_ROWS)
    over, forward = rows["carried_over"][:6], rows["carried_forward"]
    carried = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    carried.add_column("列", overflow="fold")
    carried.add_column(f"{ly} 年结转下年度", justify="right", no_wrap=True)
    carried.add_column(f"{ty} 年上年结转", justify="right", no_wrap=True)
    carried.add_column("结果", no_wrap=True)
    for c in carry:
        carried.add_row(
            c.column,
            format_number(c.last_carried_forward) or "空",
            format_number(c.this_carried_over) or "空",
            "一致" if c.ok else "不一致",
        )
    heading = f"上年结转（R4）：{ty} 年“{over}”与 {ly} 年“{forward}”逐列比较"
    return "\n".join([*lines, "", _text(figures, width), heading, _text(carried, width)])


def _text(table: Any, width: int) -> str:
    """A rich table as plain text `width` columns wide (no colour, no terminal codes)."""
    from rich.console import Console

    console = Console(width=width, color_system=None, force_terminal=False, legacy_windows=False)
    with console.capture() as captured:
        console.print(table)
    return "\n".join(line.rstrip() for line in captured.get().splitlines())
