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


# --------------------------------------------------------------------------- Markdown, as converters make it


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] if width else [text]


def pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table3_rows(report: Report) -> list[tuple[str, list[str]]]:
    """表三's 25 data rows as (the row's own label, its 7 figures as printed), group labels left out."""
    from converter.published.tables import table3_targets

    columns = [k for k, _ in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)]
    return [
        (t.label, [format_number(report.values.get(f"applications.{t.key}.{c}")) for c in columns])
        for t in table3_targets()
        if not t.group_of
    ]


def markdown_table3(
    rows: list[tuple[str, list[str]]],
    *,
    pulled: set[int] = frozenset(),  # type: ignore[assignment]
    wrap: int = 0,
    split: bool = False,
    degraded: bool = False,
    repeat_header_at: int | None = None,
    footer_at: int | None = None,
) -> list[str]:
    """表三 as a converter prints it: `pulled` rows have their label pulled out of the table above a
    label-less number row (wrapped at `wrap`), `split` prints each row as its own table under ###."""
    heads = (
        [f"数据{i}" for i in range(1, 8)]
        if degraded
        else [c for _, c in (*fmt.APPLICANT_COLUMNS, fmt.TOTAL_COLUMN)]
    )
    header = [pipe(["项目", *heads]), pipe(["---"] * 8)]
    out: list[str] = [] if split else list(header)
    for i, (label, figures) in enumerate(rows):
        if i == repeat_header_at:
            out.append(header[0])
        if i == footer_at:
            out += ["", "— 3 —", ""]
        if split:
            out += ["", f"### {label}", "", pipe(heads), pipe(["---"] * 7), pipe(figures)]
        elif i in pulled:
            out += _wrap(label, wrap)
            out.append(pipe(figures))
        else:
            out.append(pipe([label, *figures]))
    return out


def report_markdown(
    report: Report, table3: list[str] | None = None, width: int = 0, bold: bool = False
) -> str:
    """The whole report in Markdown: # title, ## headings, paragraphs (hard-wrapped at `width`), tables."""
    info = report.info
    lines = [f"# {info.display_title}", "", *_wrap(info.preamble, width), ""]
    sections = effective_sections(report)
    for section in fmt.SECTIONS:
        lines += [f"## {section.heading}", ""]
        for p in sections[section.key]:
            if p.heading:
                lines += [f"**{p.heading}**" if bold else p.heading, ""]
            for body in p.body.split("\n") if p.body else []:
                lines += [*_wrap(body, width), ""]
        if section.table == "proactive":
            for header, titles, rows, cols, _ in fmt.PROACTIVE_BLOCKS:
                lines += [pipe([header, "", "", ""]), pipe(["---"] * 4), pipe(["信息内容", *titles])]
                for key, label in rows:
                    figures = [format_number(report.values.get(f"proactive.{key}.{c}")) for c in cols]
                    lines.append(pipe([label, *figures]))
                lines.append("")
        elif section.table == "applications":
            lines += [*(table3 or markdown_table3(table3_rows(report))), ""]
        elif section.table == "review":
            heads = [f"{g}{o}" for _, g in fmt.REVIEW_GROUPS for _, o in fmt.REVIEW_OUTCOMES]
            figures = [format_number(report.values.get(f"{g}.{o}")) for g, _ in fmt.REVIEW_GROUPS
                       for o, _ in fmt.REVIEW_OUTCOMES]  # fmt: skip
            lines += [pipe(heads), pipe(["---"] * 15), pipe(figures), ""]
    lines += [info.org, f"{info.date.year}年{info.date.month}月{info.date.day}日" if info.date else ""]
    return "\n".join(lines) + "\n"


def report_glued_text(report: Report) -> str:
    """A portal page copied as text the way some portals give it: each table row's cells glued together
    (`（三）不予公开1.属于国家秘密1000001`), headings and paragraphs one a line."""
    info = report.info
    lines = [info.display_title, info.preamble]
    sections = effective_sections(report)
    tables = {t.id: table_rows(t, report) for t in fmt.TABLES}
    for section in fmt.SECTIONS:
        lines.append(section.heading)
        lines += [p.heading + p.body for p in sections[section.key]]
        if section.table:
            lines += ["".join(text for text, _, _ in row) for row in tables[section.table]]
    lines += [info.org, f"{info.date.year}年{info.date.month}月{info.date.day}日" if info.date else ""]
    return "\n".join(lines) + "\n"
