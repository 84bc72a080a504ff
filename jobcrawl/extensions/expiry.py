"""Expiry of unlisted ads: after a complete crawl, ads it no longer lists are marked expired."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.db.engine import make_engine, redact_url
from jobcrawl.db.recrawl import expire_unlisted
from jobcrawl.failures import failures, mark_failed
from jobcrawl.pipelines.store import StoreConfig
from jobcrawl.recrawl import RecrawlConfig, recrawl_state
from jobcrawl.runs import is_crawl, run_state, track_stored_items

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STATS_KEY = "jobcrawl/expiry/unlisted"


def covered_sources(crawler: Crawler) -> list[str]:
    """Sources of which this run stored or touched at least one ad."""
    stored = run_state(crawler).sources
    touched = recrawl_state(crawler).touched_sources
    return sorted(source for source in {*stored, *touched}
                  if stored.get(source, 0) + touched.get(source, 0) > 0)


def expiry_blocker(spider: Spider, reason: str, stats: dict[str, Any]) -> str | None:
    """Why this crawl may not expire ads by their absence, or None when it may."""
    if reason != "finished":
        return f"the crawl ended with {reason!r}"
    marks = failures(stats)
    if marks:
        return f"the crawl failed ({', '.join(sorted(marks))})"
    complete = getattr(spider, "listing_complete", None)
    if complete is None or not complete():
        return "the spider did not read its whole listing"
    return None


class UnlistedExpiry:
    """Marks ads expired `unlisted` when a complete crawl of their source no longer lists them.

    Runs when the spider closes, after the store pipeline has written the items
    and the touches (every ad this run saw has jobs.last_run = the run id), and
    before the monitors and the run record (EXTENSIONS order). Only when the
    finish reason is `finished`, no component marked the crawl failed, and
    the spider's `listing_complete()` says it read its whole listing (a spider
    without it never expires by absence). Only the sources of which the run
    stored or touched at least one ad are considered: a run that saw nothing of
    a source never expires it whole. Evidence: "not listed by complete crawl
    <run id> of <source>". A database error is logged and marks the crawl failed.

    Settings: JOBCRAWL_EXPIRE_UNLISTED (default True), JOBCRAWL_DATABASE_URL.
    Stats: jobcrawl/expiry/unlisted (ads newly expired), jobcrawl/failed/expiry.
    """

    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not RecrawlConfig.from_settings(crawler.settings).expire_unlisted:
            raise NotConfigured("JOBCRAWL_EXPIRE_UNLISTED is False")
        extension = cls(crawler, StoreConfig.from_settings(crawler.settings).database_url)
        track_stored_items(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        # A plain function, not a coroutine: Scrapy runs spider_closed receivers side by
        # side, and the monitors and the run record must see the final count.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        if is_crawl(spider):
            self.crawler.stats.set_value(STATS_KEY, 0)  # type: ignore[union-attr]

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        if not is_crawl(spider):
            return
        blocker = expiry_blocker(spider, reason, stats.get_stats())
        if blocker is not None:
            logger.info("unlisted ads not expired: %s", blocker)
            return
        run = run_state(self.crawler).run_id
        now = datetime.now(UTC)
        engine = make_engine(self.database_url)
        try:
            with engine.begin() as connection:
                for source in covered_sources(self.crawler):
                    evidence = f"not listed by complete crawl {run} of {source}"
                    expired = expire_unlisted(connection, source, run_id=run, now=now,
                                              evidence=evidence)
                    stats.inc_value(STATS_KEY, expired)
                    logger.info("%d ads of %s expired: no longer listed", expired, source)
        except SQLAlchemyError as exc:
            stats.set_value(STATS_KEY, 0)  # rolled back
            logger.error("Could not expire unlisted ads in %s: %s",
                         redact_url(self.database_url), exc)
            mark_failed(stats, "expiry", f"unlisted ads not expired: {type(exc).__name__}")
        finally:
            engine.dispose()
