"""What a raw value means: a count, an amount, a year, a date or text (no openpyxl, no rules here).

Decided once, here, for every source: the workbook reader hands over cell values, the JSON reader
JSON values, and the checks hand over typed values of a report built in code (`judge`). Each returns
the value for the report and `Note`s about it (blank is no note: whether a blank breaks a rule is
the checks' business, as is which rule a note breaks).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core.findings import Note, Severity
from ..core.model import Number, canonical_decimal
from ..format import official as fmt

MAX_COUNT = 10**9  # a count above this is a typo, not a statistic
ERROR_VALUES = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")
)
DATE_TEXT = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?")
# Digits, optionally grouped by thousands as published tables print them (447,228; full-width ，too).
NUMBER_TEXT = re.compile(r"[+-]?((\d{1,3}(,\d{3})+|\d+)(\.\d*)?|\.\d+)")
YEAR_RANGE = (1990, 2100)
EXCEL_SERIAL_RANGE = (32874, 73051)  # 1990-01-01 .. 2099-12-31 as Excel day numbers

MAX_AMOUNT = 10**12  # an amount above this is a typo, whatever its unit
PLAUSIBLE_AMOUNT = {fmt.Kind.WAN_YUAN: 5_000_000, fmt.Kind.YUAN: 1_000_000}
"""Above these an amount is reported as a warning: 500亿元 of 行政事业性收费 in 万元 is a figure typed in 元;
1,000,000 元 of 信息处理费 is a figure typed in 分 or a fee confused with another."""
UNIT_SLIPS = {fmt.Kind.WAN_YUAN: "，不是“元”", fmt.Kind.YUAN: ""}
MAX_DIGITS = 30  # a number written with more digits than this is not a figure of a report
UNITS = "件|个|次|条|项|份|宗|人次|人|万元|元"
WITH_UNIT = re.compile(rf"([+-]?[\d.,]+)\s*({UNITS})")
CHINESE_NUMERAL = re.compile(rf"[零〇一二两三四五六七八九十百千万亿]+\s*({UNITS})?")
NUMERALS_EXAMPLE = "156"


@dataclass
class Reading:
    """A value as the report holds it (None when blank or unreadable) and the notes about it."""

    value: Any = None
    notes: list[Note] = field(default_factory=list)


def is_blank(value: Any) -> bool:
    """Nothing entered: no value, or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def expected_number(kind: fmt.Kind) -> str:
    """What a value of `kind` should be, in words (the `expected` of a note)."""
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


def read_number(value: Any, kind: fmt.Kind, *, is_error: bool = False, exact_text: bool = False) -> Reading:
    """A count (int) or an amount (Decimal) from a raw value; blank reads as None with no note.

    `exact_text`: numbers written as text are the source's own form (JSON keeps decimals exact as
    strings), so they get no text-number warning.
    """
    if is_blank(value):
        return Reading(None)
    expected = expected_number(kind)
    if is_error or (isinstance(value, str) and value.strip().upper() in ERROR_VALUES):
        message = f"单元格显示错误值 {shown(value)}，请检查公式或改填数字"
        return Reading(None, [Note("formula-error", message, expected, shown(value))])
    number, notes = _number(value, expected)
    if number is None:
        return Reading(None, notes)
    if exact_text:
        notes = [n for n in notes if n.code != "text-number"]
    typed = _typed(number, kind)
    return Reading(typed, notes + judge(typed, kind))


def judge(value: Any, kind: fmt.Kind) -> list[Note]:
    """Notes about a typed value (int or Decimal): negative, a fraction in a count, too large."""
    expected, actual = expected_number(kind), _plain(Decimal(value))
    notes = []
    if value < 0:
        what = "统计数不能为负数，请填实际件数" if kind is fmt.Kind.COUNT else "金额不能为负数，请填实际金额"
        message = f"填的是负数 {actual}；{what}，没有发生的填 0"
        notes.append(Note("negative", message, expected, actual))
    if kind is fmt.Kind.COUNT and not isinstance(value, int):
        notes.append(Note("not-integer", f"统计数必须是整数，不能填 {actual}", expected, actual))
    elif kind is fmt.Kind.COUNT and value > MAX_COUNT:
        message = f"数值 {actual} 过大（超过 {MAX_COUNT}），请核对"
        notes.append(Note("too-large", message, f"不超过 {MAX_COUNT}", actual))
    elif kind is not fmt.Kind.COUNT and value > MAX_AMOUNT:
        message = f"金额 {actual}{kind.unit} 过大（超过 {MAX_AMOUNT:,}{kind.unit}），请核对"
        notes.append(Note("too-large", message, f"不超过 {MAX_AMOUNT:,}{kind.unit}", actual))
    elif kind in PLAUSIBLE_AMOUNT and value > PLAUSIBLE_AMOUNT[kind]:
        limit = f"{PLAUSIBLE_AMOUNT[kind]:,}{kind.unit}"
        message = (
            f"金额 {actual}{kind.unit} 偏大（超过 {limit}），请确认单位是“{kind.unit}”{UNIT_SLIPS[kind]}"
        )
        notes.append(Note("implausible", message, f"一般不超过 {limit}", actual, Severity.WARNING))
    return notes


