"""Store pipeline: upserts JobItems into the database in batches, off the reactor thread.

When the spider closes it also writes what the recrawl learnt (jobcrawl.recrawl.state):
touches of known ads that were listed but not refetched, and expiry marks.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from twisted.internet.defer import DeferredLock

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import ensure_schema
from jobcrawl.db.upsert import UpsertResult, prepared_row, upsert_rows
from jobcrawl.recrawl.queries import expire_by_url, remember_pages, touch_ads
from jobcrawl.recrawl.state import RecrawlState, recrawl_state
from jobcrawl.runs.failures import mark_failed
from jobcrawl.runs.state import run_id
from jobcrawl.security.secrets import redact_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from sqlalchemy import Engine

logger = logging.getLogger(__name__)

STATS_PREFIX = "jobcrawl/store/"
EXPIRY_PREFIX = "jobcrawl/expiry/"
_COUNTERS = ("new", "updated", "unchanged", "touched", "batches", "failed_batches",
             "failed_items")
_EXPIRY_COUNTERS = ("gone", "closed", "reactivated")


@dataclass(frozen=True)
class StoreConfig:
    """The store pipeline's settings, validated once."""

    # Kept out of repr: the URL may hold a password.
    database_url: str = field(repr=False)
    batch_size: int = 500

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """Read and check the settings; ValueError names the bad one."""
        url = settings.get("JOBCRAWL_DATABASE_URL")
        if not url:
            raise ValueError("JOBCRAWL_DATABASE_URL is empty: give a sqlite:/// or "
                             "postgresql+psycopg:// URL")
        try:
            make_url(url)
        except ArgumentError:
            raise ValueError(
                f"JOBCRAWL_DATABASE_URL is not a database URL: {redact_url(url)}"
            ) from None
        raw = settings.get("JOBCRAWL_STORE_BATCH_SIZE", 500)
        return cls(database_url=url, batch_size=_positive_int("JOBCRAWL_STORE_BATCH_SIZE", raw))

    @property
    def redacted_url(self) -> str:
        return redact_url(self.database_url)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"


def _positive_int(name: str, raw: Any) -> int:
    # bool is an int, and int(2.5) would silently truncate: accept ints and digit strings.
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {raw!r}")
    return int(text)


