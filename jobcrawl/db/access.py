"""Opening a database that must already exist, for the commands that only read it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import ArgumentError

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import sqlite_path
from jobcrawl.security.secrets import redact_url

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.exc import SQLAlchemyError


class DatabaseUnavailable(Exception):
    """The database cannot be opened; the message says why, with the password masked."""


def existing_engine(url: str) -> Engine:
    """An engine for the database at `url`; a missing SQLite file is an error, never created."""
    if not url:
        raise DatabaseUnavailable("JOBCRAWL_DATABASE_URL is empty")
    shown = redact_url(url)
    try:
        path = sqlite_path(url)
        engine = make_engine(url)
    except ArgumentError:  # its message would quote the URL, password and all
        raise DatabaseUnavailable(f"invalid JOBCRAWL_DATABASE_URL {shown}") from None
    # Connecting to a missing SQLite file would create an empty one.
    if path is not None and not path.exists():
        engine.dispose()
        raise DatabaseUnavailable(f"database file not found: {shown}")
    return engine


def read_failure(url: str, exc: SQLAlchemyError) -> str:
    """'cannot read <url>: <reason>' for a failed read, the password masked.

    The driver's own message (connection refused, auth failed) names the problem
    without the password; SQLAlchemy's wrapper would add the SQL and a link.
    """
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    return f"cannot read {redact_url(url)}: {reason}"
