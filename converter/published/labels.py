"""A value key in the report's own terms: table name, row label and column label (from converter.format)."""

from __future__ import annotations

from functools import cache

from ..format import official as fmt
from .notes import ImportPosition


def review_column(group_label: str, outcome_label: str) -> str:
    """表四's column as a reader names it: 行政复议·结果维持, 复议后起诉·总计."""
    return f"{group_label}·{outcome_label}"


@cache
def _labels() -> dict[str, tuple[str, str | None, str | None]]:
    from .tables import table2_targets, table3_targets

    out: dict[str, tuple[str, str | None, str | None]] = {}
    for targets, table in ((table3_targets(), fmt.APPLICATIONS.name), (table2_targets(), fmt.PROACTIVE.name)):
        for t in targets:
            if t.group_of:
                continue
            for key, column in zip(t.value_keys, t.columns, strict=True):
                out[key] = (table, t.label, column)
    for group, group_label in fmt.REVIEW_GROUPS:
        for outcome, outcome_label in fmt.REVIEW_OUTCOMES:
            out[f"{group}.{outcome}"] = (fmt.REVIEW.name, None, review_column(group_label, outcome_label))
    return out


def position_of(key: str | None, page: int | None = None) -> ImportPosition:
    """Where a value belongs in a published report (page when known)."""
    if key in _labels():
        table, row, column = _labels()[key]
        return ImportPosition(page, table, row, column)
    if key in fmt.VALUES:
        return ImportPosition(page, section=fmt.SECTION_BY_KEY["other"].heading, row=None)
    return ImportPosition(page)
