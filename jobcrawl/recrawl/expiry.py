"""Expiry of unlisted ads: after a complete crawl of a listing, the ads no listing lists any
more are marked expired (the rule is in jobcrawl.recrawl.listings)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.db.component import CrawlDatabase
from jobcrawl.drops import DuplicateInCrawl
from jobcrawl.recrawl.listings import crawl_listing, expire_unlisted, listing_id
from jobcrawl.recrawl.marks import recrawl_state
from jobcrawl.recrawl.state import RecrawlConfig
from jobcrawl.runs.closing import closing_steps
from jobcrawl.runs.failures import failures, mark_failed, missed_counts
from jobcrawl.runs.state import is_crawl, run_state

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

STATS_KEY = "jobcrawl/expiry/unlisted"
# More dropped ads than this in one source: too many to spare one by one (bound
# parameters), and a sign of a broken page layout: nothing of it is expired.
MAX_SPARED = 400


@dataclass
class Spared:
    """Ads of one source that the run listed but did not store (their item was dropped)."""

    webindexes: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.webindexes) + len(self.urls)


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
    missed = missed_counts(stats)
    if missed:
        # A lost page of any kind (an ad page too) may hide ads that are still listed.
        return "the crawl is incomplete (missed " + ", ".join(
            f"{count} {kind}" for kind, count in missed.items()) + ")"
    complete = getattr(spider, "listing_complete", None)
    if complete is None or not complete():
        return "the spider did not read its whole listing"
    return None


def continues_a_job(settings: Any) -> bool:
    """True when JOBDIR holds an earlier, paused run of this job (Scrapy resumes it).

    The resumed run never refetches what the earlier one fetched (the JOBDIR
    dupefilter remembers it), so ads listed only on those pages look unlisted to it.
    """
    folder = settings.get("JOBDIR")
    seen = Path(folder, "requests.seen") if folder else None
    return seen is not None and seen.is_file() and seen.stat().st_size > 0


class UnlistedExpiry:
    """Marks ads expired `unlisted` when no complete crawl of their listings lists them any more.

    Runs when the spider closes, after the store pipeline has written the items
    and the touches (every ad this run saw has jobs.last_run = the run id), and
    before the monitors and the run record: a closing step, run in a worker
    thread in EXTENSIONS order (jobcrawl.runs.closing). Only when the
    finish reason is `finished`, no component marked the crawl failed, nothing
    was missed (jobcrawl/missed/<kind>: a request of any kind or an item), and
    the spider's `listing_complete()` says it read its whole listing (a spider
    without it never expires by absence). Only the sources of which the run
    stored or touched at least one ad are considered: a run that saw nothing of
    a source never expires it whole. Of those, only ads that the crawl's listing
    (the spider's `listing`: its feed or start URLs, its board) listed before, and
    that every other listing which listed them has since been crawled completely
    without, expire (jobcrawl.recrawl.listings). Ads whose item this run dropped (other than
    as a duplicate: e.g. it failed validation) were listed, so they are spared;
    a source with more than MAX_SPARED such ads, or any dropped item without a
    source and identity, expires nothing. Evidence: "not listed by complete crawl
    <run id> of <source> (<listing>)". A crawl that resumes a paused one (`-s JOBDIR=...` whose
    folder already records fetched requests) expires nothing by absence: the pages the
    paused part read are not read again. The transaction is tried again while the
    database is locked or away (CrawlDatabase.write); an error that remains is
    logged and marks the crawl failed.

    Settings: JOBCRAWL_EXPIRE_UNLISTED (default True), JOBCRAWL_DATABASE_URL and its
    retry settings (JOBCRAWL_DATABASE_RETRIES, ..._RETRY_DELAY, ..._BUSY_TIMEOUT).
    Stats: jobcrawl/expiry/unlisted (ads newly expired), jobcrawl/failed/expiry.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.spared: defaultdict[str, Spared] = defaultdict(Spared)
        # Dropped items without a source: nobody can tell whose ad they were.
        self.unattributed_drops = 0
        # Read before the crawl opens: the dupefilter writes to the same file.
        self.resumed = continues_a_job(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not RecrawlConfig.from_settings(crawler.settings).expire_unlisted:
            raise NotConfigured("JOBCRAWL_EXPIRE_UNLISTED is False")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        # A closing step (jobcrawl.runs.closing): after the touches, before the monitors
        # and the run record, which must see the final count.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.item_dropped, signal=signals.item_dropped)
        return extension

    @property
    def database(self) -> CrawlDatabase:
        return CrawlDatabase.of(self.crawler)

    def item_dropped(self, item: Any, exception: BaseException, **_: Any) -> None:
        """A listed ad that was fetched but not stored is not unlisted: spare it."""
        if isinstance(exception, DuplicateInCrawl) or not ItemAdapter.is_item(item):
            return  # a duplicate's first sighting was stored
        adapter = ItemAdapter(item)
        source = adapter.get("source")
        if not source:
            self.unattributed_drops += 1
            return
        webindex, url = adapter.get("webindex"), adapter.get("url")
        if webindex:
            self.spared[source].webindexes.add(str(webindex))
        elif url:
            self.spared[source].urls.add(str(url))
        else:
            self.unattributed_drops += 1

    def spider_opened(self, spider: Spider) -> None:
        if is_crawl(spider):
            self.crawler.stats.set_value(STATS_KEY, 0)  # type: ignore[union-attr]

    def spider_closed(self, spider: Spider, reason: str) -> Deferred[None]:
        return closing_steps(self.crawler).then(self.closed, spider, reason)

    def closed(self, spider: Spider, reason: str) -> None:
        """Expire what the crawl no longer lists (blocks: a closing step, in a thread)."""
        stats = self.crawler.stats
        assert stats is not None
        if not is_crawl(spider):
            return
        blocker = expiry_blocker(spider, reason, stats.get_stats())
        if blocker is None and self.resumed:
            blocker = "the crawl resumed a paused one (JOBDIR): it did not read the whole listing"
        if blocker is None and self.unattributed_drops:
            blocker = f"{self.unattributed_drops} dropped items had no source or identity"
        if blocker is not None:
            logger.info("unlisted ads not expired: %s", blocker)
            return
        run = run_state(self.crawler).run_id
        now = datetime.now(UTC)
        try:
            expired = self.database.write(lambda: self._expire(spider, run, now))
        except SQLAlchemyError as exc:
            stats.set_value(STATS_KEY, 0)  # rolled back
            logger.error("Could not expire unlisted ads in %s: %s",
                         self.database.redacted_url, exc)
            mark_failed(stats, "expiry", f"unlisted ads not expired: {type(exc).__name__}")
            return
        for source, count in expired.items():
            stats.inc_value(STATS_KEY, count)
            logger.info("%d ads of %s expired: no longer listed", count, source)

    def _started(self) -> datetime | None:
        """When the crawl started (Scrapy's start_time), in UTC: the listing was read since."""
        started = self.crawler.stats.get_value("start_time")  # type: ignore[union-attr]
        if not isinstance(started, datetime):
            return None
        return started if started.tzinfo else started.replace(tzinfo=UTC)

    def _expire(self, spider: Spider, run: str, now: datetime) -> dict[str, int]:
        """Ads newly expired per source, in one transaction (tried again as a whole)."""
        expired: dict[str, int] = {}
        with self.database.engine.begin() as connection:
            for source in covered_sources(self.crawler):
                spared = self.spared.get(source, Spared())
                if len(spared) > MAX_SPARED:
                    logger.info("unlisted ads of %s not expired: %d of its listed ads "
                                "were dropped", source, len(spared))
                    continue
                name = crawl_listing(spider, source)
                listing = listing_id(connection, source, name, now=now)
                evidence = f"not listed by complete crawl {run} of {source}"
                if name != source:
                    evidence += f" ({name})"
                expired[source] = expire_unlisted(
                    connection, source, listing, run_id=run, now=now, evidence=evidence,
                    spared_webindexes=spared.webindexes, spared_urls=spared.urls,
                    read_from=self._started())
        return expired
