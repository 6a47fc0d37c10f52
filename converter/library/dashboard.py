"""What the evaluator's dashboard shows (`xxgk serve --library`): each view as a titled table, with the
numbers its chart draws, read from the latest version of each organ-year.

Every query goes through `_latest`, which applies the viewer's region (a region-scoped account sees
only organs under its region: in every view, count and export alike) and the filters (year, region,
机关类型, rule). Findings a reviewer dismissed are left out of the counts unless asked for
(`Filters.dismissed`); the stored errors and warnings of a version are then less its dismissed ones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.engine import Connection

from ..format import official as fmt
from . import schema as s
from . import summaries
from .organs import normalise_region, under

TYPE, DATE = (fmt.INFO_BY_KEY[key].label for key in ("organ_type", "date"))  # the format's words
NO_SCORE = "无评分"
MISSING = "缺报"
STATUS = summaries.STATUS
MIN_ORGAN_REPORTS = 3  # ranking: an organ with fewer reports (years) in the selection is listed apart
MIN_REGION_REPORTS = 5  # ranking: a region with fewer reports is listed apart
MAX_TREND_ORGANS = 30  # trends per organ: more organs in view are shown per region instead
PAGE = 200  # rows of the organ × year matrix on one page (the export has them all)
TREND_FIGURES = (  # (key, title): the sum of the listed values (公开率: granted share of the results)
    ("new", "新收申请"),
    ("done", "办结（办理结果总计）"),
    ("review", "行政复议"),
    ("litigation", "行政诉讼"),
    ("open_rate", "公开率（%）"),
)
TREND_KEYS = summaries.TREND_KEYS  # summaries' trend columns: the sum of these values
SCORE_BANDS = ((90, "90–100"), (80, "80–89"), (60, "60–79"), (0, "0–59"))


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    region: str = ""
    organ_type: str = ""
    rule: str = ""
    dismissed: bool = False  # count dismissed findings too
    page: int = 1
    by: str = "region"  # ranking and trends: "region" (the regions one level down) or "organ"
    figure: str = "new"  # trends: the figure drawn per region or organ

    def normalised(self) -> Filters:
        return replace(self, region=normalise_region(self.region), page=max(1, self.page))


# --------------------------------------------------------------------------- scope and filters


def visible_organs(scope: str, filters: Filters) -> Any:
    """The WHERE clause on organs: the account's region, then the chosen region and type."""
    return visible(s.organs, scope, filters)


KEY = summaries.KEY  # a finding of a version, as a review names it


def visible(table: Any, scope: str, filters: Filters) -> Any:
    """The WHERE clause on a table with region and organ_type columns (organs, summaries,
    summary_rules): the account's region, then the chosen region and type."""
    clauses = []
    if scope:
        clauses.append(under(table.c.region, scope))
    if filters.region:
        clauses.append(under(table.c.region, filters.region))
    if filters.organ_type:
        clauses.append(table.c.organ_type == filters.organ_type)
    return and_(true(), *clauses)


def with_rule(rule: str, dismissed: bool) -> Any:
    """The reports whose latest version has a finding of the rule (not dismissed, unless counted)."""
    sr = s.summary_rules
    count = sr.c.findings if dismissed else sr.c.open_findings
    return select(sr.c.report_id).where(sr.c.rule == rule, count > 0)


def _latest(scope: str, filters: Filters, name: str = "latest") -> Any:
    """One row per organ-year in view: its latest version with errors/warnings as counted (read from
    `summaries`, kept by converter.library.summaries)."""
    m = s.summaries
    errors = m.c.errors if filters.dismissed else m.c.open_errors
    warnings = m.c.warnings if filters.dismissed else m.c.open_warnings
    score = m.c.score_all if filters.dismissed else m.c.score
    query = select(
        m.c.organ_id,
        m.c.organ,
        m.c.region,
        m.c.organ_type,
        m.c.organ_source,
        m.c.report_id,
        m.c.year,
        m.c.version_id,
        m.c.version,
        m.c.status,
        errors.label("errors"),
        warnings.label("warnings"),
        score.label("score"),
        m.c.on_time,
        *(m.c[name] for name in TREND_KEYS),  # the trends' sums
    ).where(visible(m, scope, filters))
    if filters.year is not None:
        query = query.where(m.c.year == filters.year)
    if filters.rule:
        query = query.where(m.c.report_id.in_(with_rule(filters.rule, filters.dismissed)))
    return query.subquery(name)


