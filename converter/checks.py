"""The consistency rules (勾稽关系) of format.RULES, run over a Report: plain functions, findings as data.

Every rule reads its equations, severity and message template from `format.RULES`; this module only
decides when a rule applies and where its finding points (through `layout.position`).

Conventions of the findings made here:
- `expected` is what the rule asks for and `actual` what the report holds.  For a sum rule the
  right side of the equation is the expected sum and the left side the actual one, so R0 at J31
  reads expected = （七）总计 + 四, actual = 一 + 二.
- `related` lists the other cells the rule involves: as A1 (`D7`) when on the finding's sheet,
  qualified (`表三!J28`) when on another sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from . import format as fmt
from . import layout
from .findings import Finding, Severity, sort_key
from .model import Number, Report, format_number

SUM_RULES = ("R0", "R1", "R2", "R3")
RULE_IDS = tuple(fmt.RULES)

# Stable keys (not labels) of the values that R4, R7 and S1 compare.
CARRIED_OVER = "applications.carried_over"
CARRIED_FORWARD = "applications.carried_forward"
UNPAID_FEE = "applications.other.unpaid_fee.total"
FEE_NOTICES = "fees.notices"
IN_FORCE, ISSUED, REPEALED = "in_force", "issued", "repealed"
APPLICATION_COLUMNS = tuple(c for c, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN))

BLANK_MESSAGE = "数值为空，没有发生请填 0"
NEGATIVE_COUNT_MESSAGE = "统计数不能为负数（{value}），请填写非负整数"
NOT_INTEGER_MESSAGE = "统计数必须是整数，不能填 {value}"
NEGATIVE_AMOUNT_MESSAGE = "金额不能为负数（{value}{unit}）"
FEES_NOT_STATED = "表三（六）2 为 {cause}，说明发出过收费通知，第六部分应报告发出收费通知的件数和总金额"
NOT_PREVIOUS_YEAR = "上年报告的年度为{previous}年，不是本报告年度（{year}年）的上一年"
DATE_NOT_STATED = "未填写成文日期，报告落款将没有日期；请在签发前补填"
DATE_TOO_EARLY = "成文日期{date}应晚于报告年度{year}年"
DATE_TOO_LATE = "成文日期{date}晚于{organ_type}的发布时限{deadline}"


def check(report: Report, previous: Report | None = None) -> list[Finding]:
    """Run every rule, collect all findings, sorted by findings.sort_key; `previous` is last year's report."""
    findings = [
        *check_sums(report),
        *check_counts(report),
        *check_amounts(report),
        *check_fee_notices(report),
        *check_signing_date(report),
    ]
    if previous is not None:
        findings += [*check_carry_over(report, previous), *check_in_force(report, previous)]
    return sorted(findings, key=sort_key)


# --------------------------------------------------------------------------- helpers


def chinese_date(date: dt.date) -> str:
    """2025年1月17日: Arabic numerals, no leading zeros."""
    return f"{date.year}年{date.month}月{date.day}日"


def _relative(key: str, sheet: str) -> str:
    """A cell as A1 on `sheet`, qualified with its sheet name otherwise."""
    pos = layout.position(key)
    return pos.cell if pos.sheet == sheet else str(pos)


def _finding(
    rule: str,
    code: str,
    key: str,
    expected: str,
    actual: str,
    message: str,
    *,
    severity: Severity | None = None,
    related: tuple[str, ...] | list[str] = (),
) -> Finding:
    """A finding at the cell of `key`, with the severity of the rule unless `severity` is given."""
    pos = layout.position(key)
    severity = severity or Severity(fmt.RULES[rule].severity)
    cells = tuple(_relative(k, pos.sheet) for k in related)
    return Finding(rule, code, severity, pos.sheet, pos.cell, expected, actual, message, cells)


def _text(value: Number | None) -> str:
    return format_number(value)


# --------------------------------------------------------------------------- R0–R3: sums


def check_sums(report: Report) -> Iterator[Finding]:
    """Each equation of R0–R3; an equation with a blank term is skipped (R6 reports the blank)."""
    for rule_id in SUM_RULES:
        rule = fmt.RULES[rule_id]
        for equation in rule.equations:
            finding = _check_equation(report, rule, equation)
            if finding:
                yield finding


def _check_equation(report: Report, rule: fmt.Rule, equation: fmt.Equation) -> Finding | None:
    terms = (*equation.left, *equation.right)
    if any(report.values.get(k) is None for k in terms):
        return None
    left = sum(report.value(k) for k in equation.left)
    right = sum(report.value(k) for k in equation.right)
    if left == right:
        return None
    message = rule.message.format(left=_text(left), right=_text(right))
    others = [k for k in dict.fromkeys(terms) if k != equation.anchor]
    return _finding(
        rule.id, "sum-mismatch", equation.anchor, _text(right), _text(left), message, related=others
    )


# --------------------------------------------------------------------------- R6, R8: single values


def check_counts(report: Report) -> Iterator[Finding]:
    """R6: a required value left blank, a count that is negative or not an integer."""
    for key, spec in fmt.VALUES.items():
        value = report.values.get(key)
        if value is None:
            if spec.required and not _blank_because_of_parts(report, spec):
                yield _finding(
                    "R6", "blank", key, "非负整数" if _is_count(spec) else "非负数", "", BLANK_MESSAGE
                )
        elif _is_count(spec):
            yield from _check_count(key, value)


