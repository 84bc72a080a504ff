"""RecrawlMarks: what a crawl learnt about known ads, written once every item is stored.

Spiders report ad pages that answered 404/410 (`report_gone`), pages that say
the job is closed (`report_closed`) and ad pages whose URL is not their ad's
(`report_page`); the recrawl middleware marks known ads it saw listed but did
not fetch. When the spider closes, after the store pipeline wrote its last
batch and before unlisted expiry, the monitors and the run record look at the
crawl, this component writes it all in one transaction, with the listing every
ad the crawl stored or touched was seen through (jobcrawl.recrawl.listings).
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Self

from scrapy import signals
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.config.components import shared_component
from jobcrawl.db.component import CrawlDatabase
from jobcrawl.extract.urls import canonical_url
from jobcrawl.recrawl.listings import crawl_listing, listing_id, record_listed
from jobcrawl.recrawl.queries import expire_by_url, remember_pages, touch_ads
from jobcrawl.runs.closing import closing_steps
from jobcrawl.runs.failures import mark_failed
from jobcrawl.runs.state import run_id, run_state

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

    from jobcrawl.recrawl.state import KnownAds

logger = logging.getLogger(__name__)

TOUCHED_KEY = "jobcrawl/store/touched"
EXPIRY_PREFIX = "jobcrawl/expiry/"


@dataclass
class RecrawlState:
    """What this crawl learnt about known ads.

    known: KnownAds per source, loaded on first use. gone and closed: expiry
    evidence by (source, canonical URL), recorded by the spider; a closed
    mark is taken by the store pipeline when the ad's item is stored. pages:
    ad pages whose URL is not the URL of an ad they showed, (source, page URL)
    -> that ad's URL, or None for a page without a posting (recrawl_pages).
    stored: the ads the store wrote, recorded as listed by the crawl's listing even
    if a concurrent crawl has written them (and their last_run) since.
    """

    known: dict[str, KnownAds] = field(default_factory=dict)
    pages: dict[tuple[str, str], str | None] = field(default_factory=dict)
    gone: dict[tuple[str, str], str] = field(default_factory=dict)
    closed: dict[tuple[str, str], str] = field(default_factory=dict)
    # Ads touched per source, once the touches are written.
    touched_sources: Counter[str] = field(default_factory=Counter)
    # jobs.id of the ads the store pipeline wrote, per source (for the listings).
    stored: dict[str, array[int]] = field(default_factory=dict)

    def add_stored(self, ids: dict[str, list[int]]) -> None:
        """Keep the jobs.id of a batch the store wrote (UpsertResult.ids)."""
        for source, written in ids.items():
            self.stored.setdefault(source, array("q")).extend(written)

    def touches(self) -> dict[str, list[int]]:
        """jobs.id of the ads touched, per source."""
        return {source: ids for source, known in self.known.items()
                if (ids := known.touched_ids())}


class RecrawlMarks:
    """Keeps the crawl's RecrawlState and writes it when the spider closes.

    Known ads the recrawl did not refetch are touched (last_seen, seen_count,
    last_run; an ad expired as `unlisted` is reactivated), once per run; ads
    whose page answered 404/410 expire as `gone`, closed pages whose ad was not
    stored from them expire as `closed`, the ad pages that are not an ad's
    own URL are remembered (recrawl_pages) for the next recrawl, and every ad
    the crawl stored or touched is recorded as listed by the crawl's listing
    (job_listings; the spider's `listing`, see jobcrawl.recrawl.listings), as the
    first closing step (in a worker thread: jobcrawl.runs.closing). The
    transaction is tried again while the database is locked or away
    (CrawlDatabase.write); an error that remains is logged and marks the crawl
    failed (as the store's: the marks are part of what a crawl stores).

    Settings: JOBCRAWL_DATABASE_URL and its retry settings (through CrawlDatabase).
    Stats: jobcrawl/store/touched, jobcrawl/expiry/gone, .../closed,
    .../reactivated (added to the store pipeline's counts), jobcrawl/failed/store.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.state = RecrawlState()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        marks = cls(crawler)
        crawler.signals.connect(marks.spider_closed, signal=signals.spider_closed)
        return marks

    @classmethod
    def of(cls, crawler: Crawler) -> Self:
        """The crawl's RecrawlMarks; RuntimeError if it is not enabled."""
        return shared_component(crawler, cls, "jobcrawl's recrawl, store and expiry")

    def spider_closed(self) -> Deferred[None]:
        return closing_steps(self.crawler).then(self.closed)

    def closed(self) -> None:
        """Write the touches, marks and listings (blocks: a closing step, in a thread)."""
        stats = self.crawler.stats
        assert stats is not None
        database = CrawlDatabase.of(self.crawler)
        now = datetime.now(UTC)
        try:
            counts, touched = database.write(lambda: self._write(database, now))
        except SQLAlchemyError as exc:
            logger.error("Could not write the recrawl touches and expiry marks in %s: %s",
                         database.redacted_url, exc)
            mark_failed(stats, "store",
                        f"recrawl touches could not be written: {type(exc).__name__}")
            return
        self.state.touched_sources.update(touched)
        stats.inc_value(TOUCHED_KEY, sum(self.state.touched_sources.values()))
        for name, count in counts.items():
            stats.inc_value(f"{EXPIRY_PREFIX}{name}", count)

    def _write(self, database: CrawlDatabase, now: datetime
               ) -> tuple[Counter[str], Counter[str]]:
        """(expiry counts, ads touched per source), in one transaction; may be tried again."""
        state, run = self.state, run_id(self.crawler)
        counts: Counter[str] = Counter()
        touched: Counter[str] = Counter()
        with database.engine.begin() as connection:
            # Sources in order: with each touch's ads locked in key order (touch_ads), the
            # ads are locked in the order of the store's batches (db.locks).
            for source, ids in sorted(state.touches().items()):
                result = touch_ads(connection, ids, run_id=run, now=now)
                touched[source] += result.touched
                counts["reactivated"] += result.reactivated
            counts["gone"] = expire_by_url(connection, state.gone, reason="gone", now=now)
            # Closed pages whose ad was not stored from them (no posting, or a duplicate).
            counts["closed"] = expire_by_url(connection, state.closed, reason="closed", now=now)
            remember_pages(connection, state.pages, now=now)
            spider = self.crawler.spider
            for source in sorted({*run_state(self.crawler).sources, *state.touches()}):
                listing = listing_id(connection, source, crawl_listing(spider, source), now=now)
                record_listed(connection, source, listing, run_id=run, now=now,
                              stored=state.stored.get(source, ()))
        return counts, touched


def recrawl_state(crawler: Crawler) -> RecrawlState:
    """The crawl's RecrawlState."""
    return RecrawlMarks.of(crawler).state


def report_gone(crawler: Crawler, source: str, url: str, status: int) -> None:
    """The ad page at `url` answered 404/410: its ad, if stored, expires as `gone`."""
    canonical = canonical_url(url)
    recrawl_state(crawler).gone[(source, canonical)] = f"HTTP {status} at {canonical}"


def report_page(crawler: Crawler, source: str, url: str, ad_urls: list[str]) -> None:
    """An ad page was read: remember it if its URL is not the URL of an ad it showed.

    A page without a posting is remembered too, so that the recrawl skips it
    within the TTL. Only the first ad of a page that shows several is kept.
    """
    page = canonical_url(url)
    if page not in ad_urls:
        recrawl_state(crawler).pages[(source, page)] = ad_urls[0] if ad_urls else None


def report_closed(crawler: Crawler, source: str, url: str, notice: str, *,
                  evidence: str | None = None) -> None:
    """The page of the ad stored under `url` says it is closed: it expires as `closed`.

    `evidence` (jobcrawl.extract.closed.ClosedVerdict's) replaces "page says: '<notice>'".
    """
    evidence = evidence or f"page says: '{notice}'"
    recrawl_state(crawler).closed[(source, canonical_url(url))] = evidence