def _typed(number: Decimal, kind: fmt.Kind) -> Number:
    """A count is an int when it is a whole number; everything else is kept as an exact Decimal."""
    if kind is fmt.Kind.COUNT and number == number.to_integral_value():
        return int(number)
    return canonical_decimal(number)


def _number(value: Any, expected: str) -> tuple[Decimal | None, list[Note]]:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        what = "日期" if isinstance(value, (dt.date, dt.time, dt.timedelta)) else "非数字"
        message = f"应填数字，实为{what}“{shown(value)}”；没有发生请填 0"
        return None, [Note("not-number", message, expected, shown(value))]
    if isinstance(value, float) and not math.isfinite(value):
        message = f"数值“{shown(value)}”不是有限的数字，请改填实际数字"
        return None, [Note("not-number", message, expected, shown(value))]
    if isinstance(value, int):
        return _bounded(Decimal(value), shown(value), expected)
    if isinstance(value, float):
        return Decimal(repr(value)), []
    text = unicodedata.normalize("NFKC", value).strip()
    if not NUMBER_TEXT.fullmatch(text):
        message = f"“{visible(value)}”不是数字；{_advice(text)}"
        return None, [Note("not-number", message, expected, visible(value))]
    number, notes = _bounded(Decimal(text.replace(",", "")), visible(value), expected)
    if number is None:
        return None, notes
    message = f"数字以文本形式存储（“{visible(value)}”），已按 {_plain(number)} 读取；建议改为数值格式"
    return number, [Note("text-number", message, expected, visible(value), Severity.WARNING)]


def _advice(text: str) -> str:
    """What to write instead of a text that is not a number: digits without the unit for `12件`, digits
    for `一百五十六`, and 0 for anything else (`无`, `/`: what a clerk writes for nothing happened)."""
    unit = WITH_UNIT.fullmatch(text)
    if unit:
        return f"只填阿拉伯数字，如 {unit.group(1)}，不带“{unit.group(2)}”"
    numeral = CHINESE_NUMERAL.fullmatch(text)
    if numeral:
        without = f"，不带“{numeral.group(1)}”" if numeral.group(1) else ""
        return f"只填阿拉伯数字，如 {NUMERALS_EXAMPLE}{without}，不用汉字数字"
    return "没有发生请填 0"


def _bounded(number: Decimal, written: str, expected: str) -> tuple[Decimal | None, list[Note]]:
    """A number with more digits than any report figure has is refused before any arithmetic."""
    _sign, digits, exponent = number.as_tuple()
    if len(digits) + max(0, int(exponent)) <= MAX_DIGITS:
        return number, []
    short = written if len(written) <= 24 else f"{written[:12]}…（共 {len(written)} 位）"
    message = f"数值 {short} 位数过多（超过 {MAX_DIGITS} 位），请核对"
    return None, [Note("too-large", message, expected, short)]


def visible(text: str) -> str:
    """Text with invisible characters shown escaped, so a message can point at them: `12\\u200b`."""
    return "".join(
        ch if ch == " " or not unicodedata.category(ch).startswith(("C", "Z")) else f"\\u{ord(ch):04x}"
        for ch in text
    )


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


def read_info(spec: fmt.InfoField, value: Any) -> Reading:
    """A 基本信息 field from a raw value, by the field's kind; blank reads as None with no note."""
    if is_blank(value):
        return Reading(None)
    if spec.kind == "year":
        return read_year(value, spec.label)
    if spec.kind == "date":
        return read_date(value, spec.label)
    text = text_of(value).strip()
    if spec.choices and text not in spec.choices:
        options = "、".join(spec.choices)
        message = f"“{spec.label}”应为{options}之一，实为“{text}”"
        return Reading(text, [Note("bad-choice", message, options, text)])
    return Reading(text)


def read_year(value: Any, label: str) -> Reading:
    """The report year (`label` names it): a whole number or its text, within a plausible range."""
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
    message = f"{label}应为四位数字，如 2024，实为“{shown(value)}”"
    return Reading(None, [Note("bad-year", message, "四位数字，如 2024", shown(value))])


def read_date(value: Any, label: str) -> Reading:
    """The signing date (`label` names it): a date cell, an Excel day number, or text such as
    2025年1月17日 / 2025-01-17 / 2025.1.17."""
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
                return _bad_date(value, f"{label}“{value}”不存在，请核对年月日")
    return _bad_date(value, f"无法识别{label}“{shown(value)}”，请按 2025年1月17日 的形式填写")


def _bad_date(value: Any, message: str) -> Reading:
    return Reading(None, [Note("bad-date", message, "如 2025年1月17日", shown(value))])


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
