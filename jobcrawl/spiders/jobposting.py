"""The jobposting spider: any site that publishes schema.org JobPosting."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlparse

from pydantic import model_validator
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider

from jobcrawl.config.arguments import ArgFlag, Count, SourceName, SpiderArguments, UrlList
from jobcrawl.extract.closed import closed_verdict, page_closed_notice
from jobcrawl.extract.jobposting import source_for, to_item
from jobcrawl.extract.jsonld import extract_postings
from jobcrawl.extract.links import listing_links
from jobcrawl.extract.page import content_type, is_html_page
from jobcrawl.items import JobItem
from jobcrawl.recrawl.marks import report_closed, report_gone, report_page
from jobcrawl.recrawl.state import AD_SOURCE_META
from jobcrawl.runs.misslog import PAGE_META, MissLog

if TYPE_CHECKING:
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# An ad page answering these is gone for good: the ad expires.
_GONE_STATUSES = [404, 410]
# Listing pages go before ad pages. Scrapy's scheduler is LIFO: without a priority,
# the next listing page (yielded before a page's ads) waited until every ad queued
# after it was downloaded, so each page boundary left the downloader nearly idle for
# a round trip. On a server answering in 100 ms, a 400-ad crawl took 1.8 times the
# bare spider's time with it at 0 (benchmarks/slowserver.py --ads 400 --latency 0.1).
LISTING_PRIORITY = 10


class JobPostingArguments(SpiderArguments):
    """The jobposting spider's arguments (see JobPostingSpider)."""

    url: UrlList = ()
    sitemap: UrlList = ()
    max_pages: Count = None
    depth: Count = 1
    allow: str | None = None
    dayfirst: ArgFlag = None
    source: SourceName = None

    @model_validator(mode="after")
    def _somewhere_to_start(self) -> Self:
        if not self.url and not self.sitemap:
            raise ValueError("give -a url=URL[,URL...] and/or -a sitemap=URL")
        return self


