"""The official tables as JSON for the page to draw, and where a finding sits in them."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from ..format import official as fmt
from ..format.grid import column_widths, label_words, min_width_em

WORD_BREAK = "\u200b"  # a zero-width space: where the page may break a header label (with keep-all)


@cache
def format_description() -> dict[str, Any]:
    """Tables (grid cells with labels and value keys), value descriptions, section headings and organ
    types, from the format."""
    return {
        "version": fmt.FORMAT_VERSION,
        "organ_types": list(fmt.ORGAN_TYPES),
        "tables": [_table(t) for t in fmt.TABLES],
        "values": {key: value.description for key, value in fmt.VALUES.items()},
        "sections": {section.key: section.heading for section in fmt.SECTIONS},
    }


NARROWEST_COLUMN = 3.0
"""em: the page's cells have more padding than the portal page's, so no column is drawn narrower."""


def _min_width(table: fmt.Table) -> int:
    """The table's minimum width in em: as `build --html` draws it, or wider so that its narrowest
    column of numbers keeps NARROWEST_COLUMN (a phone scrolls the table sideways, labels uncrushed)."""
    widths = column_widths(table, 1000)
    numbers = {c.col for c in table.cells if c.key and c.colspan == 1} or set(range(table.ncols))
    narrowest = min(widths[col] for col in numbers) / 1000
    return max(min_width_em(table), math.ceil(NARROWEST_COLUMN / narrowest))


def _table(table: fmt.Table) -> dict[str, Any]:
    cells = [
        {
            "row": c.row,
            "col": c.col,
            "rowspan": c.rowspan,
            "colspan": c.colspan,
            "label": c.label,
            "wrapped": _wrapped(c.label),
            "key": c.key,
        }
        for c in sorted(table.cells, key=lambda c: (c.row, c.col))
    ]
    return {
        "id": table.id,
        "name": table.name,
        "caption": table.caption,
        "ncols": table.ncols,
        "nrows": table.nrows,
        "header_rows": table.header_rows,
        "min_width": _min_width(table),
        "widths": [w / 10 for w in column_widths(table, 1000)],  # percent of the table, as in the report
        "cells": cells,
    }


def _wrapped(label: str | None) -> str | None:
    """A header label with a break opportunity at each declared point (format.grid.WORD_BREAKS)."""
    words = label_words(label or "")
    return WORD_BREAK.join(words) if words else None
