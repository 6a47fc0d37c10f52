"""Each report's latest version in one row (`summaries`) and its findings per rule (`summary_rules`):
what `list`, `show`, `export` and every dashboard view read, so that none of them joins versions,
figures, findings and reviews at read time (100,000 versions: each view in tens of milliseconds).

The rows are derived data: `refresh` recomputes those of the given reports from the tables that hold
the facts, in the same transaction as the write that changed them (a version stored, a finding added,
a review recorded, a directory imported), and `rebuild` recomputes them all (the migration that made
the tables, and `xxgk library upgrade --rebuild`). tests/test_library.py checks after every kind of
write that the kept rows are what a rebuild makes.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection

from ..published.summary import KEY_FIGURES
from . import schema as s

BATCH = 500  # reports a statement at a time (bound parameters stay well under every driver's limit)
TREND_KEYS = {  # summaries' trend columns: the sum of these values
    "new": ("applications.new.total",),
    "done": ("applications.total.total",),
    "review": ("review.total",),
    "litigation": ("litigation_direct.total", "litigation_after_review.total"),
    "granted": ("applications.granted.total", "applications.partly_granted.total"),
}
FIGURE_KEYS = tuple(dict.fromkeys([*KEY_FIGURES, *(k for ks in TREND_KEYS.values() for k in ks)]))
KEY = ("rule", "code", "field", "position", "message")  # a finding of a version, as a review names it
STATUS = {"ok": "通过", "errors": "有错误", "unreadable": "无法读取"}
GOVERNMENT = "人民政府"  # its report is due by 31 March, every other organ's by 31 January


def score(errors: int, warnings: int) -> int:
    """The library's mark, for sorting and charts: 100, less 10 an error and 2 a warning, at least 0."""
    return max(0, 100 - 10 * errors - 2 * warnings)


def deadline_month(organ_type: str) -> int:
    return 3 if organ_type == GOVERNMENT else 1


def on_time(year: int, organ_type: str, published_on: Any) -> int | None:
    """1: published by the deadline of the year after `year`; 0: later; None: no publication date."""
    if published_on is None:
        return None
    if published_on.year <= year:
        return 1
    return int(published_on.year == year + 1 and published_on.month <= deadline_month(organ_type))


def plain(number: float | None) -> float | int | None:
    if number is None:
        return None
    return int(number) if float(number).is_integer() else number


