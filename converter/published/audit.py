"""`xxgk audit`: import published reports and run every rule on them, positioned in the reports' own terms.

R0–R3, R6, R7, R8, D1, the evaluators' C, Q and D2 rules run on each report (through converter.checks),
R5 on its text; R4, S1 and P1 between reports of the same 机关 in consecutive years given together (or
against --previous); P2 across the units of one year in the batch. Import notes come first. A scoring
profile turns the findings into a score with every deduction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..check.scoring import Profile, Score, score
from ..core.errors import UnreadableInput
from ..core.findings import Finding
from ..core.model import Report
from ..format import official as fmt
from . import Imported, import_report
from .labels import position_of
from .notes import ImportNote, ImportPosition

IMPORT_RULE = "导入"
BETWEEN_YEARS = ("R4", "S1", "P1")
# Dropped from an audit: a blank is always an import note already; a published report that prints no
# date is not a defect of its tables or text; the organ type only matters to D1's deadline; a report does
# not print its 自称 or type as such (the workbook's 基本信息 asks for them, a published report need not).
NOT_DEFECTS = {("R6", "blank"), ("D1", "not-stated"), ("info", "blank"), ("info", "inferred")}
NOT_DEFECT_NOTES = {"organ_type_unknown", "total_mismatch"}  # the latter: R1–R3 name the same cell


@dataclass(frozen=True)
class AuditFinding:
    """One finding about a published report: rule, code, severity, the value it concerns, where, why."""

    rule: str
    code: str
    severity: str  # "error" | "warning"
    field: str | None
    position: ImportPosition
    message: str
    evidence: tuple[str, ...] = ()  # quoted sentences or passages (and the other report, for P1/P2)

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
            "evidence": list(self.evidence),
            "text": f"{self.location}：{self.message}",
        }


@dataclass
class AuditResult:
    path: Path
    imported: Imported | None = None
    findings: list[AuditFinding] = field(default_factory=list)
    unreadable: str = ""  # the Chinese message when the file could not be read
    not_assessable: dict[str, str] = field(default_factory=dict)  # rule id -> why it could not be assessed
    score: Score | None = None

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
        published = self.imported.published
        return {
            "file": str(self.path),
            "ok": not self.errors,
            "errors": len(self.errors),
            "warnings": len(self.findings) - len(self.errors),
            "org": info.org,
            "year": info.year,
            "published": published.to_dict() if published else None,  # 发布时间, for timeliness
            "findings": [f.to_dict() for f in self.findings],
            "not_assessable": [
                {"rule": rule, "reason": why} for rule, why in sorted(self.not_assessable.items())
            ],
            "score": self.score.to_dict() if self.score is not None else None,
        }


def audit_files(
    paths: list[Path],
    previous: tuple[Report, str] | None = None,
    profile: Profile | None = None,
    *,
    mapper: Callable[[Callable[[Path], AuditResult], list[Path]], Iterable[AuditResult]] = map,
) -> list[AuditResult]:
    """Import and check each report (through `mapper`: the command line passes its process pool); then
    R4/S1/P1 between consecutive years of the same 机关 (or against `previous`: last year's report and
    its name), P2 across units of one year, and the score."""
    results = list(mapper(audit_path, [Path(p) for p in paths]))
    last, name = previous if previous is not None else (None, "")
    _between_years(results, last, name)
    _across_units(results)
    if profile is not None:
        for result in results:
            if result.imported is not None:
                result.score = score(profile, result.findings, result.not_assessable)  # type: ignore[arg-type]
    return results


def audit_path(path: Path) -> AuditResult:
    """One report imported and checked (a worker's job in a batch)."""
    try:
        imported = import_report(path)
    except UnreadableInput as exc:
        return AuditResult(Path(path), unreadable=exc.message)
    except (Exception, MemoryError, RecursionError) as exc:  # one bad file never loses the batch
        name, kind = Path(path).name, type(exc).__name__
        return AuditResult(
            Path(path), unreadable=f"{name} 读取时出现内部错误（{kind}），未能审核；其余报告照常审核。"
        )
    result = AuditResult(Path(path), imported)
    result.findings = audit_one(imported, result.not_assessable)
    return result


def audit_one(imported: Imported, not_assessable: dict[str, str] | None = None) -> list[AuditFinding]:
    """The import notes, then every rule of the registry (R5 included) on the report as read; the rules
    that could not be assessed go into `not_assessable` with the reason."""
    from ..check.rules import Subject, run
    from ..check.timeliness import not_assessable as d2_not_assessable
    from ..core.findings import in_format_order
    from ..core.organs import fill_in

    fill_in(imported.report)  # the type the organ's name settles, for D1's and D2's deadline
    subject = Subject(
        imported.report, source=fmt.PUBLISHED, publication=publication(imported), import_notes=imported.notes
    )
    stated = _stated_by_rules(imported)
    out = [from_note(n) for n in imported.notes if n.code not in NOT_DEFECT_NOTES and n.code not in stated]
    found = in_format_order(run(subject))
    out += [from_finding(f, imported) for f in found if (f.rule, f.code) not in NOT_DEFECTS]
    if not_assessable is not None:
        not_assessable.update({"P1": fmt.NEEDS["previous"], "P2": fmt.NEEDS["batch"]})
        if why := d2_not_assessable(subject):
            not_assessable["D2"] = why
    return out


def publication(imported: Imported) -> tuple[dt.date, str] | None:
    """The date the report was published, by preference: the portal's, then the PDF's creation date."""
    from .read_pdf import CREATION_DATE

    dates = sorted(imported.dates.items(), key=lambda item: item[0] == CREATION_DATE)
    return (dates[0][1], dates[0][0]) if dates else None


def _stated_by_rules(imported: Imported) -> set[str]:
    """Import notes that C1 and C2 state as their findings (a 2019-format note only where C2 judges it)."""
    from ..check.rules import C1_NOTES
    from ..check.structure import C2_NOTES

    year = imported.report.info.year
    stated = C1_NOTES | C2_NOTES
    return stated - {"format_2019"} if year is not None and year < int(fmt.FORMAT_VERSION) else stated


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
    return AuditFinding(
        finding.rule, finding.code, finding.severity.value, key, position, finding.message, finding.evidence
    )


def _between_years(results: list[AuditResult], previous: Report | None, previous_name: str) -> None:
    """R4, S1, P1 against the same 机关's report of the year before in the batch, else against `previous`."""
    from ..check.rules import check

    read = [r for r in results if r.imported is not None and r.imported.report.info.year]
    for this in (r for r in results if r.imported is not None):
        info = this.imported.report.info  # type: ignore[union-attr]
        last, name = previous, previous_name
        for other in read:
            them = other.imported.report.info  # type: ignore[union-attr]
            if info.year and them.org == info.org and them.year == info.year - 1:
                last, name = other.imported.report, other.path.name  # type: ignore[union-attr]
        if last is None:
            continue
        found = check(this.imported.report, last, source=fmt.PUBLISHED, previous_name=name)  # type: ignore[union-attr]
        this.findings += [from_finding(f, this.imported) for f in found if f.rule in BETWEEN_YEARS]  # type: ignore[arg-type]
        this.not_assessable.pop("P1", None)


def _across_units(results: list[AuditResult]) -> None:
    """P2: each report against the other units' reports of the same year in the batch."""
    from ..check.copying import BATCH, Unit, comparable

    read = [r for r in results if r.imported is not None]
    units = [Unit(r.path.name, r.imported.report) for r in read]  # type: ignore[union-attr]
    for i in comparable(units):
        read[i].not_assessable.pop("P2", None)
    for rule in fmt.rules_of(fmt.Scope.BATCH):
        for i, found in BATCH.checkers[rule.id](units).items():
            read[i].findings += [from_finding(f, read[i].imported) for f in found]  # type: ignore[arg-type]
