"""Listings: what each crawl covers, and the listings each ad was seen through, so that
a complete crawl expires only the ads its own listing no longer lists.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Spelled out, not imported from models.py: a revision must not change when the
    # models change later. Ads stored before it have no job_listings rows: the expiry
    # treats them as listed by every listing of their source (docs/recrawl-and-expiry.md).
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_complete_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_complete_run", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("source", "key", name=op.f("uq_listings_source_key")),
    )
    op.create_table(
        "job_listings",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("last_listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_listed_run", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_job_listings_job_id_jobs")),
        sa.ForeignKeyConstraint(["listing_id"], ["listings.id"], ondelete="CASCADE",
                                name=op.f("fk_job_listings_listing_id_listings")),
        sa.PrimaryKeyConstraint("job_id", "listing_id", name=op.f("pk_job_listings")),
    )
    op.create_index("ix_job_listings_listing_id", "job_listings", ["listing_id"],
                    unique=False)
    op.create_index("ix_jobs_source_last_run", "jobs", ["source", "last_run"], unique=False)
    op.create_index("ix_jobs_source_expired_at_last_seen", "jobs",
                    ["source", "expired_at", "last_seen"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_jobs_source_expired_at_last_seen", table_name="jobs")
    op.drop_index("ix_jobs_source_last_run", table_name="jobs")
    op.drop_index("ix_job_listings_listing_id", table_name="job_listings")
    op.drop_table("job_listings")
    op.drop_table("listings")
