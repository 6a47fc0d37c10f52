"""Findings are data: what is wrong with a report, where, and what was expected."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Severity.ERROR else "警告"


@dataclass(frozen=True)
class Finding:
    """One problem: rule id, a finer code, severity, where (sheet + A1 cell), expected, actual, message."""

    rule: str  # R0..R8, S1, D1, or a reader rule such as "format"
    code: str  # stable finer code: "sum-mismatch", "blank", "not-integer", "text-number"…
    severity: Severity
    sheet: str
    cell: str
    expected: str
    actual: str
    message: str  # Chinese, without the location prefix
    related: tuple[str, ...] = field(default=())  # other cells the rule involves

    @property
    def location(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    @property
    def text(self) -> str:
        """`表三!D12：第一项加第二项之和（12）不等于第三项加第四项之和（11）`"""
        return f"{self.location}：{self.message}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        data["related"] = list(self.related)
        data["text"] = self.text
        return data


@dataclass
class FileFindings:
    """The findings for one input file, as `check` and `template check` print them."""

    path: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return errors(self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.findings) - len(self.errors),
            "findings": [f.to_dict() for f in self.findings],
        }


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def sort_key(finding: Finding) -> tuple[int, str, int, str, str]:
    """Order by sheet as in the workbook, then row, then column, so output reads like the workbook."""
    from .layout import sheet_order

    order = sheet_order()
    rank = order.index(finding.sheet) if finding.sheet in order else len(order)
    digits = "".join(ch for ch in finding.cell if ch.isdigit())
    letters = "".join(ch for ch in finding.cell if ch.isalpha())
    return (rank, finding.sheet, int(digits or 0), f"{len(letters):02d}{letters}", finding.rule)
