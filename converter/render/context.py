"""The context of a report: every value, the generated text, the title lines and the dates, as plain data.

What every renderer (Word, and later HTML) fills its template with. No Word library here.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.model import Report, format_number
from ..format import official as fmt
from .prose import effective_preamble, effective_sections

# Characters XML 1.0 forbids (and ones docxtpl would turn into breaks: \x07, \x0c), lone surrogates.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LEVEL3 = re.compile(r"^\d+[.．、]")  # `1.` sub-items: printed in 仿宋 like the body
TITLE_LINE_CHARS = 20  # 2号 characters in the 156 mm type area


def clean(text: str) -> str:
    """Text safe for XML: invalid control characters dropped, line ends as `\\n`, tabs as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _INVALID_XML.sub("", text)


def one_line(text: str) -> str:
    return " ".join(clean(text).split("\n")).strip()


def lines(text: str) -> list[str]:
    """Non-empty lines, leading/trailing spaces (full-width ones too) removed: the style indents."""
    return [line.strip() for line in clean(text).split("\n") if line.strip()]


def format_date(report: Report) -> str:
    """`2025年1月17日`: no leading zeros; "" when not given."""
    d = report.info.date
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def _width(text: str) -> float:
    """Printed width in full-width characters: ASCII letters and digits are half-width."""
    return sum(0.5 if ord(ch) < 128 else 1 for ch in text)


def title_lines(title: str, org: str, year: str) -> list[str]:
    """The title in one line, or two when long: broken after the organ's name or before the year,
    else in the middle, so that no short word is left alone on the second line."""
    given = lines(title)
    if len(given) != 1 or _width(given[0]) <= TITLE_LINE_CHARS:
        return given
    text = given[0]
    breaks = [len(org)] if org and text.startswith(org) else []
    if year and year in text:
        breaks.append(text.index(year))
    breaks.append((len(text) + 1) // 2)
    for at in breaks:
        head, tail = text[:at], text[at:]
        if head and tail and max(_width(head), _width(tail)) <= TITLE_LINE_CHARS:
            return [head, tail]
    return [text]


def text_items(rows: list) -> list[dict[str, Any]]:
    """Section rows as ready records: {heading, run_in, paragraphs}.

    A heading ending in `。` is run in (printed in 楷体 at the start of the first body paragraph); a
    body with line breaks is several paragraphs; `1.` level-3 headings are printed in 仿宋 as body text.
    """
    items = []
    for row in rows:
        heading, paragraphs = one_line(row.heading), lines(row.body)
        if not heading and not paragraphs:
            continue
        run_in = heading.endswith("。")
        if heading and _LEVEL3.match(heading):
            if run_in and paragraphs:
                paragraphs[0] = heading + paragraphs[0]
            else:
                paragraphs.insert(0, heading)
            heading, run_in = "", False
        if run_in and not paragraphs:
            paragraphs = [""]
        items.append({"heading": heading, "run_in": run_in, "paragraphs": paragraphs})
    return items


def build_context(report: Report) -> dict[str, Any]:
    """Everything a template can use: the values by dotted key, and the text fields below."""
    info = report.info
    org = one_line(info.org)
    title = one_line(info.display_title)
    year = "" if info.year is None else str(info.year)
    context = nested_values(report)
    context.update(
        title=title,
        title_lines=title_lines(info.display_title, org, year),
        org=org,
        self_name=one_line(info.self_name),
        year=year,
        date=format_date(report),
        preamble=lines(effective_preamble(report)),
        sections={key: text_items(rows) for key, rows in effective_sections(report).items()},
        section_headings={s.key: s.heading for s in fmt.SECTIONS},
        custom={one_line(k): clean(v) for k, v in info.custom.items()},
    )
    return context


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
