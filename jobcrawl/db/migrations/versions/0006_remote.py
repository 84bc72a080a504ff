"""Remote work: the jobs.remote column (True, False or NULL when the posting does not say).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Spelled out, not imported from models.py: a revision must not change when the
    # models change later. A nullable column with no default: existing ads read NULL
    # ("not said"), which is what the old schema knew of them.
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("remote", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("remote")
