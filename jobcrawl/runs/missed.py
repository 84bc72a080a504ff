"""The downloader middleware that notices requests whose final outcome is a failure.

It sits outside Scrapy's RetryMiddleware (550) and RedirectMiddleware (600), at 540
in DOWNLOADER_MIDDLEWARES: a retry or a redirect returns a new Request and the
chain stops there, so only final outcomes reach it. Every miss goes to the crawl's
MissLog (jobcrawl.runs.misslog), which counts and lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from jobcrawl.runs.misslog import PAGE_META, UNKNOWN_KIND, MissLog

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# Request.meta key: statuses the request's errback takes as an answer, not a failure
# (an API ad record answering 404 was withdrawn since the listing named it).
ANSWER_STATUSES_META = "jobcrawl_answer_statuses"


def page_kind(request: Request) -> str:
    """What the request was for: its PAGE_META (listing, sitemap, feed, api, ad), else page."""
    kind = request.meta.get(PAGE_META)
    return kind if isinstance(kind, str) and kind else UNKNOWN_KIND


def loggable_url(crawler: Crawler, request: Request) -> str:
    """The request's URL as it may be written down: spiders whose URLs carry keys under
    harmless names (Adzuna's app_id) mask them (their ``loggable_url``)."""
    loggable: Any = getattr(crawler.spider, "loggable_url", None)
    return str(loggable(request.url)) if callable(loggable) else request.url


def is_robots_fetch(request: Request) -> bool:
    """The robots.txt middleware's own fetch (a spider's robots.txt sitemap is not one)."""
    return (bool(request.meta.get("dont_obey_robotstxt")) and PAGE_META not in request.meta
            and urlsplit(request.url).path == "/robots.txt")


class MissedRequests:
    """Records each request that failed after its retries as missed, by kind.

    Missed: a download exception (timeout, refused or reset connection, data loss,
    DNS, ...) or an HTTP status of 400 or more that the request does not handle
    itself: its meta ``handle_httpstatus_all`` / ``handle_httpstatus_list``, else the
    spider's ``handle_httpstatus_list``, HTTPERROR_ALLOW_ALL and HTTPERROR_ALLOWED_CODES
    (as Scrapy's HttpErrorMiddleware decides), or its meta ``jobcrawl_answer_statuses``.
    Not missed: IgnoreRequest and its subclasses (robots.txt, offsite, refused
    redirects: left out on purpose) and the robots.txt fetches themselves.

    Settings: HTTPERROR_ALLOW_ALL, HTTPERROR_ALLOWED_CODES (Scrapy's).
    Stats: jobcrawl/missed/<kind>, through MissLog.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow_all = crawler.settings.getbool("HTTPERROR_ALLOW_ALL")
        self.allowed_codes = frozenset(
            int(code) for code in crawler.settings.getlist("HTTPERROR_ALLOWED_CODES"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        status = response.status
        if status >= 400 and not self._handled(request, status) and not is_robots_fetch(request):
            self._record(request, f"HTTP {status}", status)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest) or is_robots_fetch(request):
            return
        message = str(exception).strip()
        reason = type(exception).__name__ + (f": {message}" if message else "")
        self._record(request, reason, None)

    def _handled(self, request: Request, status: int) -> bool:
        meta = request.meta
        if status in (meta.get(ANSWER_STATUSES_META) or ()):
            return True
        if meta.get("handle_httpstatus_all"):
            return True
        if "handle_httpstatus_list" in meta:
            return status in meta["handle_httpstatus_list"]
        spider_codes = getattr(self.crawler.spider, "handle_httpstatus_list", ()) or ()
        return self.allow_all or status in self.allowed_codes or status in spider_codes

    def _record(self, request: Request, reason: str, status: int | None) -> None:
        MissLog.of(self.crawler).record(page_kind(request), loggable_url(self.crawler, request),
                                        reason, status)
