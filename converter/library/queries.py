"""What `list`, `show` and `export` read: each organ-year's latest version, its figures and findings."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..format import official as fmt
from ..published.summary import KEY_FIGURES, figure_title
from . import schema as s
from .organs import normalise, normalise_region, under
from .summaries import STATUS


def short_title(key: str) -> str:
    """A figure's row label beside the years: its description without the 第二十条 item and a
    trailing 总计 (`行政诉讼·复议后起诉`, `行政许可·本年处理决定数量`)."""
    parts = fmt.VALUES[key].description.split(" / ")
    parts = [p for p in parts if not p.startswith("第二十条")]
    if len(parts) > 1 and parts[-1] == "总计":
        parts = parts[:-1]
    return "·".join(parts)


SHORT_TITLES = tuple(short_title(k) for k in KEY_FIGURES)


@dataclass
class Row:
    """One organ-year as its latest version has it."""

    organ: str
    region: str
    organ_type: str
    organ_source: str
    year: int
    versions: int
    version: int
    file_name: str
    source: str
    status: str
    errors: int
    warnings: int
    score: int  # converter.library.summaries.score
    published_on: Any
    ruleset: str
    figures: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "organ": self.organ,
            "region": self.region,
            "organ_type": self.organ_type,
            "in_directory": self.organ_source == "directory",
            "year": self.year,
            "versions": self.versions,
            "version": self.version,
            "file": self.file_name,
            "source": self.source,
            "status": self.status,
            "errors": self.errors,
            "warnings": self.warnings,
            "score": self.score,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "ruleset": self.ruleset,
            "figures": self.figures,
        }


def rows(
    conn: Connection,
    *,
    year: int | None = None,
    region: str | None = None,
    organ_type: str | None = None,
    rule: str | None = None,
    organ_id: int | None = None,
) -> list[Row]:
    """Every organ-year (latest version) matching the filters, by region, organ and year: one row of
    `summaries` each (kept by converter.library.summaries)."""
    m = s.summaries
    query = select(
        m.c.organ,
        m.c.region,
        m.c.organ_type,
        m.c.organ_source,
        m.c.year,
        m.c.version,
        m.c.file_name,
        m.c.source,
        m.c.status,
        m.c.errors,
        m.c.warnings,
        m.c.score_all,
        m.c.published_on,
        m.c.ruleset,
        m.c.figures,
    ).order_by(m.c.region, m.c.organ_name, m.c.year)
    if year is not None:
        query = query.where(m.c.year == year)
    if region:
        wanted = normalise_region(region)
        query = query.where(under(m.c.region, wanted))
    if organ_type:
        query = query.where(m.c.organ_type == organ_type)
    if organ_id is not None:
        query = query.where(m.c.organ_id == organ_id)
    if rule:
        sr = s.summary_rules
        query = query.where(m.c.report_id.in_(select(sr.c.report_id).where(sr.c.rule == rule)))
    return [
        Row(
            row.organ,
            row.region,
            row.organ_type,
            row.organ_source,
            row.year,
            row.version,  # the latest version is the last added: its number is the count
            row.version,
            row.file_name,
            row.source,
            row.status,
            row.errors,
            row.warnings,
            row.score_all,
            row.published_on,
            row.ruleset,
            json.loads(row.figures),
        )
        for row in conn.execute(query)
    ]


def unreadable(conn: Connection) -> list[dict[str, Any]]:
    """Files stored as failed results, for the listing (the dashboard lists unreadable submissions)."""
    query = (
        select(s.versions.c.source, s.versions.c.file_name, s.versions.c.message, s.versions.c.added_at)
        .where(s.versions.c.status == "unreadable")
        .order_by(s.versions.c.source)
    )
    return [
        {"source": r.source, "file": r.file_name, "message": r.message, "added_at": r.added_at.isoformat()}
        for r in conn.execute(query)
    ]


# --------------------------------------------------------------------------- organs


def find_organ(conn: Connection, name: str) -> tuple[list[Any], list[Any]]:
    """(the organs a name means: by normalised name, else by alias; organs whose name contains it, as
    hints only: a part of a name never picks an organ)."""
    key = normalise(name)
    o = s.organs
    exact = conn.execute(select(o).where(o.c.name == key)).all()
    if exact:
        return exact, []
    by_alias = conn.execute(
        select(o)
        .join(s.organ_aliases, s.organ_aliases.c.organ_id == o.c.id)
        .where(s.organ_aliases.c.alias == key)
    ).all()
    if by_alias:
        return by_alias, []
    hints = conn.execute(
        select(o).where(o.c.name.contains(key, autoescape=True)).order_by(o.c.name).limit(10)
    )
    return [], hints.all()


def organs(conn: Connection) -> list[dict[str, Any]]:
    o = s.organs
    counts = select(s.reports.c.organ_id, func.count().label("n")).group_by(s.reports.c.organ_id).subquery()
    aliases = {}
    for alias, organ_id in conn.execute(select(s.organ_aliases.c.alias, s.organ_aliases.c.organ_id)):
        aliases.setdefault(organ_id, []).append(alias)
    query = (
        select(o, func.coalesce(counts.c.n, 0).label("reports"))
        .select_from(o.outerjoin(counts, counts.c.organ_id == o.c.id))
        .order_by(o.c.source, o.c.region, o.c.name)
    )
    return [
        {
            "name": r.display_name,
            "region": r.region,
            "organ_type": r.organ_type,
            "in_directory": r.source == "directory",
            "ambiguous": bool(r.ambiguous),
            "aliases": sorted(aliases.get(r.id, [])),
            "reports": r.reports,
        }
        for r in conn.execute(query)
    ]


# --------------------------------------------------------------------------- one organ over the years


@dataclass
class History:
    organ: Any
    rows: list[Row]
    carry_over: dict[int, list[str]]  # year -> R4 messages against the year before ([]: consistent)
    findings: dict[int, list[Any]]


def history(conn: Connection, organ: Any, year: int | None = None) -> History:
    """Every year of one organ side by side, R4 between consecutive years (recomputed from the stored
    reports by converter.checks), and the latest version's findings of each year."""
    from .ingest import between_years, decompress, report_of

    found = rows(conn, organ_id=organ.id)
    documents = dict(
        conn.execute(
            select(s.reports.c.year, s.versions.c.document)
            .select_from(s.reports.join(s.versions, s.versions.c.id == s.reports.c.latest_version_id))
            .where(s.reports.c.organ_id == organ.id)
        ).all()
    )
    carry: dict[int, list[str]] = {}
    for row in found:
        if row.year - 1 in documents and documents[row.year] and documents[row.year - 1]:
            this = report_of(decompress(documents[row.year]))
            last = report_of(decompress(documents[row.year - 1]))
            carry[row.year] = [f.message for f in between_years(this, last) if f.rule == "R4"]
    if year is not None:
        found = [r for r in found if r.year == year]
    findings: dict[int, list[Any]] = {}
    for row in found:
        query = (
            select(s.findings)
            .select_from(s.findings.join(s.reports, s.reports.c.latest_version_id == s.findings.c.version_id))
            .where(s.reports.c.organ_id == organ.id, s.reports.c.year == row.year)
            .order_by(s.findings.c.id)
        )
        findings[row.year] = conn.execute(query).all()
    return History(organ, found, carry, findings)


def trend(values: list[Any]) -> str:
    """↑ ↓ → between consecutive years with a figure; blank years are skipped."""
    marks = []
    known = [v for v in values if v is not None]
    for a, b in itertools.pairwise(known):
        marks.append("↑" if b > a else "↓" if b < a else "→")
    return "".join(marks)


def titles(keys: tuple[str, ...] = KEY_FIGURES) -> list[str]:
    return [figure_title(k) for k in keys]


__all__ = ["KEY_FIGURES", "STATUS", "fmt"]
