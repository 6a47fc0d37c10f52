"""Findings are data: what is wrong with a report, in the report's own terms, and where each source has it.

A finding names a *field* of the report (`applications.new.total`, `info.date`, `sections.overview`),
never a place in a file. Each source attaches its own positions afterwards (`Finding.placed`): the
workbook reader a sheet and A1 cell, an imported report a page, table row and column, a web form its
input. Sorting follows the format's order of fields (`format.field_rank`), whatever the source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any, Protocol


class Severity(str, Enum):
    """How bad a finding is: an error stops `build`, a warning does not."""

    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Severity.ERROR else "警告"


@dataclass(frozen=True)
class Note:
    """What reading one value found: a stable code, a Chinese message, expected and actual text."""

    code: str
    message: str
    expected: str
    actual: str
    severity: Severity = Severity.ERROR


class Position(Protocol):
    """Where a field sits in one source: printed as the clerk reads it, and as JSON data."""

    def __str__(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


Locate = Callable[[str], "Position | None"]
"""A source's map from a field to its position there (None: the source has no place for it)."""


@dataclass(frozen=True)
class Finding:
    """One problem: rule id, finer code, severity, the field it is about, expected, actual, message.

    `related` names the other fields the rule involves. `covers`, for a finding about many fields at
    once (R6's blank cells of one table), names every one of them, `field` first. `position`,
    `related_positions` and `covered_positions` are filled by the source the report came from
    (`placed`); a finding made on a report built in code has none.
    """

    rule: str  # R0..R8, S1, D1, info, T1..T8: an id of format.RULES
    code: str  # stable finer code: "sum-mismatch", "blank", "not-integer", "text-number"…
    severity: Severity
    field: str  # "applications.new.total", "info.date", "" when about the file as a whole
    expected: str
    actual: str
    message: str  # Chinese, without the location prefix
    related: tuple[str, ...] = ()
    position: Position | None = None
    related_positions: tuple[Position, ...] = ()
    covers: tuple[str, ...] = ()
    covered_positions: tuple[Position, ...] = ()
    evidence: tuple[str, ...] = ()  # the sentences or passages quoted from the report (and the other one)

    @property
    def location(self) -> str:
        """The position as printed (`表三!D12`, `表三!D7 等 132 处` for a finding covering many fields),
        or the field when the source has none."""
        where = str(self.position) if self.position is not None else self.field
        return f"{where} 等 {len(self.covers)} 处" if len(self.covers) > 1 else where

    @property
    def text(self) -> str:
        """`表三!D12：第一项加第二项之和（12）不等于第三项加第四项之和（11）`"""
        return f"{self.location}：{self.message}" if self.location else self.message

    def placed(self, locate: Locate) -> Finding:
        """This finding with the positions of its field and related fields in one source."""
        position = locate(self.field) if self.field else None
        related = tuple(p for p in (locate(key) for key in self.related) if p is not None)
        covered = tuple(p for p in (locate(key) for key in self.covers) if p is not None)
        return replace(self, position=position, related_positions=related, covered_positions=covered)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity.value,
            "field": self.field,
            "position": self.position.to_dict() if self.position is not None else None,
            "location": self.location,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
            "related": list(self.related),
            "related_positions": [str(p) for p in self.related_positions],
            "covers": list(self.covers),
            "covered_positions": [str(p) for p in self.covered_positions],
            "evidence": list(self.evidence),
            "text": self.text,
        }


@dataclass
class FileFindings:
    """The findings for one input file, as `check` and `template check` print them."""

    path: Path
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return errors(self.findings)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "ok": not self.errors,
            "unreadable": False,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass
class Unreadable:
    """A file that could not be used: not read at all (exit 3), or its template or output failed (4, 5);
    the reason (a stable code), the Chinese message and the exit code."""

    path: Path
    reason: str
    message: str
    exit_code: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "ok": False,
            "unreadable": self.exit_code == 3,  # ExitCode.UNREADABLE; a template or output failure is not
            "reason": self.reason,
            "message": self.message,
            "exit_code": self.exit_code,
        }


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def in_format_order(findings: list[Finding]) -> list[Finding]:
    """Sorted by the format's order of fields (info, then each section with its table), then rule id."""
    from ..format.official import field_rank

    return sorted(findings, key=lambda f: (field_rank(f.field), f.rule))