class StorePipeline:
    """Upserts JobItems into JOBCRAWL_DATABASE_URL, one transaction per batch.

    At start-up the database must be at the newest Alembic revision: a SQLite
    database is created or upgraded automatically, any other database must be
    upgraded with `scrapy db upgrade`. Batches are written in a worker thread,
    one at a time and in order, so downloading goes on during a write; the
    rest is written when the spider closes. A failed batch is logged, counted
    and marks the crawl failed (`scrapy crawl` exits 1), and the crawl goes on.

    Every stored row is fetched: last_fetched moves and an expired ad is
    reactivated, unless the spider reported that its page says the job is
    closed (then it is stored expired `closed`). At close, after the last batch:
    known ads the recrawl did not refetch are touched (last_seen, seen_count,
    last_run; an ad expired as `unlisted` is reactivated), once per run, ads
    whose page answered 404/410 expire as `gone`, and the ad pages that are not
    an ad's own URL are remembered (recrawl_pages) for the next recrawl.

    Settings: JOBCRAWL_DATABASE_URL, JOBCRAWL_STORE_BATCH_SIZE (items per transaction).
    Stats: jobcrawl/store/run_id (this crawl's id, stored as jobs.last_run),
    jobcrawl/store/new, .../updated, .../unchanged (sightings by effect),
    .../touched (known ads whose last_seen moved without a fetch),
    .../batches (written), .../failed_batches, .../failed_items (items not
    stored, in failed batches or unconvertible), jobcrawl/failed/store;
    jobcrawl/expiry/gone, .../closed (ads newly expired for that reason),
    .../reactivated (expired ads fetched or listed again).
    """

    def __init__(self, crawler: Crawler, config: StoreConfig, engine: Engine) -> None:
        self.crawler = crawler
        self.config = config
        self.engine = engine
        # The crawl's one run id, shared with the run record (crawl_runs.id).
        self.run_id = run_id(crawler)
        self.recrawl: RecrawlState = recrawl_state(crawler)
        self._buffer: list[dict[str, Any]] = []
        # FIFO: batches reach the database one at a time, in the order they filled.
        self._write_lock = DeferredLock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = StoreConfig.from_settings(crawler.settings)
        where = f"JOBCRAWL_DATABASE_URL={config.redacted_url}"
        try:
            ensure_schema(config.database_url, auto_upgrade=config.is_sqlite)
            engine = make_engine(config.database_url)
        except SQLAlchemyError as exc:
            raise RuntimeError(f"{where}: cannot use the database: {exc}") from exc
        except RuntimeError as exc:
            raise RuntimeError(f"{where}: {exc}") from exc
        return cls(crawler, config, engine)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def open_spider(self) -> None:
        self.stats.set_value(f"{STATS_PREFIX}run_id", self.run_id)
        for name in _COUNTERS:
            self.stats.set_value(f"{STATS_PREFIX}{name}", 0)
        for name in _EXPIRY_COUNTERS:
            self.stats.set_value(f"{EXPIRY_PREFIX}{name}", 0)

    async def process_item(self, item: Any) -> Any:
        try:
            # Converted and hashed here, so a value that cannot be stored fails alone,
            # not with its batch, and the writer thread only writes.
            row = prepared_row(item)
        except (TypeError, ValueError) as exc:
            self._item_failed(item, exc)
            return item
        notice = self.recrawl.closed.pop((row["source"], row["url"]), None)
        if notice is not None:
            row.update(expired_at=row["scraped_at"], expiry_reason="closed",
                       expiry_evidence=notice)
        self._buffer.append(row)
        if len(self._buffer) >= self.config.batch_size:
            await self._flush()
        return item

    async def close_spider(self) -> None:
        try:
            await self._flush()
            await self._write_recrawl()
        finally:
            self.engine.dispose()

    async def _write_recrawl(self) -> None:
        """Touches and expiry marks, after every item: an ad stored this run is not touched."""
        try:
            counts, touched = await run_in_thread(self._apply_recrawl, datetime.now(UTC))
        except SQLAlchemyError as exc:
            logger.error("Could not write the recrawl touches and expiry marks in %s: %s",
                         self.config.redacted_url, exc)
            mark_failed(self.stats, "store",
                        f"recrawl touches could not be written: {type(exc).__name__}")
            return
        self.recrawl.touched_sources.update(touched)
        self.stats.inc_value(f"{STATS_PREFIX}touched", sum(touched.values()))
        for name in _EXPIRY_COUNTERS:
            self.stats.inc_value(f"{EXPIRY_PREFIX}{name}", counts[name])

    def _apply_recrawl(self, now: datetime) -> tuple[Counter[str], Counter[str]]:
        """(expiry counts, ads touched per source), in one transaction."""
        state = self.recrawl
        counts: Counter[str] = Counter()
        touched: Counter[str] = Counter()
        with self.engine.begin() as connection:
            for source, ids in state.touches().items():
                result = touch_ads(connection, ids, run_id=self.run_id, now=now)
                touched[source] += result.touched
                counts["reactivated"] += result.reactivated
            counts["gone"] = expire_by_url(connection, state.gone, reason="gone", now=now)
            # Closed pages whose ad was not stored from them (no posting, or a duplicate).
            counts["closed"] = expire_by_url(connection, state.closed, reason="closed", now=now)
            remember_pages(connection, state.pages, now=now)
        return counts, touched

    async def _flush(self) -> None:
        """Write what is buffered once earlier batches are written (also waits for them)."""
        batch, self._buffer = self._buffer, []
        await maybe_deferred_to_future(self._write_lock.acquire())
        try:
            if batch:
                await self._write(batch)
        finally:
            self._write_lock.release()

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        try:
            result = await run_in_thread(self._upsert, batch)
        except SQLAlchemyError as exc:
            self._batch_failed(batch, exc)
            return
        self.stats.inc_value(f"{STATS_PREFIX}batches")
        for name in ("new", "updated", "unchanged"):
            self.stats.inc_value(f"{STATS_PREFIX}{name}", getattr(result, name))
        for name in ("reactivated", "closed"):
            self.stats.inc_value(f"{EXPIRY_PREFIX}{name}", getattr(result, name))

    def _upsert(self, batch: list[dict[str, Any]]) -> UpsertResult:
        with self.engine.begin() as connection:
            return upsert_rows(connection, batch, run_id=self.run_id)

    def _batch_failed(self, batch: list[dict[str, Any]], exc: SQLAlchemyError) -> None:
        logger.error(
            "Could not store a batch of %d items in %s: %s",
            len(batch), self.config.redacted_url, exc,
        )
        self.stats.inc_value(f"{STATS_PREFIX}failed_batches")
        self.stats.inc_value(f"{STATS_PREFIX}failed_items", len(batch))
        mark_failed(self.stats, "store", f"a batch write failed: {type(exc).__name__}")

    def _item_failed(self, item: Any, exc: Exception) -> None:
        url = ItemAdapter(item).get("url") if ItemAdapter.is_item(item) else None
        logger.error("Could not store the item from %s: %s", url, exc)
        self.stats.inc_value(f"{STATS_PREFIX}failed_items")
        mark_failed(self.stats, "store", f"an item could not be stored: {type(exc).__name__}")
