"""The official tables as JSON for the page to draw, and where a finding sits in them."""

from __future__ import annotations

from functools import cache
from typing import Any

from .. import format as fmt
from ..layout import VALUE_POSITIONS


@cache
def format_description() -> dict[str, Any]:
    """Tables (grid cells with labels and value keys), value descriptions and organ types, from format.py."""
    return {
        "version": fmt.FORMAT_VERSION,
        "organ_types": list(fmt.ORGAN_TYPES),
        "tables": [_table(t) for t in fmt.TABLES],
        "values": {key: value.description for key, value in fmt.VALUES.items()},
    }


def _table(table: fmt.Table) -> dict[str, Any]:
    cells = [
        {
            "row": c.row,
            "col": c.col,
            "rowspan": c.rowspan,
            "colspan": c.colspan,
            "label": c.label,
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
        "cells": cells,
    }


_KEY_AT = {(p.sheet, p.cell): key for key, p in VALUE_POSITIONS.items()}


def _field_of(finding: dict[str, Any]) -> str | None:
    """The value key a finding is about (`applications.new.total`), or None for a non-table cell.

    Uses the finding's own "field" when the core provides it; the fallback from sheet and cell can then go.
    """
    return finding.get("field") or _KEY_AT.get((finding.get("sheet"), finding.get("cell")))
