"""The rules of a report (format.RULES), run over a report: one runner, one checker per rule.

Rules with equations (R0–R3) are run from their equations; every other report rule has one checker
here, registered by its id (`CHECKERS`). Findings name fields of the report (findings.py); the source
the report came from attaches positions afterwards.

Conventions of the findings made here:
- `expected` is what the rule asks for and `actual` what the report holds. For a sum rule the right
  side of the equation is the expected sum and the left side the actual one, so R0 reads
  expected = （七）总计 + 四, actual = 一 + 二.
- `related` lists the other fields the rule involves.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.findings import Finding, Severity, errors, in_format_order
from ..core.model import Number, Report, format_number
from ..format import official as fmt
from ..read import values as cv
from .registry import Registry

# Stable keys (not labels) of the values that R4, R7 and S1 compare.
CARRIED_OVER = "applications.carried_over"
CARRIED_FORWARD = "applications.carried_forward"
UNPAID_FEE = "applications.other.unpaid_fee.total"
FEE_NOTICES = "fees.notices"
IN_FORCE, ISSUED, REPEALED = "in_force", "issued", "repealed"
APPLICATION_COLUMNS = tuple(c for c, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))


@dataclass
class Subject:
    """What the report rules look at: the report, last year's (for R4, S1), and the source's notes.

    `notes` maps a field to what its source noted while reading it (None: the report was built in
    code, so the value rules judge its typed values themselves).
    """

    report: Report
    previous: Report | None = None
    notes: dict[str, list[cv.Note]] | None = None
    source: str = fmt.WORKBOOK  # fmt.PUBLISHED for a report read back by `audit`
    publication: tuple[dt.date, str] | None = None  # when it was published, and where that date comes from
    import_notes: list[Any] = field(default_factory=list)  # what the importer noted (published.ImportNote)
    previous_name: str = ""  # how to name last year's report in a finding (its file)

    def notes_on(self, key: str, kind: fmt.Kind) -> list[cv.Note]:
        """What is wrong with a value as read, decided once: by the source, or here for a typed value."""
        if self.notes is not None:
            return self.notes.get(key, [])
        value = self.report.values.get(key)
        return [] if value is None else cv.judge(value, kind)


REGISTRY: Registry[Subject] = Registry()
CHECKERS = REGISTRY.checkers
checker = REGISTRY.checker


def check(
    report: Report,
    previous: Report | None = None,
    notes: dict[str, list[cv.Note]] | None = None,
    **facts: Any,
) -> list[Finding]:
    """Run every report rule and return all findings in the format's order (no positions attached);
    `facts` are the other Subject fields (source, publication, import_notes, previous_name)."""
    return in_format_order(run(Subject(report, previous, notes, **facts)))


def applies(rule: fmt.Rule, subject: Subject) -> bool:
    """Whether a rule runs on this subject: its scope, its sources, and last year's report if it needs one."""
    if not rule.scope.of_reports or subject.source not in rule.sources:
        return False
    return not (rule.scope is fmt.Scope.YEARS and subject.previous is None)


def run(subject: Subject) -> list[Finding]:
    """Walk the registry: each declared report rule by its equations or its checker."""
    findings: list[Finding] = []
    for rule in fmt.rules_of(fmt.Scope.VALUE, fmt.Scope.TABLE, fmt.Scope.REPORT, fmt.Scope.YEARS):
        if not applies(rule, subject):
            continue
        if rule.only_if_clean and errors(findings):
            continue
        found = check_equations(subject, rule) if rule.equations else CHECKERS[rule.id](subject)
        findings += found
    return findings


# --------------------------------------------------------------------------- helpers


def chinese_date(date: dt.date) -> str:
    """2025年1月17日: Arabic numerals, no leading zeros."""
    return f"{date.year}年{date.month}月{date.day}日"


