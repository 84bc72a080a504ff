"""Scale: jobs.url is NULL for an ad without a URL (not ""), and jobs (source, last_fetched)
is indexed for the recrawl's known ads.

On SQLite the NOT NULL of jobs.url is dropped by editing the table's definition in
sqlite_schema (the procedure SQLite documents for removing a NOT NULL constraint,
lang_altertable.html section 7), not by Alembic's batch mode: that copies the whole
table (4 min 20 s at a million ads), and with foreign_keys=ON (jobcrawl's engines
set it) dropping the old table cascades into job_listings and deletes every row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The url column as SQLAlchemy wrote it in revision 0001's CREATE TABLE.
_NOT_NULL_URL = re.compile(r'(?<![\w"])url TEXT NOT NULL(?=,)')
_NULLABLE_URL = re.compile(r'(?<![\w"])url TEXT(?=,)')


def upgrade() -> None:
    # Spelled out, not imported from models.py: a revision must not change when the
    # models change later.
    if op.get_bind().dialect.name == "sqlite":
        _edit_jobs_definition(_NOT_NULL_URL, "url TEXT")
    else:
        op.alter_column("jobs", "url", existing_type=sa.Text(), nullable=True)
    # Imported ads have no URL and were stored with "": on PostgreSQL a million equal
    # keys of the hash index ix_jobs_url made one bucket that every write walked.
    # A hash index holds no NULLs, so the UPDATE adds no entry to it and vacuum drops
    # the old ones; rebuilding it instead took 199 s at a million ads (UPDATE: 32 s).
    # SQLite's btree would move every entry: rebuilt, it takes 4 s.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("ix_jobs_url", table_name="jobs")
    op.execute("UPDATE jobs SET url = NULL WHERE url = ''")
    if sqlite:
        op.create_index("ix_jobs_url", "jobs", ["url"], unique=False)
    # The recrawl's known ads: a source's ads fetched since a time, read as a crawl starts.
    op.create_index("ix_jobs_source_last_fetched", "jobs", ["source", "last_fetched"],
                    unique=False)
    if op.get_bind().dialect.name == "postgresql":
        # Every crawl rewrites last_seen (indexed, so never a HOT update) of the ads
        # it sees: vacuum at 5% dead rows, not the default 20%, bounds the bloat.
        op.execute("ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.05)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE jobs RESET (autovacuum_vacuum_scale_factor)")
    op.drop_index("ix_jobs_source_last_fetched", table_name="jobs")
    op.drop_index("ix_jobs_url", table_name="jobs")
    op.execute("UPDATE jobs SET url = '' WHERE url IS NULL")
    op.create_index("ix_jobs_url", "jobs", ["url"], unique=False, postgresql_using="hash")
    if op.get_bind().dialect.name == "sqlite":
        # No row holds NULL any more, so the constraint holds for every stored row.
        _edit_jobs_definition(_NULLABLE_URL, "url TEXT NOT NULL")
    else:
        op.alter_column("jobs", "url", existing_type=sa.Text(), nullable=False)


def _edit_jobs_definition(column: re.Pattern[str], replacement: str) -> None:
    """Rewrite the url column of the CREATE TABLE jobs that SQLite keeps in sqlite_schema.

    Only a constraint changes, not how rows are stored, so no row is rewritten. Inside
    the migration's transaction: a failure leaves the schema as it was.
    """
    bind = op.get_bind()
    definition = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'jobs'")).scalar_one()
    edited, found = column.subn(replacement, definition)
    if found != 1:
        raise RuntimeError(f"jobs.url is not defined as migration 0001 made it: {definition}")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    try:
        bind.execute(sa.text("UPDATE sqlite_master SET sql = :sql "
                             "WHERE type = 'table' AND name = 'jobs'"), {"sql": edited})
        # A new schema version makes every connection read the definition again.
        bind.execute(sa.text(f"PRAGMA schema_version = {int(version + 1)}"))
    finally:
        bind.execute(sa.text("PRAGMA writable_schema = OFF"))