def _status(status: str, errors: int) -> str:
    if status == "unreadable":
        return STATUS["unreadable"]
    return STATUS["errors"] if errors > 0 else STATUS["ok"]


def _pct(part: float, whole: float) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _view(name: str, title: str, columns: list[str], rows: list[list[Any]], **extra: Any) -> dict[str, Any]:
    return {"view": name, "title": title, "columns": columns, "rows": rows, **extra}


def stamp(conn: Connection) -> tuple[Any, ...]:
    """What changes when the library does (a version, a review, an organ added; a report's summary or a
    directory organ changed): a view computed at the same stamp is still right."""
    newest = [select(func.max(t.c.id)).scalar_subquery() for t in (s.versions, s.reviews, s.organs)]
    organs = select(func.count()).select_from(s.organs).scalar_subquery()
    generations = [select(func.max(t.c.generation)).scalar_subquery() for t in (s.summaries, s.organs)]
    return tuple(conn.execute(select(*newest, organs, *generations)).one())


# --------------------------------------------------------------------------- the filter choices


def choices(conn: Connection, scope: str) -> dict[str, Any]:
    """What the filters offer: years, regions (under the account's), organ types, rules found."""
    o, m = s.organs, s.summaries
    years = conn.execute(
        select(m.c.year).distinct().where(visible(m, scope, Filters())).order_by(m.c.year)
    ).scalars()
    regions = conn.execute(
        select(o.c.region).distinct().where(visible_organs(scope, Filters())).order_by(o.c.region)
    ).scalars()
    found = set(conn.execute(select(s.summary_rules.c.rule).distinct()).scalars())
    rules = [{"id": k, "title": rule.title} for k, rule in fmt.RULES.items() if k in found]
    rules += [{"id": k, "title": k} for k in sorted(found - set(fmt.RULES))]
    return {
        "years": list(years),
        "regions": _region_tree(list(regions), scope),
        "organ_types": list(fmt.ORGAN_TYPES),
        "rules": rules,
    }


def _region_tree(regions: list[str], scope: str) -> list[str]:
    """Every region and each of its ancestors under the account's scope, for the region choice."""
    out: set[str] = set()
    for region in regions:
        parts = region.split("/") if region else []
        for i in range(1, len(parts) + 1):
            path = "/".join(parts[:i])
            if not scope or path == scope or path.startswith(scope + "/"):
                out.add(path)
    return sorted(out)


def child_region(region: str, parent: str) -> str:
    """The region one level under `parent` that `region` lies in ("" parent: the top level)."""
    if not region:
        return "（地区未知）"
    rest = region[len(parent) + 1 :] if parent else region
    if parent and region == parent:
        return parent.rsplit("/", 1)[-1] + "（本级）"
    head = rest.split("/", 1)[0]
    return f"{parent}/{head}" if parent else head


# --------------------------------------------------------------------------- overview


def overview(conn: Connection, scope: str, filters: Filters) -> dict[str, Any]:
    """Per year: reports, on-time and pass shares, mean score; the score bands; the rules failing most."""
    latest = _latest(scope, filters)
    score = latest.c.score
    band = case(*((score >= low, label) for low, label in SCORE_BANDS), else_=None)
    grouped = conn.execute(  # one pass: by year and score band, summed up here
        select(
            latest.c.year,
            band.label("band"),
            func.count().label("reports"),
            func.sum(case((latest.c.organ_source == "directory", 1), else_=0)).label("listed"),
            func.sum(case((latest.c.on_time == 1, 1), else_=0)).label("on_time"),
            func.sum(case((latest.c.on_time.is_(None), 1), else_=0)).label("no_date"),
            func.sum(case((and_(latest.c.status != "unreadable", latest.c.errors <= 0), 1), else_=0)).label(
                "passed"
            ),
            func.sum(score).label("score"),
            func.count(score).label("scored"),
        ).group_by(latest.c.year, band)
    ).all()
    years: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    bands: dict[str, int] = defaultdict(int)
    for g in grouped:
        for key in ("reports", "listed", "on_time", "no_date", "passed", "score", "scored"):
            years[g.year][key] += float(getattr(g, key) or 0)
        if g.band is not None:
            bands[g.band] += g.reports
    expected = _organs_in_view(conn, scope, filters)
    rows = [
        [
            year,
            int(y["reports"]),
            max(0, expected - int(y["listed"])),
            _pct(y["on_time"], y["reports"]),
            int(y["no_date"]),
            _pct(y["passed"], y["reports"]),
            round(y["score"] / y["scored"], 1) if y["scored"] else NO_SCORE,
        ]
        for year, y in sorted(years.items())
    ]
    top = _failing_rules(conn, scope, filters)
    return _view(
        "overview",
        "总览：各年度报告数、按时发布率、通过率、平均分",
        ["年度", "报告数", "缺报（名录中未报）", "按时发布率（%）", f"{DATE}未知", "通过率（%）", "平均分"],
        rows,
        organs=expected,
        bands=[{"band": label, "count": bands.get(label, 0)} for _, label in SCORE_BANDS][::-1],
        rules=top,
        chart={
            "kind": "bar",
            "x": [str(r[0]) for r in rows],
            "series": [
                {"name": "按时发布率（%）", "data": [r[3] for r in rows]},
                {"name": "通过率（%）", "data": [r[5] for r in rows]},
            ],
        },
    )


