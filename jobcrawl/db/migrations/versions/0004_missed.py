"""Completeness: the run status `incomplete`, what a run missed and the file listing it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_STATUSES = "status IN ('running', 'ok', 'failed', 'unhealthy')"
_NEW_STATUSES = "status IN ('running', 'ok', 'failed', 'unhealthy', 'incomplete')"


def _json() -> sa.types.TypeEngine[object]:
    # JSONB on PostgreSQL, JSON text on SQLite; None is stored as SQL NULL.
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # Spelled out, not imported from models.py: a revision must not change
    # when the models change later. On SQLite the batch copies the table with the
    # new constraint; PostgreSQL alters it in place.
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("missed", _json(), nullable=True))
        batch.add_column(sa.Column("missed_file", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("ck_crawl_runs_status"), type_="check")
        batch.create_check_constraint(op.f("ck_crawl_runs_status"), _NEW_STATUSES)


def downgrade() -> None:
    # An incomplete run was a finished one that lost pages: the old schema called it failed.
    op.execute("UPDATE crawl_runs SET status = 'failed' WHERE status = 'incomplete'")
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_constraint(op.f("ck_crawl_runs_status"), type_="check")
        batch.create_check_constraint(op.f("ck_crawl_runs_status"), _OLD_STATUSES)
        batch.drop_column("missed_file")
        batch.drop_column("missed")
