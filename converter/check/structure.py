"""Complete: the three tables (C2), the statistics period (C3); the six parts (C1) are checked in rules."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..core.findings import Finding
from ..format import official as fmt
from .report_text import quote, sentences, text_of
from .rules import Subject, checker, finding

PERIOD = re.compile(fmt.STATISTICS_PERIOD)
# Import notes that C2 states as its findings (audit leaves the notes out, no double finding).
C2_NOTES = {"table_missing", "row_missing", "format_2019"}


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
        code = note.code.replace("_", "-")
        if code == "row-missing" and note.severity == "warning":
            code = "regulations-missing"  # the importer's own judgement: only 规章 may be absent
        yield finding("C2", code, note.field or "", "有", "无", note.message)


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
            evidence = (_around(sentence, match),)
            yield finding("C3", "wrong-year", field, expected, stated, message, evidence=evidence)
            return
    message = rule.text("not-stated", year=year)
    yield finding("C3", "not-stated", fmt.info_field("preamble"), "统计期限", "", message)
