"""Reviews of findings: confirm, dismiss (with a reason), mark rectified; who and when, kept for ever.

A review names its finding by version and by what stays the same when that version is audited again
(rule, code, field, position, message): a dismissed finding stays dismissed for that version whatever
its row id becomes. A new version of the report is a new file: a finding it still shows is open again,
with the earlier versions' reviews of the same finding in its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ..core.errors import ExitCode, XxgkError
from . import schema as s
from . import summaries
from .dashboard import KEY, NO_SCORE, STATUS, Filters, version_of_scope, visible_organs

ACTIONS = {"confirmed": "已确认", "dismissed": "已排除", "rectified": "已整改"}
OPEN = "待审核"
MAX_NOTE = 2000


class ReviewError(XxgkError):
    exit_code = ExitCode.USAGE
    reason = "review"


def _key(row: Any) -> tuple[str, ...]:
    return tuple(getattr(row, k) for k in KEY)


def report_detail(
    conn: Connection, scope: str, report_id: int, version: int | None = None
) -> dict[str, Any] | None:
    """One report: its versions, the chosen version's figures and findings, each finding's review state
    and history (None: no such report in the account's view)."""
    o, r, v = s.organs, s.reports, s.versions
    report = conn.execute(
        select(r, o.c.display_name, o.c.region, o.c.organ_type, o.c.id.label("organ"))
        .select_from(r.join(o, o.c.id == r.c.organ_id))
        .where(r.c.id == report_id, visible_organs(scope, Filters()))
    ).first()
    if report is None:
        return None
    versions = conn.execute(
        select(
            v.c.id,
            v.c.number,
            v.c.file_name,
            v.c.source,
            v.c.status,
            v.c.errors,
            v.c.warnings,
            v.c.added_at,
            v.c.published_on,
            v.c.file_format,
        )
        .where(v.c.report_id == report_id)
        .order_by(v.c.number)
    ).all()
    chosen = next((x for x in versions if x.number == version), None) if version else None
    chosen = chosen or next((x for x in versions if x.id == report.latest_version_id), versions[-1])
    values = {
        key: text
        for key, text in conn.execute(
            select(s.report_values.c.key, s.report_values.c.text).where(
                s.report_values.c.version_id == chosen.id
            )
        )
    }
    findings = conn.execute(
        select(s.findings).where(s.findings.c.version_id == chosen.id).order_by(s.findings.c.id)
    ).all()
    reviews = conn.execute(
        select(s.reviews, v.c.number)
        .select_from(s.reviews.join(v, v.c.id == s.reviews.c.version_id))
        .where(v.c.report_id == report_id)
        .order_by(s.reviews.c.id)
    ).all()
    by_key: dict[tuple[str, ...], list[Any]] = {}
    for review in reviews:
        by_key.setdefault(_key(review), []).append(review)
    later = [x for x in versions if x.number > chosen.number]
    later_keys = {
        x.number: {
            _key(f)
            for f in conn.execute(
                select(*(s.findings.c[k] for k in KEY)).where(s.findings.c.version_id == x.id)
            )
        }
        for x in later
    }
    shown = []
    open_errors = open_warnings = 0
    for f in findings:
        history = by_key.get(_key(f), [])
        own = [h for h in history if h.version_id == chosen.id]
        state = own[-1].status if own else "open"
        earlier = [h for h in history if h.number < chosen.number]
        gone_in = next((n for n, keys in sorted(later_keys.items()) if _key(f) not in keys), None)
        if state != "dismissed":
            if f.severity == "error":
                open_errors += 1
            else:
                open_warnings += 1
        shown.append(
            {
                "id": f.id,
                "rule": f.rule,
                "code": f.code,
                "severity": f.severity,
                "field": f.field,
                "position": f.position,
                "quote": f.quote,
                "message": f.message,
                "state": state,
                "state_name": ACTIONS.get(state, OPEN),
                "again": bool(earlier) and not own,  # reviewed in an earlier version, shown again
                "rectified_in": gone_in,  # the first later version without it
                "history": [
                    {
                        "version": h.number,
                        "action": h.status,
                        "action_name": ACTIONS.get(h.status, h.status),
                        "by": h.reviewer,
                        "at": h.created_at.isoformat(sep=" "),
                        "note": h.note,
                    }
                    for h in history
                ],
            }
        )
    unreadable = chosen.status == "unreadable"
    return {
        "report": report.id,
        "organ": {
            "id": report.organ,
            "name": report.display_name,
            "region": report.region,
            "organ_type": report.organ_type,
        },
        "year": report.year,
        "title": f"{report.display_name} {report.year} 年度报告（第 {chosen.number} 版）",
        "version": {
            "id": chosen.id,
            "number": chosen.number,
            "file": chosen.file_name,
            "source": chosen.source,
            "format": chosen.file_format,
            "status": STATUS.get(chosen.status, chosen.status),
            "published_on": chosen.published_on.isoformat() if chosen.published_on else None,
            "added_at": chosen.added_at.isoformat(sep=" "),
            "is_url": chosen.source.startswith(("http://", "https://")),
        },
        "versions": [
            {
                "id": x.id,
                "number": x.number,
                "file": x.file_name,
                "status": STATUS.get(x.status, x.status),
                "errors": x.errors,
                "warnings": x.warnings,
                "added_at": x.added_at.isoformat(sep=" "),
            }
            for x in versions
        ],
        "values": values,
        "findings": shown,
        "counts": {
            "errors": chosen.errors,
            "warnings": chosen.warnings,
            "open_errors": open_errors,
            "open_warnings": open_warnings,
            "score": NO_SCORE if unreadable else summaries.score(open_errors, open_warnings),
            "score_all": NO_SCORE if unreadable else summaries.score(chosen.errors, chosen.warnings),
        },
    }


def record(
    conn: Connection, scope: str, reviewer: str, finding_id: int, action: str, note: str = ""
) -> dict[str, Any] | None:
    """Store one review of a finding (None: no such finding in the account's view)."""
    if action not in ACTIONS:
        raise ReviewError(f"审核操作应为 {' / '.join(ACTIONS)} 之一。")
    note = (note or "").strip()
    if action == "dismissed" and not note:
        raise ReviewError("排除一个问题必须写明理由。")
    if len(note) > MAX_NOTE:
        raise ReviewError(f"说明最多 {MAX_NOTE} 个字符。")
    f = s.findings
    finding = conn.execute(select(f).where(f.c.id == finding_id)).first()
    if finding is None or version_of_scope(conn, scope, finding.version_id) is None:
        return None
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    conn.execute(
        insert(s.reviews).values(
            version_id=finding.version_id,
            finding_id=finding.id,
            reviewer=reviewer,
            status=action,
            note=note,
            created_at=now,
            rule=finding.rule,
            code=finding.code,
            field=finding.field,
            position=finding.position,
            message=finding.message,
        )
    )
    summaries.refresh(conn, summaries.reports_of_versions(conn, [finding.version_id]))
    return {
        "finding": finding.id,
        "state": action,
        "state_name": ACTIONS[action],
        "by": reviewer,
        "at": now.isoformat(sep=" "),
    }