def finding(
    rule: str,
    code: str,
    field: str,
    expected: str,
    actual: str,
    message: str,
    *,
    severity: Severity | None = None,
    related: Iterable[str] = (),
    covers: Iterable[str] = (),
    evidence: Iterable[str] = (),
) -> Finding:
    """A finding about `field`, with the severity declared for its rule and code, or `severity`."""
    severity = severity or Severity(fmt.RULES[rule].severity_of(code))
    return Finding(
        rule,
        code,
        severity,
        field,
        expected,
        actual,
        message,
        tuple(related),
        covers=tuple(covers),
        evidence=tuple(evidence),
    )


def _text_of(rule: str, code: str, **fields: object) -> str:
    return fmt.RULES[rule].text(code, **fields)


def _text(value: Number | None) -> str:
    return format_number(value)


# --------------------------------------------------------------------------- R0–R3: equations


def check_equations(subject: Subject, rule: fmt.Rule) -> Iterator[Finding]:
    """Each equation of a sum rule; an equation with a blank term is skipped (R6 reports the blank)."""
    for equation in rule.equations:
        found = _check_equation(subject.report, rule, equation)
        if found:
            yield found


def _check_equation(report: Report, rule: fmt.Rule, equation: fmt.Equation) -> Finding | None:
    terms = (*equation.left, *equation.right)
    if any(report.values.get(k) is None for k in terms):
        return None
    left = sum(report.value(k) for k in equation.left)
    right = sum(report.value(k) for k in equation.right)
    if left == right:
        return None
    labels = equation.labels or terms
    sides = {
        "left_side": _side(report, equation.left, labels[: len(equation.left)], left),
        "right_side": _side(report, equation.right, labels[len(equation.left) :], right),
    }
    message = rule.message.format(left=_text(left), right=_text(right), title=equation.title, **sides)
    others = [k for k in dict.fromkeys(terms) if k != equation.anchor]
    return finding(
        rule.id, "sum-mismatch", equation.anchor, _text(right), _text(left), message, related=others
    )


LONG_SIDE = 6  # a side with more terms than this lists only its terms that are not 0


def _side(report: Report, keys: tuple[str, ...], labels: tuple[str, ...], total: Number) -> str:
    """One side of an equation in words: `一、本年新收 12 + 二、上年结转 1 = 13`, `（七）总计 12`;
    a long side only with its terms that are not 0:
    `（一）予以公开 3 + （三）1.属于国家秘密 2 = 5（其余 18 项为 0）`,
    or its sum alone when more than LONG_SIDE of them are not 0."""
    terms = list(zip(labels, (report.value(k) for k in keys), strict=True))
    if len(terms) == 1:
        return f"{terms[0][0]} {_text(terms[0][1])}"
    shown = terms if len(terms) <= LONG_SIDE else [(label, v) for label, v in terms if v != 0]
    if not shown:
        return f"各项均为 0（共 {len(terms)} 项）"
    if len(shown) > LONG_SIDE:
        return f"各项之和 {_text(total)}（共 {len(terms)} 项，{len(shown)} 项不为 0）"
    text = " + ".join(f"{label} {_text(v)}" for label, v in shown)
    text = f"{text} = {_text(total)}" if len(shown) > 1 else text
    rest = len(terms) - len(shown)
    return f"{text}（其余 {rest} 项为 0）" if rest else text


# --------------------------------------------------------------------------- R6, R8, info: values as read


@checker("R6")
def check_counts(subject: Subject) -> Iterator[Finding]:
    """R6: required values left blank, one finding per table covering all its blank cells (143 lines
    of the same advice help no one), and what reading a count found wrong with a value."""
    blank: dict[str, list[str]] = {}
    for key, spec in fmt.VALUES.items():
        if subject.report.values.get(key) is None and _blank_is_a_finding(subject, spec):
            blank.setdefault(spec.table, []).append(key)
        if spec.kind is fmt.Kind.COUNT:
            yield from _noted("R6", key, subject.notes_on(key, spec.kind))
    for table, keys in blank.items():
        yield _blank_cells(table, keys)


