"""Recrawl middleware: links to ads fetched within the TTL are touched, not requested."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from sqlalchemy.exc import SQLAlchemyError
from twisted.internet.threads import deferToThread

from jobcrawl.db.component import CrawlDatabase
from jobcrawl.recrawl.marks import recrawl_state
from jobcrawl.recrawl.queries import recently_fetched
from jobcrawl.recrawl.state import AD_SOURCE_META, KnownAds, RecrawlConfig

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

STATS_PREFIX = "jobcrawl/recrawl/"


class RecrawlMiddleware:
    """Drops requests for ad pages fetched within JOBCRAWL_RECRAWL_TTL and records a touch.

    Only requests whose meta names the ad's source (`jobcrawl_ad_source`, set by
    the jobposting spider on ad links and sitemap entries) are candidates. The
    URL, spelled canonically, is looked up among the source's ads whose
    last_fetched is within the TTL, loaded once per source: in a thread before the
    crawl starts for the sources the spider names (its ``recrawl_sources()``),
    else on first use; a hit is not sent, and the store pipeline moves the ad's last_seen when the
    spider closes. An ad whose URL differs from the link (e.g. a canonical link
    to another path) is fetched again: safe, only slower. A database that
    cannot be read is logged and the crawl fetches everything.

    Settings: JOBCRAWL_RECRAWL_TTL (default "7d"; "12h", "30m", "3600" seconds;
    0: off, every ad is fetched), JOBCRAWL_DATABASE_URL.
    Stats: jobcrawl/recrawl/skipped (ad pages not requested, each once),
    jobcrawl/recrawl/known (recently fetched ads and remembered pages loaded),
    jobcrawl/recrawl/unavailable (sources whose known ads could not be read).
    """

    def __init__(self, crawler: Crawler, config: RecrawlConfig, database: CrawlDatabase) -> None:
        self.crawler = crawler
        self.config = config
        self.database = database
        self.state = recrawl_state(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        config = RecrawlConfig.from_settings(crawler.settings)
        if not config.enabled:
            raise NotConfigured("JOBCRAWL_RECRAWL_TTL is 0: every ad page is fetched")
        middleware = cls(crawler, config, CrawlDatabase.of(crawler))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    async def spider_opened(self, spider: Spider) -> None:
        """Load the known ads of the sources the spider names, in a thread, before it starts.

        The crawl waits for them (Scrapy awaits spider_opened) but the reactor does not:
        a million known ads take seconds to read. A source met later is loaded then.
        """
        named = getattr(spider, "recrawl_sources", None)
        for source in named() if callable(named) else ():
            if source in self.state.known:
                continue
            since = datetime.now(UTC) - self.config.ttl
            read = await maybe_deferred_to_future(deferToThread(self._read, source, since))
            self.state.known[source] = self._loaded(source, since, read)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            if not self._skip(output):
                yield output

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            if not self._skip(output):
                yield output

    def _skip(self, output: Any) -> bool:
        if not isinstance(output, Request):
            return False
        source = output.meta.get(AD_SOURCE_META)
        if not source:
            return False
        first = self._known(source).touch(output.url)
        if first is None:
            return False
        if first:  # a link seen again would not have been sent twice either
            self.crawler.stats.inc_value(f"{STATS_PREFIX}skipped")  # type: ignore[union-attr]
        return True

    def _known(self, source: str) -> KnownAds:
        known = self.state.known.get(source)
        if known is None:
            known = self.state.known[source] = self._load(source)
        return known

    def _load(self, source: str) -> KnownAds:
        # A source the spider did not name at start: read on the reactor thread, once.
        since = datetime.now(UTC) - self.config.ttl
        return self._loaded(source, since, self._read(source, since))

    def _read(self, source: str, since: datetime) -> KnownAds | str:
        """The source's ads fetched since `since`, or why they could not be read."""
        try:
            with self.database.engine.connect() as connection:
                return KnownAds(recently_fetched(connection, source, since))
        except SQLAlchemyError as exc:
            return str(getattr(exc, "orig", None) or exc).splitlines()[0]

    def _loaded(self, source: str, since: datetime, known: KnownAds | str) -> KnownAds:
        """Counted and logged on the reactor thread."""
        stats = self.crawler.stats
        assert stats is not None
        if isinstance(known, str):
            logger.warning("recrawl: cannot read the known ads of %s, fetching every ad: %s",
                           source, known)
            stats.inc_value(f"{STATS_PREFIX}unavailable")
            return KnownAds(())
        stats.inc_value(f"{STATS_PREFIX}known", len(known))
        logger.info("recrawl: %d ads of %s fetched since %s are not fetched again",
                    len(known), source, since.isoformat(timespec="seconds"))
        return known
