"""The report's JSON form read back (what `xxgk new --from` reads), derived from the format.

Writing (`core.model.report_to_dict`) is exact; reading goes through `read.values` like a workbook's
cells, so a JSON value and a cell holding the same thing give the same value and the same notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.model import Info, Paragraph, Report
from ..core.model import report_to_dict as report_to_dict  # writing is the model's own
from ..format import official as fmt
from . import values as cv


@dataclass(frozen=True)
class JsonPosition:
    """A field's place in a JSON report: `values.applications.new.total`, `info.date`."""

    path: str

    def __str__(self) -> str:
        return self.path

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "json", "path": self.path}


def locate(field: str) -> JsonPosition | None:
    """Where a field sits in the JSON form."""
    if field in fmt.VALUES:
        return JsonPosition(f"values.{field}")
    return JsonPosition(field) if field else None


# --------------------------------------------------------------------------- reading


class JsonShapeError(ValueError):
    """The JSON is not a report: `field` names where (`info.custom`, `values`), the message what."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}：{message}")
        self.field = field


def report_from_json(data: Any) -> tuple[Report, dict[str, list[cv.Note]]]:
    """A report from its JSON form, and the notes on its values (as a workbook's cells would get).

    JsonShapeError when the JSON does not have the report's shape (not an object, an unknown value
    key, a section that is not a list…); a value that is not a number is a note, not an exception.
    """
    data = _object(data, "（整个文件）")
    notes: dict[str, list[cv.Note]] = {}
    report = Report(info=_info(_object(data.get("info", {}), "info"), notes))
    sections = _object(data.get("sections", {}), "sections")
    for section in fmt.SECTIONS:
        report.sections[section.key] = _paragraphs(sections.get(section.key), f"sections.{section.key}")
    values = _object(data.get("values", {}), "values")
    unknown = sorted(set(values) - set(fmt.VALUES))
    if unknown:
        raise JsonShapeError("values", f"未知的数据项 {', '.join(unknown[:5])}")
    for key, raw in values.items():
        reading = cv.read_number(raw, fmt.VALUES[key].kind, exact_text=True)
        report.values[key] = reading.value
        if reading.notes:
            notes[key] = reading.notes
    return report, notes


def report_from_dict(data: Any) -> Report:
    """A trusted JSON report (a sample, a test): ValueError when any value cannot be read."""
    report, notes = report_from_json(data)
    bad = [
        f"{key}：{n.message}" for key, found in notes.items() for n in found if n.severity.value == "error"
    ]
    if bad:
        raise ValueError("；".join(bad))
    return report


def _object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise JsonShapeError(field, "应为 JSON 对象（{…}）")
    return value


def _info(data: dict[str, Any], notes: dict[str, list[cv.Note]]) -> Info:
    info = Info()
    for spec in fmt.INFO_FIELDS:
        reading = cv.read_info(spec, data.get(spec.key))
        if reading.value is not None:
            setattr(info, spec.key, reading.value)
        if reading.notes:
            notes[fmt.info_field(spec.key)] = reading.notes
    custom = _object(data.get("custom"), "info.custom")
    info.custom = {
        str(name): cv.text_of(value).strip() for name, value in custom.items() if str(name).strip()
    }
    return info


def _paragraphs(rows: Any, field: str) -> list[Paragraph]:
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise JsonShapeError(field, "应为段落列表（[…]）")
    paragraphs = []
    for i, row in enumerate(rows):
        row = _object(row, f"{field}[{i}]")
        paragraphs.append(Paragraph(cv.text_of(row.get("heading")), cv.text_of(row.get("body"))))
    return paragraphs
