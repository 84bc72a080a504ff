"""Engine creation: one place that knows how to connect (URL redaction: security.secrets)."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection

# True inside writing(): the transactions begun there are write transactions.
_WRITING: ContextVar[bool] = ContextVar("jobcrawl_db_writing", default=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL.

    SQLite gets WAL journaling (readers do not block the writer) and a busy
    timeout, so an export can run while a crawl writes.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def immediate_sqlite_writes(engine: Engine) -> None:
    """On a SQLite engine, begin every transaction opened inside writing() as BEGIN IMMEDIATE.

    Several processes write one SQLite file at once (crawls, crawlall's parallel
    sources). A deferred transaction that reads first (the upsert looks up the
    stored ads) and then writes must upgrade its read lock; if another process
    committed in between, SQLite answers "database is locked" at once, without
    waiting out the busy timeout. BEGIN IMMEDIATE takes the write lock at the
    start, waiting up to the busy timeout for it, so writers queue instead of
    failing, and what a write transaction reads stays true until it commits.
    Other transactions begin as plain (deferred) BEGIN: reads take no write lock.

    This is SQLAlchemy's recipe for the sqlite3 driver (docs: "Enabling Non-Legacy
    SQLite Transactional Modes"): the driver's own implicit BEGIN (before DML only)
    is switched off and SQLAlchemy's begin event emits BEGIN. A PostgreSQL engine
    is left alone.
    """
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _leave_begin_to_sqlalchemy)
    event.listen(engine, "begin", _begin)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside are write transactions (see immediate_sqlite_writes)."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


def _leave_begin_to_sqlalchemy(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")