def _blank_cells(table: str, keys: list[str]) -> Finding:
    """One blank cell as itself; many of one table as one finding covering them all, in table order."""
    expected = cv.expected_number(fmt.VALUES[keys[0]].kind)
    if len(keys) == 1:
        return finding("R6", "blank", keys[0], expected, "", _text_of("R6", "blank"))
    keys = sorted(keys, key=fmt.field_rank)
    name = (
        fmt.TABLE_BY_ID[table].name
        if table in fmt.TABLE_BY_ID
        else fmt.SECTION_BY_KEY[fmt.FEES_SECTION].heading
    )
    message = _text_of("R6", "blank-cells", table=name, count=len(keys))
    return finding("R6", "blank", keys[0], expected, "", message, covers=keys)


def _blank_is_a_finding(subject: Subject, spec: fmt.Value) -> bool:
    """Blank and required, not unreadable (its note says why), and not a total blank because a part
    is (the part is the cell to report)."""
    if not spec.required or subject.notes_on(spec.key, spec.kind):
        return False
    return not any(subject.report.values.get(part) is None for part in spec.sum_of)


@checker("R8")
def check_amounts(subject: Subject) -> Iterator[Finding]:
    """R8: what reading an amount (万元 in 表二, 元 in 六) found wrong: not a number, negative."""
    for key, spec in fmt.VALUES.items():
        if spec.kind is not fmt.Kind.COUNT:
            yield from _noted("R8", key, subject.notes_on(key, spec.kind))


def _noted(rule: str, field: str, notes: list[cv.Note]) -> Iterator[Finding]:
    for note in notes:
        yield finding(
            rule, note.code, field, note.expected, note.actual, note.message, severity=note.severity
        )


@checker("info")
def check_info(subject: Subject) -> Iterator[Finding]:
    """基本信息: required fields filled, and what reading each field found (the date is D1's)."""
    for spec in fmt.INFO_FIELDS:
        if spec.kind == "date":
            continue
        field = fmt.info_field(spec.key)
        notes = (subject.notes or {}).get(field, [])
        if spec.required and not notes and _blank(getattr(subject.report.info, spec.key)):
            message = _text_of("info", "blank", label=spec.label, hint=spec.hint)
            yield finding("info", "blank", field, "必填", "", message)
        value = getattr(subject.report.info, spec.key)
        if spec.key == "org" and isinstance(value, str) and len(value.strip()) > fmt.MAX_ORG_CHARS:
            length, limit = len(value.strip()), fmt.MAX_ORG_CHARS
            message = _text_of("info", "too-long", label=spec.label, length=length, limit=limit)
            expected, actual = f"不超过 {limit} 个字", f"{length} 个字"
            yield finding("info", "too-long", field, expected, actual, message, severity=Severity.WARNING)
        yield from _noted("info", field, notes)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- R5: text against tables


@checker("R5")
def check_text_figures(subject: Subject) -> Iterator[Finding]:
    """R5: a figure the text states (新收, 办结, 复议…) that no reading of the tables gives; the finding
    is about the paragraph that states it, the table value is related."""
    from .text_figures import check_text

    for found in check_text(subject.report):
        if found.section in fmt.SECTION_BY_KEY:
            field = f"{fmt.section_field(found.section)}.{found.paragraph - 1}"
        else:
            field = fmt.info_field("preamble")
        expected, actual = _text(found.table_value), _text(found.stated)
        yield finding("R5", "text-figure", field, expected, actual, found.message, related=(found.field,))


# --------------------------------------------------------------------------- C1, Q2: the sections' text

EMPTY_HINTS = {
    fmt.FEES_SECTION: "请写明其他需要报告的事项（没有的可写“无其他需要报告的事项”），"
    "或在这一部分填写信息处理费的件数和金额",
}