def refresh(conn: Connection, report_ids: Iterable[int]) -> int:
    """Recompute the rows of these reports (a report without a latest version loses its rows).
    On PostgreSQL the reports' rows are locked first, so two writers of one report refresh in turn
    and the second reads what the first committed. Returns the rows written."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    generation = (conn.execute(select(func.max(s.summaries.c.generation))).scalar() or 0) + 1
    written = 0
    for start in range(0, len(ids), BATCH):
        written += _refresh_batch(conn, ids[start : start + BATCH], generation)
    return written


def rebuild(conn: Connection) -> int:
    """Recompute every row (after the migration that made the tables, or to repair them)."""
    conn.execute(delete(s.summary_rules))
    conn.execute(delete(s.summaries))
    ids = conn.execute(select(s.reports.c.id).order_by(s.reports.c.id)).scalars().all()
    return refresh(conn, ids)


def reports_of_versions(conn: Connection, version_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(version_ids))
    out: list[int] = []
    for start in range(0, len(wanted), BATCH):
        part = wanted[start : start + BATCH]
        query = select(s.versions.c.report_id).where(
            s.versions.c.id.in_(part), s.versions.c.report_id.is_not(None)
        )
        out += conn.execute(query).scalars().all()
    return out


def reports_of_organs(conn: Connection, organ_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(organ_ids))
    out: list[int] = []
    for start in range(0, len(wanted), BATCH):
        part = wanted[start : start + BATCH]
        out += conn.execute(select(s.reports.c.id).where(s.reports.c.organ_id.in_(part))).scalars().all()
    return out


def _refresh_batch(conn: Connection, ids: list[int], generation: int) -> int:
    r, o, v = s.reports, s.organs, s.versions
    conn.execute(select(r.c.id).where(r.c.id.in_(ids)).order_by(r.c.id).with_for_update()).all()
    conn.execute(delete(s.summary_rules).where(s.summary_rules.c.report_id.in_(ids)))
    conn.execute(delete(s.summaries).where(s.summaries.c.report_id.in_(ids)))
    found = conn.execute(
        select(
            r.c.id.label("report_id"),
            r.c.organ_id,
            r.c.year,
            o.c.display_name,
            o.c.name,
            o.c.region,
            o.c.organ_type,
            o.c.source.label("organ_source"),
            v.c.id.label("version_id"),
            v.c.number,
            v.c.file_name,
            v.c.source,
            v.c.status,
            v.c.errors,
            v.c.warnings,
            v.c.published_on,
            v.c.ruleset,
        )
        .select_from(r.join(o, o.c.id == r.c.organ_id).join(v, v.c.id == r.c.latest_version_id))
        .where(r.c.id.in_(ids))
    ).all()
    if not found:
        return 0
    versions = [row.version_id for row in found]
    values = _values(conn, versions)
    findings = _findings(conn, versions)
    rows, rule_rows = [], []
    for row in found:
        figures = values.get(row.version_id, {})
        counts = findings.get(row.version_id, {})
        dismissed_errors = sum(c["dismissed_errors"] for c in counts.values())
        dismissed_warnings = sum(c["dismissed_warnings"] for c in counts.values())
        open_errors = max(0, row.errors - dismissed_errors)
        open_warnings = max(0, row.warnings - dismissed_warnings)
        rows.append(
            {
                "report_id": row.report_id,
                "organ_id": row.organ_id,
                "year": row.year,
                "organ": row.display_name,
                "organ_name": row.name,
                "region": row.region,
                "organ_type": row.organ_type,
                "organ_source": row.organ_source,
                "version_id": row.version_id,
                "version": row.number,
                "file_name": row.file_name,
                "source": row.source,
                "status": row.status,
                "errors": row.errors,
                "warnings": row.warnings,
                "open_errors": open_errors,
                "open_warnings": open_warnings,
                "score": score(open_errors, open_warnings),
                "score_all": score(row.errors, row.warnings),
                "published_on": row.published_on,
                "on_time": on_time(row.year, row.organ_type, row.published_on),
                "ruleset": row.ruleset,
                "figures": json.dumps({k: figures.get(k) for k in KEY_FIGURES}, ensure_ascii=False),
                **{name: _sum(figures, keys) for name, keys in TREND_KEYS.items()},
                "generation": generation,
            }
        )
        rule_rows += [
            {
                "report_id": row.report_id,
                "rule": rule,
                "findings": c["findings"],
                "open_findings": c["findings"] - c["dismissed_errors"] - c["dismissed_warnings"],
                "year": row.year,
                "region": row.region,
                "organ_type": row.organ_type,
            }
            for rule, c in sorted(counts.items())
        ]
    conn.execute(insert(s.summaries), rows)
    if rule_rows:
        conn.execute(insert(s.summary_rules), rule_rows)
    return len(rows)


def _sum(figures: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    """The sum of the keys' numbers; None when all of them are blank."""
    known = [figures[k] for k in keys if figures.get(k) is not None]
    return float(sum(known)) if known else None


def _values(conn: Connection, versions: list[int]) -> dict[int, dict[str, Any]]:
    rv = s.report_values
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    query = select(rv.c.version_id, rv.c.key, rv.c.number).where(
        rv.c.version_id.in_(versions), rv.c.key.in_(FIGURE_KEYS)
    )
    for version_id, key, number in conn.execute(query):
        out[version_id][key] = plain(number)
    return out


def _findings(conn: Connection, versions: list[int]) -> dict[int, dict[str, Counter[str]]]:
    """Per version and rule: findings, and the errors and warnings among them whose latest review is a
    dismissal (reviews name their finding by KEY, so a finding audited again keeps its review)."""
    f, rv = s.findings, s.reviews
    last: dict[tuple[Any, ...], str] = {}
    query = (
        select(rv.c.version_id, *(rv.c[k] for k in KEY), rv.c.status)
        .where(rv.c.version_id.in_(versions))
        .order_by(rv.c.id)
    )
    for review in conn.execute(query):
        last[tuple(review[:-1])] = review.status
    dismissed = {key for key, status in last.items() if status == "dismissed"}
    out: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    query = select(f.c.version_id, *(f.c[k] for k in KEY), f.c.severity).where(f.c.version_id.in_(versions))
    for finding in conn.execute(query):
        key = tuple(finding[:-1])
        counts = out[finding.version_id][finding.rule]
        counts["findings"] += 1
        if key in dismissed:  # one dismissal covers every identical finding of the version
            counts["dismissed_errors" if finding.severity == "error" else "dismissed_warnings"] += 1
    return out
