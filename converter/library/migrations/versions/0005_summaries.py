"""Each report's latest version in one row, and its findings per rule: what list, show, export and the
dashboard read (the trends' figures of `dashboard_figures` are columns of it now). Filled by
converter.library.db.upgrade after the migrations (with the code of that version, whatever later
migrations add to these tables).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VIEWS = [
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
]


def upgrade() -> None:
    op.create_table(
        "summaries",
        sa.Column("report_id", sa.Integer, nullable=False),
        sa.Column("organ_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("organ", sa.String(200), nullable=False),
        sa.Column("organ_name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(300), nullable=False),
        sa.Column("organ_type", sa.String(20), nullable=False),
        sa.Column("organ_source", sa.String(20), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("open_errors", sa.Integer, nullable=False),
        sa.Column("open_warnings", sa.Integer, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("score_all", sa.Integer, nullable=False),
        sa.Column("published_on", sa.Date, nullable=True),
        sa.Column("on_time", sa.Integer, nullable=True),
        sa.Column("ruleset", sa.String(40), nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("new", sa.Float, nullable=True),
        sa.Column("done", sa.Float, nullable=True),
        sa.Column("review", sa.Float, nullable=True),
        sa.Column("litigation", sa.Float, nullable=True),
        sa.Column("granted", sa.Float, nullable=True),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("report_id", name="pk_summaries"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_summaries_report_id_reports"),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name="fk_summaries_organ_id_organs"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_summaries_version_id_versions"),
    )
    op.create_index("ix_summaries_views", "summaries", VIEWS)
    op.create_index("ix_summaries_region_organ_name", "summaries", ["region", "organ_name"])
    op.create_index("ix_summaries_organ_id", "summaries", ["organ_id"])
    op.create_index("ix_summaries_version_id", "summaries", ["version_id"])
    op.create_index("ix_summaries_generation", "summaries", ["generation"])
    op.create_table(
        "summary_rules",
        sa.Column("report_id", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("open_findings", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("region", sa.String(300), nullable=False),
        sa.Column("organ_type", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("report_id", "rule", name="pk_summary_rules"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_summary_rules_report_id_reports"),
    )
    op.create_index(
        "ix_summary_rules_views",
        "summary_rules",
        ["rule", "year", "region", "organ_type", "open_findings", "findings", "report_id"],
    )
    op.drop_table("dashboard_figures")
    with op.batch_alter_table("organs") as batch:
        batch.add_column(sa.Column("generation", sa.Integer, nullable=False, server_default="0"))
