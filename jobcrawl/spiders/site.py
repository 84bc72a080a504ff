"""The site spider: a job board described by a YAML profile, optionally rendered in Chromium."""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field
from scrapy import Request, Spider
from scrapy.http import Response, TextResponse

from jobcrawl.config.arguments import Count, Origin, Required, SourceName, SpiderArguments
from jobcrawl.config.profiles import load_profile
from jobcrawl.extract.closed import closed_verdict, page_closed_notice
from jobcrawl.extract.page import content_type, is_html_page
from jobcrawl.extract.site import ad_links, next_pages, to_item
from jobcrawl.recrawl.marks import report_closed, report_gone
from jobcrawl.recrawl.state import AD_SOURCE_META
from jobcrawl.runs.misslog import PAGE_META, MissLog

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from jobcrawl.items import JobItem

logger = logging.getLogger(__name__)

PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
# An ad page answering these is an ad taken down: expired `gone`, not a failed request.
GONE_STATUSES = [404, 410]


class SiteArguments(SpiderArguments):
    """The site spider's arguments (see SiteSpider); max_pages: the profile's otherwise."""

    profile: Required = Field(examples=["PATH.yaml"])
    base_url: Origin = None
    max_pages: Count = None
    source: SourceName = None


class SiteSpider(Spider):
    """Crawls a board with the selectors of a site profile (see jobcrawl/config/profiles.py).

    Arguments:
      profile=PATH.yaml  the site profile (required); every error in it is listed and
                         the crawl exits 1 before any request
      base_url=URL       replaces the origin (scheme, host, port) of every request;
                         paths stay (tests, mirrors)
      max_pages=N        at most N listing pages (overrides the profile's max_pages)
      source=NAME        the ads' source name (overrides the profile's source, whose
                         default is site:<profile name>)

    Only the hosts of the start pages (after base_url) are crawled: links to other
    hosts are dropped (Scrapy's offsite/filtered stat). Pages of the kinds the
    profile renders go through headless Chromium (scrapy-playwright, request meta
    ``playwright=True``); every other request,
    robots.txt included, is a plain HTTP request. Ad pages fetched within
    JOBCRAWL_RECRAWL_TTL are not fetched again (see jobcrawl.recrawl.middleware);
    after a complete crawl (listing_complete()) the ads it no longer lists expire.
    The listing such a crawl covers is the profile's start URLs: a profile of one
    section of a board never expires the ads that only another section lists.

    Settings: JOBCRAWL_CHROMIUM_PATH, PLAYWRIGHT_LAUNCH_OPTIONS (only when rendering).
    Stats: jobcrawl/site/listing_pages, .../ad_pages, .../rendered_pages,
    .../gone_pages (404/410), .../closed_pages (a closed notice),
    .../closed_notice_overruled (a weak notice, the closing date ahead),
    .../closed_notice_unseen (notice words only in scripts or hidden parts),
    .../listing_without_links, .../missing/<field>, .../not_html,
    .../request_failed/{listing,ad}; a failed page, and a listing page that is not
    HTML, is also missed (jobcrawl/missed/{listing,ad}: the run is incomplete).
    """

    name = "site"

    def __init__(self, **kwargs: Any) -> None:
        args, rest = SiteArguments.split(self.name, kwargs)
        super().__init__(**rest)
        self.args = args
        self.profile = load_profile(args.profile)
        if args.source:
            self.profile = dataclasses.replace(self.profile, source=args.source)
        self.source = self.profile.source
        self.listing = " ".join(["site", *sorted(set(self.profile.start_urls))])
        self.origin = args.base_url
        self.max_pages = args.max_pages or self.profile.max_pages
        if self.profile.dayfirst is not None:
            # The normalize pipeline reads closing dates and datePosted with this.
            self.dayfirst = self.profile.dayfirst
        self._listing_pages = 0
        self._pagination_cut = False
        # Offsite links are never followed: Scrapy's OffsiteMiddleware drops requests
        # (redirects included) to hosts other than those of the start pages.
        self.allowed_domains = sorted(
            {urlsplit(self.with_origin(url)).hostname or "" for url in self.profile.start_urls})

    def recrawl_sources(self) -> list[str]:
        """The source whose known ads the recrawl loads before the crawl starts."""
        return [self.source]

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.profile.render:
            # Settings are still open here (Scrapy freezes them after creating the
            # spider): only a profile that renders pages loads scrapy-playwright.
            use_browser(crawler.settings)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for url in self.profile.start_urls:
            request = self._listing_request(url)
            if request is not None:
                yield request

    def with_origin(self, url: str) -> str:
        """`url` with its origin replaced by base_url, when one was given."""
        if self.origin is None:
            return url
        parts = urlsplit(url)
        return urlunsplit((*self.origin, parts.path, parts.query, ""))

    def _request(self, url: str, kind: str, callback: Any) -> Request:
        # PAGE_META: a failed listing or ad page is missed under its kind (incomplete run).
        meta: dict[str, Any] = {"page_kind": kind, PAGE_META: kind}
        if kind == "ad":
            # The recrawl middleware touches, instead of fetching, an ad of this
            # source fetched within JOBCRAWL_RECRAWL_TTL; 404/410 reach parse_ad.
            meta[AD_SOURCE_META] = self.profile.source
            meta["handle_httpstatus_list"] = GONE_STATUSES
        if self.profile.renders(kind):
            from scrapy_playwright.page import PageMethod

            wait = self.profile.wait_for[kind]
            timeout_ms = self.profile.wait_timeout * 1000
            meta["playwright"] = True
            meta["playwright_page_methods"] = [
                PageMethod("wait_for_selector", wait.browser_selector, timeout=timeout_ms)
            ]
        return Request(self.with_origin(url), callback=callback, errback=self.request_failed,
                       meta=meta)

    def listing_complete(self) -> bool:
        """True when the whole listing was read: every listing page and ad page fetched as
        HTML, none without ad links, and max_pages did not cut the pagination.

        The unlisted expiry (jobcrawl.recrawl.expiry) asks this when the spider
        closes; a changed layout (a listing without links) must never expire ads.
        """
        stats = self.crawler.stats
        troubles = ("request_failed/listing", "request_failed/ad", "listing_without_links",
                    "not_html")
        return not self._pagination_cut and not any(
            stats.get_value(f"jobcrawl/site/{name}") for name in troubles)

    def _listing_request(self, url: str) -> Request | None:
        if self.max_pages is not None and self._listing_pages >= self.max_pages:
            self._pagination_cut = True
            return None
        self._listing_pages += 1
        return self._request(url, "listing", self.parse_listing)

    def _page_read(self, response: Response, kind: str) -> TextResponse | None:
        stats = self.crawler.stats
        stats.inc_value(f"jobcrawl/site/{kind}_pages")
        if "playwright" in response.flags:
            stats.inc_value("jobcrawl/site/rendered_pages")
        if not is_html_page(response):
            stats.inc_value("jobcrawl/site/not_html")
            reason = f"not HTML ({content_type(response) or 'no Content-Type'})"
            logger.warning("%s page %s is %s; skipped", kind, response.url, reason)
            if kind == "listing":  # its ads were never seen: missed, as a failed listing
                misses = self.crawler.get_extension(MissLog)
                if misses is not None:
                    misses.record("listing", response.url, reason, response.status)
            return None
        assert isinstance(response, TextResponse)
        return response

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """A listing page: requests for its ads, then for the next listing page."""
        page = self._page_read(response, "listing")
        if page is None:
            return
        links = ad_links(page, self.profile)
        if not links:
            # A listing without ads is how a changed site layout usually shows itself.
            self.crawler.stats.inc_value("jobcrawl/site/listing_without_links")
            logger.warning("no ad links on listing page %s: check listing.links of %s",
                           page.url, self.profile.name)
        for url in links:
            yield self._request(url, "ad", self.parse_ad)
        for url in next_pages(page, self.profile):
            request = self._listing_request(url)
            if request is not None:
                yield request

    def parse_ad(self, response: Response) -> Iterator[JobItem]:
        """An ad page: one item, with every profile field it could read.

        A 404/410 expires the stored ad as `gone`; a closed notice on the page
        stores the ad and expires it as `closed` (jobcrawl.recrawl.state).
        """
        stats = self.crawler.stats
        if response.status in GONE_STATUSES:
            stats.inc_value("jobcrawl/site/gone_pages")
            report_gone(self.crawler, self.profile.source, response.url, response.status)
            return
        page = self._page_read(response, "ad")
        if page is None:
            return
        found = to_item(page, self.profile, scraped_at=datetime.now(UTC))
        for name in found.missing:
            stats.inc_value(f"jobcrawl/site/missing/{name}")
        self._report_closed(page, found.item)
        yield found.item

    def _report_closed(self, page: TextResponse, item: JobItem) -> None:
        """A page whose visible text says the job is closed: the ad expires as `closed`,
        unless its closing date (today or later) outweighs a weak notice (extract/closed.py)."""
        found = page_closed_notice(page)
        stats = self.crawler.stats
        if found.notice is None:
            if found.in_source:
                stats.inc_value("jobcrawl/site/closed_notice_unseen")
            return
        dayfirst = self.profile.dayfirst
        if dayfirst is None:
            dayfirst = self.settings.getbool("JOBCRAWL_DATES_DAYFIRST", True)
        verdict = closed_verdict(found.notice, item.closing_date_raw,
                                 today=datetime.now(UTC).date(), dayfirst=dayfirst)
        if verdict.closed:
            stats.inc_value("jobcrawl/site/closed_pages")
            report_closed(self.crawler, self.profile.source, item.url, found.notice.text,
                          evidence=verdict.evidence)
        else:
            stats.inc_value("jobcrawl/site/closed_notice_overruled")
            logger.info("%s: closed notice %r overruled by closing date %s", item.url,
                        found.notice.text, item.closing_date_raw)

    def request_failed(self, failure: Failure) -> None:
        """A page that could not be fetched (or rendered) after retries: log and count it.

        jobcrawl.runs.missed records it as missed (the run is incomplete, `scrapy
        crawl` exits 3); a lost page of either kind also keeps the listing incomplete,
        so nothing expires as unlisted.
        """
        request = getattr(failure, "request", None)
        kind = request.meta.get("page_kind", "ad") if request is not None else "ad"
        url = request.url if request is not None else "?"
        self.crawler.stats.inc_value(f"jobcrawl/site/request_failed/{kind}")
        message = f"{kind} page {url}: {failure.type.__name__}: {failure.getErrorMessage()}"
        logger.error("site %s: %s", self.profile.name, message)


def use_browser(settings: BaseSettings) -> None:
    """Route http(s) through scrapy-playwright's handler and launch Debian's Chromium.

    The handler drives the browser only for requests with meta ``playwright=True``;
    the others go through Scrapy's own HTTP download handler as usual.
    """
    chromium = settings.get("JOBCRAWL_CHROMIUM_PATH") or ""
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        raise ValueError(
            f"setting JOBCRAWL_CHROMIUM_PATH: no Chromium at {chromium!r}; the profile "
            "renders pages: install it (apt-get install chromium) or set the path"
        )
    launch = {**settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"), "executable_path": chromium}
    handlers = {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
    settings.set("DOWNLOAD_HANDLERS", {**settings.getdict("DOWNLOAD_HANDLERS"), **handlers},
                 priority="spider")
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch, priority="spider")