@checker("C1")
def check_sections(subject: Subject) -> Iterator[Finding]:
    """C1: a section the clerk must write (一, 五) written; any other section not empty as printed
    (its text, or the text generated from the tables where the clerk wrote none). A published report's
    heading not found is a missing part, and a part with nothing under it is empty as printed."""
    report = subject.report
    published = subject.source == fmt.PUBLISHED
    missing = {n.field for n in subject.import_notes if n.code in C1_NOTES} if published else set()
    for section in fmt.SECTIONS:
        field = fmt.section_field(section.key)
        written = not _blank_text(report.sections.get(section.key, []))
        if field in missing:
            message = _text_of("C1", "missing", heading=section.heading)
            yield finding("C1", "missing", field, section.heading, "", message)
        elif published and not written and not _printed(report, section):
            message = _text_of("C1", "printed-empty", heading=section.heading)
            yield finding("C1", "printed-empty", field, "正文或表格", "", message)
        elif published:
            continue
        elif section.written and not written:
            message = _text_of("C1", "not-written", heading=section.heading)
            yield finding("C1", "not-written", field, "填报人撰写的内容", "", message)
        elif not section.written and not written and not _generated(report, section):
            hint = EMPTY_HINTS.get(section.key, "请填写这一部分的内容")
            message = _text_of("C1", "empty", heading=section.heading, hint=hint)
            yield finding("C1", "empty", field, "内容", "", message)


C1_NOTES = {"section_missing"}  # import notes C1 states as its findings (audit leaves the notes out)


def _printed(report: Report, section: fmt.Section) -> bool:
    """Whether a published report printed anything in a section: text, or its table's figures."""
    if section.table is None:
        return False
    return any(report.values.get(k) is not None for k in fmt.TABLE_BY_ID[section.table].keys)


def _blank_text(rows: list) -> bool:
    return not any(p.heading.strip() or p.body.strip() for p in rows)


def _generated(report: Report, section: fmt.Section) -> bool:
    """Whether the report prints generated text in a section the clerk left blank (render.prose writes
    it; a test keeps the two in step): a sentence on its table for 二、三、四, and the fee sentence in
    六 when a fee figure is stated."""
    if section.table:
        return True
    if section.key == fmt.FEES_SECTION:
        return any(report.values.get(v.key) is not None for v in fmt.FEE_VALUES)
    return False


@checker("Q2")
def check_problems_and_measures(subject: Subject) -> Iterator[Finding]:
    """Q2: 五 is not 无/暂无 nor a line (errors), and states both its problems and its improvements
    (a warning: recognised by wording only)."""
    section = fmt.SECTION_BY_KEY[fmt.PROBLEMS_SECTION]
    text = "\n".join(f"{p.heading}\n{p.body}" for p in subject.report.sections.get(section.key, []))
    if not text.strip():
        return  # C1's
    field = fmt.section_field(section.key)
    plain = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum())
    if plain in {w.rstrip("。") for w in fmt.NOTHING_TO_SAY}:
        message = _text_of("Q2", "nothing", text=text.strip())
        yield finding("Q2", "nothing", field, "存在的问题和改进情况", text.strip(), message)
        return
    if len(plain) < fmt.PROBLEMS_MIN_CHARS:
        message = _text_of("Q2", "too-short", length=len(plain))
        yield finding(
            "Q2", "too-short", field, f"不少于{fmt.PROBLEMS_MIN_CHARS}个字", str(len(plain)), message
        )
        return
    problems = any(word in text for word in fmt.PROBLEM_WORDS)
    measures = any(word in text for word in fmt.MEASURE_WORDS)
    if problems == measures:
        return
    code, expected = ("no-measures", "改进情况") if problems else ("no-problems", "存在的问题")
    message = _text_of("Q2", code, heading=section.heading)
    yield finding("Q2", code, field, expected, "", message)


# --------------------------------------------------------------------------- R7: fee notices


@checker("R7")
def check_fee_notices(subject: Subject) -> Iterator[Finding]:
    """R7: applications dropped for an unpaid fee mean fee notices were sent, so 六 must report them."""
    report = subject.report
    cause = report.values.get(UNPAID_FEE)
    if cause is None or cause <= 0:
        return
    notices = report.values.get(FEE_NOTICES)
    related = (UNPAID_FEE,)
    if notices is None:
        message = _text_of("R7", "not-stated", cause=_text(cause))
        yield finding("R7", "not-stated", FEE_NOTICES, "大于 0", "", message, related=related)
    elif notices <= 0:
        message = fmt.RULES["R7"].message.format(cause=_text(cause), actual=_text(notices))
        yield finding("R7", "no-fee-notices", FEE_NOTICES, "大于 0", _text(notices), message, related=related)


