"""Row locks in one order for every writer of the jobs table, so concurrent crawls never deadlock.

Two transactions that lock the same rows in different orders can each wait for
the other: PostgreSQL then aborts one of them (DeadlockDetected). Every writer
of jobs therefore locks the rows it changes in key order, (source, webindex)
compared byte by byte (Python's str order = PostgreSQL's "C" collation):

- a store batch (db.upsert) writes its rows sorted by key: INSERT ... ON CONFLICT
  locks them in the order of its VALUES;
- a set-based UPDATE (touches, expiry) locks in the order its plan scans the
  table, which is not the key order: on PostgreSQL lock_jobs() first locks the
  rows it selects with SELECT ... ORDER BY source, webindex FOR NO KEY UPDATE
  (the lock an UPDATE takes, so inserts of job_listings rows, which only take
  KEY SHARE on their ad, are not held up).

On SQLite there are no row locks: a write transaction holds the whole file
(BEGIN IMMEDIATE, db.engine), so writers queue and cannot deadlock.
What ordering does not cover (rows locked by different statements of one
transaction, e.g. the touches and then the gone marks of a crawl's close) can
still meet in a cycle; PostgreSQL breaks it, and CrawlDatabase.write retries
the aborted transaction as a whole (db.retry).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from jobcrawl.db.models import Job

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Connection


def lock_jobs(connection: Connection, *where: ColumnElement[bool]) -> None:
    """On PostgreSQL, lock the jobs rows `where` selects, in key order; elsewhere nothing."""
    if connection.dialect.name != "postgresql":
        return
    query = (select(Job.id).where(*where)
             .order_by(Job.source.collate("C"), Job.webindex.collate("C"))
             .with_for_update(key_share=True))
    connection.execute(query).close()