def _blank_because_of_parts(report: Report, spec: fmt.Value) -> bool:
    """A total left blank because one of its parts is blank: the part is the cell to report."""
    return any(report.values.get(part) is None for part in spec.sum_of)


def _is_count(spec: fmt.Value) -> bool:
    return spec.kind is fmt.Kind.COUNT


def _check_count(key: str, value: Number) -> Iterator[Finding]:
    text = _text(value)
    if not isinstance(value, int) or isinstance(value, bool):
        yield _finding("R6", "not-integer", key, "非负整数", text, NOT_INTEGER_MESSAGE.format(value=text))
    elif value < 0:
        yield _finding("R6", "negative", key, "非负整数", text, NEGATIVE_COUNT_MESSAGE.format(value=text))


def check_amounts(report: Report) -> Iterator[Finding]:
    """R8: amounts (万元 in 表二, 元 in 六) are never negative; decimals are allowed."""
    for key, spec in fmt.VALUES.items():
        value = report.values.get(key)
        if _is_count(spec) or value is None or value >= 0:
            continue
        message = NEGATIVE_AMOUNT_MESSAGE.format(value=_text(value), unit=spec.kind.unit)
        yield _finding("R8", "negative", key, "非负数", _text(value), message)


# --------------------------------------------------------------------------- R7: fee notices


def check_fee_notices(report: Report) -> Iterator[Finding]:
    """R7: applications dropped for an unpaid fee mean fee notices were sent, so 六 must report them."""
    cause = report.values.get(UNPAID_FEE)
    if cause is None or cause <= 0:
        return
    notices = report.values.get(FEE_NOTICES)
    related = (UNPAID_FEE,)
    if notices is None:
        message = FEES_NOT_STATED.format(cause=_text(cause))
        yield _finding(
            "R7", "not-stated", FEE_NOTICES, "大于 0", "", message, severity=Severity.WARNING, related=related
        )
    elif notices <= 0:
        message = fmt.RULES["R7"].message.format(cause=_text(cause), actual=_text(notices))
        yield _finding(
            "R7", "no-fee-notices", FEE_NOTICES, "大于 0", _text(notices), message, related=related
        )


# --------------------------------------------------------------------------- R4, S1: across years


def check_carry_over(report: Report, previous: Report) -> Iterator[Finding]:
    """R4: this year's 二、上年结转 equals last year's 四、结转下年度继续办理, column by column."""
    yield from _check_previous_year(report, previous)
    for column in APPLICATION_COLUMNS:
        this_key, last_key = f"{CARRIED_OVER}.{column}", f"{CARRIED_FORWARD}.{column}"
        actual, expected = report.values.get(this_key), previous.values.get(last_key)
        if actual is None or expected is None or actual == expected:
            continue
        message = fmt.RULES["R4"].message.format(actual=_text(actual), expected=_text(expected))
        yield _finding("R4", "carry-over-mismatch", this_key, _text(expected), _text(actual), message)


def _check_previous_year(report: Report, previous: Report) -> Iterator[Finding]:
    year, last = report.info.year, previous.info.year
    if year is None or last is None or last == year - 1:
        return
    message = NOT_PREVIOUS_YEAR.format(previous=last, year=year)
    yield _finding(
        "R4", "not-previous-year", "year", str(year - 1), str(last), message, severity=Severity.WARNING
    )


def check_in_force(report: Report, previous: Report) -> Iterator[Finding]:
    """S1: last year's 现行有效 + 本年制发 − 本年废止 = this year's 现行有效 (a warning: 清理 breaks it)."""
    suffix = f".{IN_FORCE}"
    for key in (k for k in fmt.VALUES if k.endswith(suffix)):
        row = key.removesuffix(suffix)
        finding = _check_in_force_row(report, previous, row)
        if finding:
            yield finding


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
    return _finding(
        "S1", "in-force-mismatch", keys[IN_FORCE], _text(expected), _text(actual), message, related=related
    )


# --------------------------------------------------------------------------- D1: signing date


def check_signing_date(report: Report) -> Iterator[Finding]:
    """D1: the 成文日期 falls after the report year and by the organ type's deadline of the next year."""
    info = report.info
    if info.date is None:
        yield _finding("D1", "not-stated", "date", "成文日期", "空", DATE_NOT_STATED)
        return
    if info.year is None or info.organ_type not in fmt.DEADLINES:
        return
    month, day = fmt.DEADLINES[info.organ_type]
    deadline = dt.date(info.year + 1, month, day)
    expected = f"{info.year + 1}年1月1日至{chinese_date(deadline)}"
    actual = chinese_date(info.date)
    if info.date.year <= info.year:
        message = DATE_TOO_EARLY.format(date=actual, year=info.year)
        yield _finding("D1", "too-early", "date", expected, actual, message)
    elif info.date > deadline:
        message = DATE_TOO_LATE.format(
            date=actual, organ_type=info.organ_type, deadline=chinese_date(deadline)
        )
        yield _finding("D1", "too-late", "date", expected, actual, message)
