"""Store pipeline: upserts JobItems into the crawl's database in batches, off the reactor thread.

It only stores: what the recrawl learnt (touches, gone and closed marks) is
written by recrawl.marks once the last batch is in.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from pydantic import Field
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.defer import DeferredLock

from jobcrawl.config.types import PositiveInt, SettingsModel
from jobcrawl.db.component import CrawlDatabase
from jobcrawl.db.upsert import UpsertResult, prepared_row, upsert_rows
from jobcrawl.pipelines.deadletter import DeadLetter
from jobcrawl.recrawl.marks import RecrawlState, recrawl_state
from jobcrawl.runs.failures import mark_failed
from jobcrawl.runs.misslog import ITEM_KIND, MissLog
from jobcrawl.runs.state import run_id

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STATS_PREFIX = "jobcrawl/store/"
EXPIRY_PREFIX = "jobcrawl/expiry/"
_COUNTERS = ("new", "updated", "unchanged", "touched", "batches", "failed_batches",
             "failed_items", "deadletter_items")
_EXPIRY_COUNTERS = ("gone", "closed", "reactivated")


class StoreConfig(SettingsModel):
    """The store pipeline's settings: JOBCRAWL_STORE_BATCH_SIZE (items per transaction),
    JOBCRAWL_DEADLETTER_DIR (where rows that could not be stored are kept)."""

    batch_size: PositiveInt = Field(500, alias="JOBCRAWL_STORE_BATCH_SIZE")
    deadletter_dir: str = Field("deadletter", min_length=1, alias="JOBCRAWL_DEADLETTER_DIR")


class StorePipeline:
    """Upserts JobItems into JOBCRAWL_DATABASE_URL, one transaction per batch.

    At start-up the database must be at the newest Alembic revision: a SQLite
    database is created or upgraded automatically, any other database must be
    upgraded with `scrapy db upgrade`. Batches are written in a worker thread,
    one at a time and in order, so downloading goes on during a write; the
    rest is written when the spider closes. A batch is tried again while the
    database is locked or away (CrawlDatabase.write: JOBCRAWL_DATABASE_RETRIES
    with backoff); a batch that still fails is logged, counted, written to the
    dead-letter file `JOBCRAWL_DEADLETTER_DIR/<run id>.jsonl` (named in the log;
    `scrapy import FILE` stores it later) and marks the crawl failed (`scrapy
    crawl` exits 1), and the crawl goes on.

    Every stored row is fetched: last_fetched moves and an expired ad is
    reactivated, unless the spider reported that its page says the job is
    closed (then it is stored expired `closed`).

    Settings: JOBCRAWL_STORE_BATCH_SIZE (items per transaction),
    JOBCRAWL_DEADLETTER_DIR (default `deadletter`); the database is the crawl's
    CrawlDatabase (JOBCRAWL_DATABASE_URL and its retry settings).
    Stats: jobcrawl/store/run_id (this crawl's id, stored as jobs.last_run),
    jobcrawl/store/new, .../updated, .../unchanged (sightings by effect),
    .../touched (known ads whose last_seen moved without a fetch; written by
    recrawl.marks), .../batches (written), .../failed_batches, .../failed_items (items not
    stored, in failed batches or unconvertible), .../deadletter_items (of those, kept in
    the dead-letter file), .../deadletter_file (its path), jobcrawl/failed/store,
    jobcrawl/missed/item (the same items, listed in the missed file by MissLog);
    jobcrawl/expiry/gone, .../closed (ads newly expired for that reason),
    .../reactivated (expired ads fetched or listed again), all three also
    counted by recrawl.marks.
    """

    def __init__(self, crawler: Crawler, config: StoreConfig, database: CrawlDatabase) -> None:
        self.crawler = crawler
        self.config = config
        self.database = database
        self.engine = database.engine
        # The crawl's one run id, shared with the run record (crawl_runs.id).
        self.run_id = run_id(crawler)
        self.recrawl: RecrawlState = recrawl_state(crawler)
        self._buffer: list[dict[str, Any]] = []
        # FIFO: batches reach the database one at a time, in the order they filled.
        self._write_lock = DeferredLock()
        self.deadletter = DeadLetter(config.deadletter_dir, self.run_id)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = StoreConfig.from_settings(crawler.settings)
        return cls(crawler, config, CrawlDatabase.of(crawler))

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
        await self._flush()

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
        self.recrawl.add_stored(result.ids)
        self.stats.inc_value(f"{STATS_PREFIX}batches")
        for name in ("new", "updated", "unchanged"):
            self.stats.inc_value(f"{STATS_PREFIX}{name}", getattr(result, name))
        for name in ("reactivated", "closed"):
            self.stats.inc_value(f"{EXPIRY_PREFIX}{name}", getattr(result, name))

    def _upsert(self, batch: list[dict[str, Any]]) -> UpsertResult:
        def attempt() -> UpsertResult:
            with self.engine.begin() as connection:
                return upsert_rows(connection, batch, run_id=self.run_id)

        return self.database.write(attempt)

    def _batch_failed(self, batch: list[dict[str, Any]], exc: SQLAlchemyError) -> None:
        logger.error(
            "Could not store a batch of %d items in %s: %s",
            len(batch), self.database.redacted_url, exc,
        )
        self.stats.inc_value(f"{STATS_PREFIX}failed_batches")
        self.stats.inc_value(f"{STATS_PREFIX}failed_items", len(batch))
        mark_failed(self.stats, "store", f"a batch write failed: {type(exc).__name__}")
        # Missed as well (kind item, listed in the missed file); the crawl stays failed.
        MissLog.of(self.crawler).record_items(batch, f"not stored: {type(exc).__name__}")
        try:
            kept = self.deadletter.add(batch)
        except OSError as error:
            logger.error("Could not keep the batch in %s either: %s: its %d items are lost",
                         self.deadletter.path, error, len(batch))
            return
        self.stats.inc_value(f"{STATS_PREFIX}deadletter_items", kept)
        self.stats.set_value(f"{STATS_PREFIX}deadletter_file", str(self.deadletter.path))

    def _item_failed(self, item: Any, exc: Exception) -> None:
        url = ItemAdapter(item).get("url") if ItemAdapter.is_item(item) else None
        logger.error("Could not store the item from %s: %s", url, exc)
        self.stats.inc_value(f"{STATS_PREFIX}failed_items")
        mark_failed(self.stats, "store", f"an item could not be stored: {type(exc).__name__}")
        MissLog.of(self.crawler).record(ITEM_KIND, str(url or ""),
                                        f"not stored: {type(exc).__name__}: {exc}")
