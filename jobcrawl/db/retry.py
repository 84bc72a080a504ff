"""Retrying a database write while the database is away, busy or in a write conflict.

Only errors that say the database could not be reached, was busy or that this
transaction lost a conflict with another writer are retried:

- SQLite: "database is locked" or busy (another process holds the write lock
  longer than JOBCRAWL_DATABASE_BUSY_TIMEOUT);
- PostgreSQL: OperationalError and InterfaceError: psycopg's connection errors
  (refused, "terminating connection", server closed) and the two conflicts
  between concurrent writers, DeadlockDetected (40P01: PostgreSQL aborted this
  transaction to break a lock cycle) and SerializationFailure (40001), both
  subclasses of psycopg's OperationalError;
- both: any DBAPIError whose connection was invalidated.

Anything else fails at once (IntegrityError, DataError: a NUL in a text, a
missing table): writing the same rows again would fail the same way.

Every write of a crawl goes through CrawlDatabase.write: store batches, the
recrawl touches and marks with the listings, unlisted expiry and the run record.
Each write function opens its transaction itself, so a retry redoes the whole
transaction (the failed one was rolled back), never continues half of it; and
its counts reach the stats only after it committed.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from pydantic import Field
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from jobcrawl.config.types import Duration, SettingsModel

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger(__name__)

T = TypeVar("T")

# No single wait is longer than this, however many retries are allowed.
MAX_WAIT = 60.0


class RetryPolicy(SettingsModel):
    """How often and how patiently a failed database write is tried again.

    Settings: JOBCRAWL_DATABASE_RETRIES (tries after the first, default 6) and
    JOBCRAWL_DATABASE_RETRY_DELAY (the first wait, doubled each time up to 60 s;
    default 1s: 1+2+4+8+16+32 s, so a database away for about a minute is waited for),
    JOBCRAWL_DATABASE_BUSY_TIMEOUT (how long SQLite waits for another writer's lock
    before an attempt fails, default 30s).
    """

    retries: int = Field(6, ge=0, alias="JOBCRAWL_DATABASE_RETRIES")
    delay: Duration = Field(timedelta(seconds=1), alias="JOBCRAWL_DATABASE_RETRY_DELAY")
    busy_timeout: Duration = Field(timedelta(seconds=30), alias="JOBCRAWL_DATABASE_BUSY_TIMEOUT")

    def wait(self, attempt: int) -> float:
        """Seconds to wait before try number `attempt` + 1 (attempt counts from 1)."""
        return min(self.delay.total_seconds() * 2 ** (attempt - 1), MAX_WAIT)


_SQLITE_BUSY = ("locked", "busy")


def transient(exc: BaseException) -> bool:
    """True for an error that says the database was away or busy, not that the data was bad."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if isinstance(exc.orig, sqlite3.Error):
        # SQLite raises OperationalError for a missing table or a syntax error too.
        return isinstance(exc, OperationalError) and any(
            word in str(exc.orig).lower() for word in _SQLITE_BUSY)
    return isinstance(exc, OperationalError | InterfaceError)


def with_retries(write: Callable[[], T], policy: RetryPolicy, where: str,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """`write()`, tried again after transient errors as `policy` says; the last error raised.

    Blocks while it waits: call it off the reactor thread. `where` names the
    database in the log (its URL with the password masked).
    """
    attempt = 1
    while True:
        try:
            return write()
        except SQLAlchemyError as exc:
            if not transient(exc) or attempt > policy.retries:
                raise
            wait = policy.wait(attempt)
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            logger.warning("database write failed (%s, try %d of %d): %s; trying again in "
                           "%.1f s", where, attempt, policy.retries + 1, reason, wait)
            sleep(wait)
            attempt += 1
