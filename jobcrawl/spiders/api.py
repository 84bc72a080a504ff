"""Shared navigation for spiders that read a job-board or ATS API.

Every API spider takes two common arguments:

  base_url=URL   replaces the origin (scheme, host, port) of every request the spider
                 makes; the paths stay the provider's own. Tests and self-hosted mirrors
                 use it: ``-a company=acme -a base_url=http://127.0.0.1:9000`` reads
                 ``http://127.0.0.1:9000/api/offers`` instead of
                 ``https://acme.recruitee.com/api/offers``.
  max_items=N    stop after N ads (paging stops early too).

APIs are made for programs, so these spiders do not ask robots.txt (many API hosts
disallow everything for browsers' crawlers); AutoThrottle still paces them.

Stats: jobcrawl/api/pages (API responses read), jobcrawl/api/items (ads yielded),
jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed. An HTTP 401, 403 or 404
(wrong key, unknown board) closes the crawl at once; any failed API request marks the
crawl failed (``jobcrawl/failed/api``) so that ``scrapy crawl`` exits 1 instead of
leaving a silently short corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.exceptions import CloseSpider
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from jobcrawl.failures import mark_failed
from jobcrawl.items import JobItem

logger = logging.getLogger(__name__)

# Statuses that mean "this crawl cannot work" (bad key, no such board), not a bad ad.
FATAL_STATUSES = (401, 403, 404)


def parse_base_url(value: str | None) -> tuple[str, str] | None:
    """(scheme, netloc) of a base_url argument; None when not given."""
    if value is None or value.strip() == "":
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"argument base_url: {value!r} is not an http(s) URL")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(
            f"argument base_url: {value!r} must be an origin only (scheme://host[:port]); "
            "the spider keeps the provider's paths"
        )
    return parts.scheme, parts.netloc


def positive_int(value: str | None, name: str, default: int | None = None) -> int | None:
    """A spider argument that must be a whole number >= 1."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"argument {name} must be a whole number, got {value!r}") from None
    if number < 1:
        raise ValueError(f"argument {name} must be 1 or more, got {number}")
    return number


def required(value: str | None, name: str, spider: str) -> str:
    """A spider argument that must be given."""
    if value is None or value.strip() == "":
        raise ValueError(f"spider {spider} needs -a {name}=...")
    return value.strip()


class ApiSpider(Spider):
    """Base class: origin override, max_items, and loud failure on API errors.

    Subclasses build requests with :meth:`api_request` (a full default URL in, the
    origin swapped when base_url is given) and pass the items of each page through
    :meth:`take`, which counts them and stops at max_items; they stop paging when
    :attr:`exhausted` is true.
    """

    custom_settings: ClassVar[dict[str, Any]] = {"ROBOTSTXT_OBEY": False}

    def __init__(self, base_url: str | None = None, max_items: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.origin = parse_base_url(base_url)
        self.max_items = positive_int(max_items, "max_items")
        self.items_yielded = 0

    @property
    def exhausted(self) -> bool:
        """True once max_items ads have been yielded."""
        return self.max_items is not None and self.items_yielded >= self.max_items

    def api_url(self, url: str) -> str:
        """`url` (the provider's real URL) with its origin replaced by base_url, if given."""
        if self.origin is None:
            return url
        parts = urlsplit(url)
        return urlunsplit((*self.origin, parts.path, parts.query, parts.fragment))

    def loggable_url(self, url: str) -> str:
        """`url` as it may appear in logs and stats; spiders whose URLs carry keys mask them."""
        return url

    def api_request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        kwargs.setdefault("errback", self.api_error)
        return Request(self.api_url(url), callback=callback, **kwargs)

    def page_read(self) -> None:
        self.crawler.stats.inc_value("jobcrawl/api/pages")

    def take(self, items: Iterable[JobItem]) -> Iterator[JobItem]:
        """Yield items until max_items is reached; counts jobcrawl/api/items."""
        for item in items:
            if self.exhausted:
                return
            self.items_yielded += 1
            self.crawler.stats.inc_value("jobcrawl/api/items")
            yield item

    def api_error(self, failure: Failure) -> None:
        """A request that failed after retries: fatal statuses close the crawl."""
        stats = self.crawler.stats
        request = getattr(failure, "request", None)
        url = self.loggable_url(request.url) if request is not None else "?"
        if failure.check(HttpError):
            status = failure.value.response.status
            stats.inc_value(f"jobcrawl/api/http_error/{status}")
            mark_failed(stats, "api", f"HTTP {status} from {url}")
            if status in FATAL_STATUSES:
                logger.error(
                    "%s: HTTP %s from %s (%s); stopping the crawl",
                    self.name, status, url, _explain(status),
                )
                raise CloseSpider(f"api_http_{status}")
            logger.error("%s: HTTP %s from %s; this page's ads are missing", self.name,
                         status, url)
            return
        stats.inc_value("jobcrawl/api/request_failed")
        mark_failed(stats, "api", f"{failure.type.__name__} for {url}")
        logger.error("%s: request failed for %s: %s", self.name, url, failure.getErrorMessage())


def _explain(status: int) -> str:
    if status == 404:
        return "no such board or company: check the spider's arguments"
    return "the API refused the request: check the API key settings"
