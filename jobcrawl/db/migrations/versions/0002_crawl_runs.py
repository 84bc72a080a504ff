"""Run history: the crawl_runs table, one row per crawl.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    # JSONB on PostgreSQL, JSON text on SQLite; None is stored as SQL NULL.
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # Spelled out, not imported from models.py: a revision must not change
    # when the models change later.
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("spider", sa.String(length=255), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=True),
        sa.Column("sources", _json(), nullable=True),
        sa.Column("arguments", _json(), nullable=True),
        sa.Column("settings", _json(), nullable=True),
        sa.Column("hostname", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finish_reason", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_updated", sa.Integer(), nullable=False),
        sa.Column("items_unchanged", sa.Integer(), nullable=False),
        sa.Column("items_dropped", sa.Integer(), nullable=False),
        sa.Column("dropped", _json(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("responses", _json(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("peak_memory", sa.BigInteger(), nullable=True),
        sa.Column("failures", _json(), nullable=True),
        sa.Column("monitors", _json(), nullable=True),
        sa.Column("stats", _json(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'ok', 'failed', 'unhealthy')",
            name=op.f("ck_crawl_runs_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index("ix_crawl_runs_started_at", "crawl_runs", ["started_at"], unique=False)
    op.create_index("ix_crawl_runs_spider_source_started_at", "crawl_runs",
                    ["spider", "source", "started_at"], unique=False)
    op.create_index("ix_crawl_runs_source_started_at", "crawl_runs",
                    ["source", "started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crawl_runs_source_started_at", table_name="crawl_runs")
    op.drop_index("ix_crawl_runs_spider_source_started_at", table_name="crawl_runs")
    op.drop_index("ix_crawl_runs_started_at", table_name="crawl_runs")
    op.drop_table("crawl_runs")
