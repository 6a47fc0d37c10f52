"""Reviews (for the dashboard) and the files queued for workers.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("finding_id", sa.Integer, nullable=True),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_reviews_version_id_versions"),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"], name="fk_reviews_finding_id_findings"),
    )
    op.create_index("ix_reviews_version_id", "reviews", ["version_id"])
    op.create_table(
        "pending_files",
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name="pk_pending_files"),
    )
