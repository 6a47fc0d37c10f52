"""Complete: the six parts (C1), the three tables (C2), the statistics period (C3)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..core.findings import Finding, Severity
from ..format import official as fmt
from .report_text import quote, sentences, text_of
from .rules import Subject, checker, finding

PERIOD = re.compile(fmt.STATISTICS_PERIOD)
# Import notes that C1 and C2 state as rule findings (audit leaves the notes out, no double finding).
C1_NOTES = {"section_missing"}
C2_NOTES = {"table_missing", "row_missing", "format_2019"}


@checker("C1")
def check_parts(subject: Subject) -> Iterator[Finding]:
    """C1: every official part of a published report found, and none empty (text, or its table's figures)."""
    rule = fmt.RULES["C1"]
    missing = {n.field for n in subject.import_notes if n.code in C1_NOTES}
    for section in fmt.SECTIONS:
        field = fmt.section_field(section.key)
        if field in missing:
            message = rule.text("missing", heading=section.heading)
            yield finding("C1", "missing", field, section.heading, "", message)
        elif not text_of(subject.report, section.key) and not _has_figures(subject, section):
            message = rule.text("empty", heading=section.heading)
            yield finding("C1", "empty", field, "正文或表格", "空", message)


def _has_figures(subject: Subject, section: fmt.Section) -> bool:
    if section.table is None:
        return False
    return any(subject.report.values.get(k) is not None for k in fmt.TABLE_BY_ID[section.table].keys)


@checker("C2")
def check_tables(subject: Subject) -> Iterator[Finding]:
    """C2: 表二, 表三, 表四 found with every row; a 2019 trial-format table in a 2021+ report named."""
    year = subject.report.info.year
    for note in subject.import_notes:
        if note.code not in C2_NOTES:
            continue
        if note.code == "format_2019":
            if year is not None and year < int(fmt.FORMAT_VERSION):
                continue  # the trial format was the format of that year
            message = f"{fmt.RULES['C2'].text('format-2019', year=year or '')}；{note.message}"
            yield finding("C2", "format-2019", note.field or "", "2021 年格式", "2019 年试行格式", message)
            continue
        severity = Severity(note.severity)
        code = note.code.replace("_", "-")
        yield finding("C2", code, note.field or "", "有", "无", note.message, severity=severity)


def _around(sentence: str, match: re.Match[str], context: int = 20) -> str:
    """The sentence stating the period, cut to the period and some words before it."""
    start = max(0, match.start() - context)
    return quote(("…" if start else "") + sentence[start:])


@checker("C3")
def check_period(subject: Subject) -> Iterator[Finding]:
    """C3: the statistics period stated (preamble first, then any part) and equal to the report year."""
    report, year = subject.report, subject.report.info.year
    if year is None:
        return
    if subject.source == fmt.WORKBOOK and not report.info.preamble.strip():
        return  # a blank preamble is printed as the conventional one, which states the period
    places = [(fmt.info_field("preamble"), report.info.preamble)]
    places += [(fmt.section_field(s.key), text_of(report, s.key)) for s in fmt.SECTIONS]
    rule = fmt.RULES["C3"]
    for field, text in places:
        for sentence in sentences(text):
            match = PERIOD.search(sentence)
            if not match:
                continue
            if int(match.group(1)) == year == int(match.group(2)):
                return
            stated = re.sub(r"\s+", "", match.group(0))
            message = rule.text("wrong-year", stated=stated, year=year)
            expected = f"{year}年1月1日至{year}年12月31日"
            yield finding(
                "C3", "wrong-year", field, expected, stated, message, severity=Severity.ERROR,
                evidence=(_around(sentence, match),),
            )  # fmt: skip
            return
    message = rule.text("not-stated", year=year)
    yield finding("C3", "not-stated", fmt.info_field("preamble"), "统计期限", "", message)
