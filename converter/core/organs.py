"""What an organ's full name settles: its 自称 and 机关类型 (format.ORG_NAMING), and next year's report
started from last year's."""

from __future__ import annotations

import copy
import re

from ..format import official as fmt
from .findings import Note, Severity
from .model import Report

CARRIED_FORWARD, CARRIED_OVER = "applications.carried_forward.", "applications.carried_over."


def infer(org: str) -> tuple[str, str]:
    """(自称, 机关类型) the name implies, or ("", "") when it does not say."""
    name = "".join(org.split())
    for pattern, self_name, organ_type in fmt.ORG_NAMING:
        if re.search(pattern, name):
            return self_name, organ_type
    return "", ""


def fill_in(report: Report) -> dict[str, list[Note]]:
    """Fill a blank 自称 or 机关类型 from the 机关全称 where it settles them; a warning note for each."""
    inferred = dict(zip(("self_name", "organ_type"), infer(report.info.org), strict=True))
    notes: dict[str, list[Note]] = {}
    for key, value in inferred.items():
        if value and not str(getattr(report.info, key) or "").strip():
            setattr(report.info, key, value)
            label = fmt.INFO_BY_KEY[key].label
            message = f"“{label}”未填写，已按{fmt.INFO_BY_KEY['org'].label}推定为“{value}”；如不对请填写"
            notes[fmt.info_field(key)] = [Note("inferred", message, value, "", Severity.WARNING)]
    return notes


def next_year(last: Report) -> Report:
    """This year's report started from last year's: the organ, its 自称, type and custom fields, the
    year after, and 表三's 二、上年结转 equal to last year's 四、结转下年度继续办理, column by column."""
    info = copy.deepcopy(last.info)
    info.year = last.info.year + 1 if last.info.year else None
    info.date, info.title, info.preamble = None, "", ""
    report = Report(info=info)
    for key, value in last.values.items():
        if key.startswith(CARRIED_FORWARD):
            report.values[CARRIED_OVER + key.removeprefix(CARRIED_FORWARD)] = value
    return report
