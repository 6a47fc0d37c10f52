"""The dashboard: accounts, their sessions, the trends' figures of each version, and reviews that
name their finding by rule, place and message.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("region", sa.String(300), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_sessions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_sessions_user_id_users"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "dashboard_figures",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("new", sa.Float, nullable=True),
        sa.Column("done", sa.Float, nullable=True),
        sa.Column("review", sa.Float, nullable=True),
        sa.Column("litigation", sa.Float, nullable=True),
        sa.Column("granted", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("version_id", name="pk_dashboard_figures"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name="fk_dashboard_figures_version_id_versions"
        ),
    )
    op.create_index("ix_reports_latest_version_id", "reports", ["latest_version_id"])
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("rule", sa.String(20), nullable=False, server_default=""))
        batch.add_column(sa.Column("code", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("field", sa.String(120), nullable=False, server_default=""))
        batch.add_column(sa.Column("position", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("message", sa.Text, nullable=False, server_default=""))