def _organs_in_view(conn: Connection, scope: str, filters: Filters) -> int:
    """Organs of the directory in view: each should have a report a year."""
    o = s.organs
    query = select(func.count()).where(visible_organs(scope, filters), o.c.source == "directory")
    return int(conn.execute(query).scalar() or 0)


def _failing_rules(conn: Connection, scope: str, filters: Filters, limit: int = 10) -> list[dict[str, Any]]:
    """The rules most reports in view fail: (reports, findings) per rule, dismissed findings left out
    unless counted. Read from summary_rules alone (its own year, region and type, a covering index)."""
    sr = s.summary_rules
    count = sr.c.findings if filters.dismissed else sr.c.open_findings
    query = (
        select(
            sr.c.rule,
            func.sum(case((count > 0, 1), else_=0)).label("reports"),
            func.sum(count).label("findings"),
        )
        .where(visible(sr, scope, filters))
        .group_by(sr.c.rule)
    )
    if filters.year is not None:
        query = query.where(sr.c.year == filters.year)
    if filters.rule:
        query = query.where(sr.c.report_id.in_(with_rule(filters.rule, filters.dismissed)))
    counts = conn.execute(query).all()
    ranked = sorted(
        ((c.rule, int(c.reports), int(c.findings)) for c in counts if c.reports), key=lambda c: (-c[1], c[0])
    )
    return [
        {"rule": rule, "title": _rule_title(rule), "reports": reports, "findings": findings}
        for rule, reports, findings in ranked[:limit]
    ]


def _rule_title(rule: str) -> str:
    found = fmt.RULES.get(rule)
    return found.title if found else rule


# --------------------------------------------------------------------------- organ × year


