"""The official tables as JSON for the page to draw, and where a finding sits in them."""

from __future__ import annotations

from functools import cache
from typing import Any

from ..format import official as fmt


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
