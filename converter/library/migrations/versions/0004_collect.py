"""The crawl state of `xxgk library collect`: runs, and every list page, report page and attached file.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collect_runs",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("seeds", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_collect_runs"),
    )
    op.create_index("ix_collect_runs_status", "collect_runs", ["status"])
    op.create_table(
        "collect_pages",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("organ", sa.String(200), nullable=False),
        sa.Column("column_url", sa.String(2000), nullable=False),
        sa.Column("parent_id", sa.Integer, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("listed_on", sa.Date, nullable=True),
        sa.Column("published_on", sa.Date, nullable=True),
        sa.Column("published_on_from", sa.String(60), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("changes", sa.Integer, nullable=False),
        sa.Column("seen_run", sa.Integer, nullable=True),
        sa.Column("done_run", sa.Integer, nullable=True),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=True),
        sa.Column("changed_at", sa.DateTime, nullable=True),
        sa.Column("gone_since", sa.DateTime, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_collect_pages"),
        sa.UniqueConstraint("url", name="uq_collect_pages_url"),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["collect_pages.id"], name="fk_collect_pages_parent_id_collect_pages"
        ),
        sa.ForeignKeyConstraint(["version_id"], ["versions.id"], name="fk_collect_pages_version_id_versions"),
    )
    op.create_index("ix_collect_pages_column_url", "collect_pages", ["column_url"])
    op.create_index("ix_collect_pages_seen_run", "collect_pages", ["seen_run"])
