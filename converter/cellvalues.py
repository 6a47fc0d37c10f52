"""What a raw spreadsheet cell value means: a count, an amount, a year, a date or text (no openpyxl here).

The workbook module reads cells and hands their Python values to these functions; they return the
value for the report and the problems found, as `Issue`s the caller places at a sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import format as fmt
from .findings import Severity
from .model import Number, canonical_decimal

MAX_COUNT = 10**9  # a count above this is a typo, not a statistic
ERROR_VALUES = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
)
DATE_TEXT = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
# Digits, optionally grouped by thousands as published tables print them (447,228; full-width ，too).
NUMBER_TEXT = re.compile(r"[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+)")
YEAR_RANGE = (1990, 2100)
EXCEL_SERIAL_RANGE = (32874, 73051)  # 1990-01-01 .. 2099-12-31 as Excel day numbers

BLANK_MESSAGE = "数值为空，没有发生请填 0"


@dataclass(frozen=True)
class Issue:
    """A problem with one cell's value; the caller adds the rule, sheet and cell."""

    code: str
    message: str
    expected: str
    actual: str
    severity: Severity = Severity.ERROR


@dataclass
class Reading:
    """A cell's value as the report holds it (None when it cannot be read) and its issues."""

    value: Any = None
    issues: list[Issue] = field(default_factory=list)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def expected_number(kind: fmt.Kind) -> str:
    if kind is fmt.Kind.COUNT:
        return "非负整数"
    return f"非负数（单位：{kind.unit}，可有小数）"


def shown(value: Any) -> str:
    """A raw value as the user sees it in the cell."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return text_of(value)
    return str(value)


# --------------------------------------------------------------------------- numbers


def read_number(value: Any, kind: fmt.Kind, *, is_error: bool = False) -> Reading:
    """A count (int) or an amount (Decimal) from a non-blank cell value."""
    expected = expected_number(kind)
    if is_error or (isinstance(value, str) and value.strip().upper() in ERROR_VALUES):
        message = f"单元格显示错误值 {shown(value)}，请检查公式或改填数字"
        return Reading(None, [Issue("formula-error", message, expected, shown(value))])
    number, issues = _number(value, expected)
    if number is None:
        return Reading(None, issues)
    return _checked(number, kind, expected, issues)


def _number(value: Any, expected: str) -> tuple[Decimal | None, list[Issue]]:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        what = "日期" if isinstance(value, (dt.date, dt.time, dt.timedelta)) else "非数字"
        message = f"应填数字，实为{what}“{shown(value)}”；没有发生请填 0"
        return None, [Issue("not-number", message, expected, shown(value))]
    if isinstance(value, int):
        return Decimal(value), []
    if isinstance(value, float):
        return Decimal(repr(value)), []
    text = unicodedata.normalize("NFKC", value).strip()
    if not NUMBER_TEXT.fullmatch(text):
        message = f"“{value}”不是数字；没有发生请填 0"
        return None, [Issue("not-number", message, expected, value)]
    number = Decimal(text.replace(",", ""))
    message = f"数字以文本形式存储（“{value}”），已按 {_plain(number)} 读取；建议改为数值格式"
    return number, [Issue("text-number", message, expected, value, Severity.WARNING)]


def _checked(number: Decimal, kind: fmt.Kind, expected: str, issues: list[Issue]) -> Reading:
    actual = _plain(number)
    if number < 0:
        issues.append(Issue("negative", f"不能为负数，实为 {actual}", expected, actual))
    if kind is not fmt.Kind.COUNT:
        return Reading(canonical_decimal(number), issues)
    if number != number.to_integral_value():
        message = f"统计数必须是整数，不能填 {actual}"
        issues.append(Issue("not-integer", message, expected, actual))
        return Reading(canonical_decimal(number), issues)
    count = int(number)
    if count > MAX_COUNT:
        message = f"数值 {actual} 过大（超过 {MAX_COUNT}），请核对"
        issues.append(Issue("too-large", message, f"不超过 {MAX_COUNT}", actual))
    return Reading(count, issues)


def _plain(number: Decimal) -> str:
    canonical = canonical_decimal(number)
    return format(canonical, "f")


def to_cell_number(value: Number) -> int | Decimal:
    """A report value in the form written to a cell, so that it reads back equal."""
    if isinstance(value, Decimal):
        canonical = canonical_decimal(value)
        return int(canonical) if canonical == canonical.to_integral_value() else canonical
    return value


# --------------------------------------------------------------------------- 基本信息


def read_year(value: Any) -> Reading:
    """报告年度: a whole number or its text, within a plausible range."""
    year: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().removesuffix("年")
        year = int(text) if text.isdigit() else None
    if year is not None and YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return Reading(year)
    message = f"报告年度应为四位数字，如 2024，实为“{shown(value)}”"
    return Reading(None, [Issue("bad-year", message, "四位数字，如 2024", shown(value))])


def read_date(value: Any) -> Reading:
    """成文日期: a date cell, an Excel day number, or text such as 2025年1月17日 / 2025-01-17 / 2025.1.17."""
    if isinstance(value, dt.datetime):
        return Reading(value.date())
    if isinstance(value, dt.date):
        return Reading(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if EXCEL_SERIAL_RANGE[0] <= value <= EXCEL_SERIAL_RANGE[1]:
            return Reading(dt.date(1899, 12, 30) + dt.timedelta(days=int(value)))
    elif isinstance(value, str):
        match = DATE_TEXT.fullmatch(unicodedata.normalize("NFKC", value).strip())
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return Reading(dt.date(year, month, day))
            except ValueError:
                return _bad_date(value, f"成文日期“{value}”不存在，请核对年月日")
    return _bad_date(value, f"无法识别成文日期“{shown(value)}”，请按 2025年1月17日 的形式填写")


def _bad_date(value: Any, message: str) -> Reading:
    return Reading(None, [Issue("bad-date", message, "如 2025年1月17日", shown(value))])


# --------------------------------------------------------------------------- text


def text_of(value: Any) -> str:
    """A text cell as a string: line breaks as \\n, no trailing whitespace, numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return shown(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if not isinstance(value, str):
        return str(value)
    return value.replace("\r\n", "\n").replace("\r", "\n").rstrip()