class JobPostingSpider(SitemapSpider):
    """Crawls listing pages and/or sitemaps and yields every JobPosting found.

    Arguments:
      url=URL[,URL...]      listing pages to start from (pagination is followed)
      sitemap=URL[,URL...]  sitemaps, sitemap indexes, robots.txt or a site root
      max_pages=N           at most N listing pages (start pages + pagination)
      depth=N               link hops from a start page to an ad (default 1;
                            pagination does not count)
      allow=REGEX           only follow non-pagination links matching REGEX
      dayfirst=true|false   how to read 03/04/2024 (default: JOBCRAWL_DATES_DAYFIRST)
      source=NAME           the ads' source name (default jobposting:<host of the page>)

    The listing a complete crawl covers (for unlisted expiry) is its start URLs and
    sitemaps, with allow and depth: a crawl of a sub-listing never expires the ads
    that only the main listing (or another sub-listing) lists.
    Ad requests carry their source in meta (jobcrawl_ad_source), so that the
    recrawl middleware can leave out ads fetched within JOBCRAWL_RECRAWL_TTL.
    An ad page answering 404/410 is reported gone, one saying the job is
    closed is reported closed (its postings are still stored). The crawl is
    complete (`listing_complete()`, consulted to expire unlisted ads) when
    max_pages did not cut pagination and no listing page, sitemap or ad page
    failed to download. Each request says what it is for in meta jobcrawl_page
    (listing, sitemap, ad): one that fails after its retries is missed under that
    kind (jobcrawl/missed/<kind>; the run is incomplete, see jobcrawl.runs.missed).

    Stats: jobcrawl/jobposting/listing_pages, .../ad_pages, .../postings,
    .../pages_without_posting, .../not_html, .../gone_pages (404/410),
    .../closed_pages, .../closed_notice_overruled (a weak notice, validThrough ahead),
    .../closed_notice_unseen (notice words only in scripts or hidden parts),
    .../failed_listing_pages, .../failed_ad_pages,
    jobcrawl/extract/jsonld_errors.
    """

    name = "jobposting"
    sitemap_rules = (("", "parse_ad"),)

    def __init__(self, **kwargs: Any) -> None:
        args, rest = JobPostingArguments.split(self.name, kwargs)
        super().__init__(**rest)
        self.args = args
        self.listing_urls = list(args.url)
        self.sitemap_urls = [_sitemap_location(u) for u in args.sitemap]
        self.max_pages = args.max_pages
        self.depth_limit = args.depth or 1
        self.allow = args.allow
        if args.dayfirst is not None:
            self.dayfirst = args.dayfirst
        self.allowed_domains = sorted(
            {urlparse(u).hostname or "" for u in self.listing_urls + self.sitemap_urls}
        )
        # None: each page's ads are of jobposting:<its host> (run_source reads the items).
        self.source = args.source
        self.listing = " ".join([
            "jobposting", *sorted(set(self.listing_urls + self.sitemap_urls)),
            *([f"allow={self.allow}"] if self.allow else []),
            *([f"depth={self.depth_limit}"] if self.depth_limit != 1 else [])])
        self._listing_pages = 0
        self._listing_urls_seen: set[str] = set()
        self._pagination_cut = False
        self._failed_listings = 0
        self._failed_ads = 0

    async def start(self) -> AsyncIterator[Any]:
        for url in self.listing_urls:
            request = self._listing_request(url, depth=0)
            if request is not None:
                yield request
        async for request in super().start():
            yield self._sitemap_request(request)

    def source_for(self, url: str) -> str:
        """The source of the ads of the page at `url`: -a source=NAME, else by its host."""
        return self.source or source_for(url)

    def recrawl_sources(self) -> list[str]:
        """The sources whose known ads the recrawl loads before the crawl starts: those of
        the start pages' hosts (an ad on another host is looked up when it is met)."""
        return sorted({self.source_for(url) for url in self.listing_urls + self.sitemap_urls})

    def listing_complete(self) -> bool:
        """True when every listing page was read and every ad page downloaded."""
        return not (self._pagination_cut or self._failed_listings or self._failed_ads)

    def _listing_request(self, url: str, depth: int) -> Request | None:
        # Every listing page links its neighbours: count each page once, so that a
        # max_pages above the board's size reads it all and leaves the listing complete.
        if url in self._listing_urls_seen:
            return None
        if self.max_pages is not None and self._listing_pages >= self.max_pages:
            self._pagination_cut = True
            return None
        self._listing_urls_seen.add(url)
        self._listing_pages += 1
        return Request(url, callback=self.parse_listing, cb_kwargs={"depth": depth},
                       errback=self._listing_failed, meta={PAGE_META: "listing"},
                       priority=LISTING_PRIORITY)

    def _sitemap_request(self, request: Request) -> Request:
        """A sitemap (index) request: counted with the listing pages when it fails."""
        return request.replace(errback=self._listing_failed,
                               meta={**request.meta, PAGE_META: "sitemap"})

    def _ad_request(self, url: str, depth: int | None = None) -> Request:
        """An ad page request: its source for the recrawl, 404/410 let through to parse_ad."""
        return Request(url, callback=self.parse_ad, errback=self._ad_failed,
                       cb_kwargs={} if depth is None else {"depth": depth},
                       meta={AD_SOURCE_META: self.source_for(url), PAGE_META: "ad",
                             "handle_httpstatus_list": _GONE_STATUSES})

    def _parse_sitemap(self, response: Response) -> Iterator[Request]:
        for request in super()._parse_sitemap(response):
            if request.callback == self.parse_ad:
                yield self._ad_request(request.url)
            else:
                yield self._sitemap_request(request)

    def _listing_failed(self, failure: Failure) -> None:
        # Without this listing page, ads missing from the crawl may still be listed.
        self._failed_listings += 1
        self.crawler.stats.inc_value("jobcrawl/jobposting/failed_listing_pages")
        failure.raiseException()  # Scrapy logs it as it would without an errback

    def _ad_failed(self, failure: Failure) -> None:
        # A page left out on purpose (robots.txt) says nothing about the listing.
        if not failure.check(IgnoreRequest) or failure.check(HttpError):
            self._failed_ads += 1
            self.crawler.stats.inc_value("jobcrawl/jobposting/failed_ad_pages")
        failure.raiseException()

    def parse_listing(self, response: Response, depth: int = 0) -> Iterator[Any]:
        """A start or pagination page: its postings, its next pages, its ad links."""
        self.crawler.stats.inc_value("jobcrawl/jobposting/listing_pages")
        page = self._html_page(response, "listing")
        if page is None:
            return
        yield from self._items(page, count_missing=False)
        yield from self._follow_links(page, depth)

    def parse_ad(self, response: Response, depth: int | None = None) -> Iterator[Any]:
        """A page that should hold a posting; without one it may be a sub-listing."""
        stats = self.crawler.stats
        stats.inc_value("jobcrawl/jobposting/ad_pages")
        if response.status in _GONE_STATUSES:
            stats.inc_value("jobcrawl/jobposting/gone_pages")
            report_gone(self.crawler, self.source_for(response.url), response.url, response.status)
            return
        page = self._html_page(response, "ad")
        if page is None:
            return
        response = page
        items = list(self._items(response, count_missing=True))
        self._report_closed(response, items)
        hub = not items and depth is not None and depth < self.depth_limit
        if not hub:
            report_page(self.crawler, self.source_for(response.url), response.url,
                        [item.url for item in items])
        yield from items
        if hub:
            # A category page or hub between the start page and the ads.
            yield from self._follow_links(response, depth)

    def _html_page(self, response: Response, kind: str) -> TextResponse | None:
        """The response when it is an HTML page; None (counted, logged) for JSON, XML,
        images, PDFs and other documents, which hold no page to read.

        A listing page that is not HTML is missed (jobcrawl/missed/listing: the run is
        incomplete, and the listing too, so nothing expires as unlisted): its ads were
        never seen. A linked page that is not HTML (a PDF job description) is left out.
        """
        if is_html_page(response):
            assert isinstance(response, TextResponse)
            return response
        self.crawler.stats.inc_value("jobcrawl/jobposting/not_html")
        reason = f"not HTML ({content_type(response) or 'no Content-Type'})"
        if kind != "listing":
            logger.info("%s page %s is %s: skipped", kind, response.url, reason)
            return None
        self._failed_listings += 1
        hint = next((text for word, text in _NOT_HTML_HINTS if word in reason), "")
        logger.warning("listing page %s is %s: nothing to read%s", response.url, reason, hint)
        misses = self.crawler.get_extension(MissLog)
        if misses is not None:
            misses.record("listing", response.url, reason, response.status)
        return None

    def _report_closed(self, response: TextResponse, items: list[JobItem]) -> None:
        """The ads of a page whose visible text says the job is closed expire as `closed`,
        unless a validThrough today or later outweighs a weak notice (extract/closed.py)."""
        found = page_closed_notice(response)
        stats = self.crawler.stats
        if found.notice is None:
            if found.in_source:
                stats.inc_value("jobcrawl/jobposting/closed_notice_unseen")
            return
        today = datetime.now(UTC).date()
        dayfirst = getattr(self, "dayfirst", self.settings.getbool("JOBCRAWL_DATES_DAYFIRST", True))
        closed = False
        for item in items or [None]:
            verdict = closed_verdict(found.notice, item.closing_date_raw if item else None,
                                     today=today, dayfirst=dayfirst)
            url = item.url if item else response.url
            if verdict.closed:
                closed = True
                report_closed(self.crawler, item.source if item else self.source_for(url), url,
                              found.notice.text, evidence=verdict.evidence)
            else:
                stats.inc_value("jobcrawl/jobposting/closed_notice_overruled")
                logger.info("%s: closed notice %r overruled by validThrough %s", url,
                            found.notice.text, item.closing_date_raw if item else None)
        if closed:
            stats.inc_value("jobcrawl/jobposting/closed_pages")

    def _follow_links(self, response: TextResponse, depth: int) -> Iterator[Request]:
        links = listing_links(response, allow=self.allow)
        for url in links.pagination:
            request = self._listing_request(url, depth)
            if request is not None:
                yield request
        if depth < self.depth_limit:
            for url in links.other:
                yield self._ad_request(url, depth + 1)

    def _items(self, response: TextResponse, *, count_missing: bool) -> Iterator[JobItem]:
        scraped_at = datetime.now(UTC)
        found = extract_postings(response)
        stats = self.crawler.stats
        for error in found.errors:
            stats.inc_value("jobcrawl/extract/jsonld_errors")
            logger.warning("unreadable JSON-LD on %s: %s", response.url, error)
        if not found.postings and count_missing:
            stats.inc_value("jobcrawl/jobposting/pages_without_posting")
        source = self.source_for(response.url)
        for posting in found.postings:
            stats.inc_value("jobcrawl/jobposting/postings")
            yield to_item(posting, response, source=source, scraped_at=scraped_at)
        return len(found.postings)


# By a word of the content type: what the user may have meant instead.
_NOT_HTML_HINTS = (
    ("xml", " (a sitemap goes in -a sitemap=URL; a job feed: scrapy crawl feed -a url=URL)"),
    ("json", " (a board's JSON API has a spider of its own: see docs/sources.md)"),
)


def _sitemap_location(url: str) -> str:
    """A bare site root means: read the sitemaps its robots.txt names."""
    parsed = urlparse(url)
    if parsed.path in ("", "/") and not parsed.query:
        return f"{parsed.scheme}://{parsed.netloc}/robots.txt"
    return url