# --------------------------------------------------------------------------- R4, S1: across years


@checker("R4")
def check_carry_over(subject: Subject) -> Iterator[Finding]:
    """R4: this year's 二、上年结转 equals last year's 四、结转下年度继续办理, column by column."""
    report, previous = subject.report, subject.previous
    assert previous is not None
    yield from _check_previous_year(report, previous)
    for column in APPLICATION_COLUMNS:
        this_key, last_key = f"{CARRIED_OVER}.{column}", f"{CARRIED_FORWARD}.{column}"
        actual, expected = report.values.get(this_key), previous.values.get(last_key)
        if actual is None or expected is None or actual == expected:
            continue
        message = fmt.RULES["R4"].message.format(actual=_text(actual), expected=_text(expected))
        yield finding("R4", "carry-over-mismatch", this_key, _text(expected), _text(actual), message)


def _check_previous_year(report: Report, previous: Report) -> Iterator[Finding]:
    year, last = report.info.year, previous.info.year
    if year is None or last is None or last == year - 1:
        return
    message = _text_of("R4", "not-previous-year", previous=last, year=year)
    field = fmt.info_field("year")
    yield finding("R4", "not-previous-year", field, str(year - 1), str(last), message)


@checker("S1")
def check_in_force(subject: Subject) -> Iterator[Finding]:
    """S1: last year's 现行有效 + 本年制发 − 本年废止 = this year's 现行有效 (a warning: 清理 breaks it)."""
    assert subject.previous is not None
    suffix = f".{IN_FORCE}"
    for key in (k for k in fmt.VALUES if k.endswith(suffix)):
        found = _check_in_force_row(subject.report, subject.previous, key.removesuffix(suffix))
        if found:
            yield found


def _check_in_force_row(report: Report, previous: Report, row: str) -> Finding | None:
    keys = {name: f"{row}.{name}" for name in (IN_FORCE, ISSUED, REPEALED)}
    last = previous.values.get(keys[IN_FORCE])
    issued, repealed, actual = (report.values.get(keys[n]) for n in (ISSUED, REPEALED, IN_FORCE))
    if last is None or issued is None or repealed is None or actual is None:
        return None
    expected = last + issued - repealed
    if expected == actual:
        return None
    fields = {
        "previous": last,
        "issued": issued,
        "repealed": repealed,
        "expected": expected,
        "actual": actual,
    }
    message = fmt.RULES["S1"].message.format(**{k: _text(v) for k, v in fields.items()})
    related = (keys[ISSUED], keys[REPEALED])
    return finding(
        "S1", "in-force-mismatch", keys[IN_FORCE], _text(expected), _text(actual), message, related=related
    )


# --------------------------------------------------------------------------- D1: signing date


@checker("D1")
def check_signing_date(subject: Subject) -> Iterator[Finding]:
    """D1: the 成文日期 can be read, falls after the report year and by the organ type's deadline."""
    info, field = subject.report.info, fmt.info_field("date")
    notes = (subject.notes or {}).get(field, [])
    yield from _noted("D1", field, notes)
    if info.date is None:
        if not notes:
            label = fmt.INFO_BY_KEY["date"].label
            yield finding("D1", "not-stated", field, label, "空", _text_of("D1", "not-stated"))
        return
    if info.year is None or info.organ_type not in fmt.DEADLINES:
        return
    month, day = fmt.DEADLINES[info.organ_type]
    deadline = dt.date(info.year + 1, month, day)
    expected = f"{info.year + 1}年1月1日至{chinese_date(deadline)}"
    actual = chinese_date(info.date)
    if info.date.year <= info.year:
        message = _text_of("D1", "too-early", date=actual, year=info.year)
        yield finding("D1", "too-early", field, expected, actual, message)
    elif info.date > deadline:
        message = _text_of(
            "D1", "too-late", date=actual, organ_type=info.organ_type, deadline=chinese_date(deadline)
        )
        yield finding("D1", "too-late", field, expected, actual, message)
