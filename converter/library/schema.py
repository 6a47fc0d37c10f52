"""The library's tables (SQLAlchemy Core). Alembic's migrations in `migrations/versions` create them; this
module is what the code reads and writes, and tests/test_library.py keeps the two the same.

    organs ─< organ_aliases
      │
      └─< reports (organ, year) ─< versions (content hash, source, dates, format, status)
                                      ├─< report_values (one row per field key)
                                      ├─< findings (rule, code, severity, field, position, rule set)
                                      └─< reviews (for the dashboard)
    summaries: one row per report, its latest version with organ, counts, figures (kept by refresh)
    summary_rules: per report and rule, the latest version's findings and those not dismissed
    pending_files: bytes queued for workers (PostgreSQL queue), removed when stored
    collect_runs ─< collect_pages (`library collect`: list pages, report pages, attached files; each
                    pointing at the version stored for it, never deleted when gone from its column)
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

organs = Table(
    "organs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),  # normalised full name
    Column("display_name", String(200), nullable=False),  # as first seen (directory or report)
    Column("region", String(300), nullable=False, default=""),  # 上级地区 path, "" when unknown
    Column("organ_type", String(20), nullable=False, default=""),
    Column("source", String(20), nullable=False),  # "directory" | "name" (not in any directory)
    Column("ambiguous", Boolean, nullable=False, default=False),  # a directory alias of several organs
    Column(
        "generation", Integer, nullable=False, default=0
    ),  # raised by each directory import that sets it (0005)
    Index("ix_organs_region", "region"),
    Index("ix_organs_organ_type", "organ_type"),
)

organ_aliases = Table(
    "organ_aliases",
    metadata,
    Column("alias", String(200), primary_key=True),  # normalised
    Column("organ_id", Integer, ForeignKey("organs.id"), primary_key=True),
    Index("ix_organ_aliases_organ_id", "organ_id"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organ_id", Integer, ForeignKey("organs.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("latest_version_id", Integer, nullable=True),  # the version list/show/export read
    UniqueConstraint("organ_id", "year"),
    Index("ix_reports_year", "year"),
    Index("ix_reports_latest_version_id", "latest_version_id"),  # the dashboard joins by it (0003)
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=True),  # NULL: unreadable file
    Column("number", Integer, nullable=False, default=1),  # 1, 2… within its report
    Column("content_hash", String(64), nullable=False, unique=True),  # sha256 of the file's bytes
    Column("source", Text, nullable=False),  # path, `archive.zip!inner/path`, or URL
    Column("file_name", String(300), nullable=False),
    Column("file_format", String(20), nullable=False, default=""),  # xlsx, json, docx, pdf, html, text
    Column("size", Integer, nullable=False),
    Column("fetched_at", DateTime, nullable=True),  # when downloaded, for a URL
    Column("added_at", DateTime, nullable=False),
    Column("published_on", Date, nullable=True),  # the report's 成文日期
    Column("published_on_from", String(40), nullable=False, default=""),  # where that date was read
    Column("published", Boolean, nullable=False, default=False),  # a published report, not a draft
    Column("org_as_printed", String(300), nullable=False, default=""),
    Column("status", String(20), nullable=False),  # "ok" | "errors" | "unreadable"
    Column("errors", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("message", Text, nullable=False, default=""),  # why unreadable
    Column("ruleset", String(40), nullable=False),  # the rule set that made its findings
    Column("document", LargeBinary, nullable=True),  # the report as `xxgk dump` JSON, zlib-compressed
    UniqueConstraint("report_id", "number"),
    Index("ix_versions_status", "status"),
)

report_values = Table(
    "report_values",
    metadata,
    Column("version_id", Integer, ForeignKey("versions.id"), primary_key=True),
    Column("key", String(80), primary_key=True),
    Column("number", Float, nullable=True),  # for sums and filters; NULL: blank
    Column("text", String(40), nullable=False, default=""),  # exact as read (`12`, `3.75`)
    Index("ix_report_values_key", "key"),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("rule", String(20), nullable=False),
    Column("code", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("field", String(120), nullable=False, default=""),
    Column("position", Text, nullable=False, default=""),
    Column("quote", Text, nullable=False, default=""),  # the passage the finding quotes, if any
    Column("message", Text, nullable=False),
    Column("ruleset", String(40), nullable=False),
    Index("ix_findings_version_id_rule", "version_id", "rule"),
    Index("ix_findings_rule_severity", "rule", "severity"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("finding_id", Integer, ForeignKey("findings.id"), nullable=True),
    Column("reviewer", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    # which finding of the version, by what stays the same when the version is audited again (0003)
    Column("rule", String(20), nullable=False, default=""),
    Column("code", String(40), nullable=False, default=""),
    Column("field", String(120), nullable=False, default=""),
    Column("position", Text, nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Index("ix_reviews_version_id", "version_id"),
)

pending_files = Table(
    "pending_files",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("file_name", String(300), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

# --------------------------------------------------------------------------- the dashboard (issue 22)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # viewer | reviewer | admin
    Column("region", String(300), nullable=False, default=""),  # "" sees every region
    Column("password_hash", String(200), nullable=False),  # argon2id (argon2-cffi)
    Column("created_at", DateTime, nullable=False),
)

summaries = Table(  # one row per report: its latest version as list, show, export and the dashboard read it
    "summaries",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id"), primary_key=True),
    Column("organ_id", Integer, ForeignKey("organs.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("organ", String(200), nullable=False),  # the organ's display name
    Column("organ_name", String(200), nullable=False),  # normalised, the sort key
    Column("region", String(300), nullable=False),
    Column("organ_type", String(20), nullable=False),
    Column("organ_source", String(20), nullable=False),
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=False),
    Column("version", Integer, nullable=False),  # its number: the count of versions of the report
    Column("file_name", String(300), nullable=False),
    Column("source", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("open_errors", Integer, nullable=False),  # less the findings a reviewer dismissed
    Column("open_warnings", Integer, nullable=False),
    Column("score", Integer, nullable=False),  # summaries.score of the open errors and warnings
    Column("score_all", Integer, nullable=False),  # … of them all, dismissed ones included
    Column("published_on", Date, nullable=True),
    Column("on_time", Integer, nullable=True),  # 1 | 0, NULL: no publication date
    Column("ruleset", String(40), nullable=False),
    Column("figures", Text, nullable=False),  # JSON {key: number|null} of the main figures (KEY_FIGURES)
    Column("new", Float, nullable=True),  # the trends' sums: 新收
    Column("done", Float, nullable=True),  # 办结 (办理结果总计)
    Column("review", Float, nullable=True),  # 行政复议
    Column("litigation", Float, nullable=True),  # 行政诉讼 (direct and after review)
    Column("granted", Float, nullable=True),  # 予以公开 + 部分公开
    Column("generation", Integer, nullable=False),  # raised at every refresh: the dashboard's cache stamp
    Index(  # covering every column the views filter and sum: a scan reads this, never the wide rows
        "ix_summaries_views",
        "year",
        "region",
        "organ_type",
        "organ_source",
        "status",
        "open_errors",
        "open_warnings",
        "errors",
        "warnings",
        "score",
        "score_all",
        "on_time",
        "organ_id",
        "report_id",
        "new",
        "done",
        "review",
        "litigation",
        "granted",
    ),
    Index("ix_summaries_region_organ_name", "region", "organ_name"),
    Index("ix_summaries_organ_id", "organ_id"),
    Index("ix_summaries_version_id", "version_id"),
    Index("ix_summaries_generation", "generation"),
)

summary_rules = Table(  # per report (its latest version) and rule: findings, and those not dismissed
    "summary_rules",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id"), primary_key=True),
    Column("rule", String(20), primary_key=True),
    Column("findings", Integer, nullable=False),
    Column("open_findings", Integer, nullable=False),
    Column("year", Integer, nullable=False),  # the report's, so the views filter without a join
    Column("region", String(300), nullable=False),
    Column("organ_type", String(20), nullable=False),
    Index(  # covering: the rules failing most, counted from this alone
        "ix_summary_rules_views",
        "rule",
        "year",
        "region",
        "organ_type",
        "open_findings",
        "findings",
        "report_id",
    ),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie's token
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_sessions_user_id", "user_id"),
)

# --------------------------------------------------------------------------- library collect (issue 21)

collect_runs = Table(
    "collect_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seeds", Text, nullable=False),  # JSON [[organ, column URL], …]: how a stopped run is found again
    Column("status", String(20), nullable=False),  # running | stopped | done
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("requests", Integer, nullable=False, default=0),
    Index("ix_collect_runs_status", "status"),
)

collect_pages = Table(
    "collect_pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", String(2000), nullable=False, unique=True),
    Column("kind", String(10), nullable=False),  # list | page | file
    Column("organ", String(200), nullable=False, default=""),  # as the seed list names it
    Column("column_url", String(2000), nullable=False),
    Column("parent_id", Integer, ForeignKey("collect_pages.id"), nullable=True),  # a file's page
    Column("title", Text, nullable=False, default=""),
    Column("year", Integer, nullable=True),
    Column("listed_on", Date, nullable=True),  # the date beside the link in the column
    Column("published_on", Date, nullable=True),  # the page's 发布时间
    Column("published_on_from", String(60), nullable=False, default=""),  # where it was read
    Column("state", String(10), nullable=False),  # new | ok | failed | gone
    Column("fingerprint", String(64), nullable=False, default=""),  # of the content last stored
    Column("version_id", Integer, ForeignKey("versions.id"), nullable=True),  # the latest stored
    Column("changes", Integer, nullable=False, default=0),  # times its content changed
    Column("seen_run", Integer, nullable=True),  # the last run that found it listed
    Column("done_run", Integer, nullable=True),  # the last run that fetched it
    Column("first_seen_at", DateTime, nullable=False),
    Column("fetched_at", DateTime, nullable=True),
    Column("changed_at", DateTime, nullable=True),
    Column("gone_since", DateTime, nullable=True),
    Column("message", Text, nullable=False, default=""),  # why it failed, or what became of it
    Index("ix_collect_pages_column_url", "column_url"),
    Index("ix_collect_pages_seen_run", "seen_run"),
)
