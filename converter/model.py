"""The report as plain typed data, and its JSON form (what `xxgk dump` prints)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from . import format as fmt

Number = int | Decimal


@dataclass
class Paragraph:
    """One row of a text section: an optional sub-head and a body (may hold several lines)."""

    heading: str = ""
    body: str = ""


@dataclass
class Info:
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
    info: Info = field(default_factory=Info)
    sections: dict[str, list[Paragraph]] = field(default_factory=lambda: {s.key: [] for s in fmt.SECTIONS})
    values: dict[str, Number | None] = field(default_factory=lambda: dict.fromkeys(fmt.VALUES))

    def value(self, key: str) -> Number:
        """The value of a key, a blank read as 0 (blanks are reported by the checks)."""
        v = self.values.get(key)
        return 0 if v is None else v

    def to_dict(self) -> dict[str, Any]:
        return report_to_dict(self)


def canonical_decimal(value: Decimal) -> Decimal:
    """The form a spreadsheet keeps: integral values without a fraction, others as the shortest float."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    shortest = Decimal(repr(float(value)))
    return shortest if shortest == value else value


def parse_number(raw: Any, kind: fmt.Kind) -> Number:
    """A JSON value as a count (int) or an amount (Decimal); ValueError when it is neither."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError(raw)
    if kind is fmt.Kind.COUNT:
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw.strip())
        raise ValueError(raw)
    try:
        return canonical_decimal(Decimal(str(raw).strip()))
    except InvalidOperation as exc:
        raise ValueError(raw) from exc


def format_number(value: Number | None) -> str:
    """A number as printed in the report: integers without `.0`, decimals as entered."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def report_to_dict(report: Report) -> dict[str, Any]:
    info = report.info
    return {
        "format": fmt.FORMAT_VERSION,
        "info": {
            "org": info.org,
            "self_name": info.self_name,
            "year": info.year,
            "date": info.date.isoformat() if info.date else None,
            "title": info.title,
            "preamble": info.preamble,
            "organ_type": info.organ_type,
            "custom": dict(info.custom),
        },
        "sections": {
            s.key: [{"heading": p.heading, "body": p.body} for p in report.sections.get(s.key, [])]
            for s in fmt.SECTIONS
        },
        "values": {key: _json_number(report.values.get(key)) for key in fmt.VALUES},
    }


def _json_number(value: Number | None) -> int | str | None:
    return format_number(value) if isinstance(value, Decimal) else value


def report_from_dict(data: dict[str, Any]) -> Report:
    """Build a report from its JSON form; KeyError/ValueError/TypeError name what is wrong."""
    info = data.get("info", {})
    date = info.get("date")
    report = Report(
        info=Info(
            org=str(info.get("org", "")),
            self_name=str(info.get("self_name", "")),
            year=None if info.get("year") is None else int(info["year"]),
            date=dt.date.fromisoformat(date) if date else None,
            title=str(info.get("title", "")),
            preamble=str(info.get("preamble", "")),
            organ_type=str(info.get("organ_type", "")),
            custom={str(k): str(v) for k, v in (info.get("custom") or {}).items()},
        )
    )
    for section in fmt.SECTIONS:
        rows = data.get("sections", {}).get(section.key, [])
        report.sections[section.key] = [
            Paragraph(str(r.get("heading", "")), str(r.get("body", ""))) for r in rows
        ]
    values = data.get("values", {})
    unknown = sorted(set(values) - set(fmt.VALUES))
    if unknown:
        raise KeyError(f"未知的数据项：{', '.join(unknown)}")
    for key, raw in values.items():
        report.values[key] = None if raw is None else parse_number(raw, fmt.VALUES[key].kind)
    return report


def nested_values(report: Report) -> dict[str, Any]:
    """Values as nested dicts by dotted key, printed: {"applications": {"new": {"natural_person": "3"}}}."""
    tree: dict[str, Any] = {}
    for key, value in report.values.items():
        *path, leaf = key.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = format_number(value)
    return tree
