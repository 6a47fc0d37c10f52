"""The report as plain typed data: 基本信息, the sections' paragraphs, every table value; totals completed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..format import official as fmt

Number = int | Decimal


@dataclass
class Paragraph:
    """One row of a text section: an optional sub-head and a body (may hold several lines)."""

    heading: str = ""
    body: str = ""


@dataclass
class Info:
    """基本信息: one attribute per `format.INFO_FIELDS` entry (a test keeps them so), and custom fields."""

    org: str = ""
    self_name: str = ""
    year: int | None = None
    date: dt.date | None = None
    title: str = ""
    preamble: str = ""
    organ_type: str = ""
    custom: dict[str, str] = field(default_factory=dict)

    @property
    def display_title(self) -> str:
        """The title as printed: the one entered, or the conventional default."""
        if self.title:
            return self.title
        return fmt.default_title(self.org, self.year if self.year is not None else "")


@dataclass
class Report:
    """A whole report: 基本信息, the six sections' paragraphs, and every table value by key (None: blank)."""

    info: Info = field(default_factory=Info)
    sections: dict[str, list[Paragraph]] = field(default_factory=lambda: {s.key: [] for s in fmt.SECTIONS})
    values: dict[str, Number | None] = field(default_factory=lambda: dict.fromkeys(fmt.VALUES))

    def value(self, key: str) -> Number:
        """The value of a key, a blank read as 0 (blanks are reported by the checks)."""
        v = self.values.get(key)
        return 0 if v is None else v

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as `xxgk dump` prints it."""
        return report_to_dict(self)


def canonical_decimal(value: Decimal) -> Decimal:
    """The form a spreadsheet keeps: integral values without a fraction, others as the shortest float."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    shortest = Decimal(repr(float(value)))
    return shortest if shortest == value else value


def format_number(value: Number | None) -> str:
    """A number as printed in the report: integers without `.0`, decimals as entered."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def complete_totals(values: dict[str, Number | None], blank: set[str] | None = None) -> None:
    """Fill each total left blank with the sum of its parts (a formula saved without its result, as
    openpyxl writes them); a total stays blank when one of its parts is. `blank`: the totals that were
    empty in the source (default: every total that is None; one that could not be read stays None)."""
    empty = {k for k, v in values.items() if v is None} if blank is None else set(blank)
    for key, spec in fmt.VALUES.items():
        if spec.sum_of and key in empty:
            values[key] = _total(key, values, empty)


def _total(key: str, values: dict[str, Number | None], empty: set[str]) -> Number | None:
    parts = []
    for part in fmt.VALUES[key].sum_of:
        if part in empty and fmt.VALUES[part].sum_of:
            values[part] = _total(part, values, empty)
            empty.discard(part)
        parts.append(values.get(part))
    if any(p is None for p in parts):
        return None
    return sum(parts)  # type: ignore[arg-type]


INFO_KEYS = tuple(f.key for f in fmt.INFO_FIELDS)


# ------------------------------------------------------------------------ JSON form (read: read.report_json)


def report_to_dict(report: Report) -> dict[str, Any]:
    """Every field of the report as JSON: info by `format.INFO_FIELDS`, sections, values by key."""
    info: dict[str, Any] = {key: _json_info(getattr(report.info, key)) for key in INFO_KEYS}
    info["custom"] = dict(report.info.custom)
    return {
        "format": fmt.FORMAT_VERSION,
        "info": info,
        "sections": {
            s.key: [{"heading": p.heading, "body": p.body} for p in report.sections.get(s.key, [])]
            for s in fmt.SECTIONS
        },
        "values": {key: _json_number(report.values.get(key)) for key in fmt.VALUES},
    }


def _json_info(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _json_number(value: Number | None) -> int | str | None:
    return format_number(value) if isinstance(value, Decimal) else value
