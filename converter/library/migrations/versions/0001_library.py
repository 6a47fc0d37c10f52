"""The library: organs, their aliases, reports, versions, values, findings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("region", sa.String(300), nullable=False),
        sa.Column("organ_type", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("ambiguous", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_organs"),
        sa.UniqueConstraint("name", name="uq_organs_name"),
    )
    op.create_index("ix_organs_region", "organs", ["region"])
    op.create_index("ix_organs_organ_type", "organs", ["organ_type"])
    op.create_table(
        "organ_aliases",
        sa.Column("alias", sa.String(200), nullable=False),
        sa.Column("organ_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("alias", "organ_id", name="pk_organ_aliases"),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name="fk_organ_aliases_organ_id_organs"),
    )
    op.create_index("ix_organ_aliases_organ_id", "organ_aliases", ["organ_id"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("organ_id", sa.Integer, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("latest_version_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.ForeignKeyConstraint(["organ_id"], ["organs.id"], name="fk_reports_organ_id_organs"),
        sa.UniqueConstraint("organ_id", "year", name="uq_reports_organ_id_year"),
    )
    op.create_index("ix_reports_year", "reports", ["year"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("report_id", sa.Integer, nullable=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("file_format", sa.String(20), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=True),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.Column("published_on", sa.Date, nullable=True),
        sa.Column("published_on_from", sa.String(40), nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("org_as_printed", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("ruleset", sa.String(40), nullable=False),
        sa.Column("document", sa.LargeBinary, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], name="fk_versions_report_id_reports"),
        sa.UniqueConstraint("content_hash", name="uq_versions_content_hash"),
        sa.UniqueConstraint("report_id", "number", name="uq_versions_report_id_number"),
    )
    op.create_index("ix_versions_status", "versions", ["status"])
    op.create_table(
        "report_values",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("number", sa.Float, nullable=True),
        sa.Column("text", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "key", name="pk_report_values"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_report_values_version_id_versions"),
    )
    op.create_index("ix_report_values_key", "report_values", ["key"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("field", sa.String(120), nullable=False),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("ruleset", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_findings_version_id_versions"),
    )
    op.create_index("ix_findings_version_id_rule", "findings", ["version_id", "rule"])
    op.create_index("ix_findings_rule_severity", "findings", ["rule", "severity"])
