"""Inputs for the importer tests: published-report HTML made from a report, with chosen departures."""

from __future__ import annotations

import html
from collections.abc import Callable

from converter.core.model import Report, format_number
from converter.format import official as fmt
from converter.render.prose import effective_sections

Cell = tuple[str, int, int]  # text, rowspan, colspan


def table_rows(table: fmt.Table, report: Report) -> list[list[Cell]]:
    """An official table as HTML rows (text, rowspan, colspan), values from the report."""
    rows: list[list[Cell]] = [[] for _ in range(table.nrows)]
    for cell in sorted(table.cells, key=lambda c: (c.row, c.col)):
        text = cell.label if cell.label else format_number(report.values.get(cell.key or ""))
        rows[cell.row].append((text or "", cell.rowspan, cell.colspan))
    return rows


def to_html(tables: dict[str, list[list[Cell]]], report: Report, charset: str = "utf-8") -> str:
    """A portal-like page: navigation, then the article with headings, paragraphs and the tables."""
    parts = [
        f'<html><head><meta charset="{charset}"><title>{html.escape(report.info.display_title)}_门户</title>',
        "</head><body><div class='nav'><a href='/'>首页</a> 政务公开 机构概况 新闻 通知</div>",
        f"<div class='article'><h1>{html.escape(report.info.display_title)}</h1>",
        f"<p>{html.escape(report.info.preamble)}</p>",
    ]
    sections = effective_sections(report)
    for section in fmt.SECTIONS:
        parts.append(f"<p>{html.escape(section.heading)}</p>")
        for p in sections[section.key]:
            parts.append(f"<p>{html.escape(p.heading + p.body)}</p>")
        if section.table:
            parts.append(grid_html(tables[section.table]))
    parts.append(
        f"<p>{html.escape(report.info.org)}</p></div><div class='footer'>版权所有 2025</div></body></html>"
    )
    return "".join(parts)


def grid_html(rows: list[list[Cell]]) -> str:
    out = ["<table border='1'>"]
    for row in rows:
        out.append("<tr>")
        for text, rowspan, colspan in row:
            span = (f" rowspan='{rowspan}'" if rowspan > 1 else "") + (
                f" colspan='{colspan}'" if colspan > 1 else ""
            )
            out.append(f"<td{span}>{html.escape(text)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def report_html(
    report: Report, change: Callable[[dict[str, list[list[Cell]]]], None] | None = None, **kw
) -> str:
    tables = {t.id: table_rows(t, report) for t in fmt.TABLES}
    if change:
        change(tables)
    return to_html(tables, report, **kw)


def relabel(rows: list[list[Cell]], old: str, new: str) -> None:
    """Print a label differently (a misprint, spaces, half-width brackets)."""
    for row in rows:
        for i, (text, rs, cs) in enumerate(row):
            if text == old:
                row[i] = (new, rs, cs)
                return
    raise AssertionError(f"label not found: {old}")


def find_row(rows: list[list[Cell]], label: str) -> int:
    return next(i for i, row in enumerate(rows) if any(text == label for text, _, _ in row))
