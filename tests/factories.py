"""Known-good reports for tests: fully filled, every consistency rule satisfied."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from converter.core.model import Info, Paragraph, Report
from converter.format import official as fmt

APPLICANTS = tuple(c for c, _ in fmt.APPLICANT_COLUMNS)

PROACTIVE = {
    "proactive.regulations.issued": 2,
    "proactive.regulations.repealed": 1,
    "proactive.regulations.in_force": 15,
    "proactive.normative_documents.issued": 8,
    "proactive.normative_documents.repealed": 3,
    "proactive.normative_documents.in_force": 42,
    "proactive.licensing.decisions": 120,
    "proactive.penalty.decisions": 35,
    "proactive.enforcement.decisions": 6,
    "proactive.admin_fees.amount": Decimal("12.5"),
}
FEES = {"fees.notices": 2, "fees.notice_amount": Decimal("150"), "fees.collected": Decimal("100")}


PROBLEMS = (
    "2024年，本机关政府信息公开工作还存在政策解读形式不够丰富、部分栏目更新不够及时等问题。"
    "下一步，本机关将加强解读材料制作，建立栏目更新提醒机制，持续提升公开质量。"
)


def consistent_report() -> Report:
    """某某市某某局's 2024 report: non-zero values in all three tables, every total equal to its sum_of."""
    report = Report(
        info=Info(
            org="某某市某某局",
            self_name="本机关",
            year=2024,
            date=dt.date(2025, 1, 20),
            organ_type="部门",
        )
    )
    for section in fmt.SECTIONS:
        report.sections[section.key] = [Paragraph("", f"2024年，本机关{section.heading[2:]}的说明。")]
    report.sections["problems"] = [Paragraph("", PROBLEMS)]
    values = report.values
    values.update(PROACTIVE)
    values.update(FEES)
    _fill_applications(values)
    _fill_review(values)
    assert all(v is not None for v in values.values())
    return report


def _fill_applications(values: dict) -> None:
    """Outcomes 1–4, carried over j+1, carried forward 1–2, and 一 chosen so that R0 holds."""
    for j, col in enumerate(APPLICANTS):
        for i, row in enumerate(fmt.OUTCOME_ROWS):
            values[f"applications.{row}.{col}"] = (i + j) % 4 + 1
        values[f"applications.carried_over.{col}"] = j + 1
        values[f"applications.carried_forward.{col}"] = j % 2 + 1
        values[f"applications.new.{col}"] = 0
    _fill_sums(values, "applications")
    for col in APPLICANTS:
        total, over, forward = (
            values[f"applications.{r}.{col}"] for r in ("total", "carried_over", "carried_forward")
        )
        values[f"applications.new.{col}"] = total + forward - over
    _fill_sums(values, "applications")


def _fill_review(values: dict) -> None:
    for g, (group, _) in enumerate(fmt.REVIEW_GROUPS):
        for i, (outcome, _) in enumerate(fmt.REVIEW_OUTCOMES[:-1]):
            values[f"{group}.{outcome}"] = g + i + 1
    _fill_sums(values, "review")


def _fill_sums(values: dict, table: str) -> None:
    """Set every computed total of a table; declaration order puts a row's parts before its total."""
    for spec in fmt.VALUES.values():
        if spec.table == table and spec.sum_of:
            values[spec.key] = sum(values[k] for k in spec.sum_of)
