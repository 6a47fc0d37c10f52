"""D2: published on time, by the publication date when it is known (a source named for it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..core.findings import Finding
from ..format import official as fmt
from .rules import Subject, checker, chinese_date, finding

SIGNING_DATE = f"{fmt.INFO_BY_KEY['date'].label}（代替发布日期）"


def publication(subject: Subject) -> tuple[dt.date, str] | None:
    """The publication date and its source: the portal's or the PDF's, else the 成文日期 as a stand-in."""
    if subject.publication is not None:
        return subject.publication
    if subject.report.info.date is not None:
        return subject.report.info.date, SIGNING_DATE
    return None


def not_assessable(subject: Subject) -> str | None:
    """Why D2 cannot be assessed for this report, or None when it can."""
    if publication(subject) is None or subject.report.info.year is None:
        return fmt.NEEDS["publication_date"]
    if subject.report.info.organ_type not in fmt.DEADLINES:
        return fmt.NEEDS["organ_type"]
    return None


@checker("D2")
def check_published_on_time(subject: Subject) -> Iterator[Finding]:
    """D2: the publication date is within the 机关类型's deadline (条例 art. 49)."""
    if not_assessable(subject):
        return
    date, source = publication(subject)  # type: ignore[misc]
    year, organ_type = subject.report.info.year, subject.report.info.organ_type
    month, day = fmt.DEADLINES[organ_type]
    deadline = dt.date(year + 1, month, day)  # type: ignore[operator]
    if date <= deadline:
        return
    message = fmt.RULES["D2"].message.format(
        source=source, date=chinese_date(date), organ_type=organ_type, deadline=chinese_date(deadline)
    )
    field = fmt.info_field("date")
    evidence = (f"{source}：{chinese_date(date)}",)
    yield finding("D2", "late", field, chinese_date(deadline), chinese_date(date), message, evidence=evidence)
