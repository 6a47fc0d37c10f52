"""The portal renderer: a report's context as one self-contained web page (inline CSS, no script).

The three official tables are drawn from the same grid as the Word template (`grid.py`), with the
same merges; the clerk's text is escaped by Jinja2's autoescape in a sandbox. The article sits between
two marked comments, so that a CMS editor can paste just that part into the portal.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from ..format import official as fmt
from ..format.grid import column_widths, grid_rows, label_words, left_aligned, min_width_em, small_print
from .signature import chars, right_space

ARTICLE_START = "<!-- xxgk:article:start -->"
ARTICLE_END = "<!-- xxgk:article:end -->"
TEMPLATE = "report.html"


class HtmlRenderer:
    """The .html output for a government portal; a Word template, if given, is for the .docx only."""

    kind = "html"
    suffix = ".html"

    def render(self, context: dict[str, Any], out: Path, template: Path | None = None) -> None:
        """Write the page for `context` to `out`, as UTF-8."""
        Path(out).write_text(page(context), encoding="utf-8")


def page(context: dict[str, Any]) -> str:
    """The whole page as text."""
    return _template().render(
        context=context,
        sections=[_section(section, context) for section in fmt.SECTIONS],
        article_start=ARTICLE_START,
        article_end=ARTICLE_END,
        signature_right=f"{right_space(chars(context['org']), chars(context['date'])):g}",
    )


def _section(section: fmt.Section, context: dict[str, Any]) -> dict[str, Any]:
    table = fmt.TABLE_BY_ID.get(section.table or "")
    return {
        "heading": section.heading,
        "items": context["sections"][section.key],
        "table": _table(table, context) if table else None,
    }


def _table(table: fmt.Table, context: dict[str, Any]) -> dict[str, Any]:
    """The grid of one table, with every value cell filled from the context."""
    justified = left_aligned(table)
    rows = []
    for number, row in enumerate(grid_rows(table)):
        cells = []
        for g in row:
            if g.continued:
                continue
            c = g.cell
            cells.append(
                {
                    "text": c.label if c.label is not None else value_text(context, c.key or ""),
                    "words": label_words(c.label or ""),  # a line breaks between them only
                    "header": c.label is not None,
                    "rowspan": c.rowspan,
                    "colspan": c.colspan,
                    "justify": (c.row, c.col) in justified,
                }
            )
        rows.append({"cells": cells, "head": number < table.header_rows})
    widths = column_widths(table, 1000)
    return {
        "id": table.id,
        "name": table.name,
        "caption": table.caption,
        "small": small_print(table),
        "min_width": min_width_em(table),
        "widths": [w / 10 for w in widths],
        "rows": rows,
    }


def value_text(context: dict[str, Any], key: str) -> str:
    """A value as printed, found in the context's nested values by its dotted key."""
    node: Any = context
    for part in key.split("."):
        node = node[part]
    return str(node)


@cache
def _template() -> jinja2.Template:
    source = (Path(__file__).resolve().parent / "templates" / TEMPLATE).read_text(encoding="utf-8")
    env = SandboxedEnvironment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return env.from_string(source)
