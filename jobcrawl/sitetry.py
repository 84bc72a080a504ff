"""One page fetched with the crawl's settings and read with a site profile (`siteprofile try`).

The page goes through Scrapy as a crawl's pages do: robots.txt, the User-Agent,
the downloader middlewares (retries, redirects, size limits, charset), AutoThrottle,
and Chromium when the profile renders that kind of page. Nothing is stored: the
item pipelines and the components that use the database (run record, recrawl,
expiry, monitors, missed-URL log) are switched off for this one request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy.http import Response, TextResponse

from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.page import content_type, is_html_page
from jobcrawl.extract.site import PageFound, read_page, to_item
from jobcrawl.spiders.site import SiteSpider, use_browser

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

    from jobcrawl.items import JobItem

# Components of a crawl that read or write the database or the run's files.
_CRAWL_ONLY = ("jobcrawl.db.", "jobcrawl.runs.", "jobcrawl.recrawl.", "jobcrawl.health.")
# Every HTTP error is an answer to show, not a request to hand to an errback; 3xx
# stay out so that redirects are followed.
_ERROR_STATUSES = list(range(400, 600))


@dataclass(frozen=True)
class PageRead:
    """A page fetched and read: its final URL (after redirects), what the selectors
    found, and (an ad page) the item as the normalize pipeline leaves it."""

    url: str
    status: int
    found: PageFound
    item: JobItem | None = None


@dataclass(frozen=True)
class FetchFailed:
    """A page that could not be read, in one line."""

    url: str
    reason: str


class TrySpider(SiteSpider):
    """Fetches one URL (or a saved file's file:// URL) and reads it as `kind`.

    Arguments: profile=PATH.yaml, url=URL, kind=listing|ad. A page saved to a file is
    read as saved (never rendered); its relative links resolve against the profile's
    first start URL, as if it had been fetched from there. The result is in
    ``outcome`` once the crawl has finished.
    """

    name = "siteprofile"

    def __init__(self, *, url: str, kind: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.kind = kind
        # The page asked for is fetched wherever it is (an ad on another host).
        self.allowed_domains = []
        self.outcome: PageRead | FetchFailed | None = None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        for name, prefixes in (("EXTENSIONS", _CRAWL_ONLY), ("SPIDER_MIDDLEWARES", _CRAWL_ONLY),
                               ("DOWNLOADER_MIDDLEWARES", _CRAWL_ONLY)):
            components = settings.getdict(name)
            components.update({path: None for path in components
                               if isinstance(path, str) and path.startswith(prefixes)})
            settings.set(name, components, priority="spider")
        settings.set("ITEM_PIPELINES", {}, priority="spider")
        # Someone is waiting for one page: one retry, not a minute of backoff
        # (-s RETRY_TIMES=N still wins).
        settings.set("RETRY_TIMES", 1, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        # Not SiteSpider's: only a page that is fetched and rendered needs Chromium.
        spider = super(SiteSpider, cls).from_crawler(crawler, *args, **kwargs)
        if spider.rendered:
            use_browser(crawler.settings)
        return spider

    @property
    def rendered(self) -> bool:
        return self.profile.renders(self.kind) and not self.url.startswith("file:")

    async def start(self) -> AsyncIterator[Any]:
        request = self._request(self.url, self.kind, self.read)
        meta = {**request.meta, "handle_httpstatus_list": _ERROR_STATUSES}
        if not self.rendered:
            meta = {key: value for key, value in meta.items()
                    if not key.startswith("playwright")}
        yield request.replace(errback=self.failed, meta=meta, dont_filter=True)

    def read(self, response: Response) -> None:
        if response.status >= 400:
            self.outcome = FetchFailed(response.url, f"HTTP {response.status}")
        elif not is_html_page(response):
            kind = content_type(response) or "no Content-Type"
            self.outcome = FetchFailed(response.url, f"not HTML ({kind})")
        else:
            assert isinstance(response, TextResponse)
            page = response
            if response.url.startswith("file:"):
                page = response.replace(url=self.profile.start_urls[0])
            self.outcome = PageRead(response.url, response.status,
                                    read_page(page, self.profile, self.kind),
                                    self._item(response))

    def _item(self, page: TextResponse) -> JobItem | None:
        """The ad's item, normalized as a crawl stores it (dates and salary read)."""
        if self.kind != "ad":
            return None
        item = to_item(page, self.profile, scraped_at=datetime.now(UTC)).item
        # As the normalize pipeline decides: the profile's dayfirst, else the setting.
        dayfirst = getattr(self, "dayfirst", self.settings.getbool("JOBCRAWL_DATES_DAYFIRST"))
        normalize_item(item, dayfirst=bool(dayfirst))
        return item

    def failed(self, failure: Failure) -> None:
        request: Request | None = getattr(failure, "request", None)
        message = failure.getErrorMessage().strip()
        if failure.type.__name__ != "IgnoreRequest":
            message = f"{failure.type.__name__}: {message}" if message else failure.type.__name__
        self.outcome = FetchFailed(request.url if request is not None else self.url,
                                   message)
