"""`xxgk audit`: import published reports and run every rule on them, positioned in the reports' own terms.

R0–R3, R6, R7, R8, D1 run on each report (through converter.checks), R5 on its text, R4 and S1 between
reports of the same 机关 in consecutive years given together. Import notes come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import UnreadableInput
from ..core.findings import Finding
from ..format import official as fmt
from . import Imported, import_report
from .labels import position_of
from .notes import ImportNote, ImportPosition

IMPORT_RULE = "导入"
BETWEEN_YEARS = ("R4", "S1")
# Dropped from an audit: a blank is always an import note already; a published report that prints no
# date is not a defect of its tables or text; the organ type only matters to D1's deadline; a report does
# not print its 自称 or type as such (the workbook's 基本信息 asks for them, a published report need not).
NOT_DEFECTS = {("R6", "blank"), ("D1", "not-stated"), ("info", "blank"), ("info", "inferred")}
NOT_DEFECT_NOTES = {"organ_type_unknown"}


@dataclass(frozen=True)
class AuditFinding:
    """One finding about a published report: rule, code, severity, the value it concerns, where, why."""

    rule: str
    code: str
    severity: str  # "error" | "warning"
    field: str | None
    position: ImportPosition
    message: str

    @property
    def location(self) -> str:
        return self.position.text

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "field": self.field,
            "location": self.location,
            "position": self.position.to_dict(),
            "message": self.message,
            "text": f"{self.location}：{self.message}",
        }


@dataclass
class AuditResult:
    path: Path
    imported: Imported | None = None
    findings: list[AuditFinding] = field(default_factory=list)
    unreadable: str = ""  # the Chinese message when the file could not be read

    @property
    def errors(self) -> list[AuditFinding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_dict(self) -> dict[str, Any]:
        """The shape of `check --json` for one file."""
        if self.imported is None:
            return {
                "file": str(self.path),
                "ok": False,
                "unreadable": True,
                "reason": "unreadable",
                "message": self.unreadable,
                "exit_code": 3,  # as `check --json` gives an unreadable file
            }
        info = self.imported.report.info
        return {
            "file": str(self.path),
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.findings) - len(self.errors),
            "org": info.org,
            "year": info.year,
            "findings": [f.to_dict() for f in self.findings],
        }


def audit_files(paths: list[Path]) -> list[AuditResult]:
    """Import and check each report; then R4/S1 between consecutive years of the same 机关."""
    results = []
    for path in paths:
        try:
            imported = import_report(path)
        except UnreadableInput as exc:
            results.append(AuditResult(Path(path), unreadable=exc.message))
            continue
        results.append(AuditResult(Path(path), imported, audit_one(imported)))
    _between_years(results)
    return results


def audit_one(imported: Imported) -> list[AuditFinding]:
    """The import notes, then every rule of the registry (R5 included) on the report as read."""
    from ..check.rules import check
    from ..core.organs import fill_in

    fill_in(imported.report)  # the type the organ's name settles, for D1's deadline
    out = [from_note(n) for n in imported.notes if n.code not in NOT_DEFECT_NOTES]
    out += [from_finding(f, imported) for f in check(imported.report) if (f.rule, f.code) not in NOT_DEFECTS]
    return out


def from_note(note: ImportNote) -> AuditFinding:
    return AuditFinding(IMPORT_RULE, note.code, note.severity, note.field, note.position, note.message)


def from_finding(finding: Finding, imported: Imported) -> AuditFinding:
    """A rule finding, placed in the report's own terms: table row and column, section and paragraph."""
    key = finding.field
    section, _, paragraph = key.removeprefix("sections.").partition(".")
    if key in fmt.VALUES:
        printed = imported.positions.get(key)
        position = position_of(key, printed.page if printed else None)
    elif key.startswith("sections.") and section in fmt.SECTION_BY_KEY:
        number = int(paragraph) + 1 if paragraph.isdigit() else None
        position = ImportPosition(section=fmt.SECTION_BY_KEY[section].heading, paragraph=number)
    elif key == fmt.info_field("preamble"):
        position = ImportPosition(section=fmt.INFO_BY_KEY["preamble"].label)
    elif key.startswith("info."):
        position = ImportPosition(section="基本信息：" + fmt.INFO_BY_KEY[key.removeprefix("info.")].label)
    else:
        position = ImportPosition(section=finding.location)
    return AuditFinding(finding.rule, finding.code, finding.severity.value, key, position, finding.message)


def _between_years(results: list[AuditResult]) -> None:
    from ..check.rules import check

    read = [r for r in results if r.imported is not None and r.imported.report.info.year]
    for this in read:
        info = this.imported.report.info  # type: ignore[union-attr]
        for last in read:
            other = last.imported.report.info  # type: ignore[union-attr]
            if other.org == info.org and other.year == info.year - 1:  # type: ignore[operator]
                found = check(this.imported.report, last.imported.report)  # type: ignore[union-attr]
                this.findings += [
                    from_finding(f, this.imported)  # type: ignore[arg-type]
                    for f in found
                    if f.rule in BETWEEN_YEARS
                ]