def matrix(conn: Connection, scope: str, filters: Filters, *, everything: bool = False) -> dict[str, Any]:
    """One row per organ (directory organs with no report included), one cell per year: its status
    and score, or 缺报. A page of PAGE organs at a time (`everything`: all, for the export)."""
    o = s.organs
    latest = _latest(scope, filters)
    years = sorted(set(conn.execute(select(latest.c.year).distinct()).scalars()))
    if filters.year is not None:
        years = [filters.year]
    organ_query = select(o.c.id, o.c.display_name, o.c.region, o.c.organ_type, o.c.source).where(
        visible_organs(scope, filters)
    )
    if filters.rule:  # only organs with a report that has the rule
        organ_query = organ_query.where(o.c.id.in_(select(latest.c.organ_id)))
    total = conn.execute(select(func.count()).select_from(organ_query.subquery())).scalar() or 0
    organ_query = organ_query.order_by(o.c.region, o.c.name)
    if not everything:
        organ_query = organ_query.limit(PAGE).offset((filters.page - 1) * PAGE)
    organs = conn.execute(organ_query).all()
    ids = [row.id for row in organs]
    cells: dict[tuple[int, int], Any] = {}
    if everything:  # one pass over every report in view (batches of organs re-ran the join each time)
        for row in conn.execute(select(latest)):
            cells[(row.organ_id, row.year)] = row
    for start in range(0, 0 if everything else len(ids), 500):
        part = ids[start : start + 500]
        for row in conn.execute(select(latest).where(latest.c.organ_id.in_(part))):
            cells[(row.organ_id, row.year)] = row
    rows, marks = [], []
    for organ in organs:
        line: list[Any] = [organ.display_name, organ.region, organ.organ_type]
        mark: list[Any] = []
        for year in years:
            cell = cells.get((organ.id, year))
            if cell is None:
                line.append(MISSING)
                mark.append({"status": "missing"})
            else:
                shown = _status(cell.status, cell.errors)
                line.append(f"{shown} {cell.score}" if cell.score is not None else f"{shown} {NO_SCORE}")
                mark.append(
                    {
                        "status": "unreadable"
                        if cell.status == "unreadable"
                        else "errors"
                        if cell.errors > 0
                        else "ok",
                        "score": cell.score,
                        "report": cell.report_id,
                    }
                )
        rows.append(line)
        marks.append({"organ": organ.id, "cells": mark})
    return _view(
        "matrix",
        "机关 × 年度：每份报告的状态和得分，缺报一目了然",
        ["机关", "上级地区", TYPE, *(f"{y}年" for y in years)],
        rows,
        marks=marks,
        total=total,
        page=filters.page,
        pages=max(1, -(-total // PAGE)),
    )


# --------------------------------------------------------------------------- ranking


def ranking(conn: Connection, scope: str, filters: Filters) -> dict[str, Any]:
    """Mean score by organ or by region (one level under the chosen region); too few reports: apart."""
    latest = _latest(scope, filters)
    score = latest.c.score
    parent = filters.region or scope
    if filters.by == "organ":
        grouped = conn.execute(
            select(
                latest.c.organ_id,
                func.min(latest.c.organ).label("name"),
                func.min(latest.c.region).label("region"),
                func.count().label("reports"),
                func.count(score).label("scored"),
                func.avg(score).label("score"),
            ).group_by(latest.c.organ_id)
        ).all()
        groups = [(g.name, g.region, g.reports, g.scored, g.score, g.organ_id) for g in grouped]
        minimum = MIN_ORGAN_REPORTS
    else:
        by_region = conn.execute(
            select(
                latest.c.region,
                func.count().label("reports"),
                func.count(score).label("scored"),
                func.sum(score).label("total"),
            ).group_by(latest.c.region)
        ).all()
        folded: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0])
        for g in by_region:
            acc = folded[child_region(g.region, parent)]
            acc[0] += g.reports
            acc[1] += g.scored
            acc[2] += float(g.total or 0)
        groups = [
            (name, name, n, scored, (total / scored if scored else None), None)
            for name, (n, scored, total) in folded.items()
        ]
        minimum = MIN_REGION_REPORTS
    ranked = sorted((g for g in groups if g[3] >= minimum), key=lambda g: (-(g[4] or 0), g[0]))
    apart = sorted((g for g in groups if g[3] < minimum), key=lambda g: g[0])
    rows = []
    place = 0
    last = None
    for i, g in enumerate(ranked, 1):
        value = round(float(g[4]), 1)
        if value != last:
            place, last = i, value
        rows.append([place, g[0], g[1] if filters.by == "organ" else "", g[2], value])
    small = [
        [
            "样本不足",
            g[0],
            g[1] if filters.by == "organ" else "",
            g[2],
            round(float(g[4]), 1) if g[4] is not None else NO_SCORE,
        ]
        for g in apart
    ]
    unit = "机关" if filters.by == "organ" else "地区"
    return _view(
        "ranking",
        f"排名：按{unit}平均得分（少于 {minimum} 份报告的{unit}单列，不参加排名）",
        ["名次", unit, "上级地区", "报告数", "平均分"],
        rows + small,
        ranked=len(rows),
        minimum=minimum,
        organs=[g[5] for g in ranked] + [g[5] for g in apart],
        chart={
            "kind": "hbar",
            "x": [r[1].rsplit("/", 1)[-1] for r in rows[:30]],
            "series": [{"name": "平均分", "data": [r[4] for r in rows[:30]]}],
        },
    )


# --------------------------------------------------------------------------- trends


