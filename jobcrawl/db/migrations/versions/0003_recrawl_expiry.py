"""Incremental recrawl and expiry: when an ad was last fetched, whether it is gone, and
the pages that are not an ad's own URL (recrawl_pages).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Spelled out, not imported from models.py: a revision must not change
    # when the models change later.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("last_fetched", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expiry_reason", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("expiry_evidence", sa.Text(), nullable=True))
    # Every stored row was downloaded when it was scraped.
    op.execute("UPDATE jobs SET last_fetched = scraped_at")
    # Hash on PostgreSQL: a btree entry is limited to ~2.7 kB and URLs can be longer.
    op.create_index("ix_jobs_url", "jobs", ["url"], unique=False, postgresql_using="hash")
    op.create_index("ix_jobs_expired_at", "jobs", ["expired_at"], unique=False)
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("items_touched", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "recrawl_pages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("ad_url", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recrawl_pages")),
        sa.UniqueConstraint("source", "url", name=op.f("uq_recrawl_pages_source_url")),
    )
    op.create_index("ix_recrawl_pages_source_fetched_at", "recrawl_pages",
                    ["source", "fetched_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recrawl_pages_source_fetched_at", table_name="recrawl_pages")
    op.drop_table("recrawl_pages")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("items_touched")
    op.drop_index("ix_jobs_expired_at", table_name="jobs")
    op.drop_index("ix_jobs_url", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("expiry_evidence")
        batch.drop_column("expiry_reason")
        batch.drop_column("expired_at")
        batch.drop_column("last_fetched")
