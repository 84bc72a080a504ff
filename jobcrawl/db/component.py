"""CrawlDatabase: the crawl's one database component, shared by every part of the crawl."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self, TypeVar

from scrapy import signals
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.config.components import shared_component
from jobcrawl.db.config import DatabaseConfig
from jobcrawl.db.engine import immediate_sqlite_writes, make_engine, writing
from jobcrawl.db.migrate import ensure_schema
from jobcrawl.db.retry import RetryPolicy, with_retries

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

T = TypeVar("T")

class CrawlDatabase:
    """One engine per crawl, checked at start-up and disposed when the engine stops.

    At start-up the database must be at the newest Alembic revision: a SQLite
    file is created or upgraded automatically, any other database must be
    upgraded with `scrapy db upgrade`; a database that cannot be used stops the
    crawl before it fetches anything, with the URL's password masked.

    The store pipeline, the recrawl middleware and marks, unlisted expiry, the
    health monitors and the run record all get it with `CrawlDatabase.of(crawler)`.
    It is first in EXTENSIONS, so it exists before any of them is built.
    `write()` retries a write while the database is locked or away, and after a
    deadlock or a serialization failure (db.retry): every write of a crawl goes
    through it (store batches, recrawl touches and marks, listings, unlisted
    expiry, the run record), so several crawls can write one database at once.

    Settings: JOBCRAWL_DATABASE_URL, JOBCRAWL_DATABASE_RETRIES,
    JOBCRAWL_DATABASE_RETRY_DELAY, JOBCRAWL_DATABASE_BUSY_TIMEOUT.
    """

    def __init__(self, config: DatabaseConfig, engine: Engine,
                 retry: RetryPolicy | None = None) -> None:
        self.config = config
        self.engine = engine
        self.retry = retry or RetryPolicy()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        database = cls.open(DatabaseConfig.from_settings(crawler.settings),
                            RetryPolicy.from_settings(crawler.settings))
        crawler.signals.connect(database.engine_stopped, signal=signals.engine_stopped)
        return database

    @classmethod
    def open(cls, config: DatabaseConfig, retry: RetryPolicy) -> Self:
        """The database of `config`, checked (and a SQLite file upgraded) as for a crawl."""
        try:
            ensure_schema(config.url, auto_upgrade=config.is_sqlite)
            engine = make_engine(config.url, **_connect_args(config, retry))
            immediate_sqlite_writes(engine)
        except SQLAlchemyError as exc:
            raise RuntimeError(f"{config.where}: cannot use the database: {exc}") from exc
        except RuntimeError as exc:
            raise RuntimeError(f"{config.where}: {exc}") from exc
        return cls(config, engine, retry)

    @classmethod
    def of(cls, crawler: Crawler) -> Self:
        """The crawl's CrawlDatabase; RuntimeError if it is not enabled."""
        needed_by = "jobcrawl's store, recrawl, expiry, monitors and run record"
        return shared_component(crawler, cls, needed_by)

    @classmethod
    def optional(cls, crawler: Crawler) -> Self | None:
        """The crawl's CrawlDatabase, or None when the crawl runs without one."""
        return crawler.get_extension(cls)

    @property
    def redacted_url(self) -> str:
        return self.config.redacted_url

    def write(self, work: Callable[[], T]) -> T:
        """`work()`, tried again while the database is locked, busy or away (blocks: off the
        reactor).

        `work` opens its own transaction (`with engine.begin()`), so a retry redoes the
        whole transaction from the start; it returns what it counted, and the caller
        adds that to the stats only once `write` returned, so a retried attempt is
        never counted twice. On SQLite its transactions begin IMMEDIATE (db.engine).
        """
        def attempt() -> T:
            with writing():
                return work()

        return with_retries(attempt, self.retry, self.redacted_url)

    def engine_stopped(self) -> None:
        self.engine.dispose()


def _connect_args(config: DatabaseConfig, retry: RetryPolicy) -> dict[str, object]:
    if config.is_sqlite:  # how long one attempt waits for another writer's lock
        return {"connect_args": {"timeout": retry.busy_timeout.total_seconds()}}
    return {}