def trends(conn: Connection, scope: str, filters: Filters, organ_id: int | None = None) -> dict[str, Any]:
    """新收, 办结, 复议, 诉讼 and 公开率 by year: summed over the organs in view (or of one organ), and
    per region one level under the chosen one (`by="organ"`: per organ, at most MAX_TREND_ORGANS).
    """
    latest = _latest(scope, replace(filters, year=None))
    names = list(TREND_KEYS)
    by_organ = filters.by == "organ" and organ_id is None
    if by_organ:
        organs = select(latest.c.organ_id).distinct().limit(MAX_TREND_ORGANS + 1)
        by_organ = len(conn.execute(organs).all()) <= MAX_TREND_ORGANS
    group = latest.c.organ if by_organ else latest.c.region
    query = select(
        group.label("group"), latest.c.year, *(func.sum(latest.c[n]).label(n) for n in names)
    ).group_by(group, latest.c.year)
    if organ_id is not None:
        query = query.where(latest.c.organ_id == organ_id)
    parent = filters.region or scope
    sums: dict[str, dict[int, dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for row in conn.execute(query):
        shown = row.group if by_organ else child_region(row.group, parent)
        for label in ("合计", shown):
            for n in names:
                sums[label][row.year][n] += float(getattr(row, n) or 0)
    years = sorted(sums["合计"])
    groups = sorted(k for k in sums if k != "合计")
    table = {label: _figures_by_year(sums[label], years) for label in ["合计", *groups]}
    rows = [
        [label, year, *(table[label][name][i] for name, _ in TREND_FIGURES)]
        for label in ["合计", *groups]
        for i, year in enumerate(years)
    ]
    unit = "机关" if by_organ else "地区"
    figure = filters.figure if filters.figure in dict(TREND_FIGURES) else "new"
    return _view(
        "trends",
        f"趋势：新收、办结、复议、诉讼和公开率（合计及各{unit}）",
        [unit, "年度", *(title for _, title in TREND_FIGURES)],
        rows,
        chart={
            "kind": "lines",
            "x": [str(y) for y in years],
            "series": [
                {"name": title, "data": table["合计"][name], "axis": 1 if name == "open_rate" else 0}
                for name, title in TREND_FIGURES
            ],
        },
        groups_chart={
            "kind": "lines",
            "title": f"各{unit}：{dict(TREND_FIGURES)[figure]}",
            "x": [str(y) for y in years],
            "series": [{"name": g.rsplit("/", 1)[-1], "data": table[g][figure]} for g in groups[:20]],
        },
        figure=figure,
        figures=[{"id": k, "title": v} for k, v in TREND_FIGURES],
    )


def _figures_by_year(sums: dict[int, dict[str, float]], years: list[int]) -> dict[str, list[Any]]:
    series: dict[str, list[Any]] = {}
    for name, _title in TREND_FIGURES:
        values: list[Any] = []
        for year in years:
            got = sums.get(year)
            if not got:
                values.append(None)
            elif name == "open_rate":
                values.append(_pct(got.get("granted", 0), got.get("done", 0)))
            else:
                values.append(_plain(got.get(name, 0)))
        series[name] = values
    return series


def _plain(number: float) -> float | int:
    return int(number) if float(number).is_integer() else round(number, 2)


# --------------------------------------------------------------------------- heatmap


def heatmap(conn: Connection, scope: str, filters: Filters) -> dict[str, Any]:
    """Regions (one level under the chosen one) × years: the share of reports with errors, in %."""
    latest = _latest(scope, filters)
    parent = filters.region or scope
    grouped = conn.execute(
        select(
            latest.c.region,
            latest.c.year,
            func.count().label("reports"),
            func.sum(case((or_(latest.c.status == "unreadable", latest.c.errors > 0), 1), else_=0)).label(
                "failed"
            ),
        ).group_by(latest.c.region, latest.c.year)
    ).all()
    cells: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for g in grouped:
        acc = cells[(child_region(g.region, parent), g.year)]
        acc[0] += g.reports
        acc[1] += int(g.failed or 0)
    regions = sorted({k[0] for k in cells})
    years = sorted({k[1] for k in cells})
    rows = []
    data = []
    for i, region in enumerate(regions):
        line: list[Any] = [region]
        for j, year in enumerate(years):
            n, failed = cells.get((region, year), (0, 0))
            share = _pct(failed, n)
            line.append("" if share is None else share)
            if share is not None:
                data.append([j, i, share, n])
        rows.append(line)
    return _view(
        "heatmap",
        "地区热力图：各地区各年度有错误的报告占比（%）",
        ["地区", *(f"{y}年" for y in years)],
        rows,
        chart={
            "kind": "heatmap",
            "x": [str(y) for y in years],
            "y": [r.rsplit("/", 1)[-1] for r in regions],
            "data": data,
        },
    )


# --------------------------------------------------------------------------- drill-down


def organ_years(conn: Connection, scope: str, organ_id: int) -> dict[str, Any] | None:
    """One organ and its years (None: no such organ, or not under the account's region)."""
    o = s.organs
    organ = conn.execute(select(o).where(o.c.id == organ_id, visible_organs(scope, Filters()))).first()
    if organ is None:
        return None
    m = s.summaries
    years = conn.execute(select(m).where(m.c.organ_id == organ_id).order_by(m.c.year)).all()
    rows = [
        [
            y.year,
            y.version,
            _status(y.status, y.open_errors),
            y.errors,
            y.warnings,
            y.open_errors,
            y.score if y.status != "unreadable" else NO_SCORE,
        ]
        for y in years
    ]
    return _view(
        "organ",
        f"{organ.display_name}：历年报告",
        ["年度", "版本数", "状态", "错误", "警告", "未排除的错误", "得分"],
        rows,
        organ={
            "id": organ.id,
            "name": organ.display_name,
            "region": organ.region,
            "organ_type": organ.organ_type,
        },
        reports=[y.report_id for y in years],
        trend=trends(conn, scope, Filters(dismissed=True), organ_id=organ_id)["chart"],
    )


def report_of_scope(conn: Connection, scope: str, report_id: int) -> Any:
    """The report's row with its organ, or None when it is not in the account's view (a 404)."""
    o, r = s.organs, s.reports
    return conn.execute(
        select(r, o.c.display_name, o.c.region, o.c.organ_type)
        .select_from(r.join(o, o.c.id == r.c.organ_id))
        .where(r.c.id == report_id, visible_organs(scope, Filters()))
    ).first()


def version_of_scope(conn: Connection, scope: str, version_id: int) -> Any:
    v, r, o = s.versions, s.reports, s.organs
    return conn.execute(
        select(
            v.c.id, v.c.report_id, v.c.source, v.c.file_name, v.c.content_hash, v.c.document, v.c.file_format
        )
        .select_from(v.join(r, r.c.id == v.c.report_id).join(o, o.c.id == r.c.organ_id))
        .where(v.c.id == version_id, visible_organs(scope, Filters()))
    ).first()


def today() -> dt.date:
    return dt.date.today()


# --------------------------------------------------------------------------- export of what a view shows


def to_xlsx(view: dict[str, Any], filters_line: str) -> bytes:
    """The view's table as a workbook: a title row, the filters, the header, the rows. Text cells are
    always text (a name beginning with `=` is a string, never a formula). Written in openpyxl's
    write-only mode: 100,000 cells in seconds."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from ..write.summary import text_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(view["view"][:31])
    ws.freeze_panes = "A4"
    bold = Font(bold=True)

    def line(values: list[Any], font: Font | None = None) -> list[Any]:
        out = []
        for value in values:
            cell = text_cell(ws, value) if isinstance(value, str) else WriteOnlyCell(ws, value=value)
            if font is not None:
                cell.font = font
            out.append(cell)
        return out

    ws.append(line([view["title"]], Font(bold=True, size=14)))
    ws.append(line([filters_line]))
    ws.append(line(view["columns"], bold))
    for row in view["rows"]:
        ws.append(line(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(view: dict[str, Any], filters_line: str) -> bytes:
    """The view's table as UTF-8 CSV with a BOM (Excel reads it); a text cell that a spreadsheet would
    take for a formula is prefixed with `'`."""
    import csv
    import io

    from ..write.summary import csv_cell

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(view["title"])])
    writer.writerow([csv_cell(filters_line)])
    writer.writerow([csv_cell(c) for c in view["columns"]])
    for row in view["rows"]:
        writer.writerow([csv_cell(c) for c in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def filters_line(scope: str, filters: Filters) -> str:
    parts = [
        f"年度：{filters.year}" if filters.year else "年度：全部",
        f"地区：{filters.region or scope or '全部'}",
        f"{TYPE}：{filters.organ_type or '全部'}",
        f"规则：{filters.rule or '全部'}",
        "计入已排除的问题" if filters.dismissed else "不计已排除的问题",
    ]
    if scope:
        parts.append(f"（账号可见范围：{scope}）")
    return "；".join(parts)
