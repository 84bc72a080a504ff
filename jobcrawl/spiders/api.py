"""Shared navigation for spiders that read a job-board or ATS API.

Every API spider takes two common arguments:

  base_url=URL   replaces the origin (scheme, host, port) of every request the spider
                 makes; the paths stay the provider's own. Tests and self-hosted mirrors
                 use it: ``-a company=acme -a base_url=http://127.0.0.1:9000`` reads
                 ``http://127.0.0.1:9000/api/offers`` instead of
                 ``https://acme.recruitee.com/api/offers``.
  max_items=N    stop after N ads (paging stops early too).
  source=NAME    the source name of the ads (jobs.source), instead of the spider's
                 default (``greenhouse:acme``); the listing a complete crawl covers
                 stays the board (see docs/sources.md).

APIs are made for programs, so these spiders do not ask robots.txt (many API hosts
disallow everything for browsers' crawlers); AutoThrottle still paces them.

Stats: jobcrawl/api/pages (API responses read), jobcrawl/api/items (ads yielded),
jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed,
jobcrawl/<spider>/bad_response (a 200 response that is not what the API sends: not
JSON, not the expected shape, an HTML maintenance page), jobcrawl/<spider>/detail_gone
(an ad's own record answered 404 after the listing named it: skipped), and
jobcrawl/<spider>/listing_complete (True or False, set when the spider closes; see
:meth:`ApiSpider.listing_complete`). An HTTP 401, 403 or 404 (wrong key, unknown board)
closes the crawl at once and marks it failed (``jobcrawl/failed/api``), as does a bad
response. Any other API request that failed after its retries is missed
(``jobcrawl/missed/api``, ``.../ad`` for an ad's own record, ``.../feed``): the run is
``incomplete`` and ``scrapy crawl`` exits 3 instead of leaving a silently short corpus;
the same command run again fetches it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from scrapy import Request, Spider
from scrapy.exceptions import CloseSpider
from scrapy.spidermiddlewares.httperror import HttpError

from jobcrawl.config.arguments import (
    Count,
    Origin,
    SourceName,
    SpiderArguments,
    check_argument,
    subdomain_of,
)
from jobcrawl.drops import DuplicateInCrawl
from jobcrawl.runs.failures import failures, mark_failed
from jobcrawl.runs.missed import ANSWER_STATUSES_META
from jobcrawl.runs.misslog import PAGE_META

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from jobcrawl.items import JobItem

logger = logging.getLogger(__name__)

# Statuses that mean "this crawl cannot work" (bad key, no such board), not a bad ad.
FATAL_STATUSES = (401, 403, 404)


class ApiArguments(SpiderArguments):
    """The arguments every API spider takes (see the module docstring)."""

    base_url: Origin = None
    max_items: Count = None
    source: SourceName = None


def subdomain(value: str | None, name: str, spider: str, site: str) -> str:
    """A required argument `name` of `spider` naming a company's subdomain of `site`."""
    return str(check_argument(spider, name, subdomain_of(site), value))


class ApiSpider(Spider):
    """Base class: origin override, max_items, loud failure on API errors and bad responses.

    Subclasses build requests with :meth:`api_request` (a full default URL in, the
    origin swapped when base_url is given), or :meth:`detail_request` for one listed ad's
    own record; each callback starts with :meth:`page_read`, reads the body with
    :meth:`read_object` / :meth:`read_array` (None: already logged and counted, return),
    and passes the items through :meth:`take`, which counts them and stops at max_items.
    They stop paging when :attr:`exhausted` (or, with detail requests,
    :attr:`enough_requested`) is true. :meth:`listing_complete` says whether the whole
    listing was read; it is also set as the jobcrawl/<name>/listing_complete stat at close.
    Each subclass names what it reads with :meth:`name_source` in its ``__init__``.
    """

    custom_settings: ClassVar[dict[str, Any]] = {"ROBOTSTXT_OBEY": False}
    # The spider's argument model; __init__ checks the arguments through it into `args`.
    Arguments: ClassVar[type[ApiArguments]] = ApiArguments
    # jobcrawl/<name>/<this>: a listed ad whose own record answered 404.
    detail_gone_stat: ClassVar[str] = "detail_gone"
    # What api_request()s are for, in jobcrawl/missed/<kind> when one fails.
    page_kind: ClassVar[str] = "api"

    def __init__(self, **kwargs: Any) -> None:
        args, rest = self.Arguments.split(self.name, kwargs)
        super().__init__(**rest)
        self.args = args
        self.origin = args.base_url
        self.max_items = args.max_items
        self.items_yielded = 0
        self.details_requested = 0
        self.pages_requested = 0
        self.pages_answered = 0
        self.pages_failed = 0
        self.finish_reason: str | None = None

    def name_source(self, board: str, listing: str | None = None) -> None:
        """Set `source` (-a source=NAME, else `board`: ``greenhouse:acme``) and `listing`.

        The listing is what a complete crawl covers, for unlisted expiry
        (jobcrawl.recrawl.listings): the board whatever the source is called, or a
        search of it (`listing`, e.g. ``reed keywords=python``).
        """
        self.source = self.args.source or board
        self.listing = listing or board

    @property
    def exhausted(self) -> bool:
        """True once max_items ads have been yielded."""
        return self.max_items is not None and self.items_yielded >= self.max_items

    @property
    def enough_requested(self) -> bool:
        """True once max_items detail requests are out: more would only be thrown away."""
        return self.max_items is not None and self.details_requested >= self.max_items

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
        """A request whose answer listing_complete() waits for; errors go to api_error."""
        kwargs.setdefault("errback", self.api_error)
        kwargs["meta"] = {PAGE_META: self.page_kind, **(kwargs.get("meta") or {})}
        self.pages_requested += 1
        return Request(self.api_url(url), callback=callback, **kwargs)

    def detail_request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """A request for one listed ad's own record: counted for enough_requested, and a
        404 skips the ad (withdrawn since the listing) instead of failing the crawl."""
        kwargs.setdefault("errback", self.detail_error)
        # An ad's own record; its 404 is an answer (withdrawn), not a missed request.
        kwargs["meta"] = {PAGE_META: "ad", ANSWER_STATUSES_META: [404],
                          **(kwargs.get("meta") or {})}
        self.details_requested += 1
        return self.api_request(url, callback, **kwargs)

    def page_read(self) -> None:
        """First call of every callback: the request is answered (for listing_complete)."""
        self.pages_answered += 1
        self.crawler.stats.inc_value("jobcrawl/api/pages")

    def take(self, items: Iterable[JobItem]) -> Iterator[JobItem]:
        """Yield items until max_items is reached; counts jobcrawl/api/items."""
        for item in items:
            if self.exhausted:
                return
            self.items_yielded += 1
            self.crawler.stats.inc_value("jobcrawl/api/items")
            yield item

    def read_object(self, response: Response, list_key: str | None = None
                    ) -> dict[str, Any] | None:
        """The body as a JSON object (holding a list under `list_key`, when given).

        Anything else is a failed page: logged with the URL, counted, crawl failed; None.
        """
        payload = self._read_json(response, dict)
        if payload is None:
            return None
        if list_key is not None and not isinstance(payload.get(list_key), list):
            self.unreadable(response, f'no "{list_key}" list')
            return None
        return payload

    def read_array(self, response: Response) -> list[Any] | None:
        """The body as a JSON array; anything else is a failed page (see read_object)."""
        return self._read_json(response, list)

    def _read_json(self, response: Response, expected: type) -> Any:
        try:
            # Bytes, not response.text: json detects UTF-8/16/32 and a BOM by itself, and a
            # body served as application/octet-stream is no TextResponse.
            payload = json.loads(response.body)
        except ValueError as error:
            reason = f"not JSON ({error})"
        else:
            if isinstance(payload, expected):
                return payload
            reason = f"a JSON {type(payload).__name__}, not {_JSON_NAMES[expected]}"
        self.unreadable(response, reason)
        return None

    def unreadable(self, response: Response, reason: str) -> None:
        """A 200 response whose ads cannot be read: count it and fail the crawl (exit 1)."""
        url = self.loggable_url(response.url)
        self.pages_failed += 1
        self.crawler.stats.inc_value(f"jobcrawl/{self.name}/bad_response")
        mark_failed(self.crawler.stats, "api", f"unreadable response from {url}")
        logger.error("%s: unreadable response from %s: %s", self.name, url, reason)

    def api_error(self, failure: Failure) -> None:
        """A request that failed after retries: fatal statuses close the crawl (failed);
        others are missed (jobcrawl.runs.missed counts them: the run is incomplete)."""
        self.pages_answered += 1
        self.pages_failed += 1
        stats = self.crawler.stats
        request = getattr(failure, "request", None)
        url = self.loggable_url(request.url) if request is not None else "?"
        if failure.check(HttpError):
            status = failure.value.response.status
            stats.inc_value(f"jobcrawl/api/http_error/{status}")
            if status in FATAL_STATUSES:
                mark_failed(stats, "api", f"HTTP {status} from {url}")
                logger.error(
                    "%s: HTTP %s from %s (%s); stopping the crawl",
                    self.name, status, url, _explain(status),
                )
                raise CloseSpider(f"api_http_{status}")
            logger.error("%s: HTTP %s from %s; this page's ads are missing", self.name,
                         status, url)
            return
        stats.inc_value("jobcrawl/api/request_failed")
        logger.error("%s: request failed for %s: %s", self.name, url, failure.getErrorMessage())

    def detail_error(self, failure: Failure) -> None:
        """A 404 for a listed ad's record: withdrawn meanwhile, skipped; others as usual."""
        if failure.check(HttpError) and failure.value.response.status == 404:
            self.pages_answered += 1
            self.crawler.stats.inc_value(f"jobcrawl/{self.name}/{self.detail_gone_stat}")
            request = getattr(failure, "request", None)
            url = self.loggable_url(request.url) if request is not None else "?"
            logger.warning("%s: %s is gone (HTTP 404); skipped", self.name, url)
            return
        self.api_error(failure)

    def listing_complete(self) -> bool:
        """True only when this crawl read its source's whole listing.

        That is: every request made was answered and read, none failed or was unreadable,
        max_items cut nothing (reaching it at all counts as cutting: the spider cannot
        know what it did not ask for), no callback raised, no item was dropped except as
        a duplicate (a listed ad left unstored would look unlisted), nothing marked the
        crawl failed, and the spider closed as ``finished`` (asked before it closes, the
        caller must check the finish reason itself). Ads absent from a complete listing
        may be expired, so every doubt answers False.
        """
        stats = self.crawler.stats
        return (
            self.finish_reason in (None, "finished")
            and self.pages_requested > 0
            and self.pages_answered == self.pages_requested
            and self.pages_failed == 0
            and not (self.exhausted or self.enough_requested)
            and not stats.get_value("spider_exceptions/count")
            and not failures(stats.get_stats())
            and not _lost_items(stats.get_stats())
        )

    def closed(self, reason: str) -> None:
        # Scrapy calls this first among the spider_closed receivers (the spider connects
        # before any extension exists), so their handlers see the final answer.
        self.finish_reason = reason
        self.crawler.stats.set_value(f"jobcrawl/{self.name}/listing_complete",
                                     self.listing_complete())


_JSON_NAMES = {dict: "an object", list: "an array"}
_DROPPED = "item_dropped_reasons_count/"


def _lost_items(stats: dict[str, Any]) -> int:
    """Items dropped for any reason but being a repeat of one already kept."""
    duplicate = f"{_DROPPED}{DuplicateInCrawl.__name__}"
    return sum(value for key, value in stats.items()
               if key.startswith(_DROPPED) and key != duplicate)


def _explain(status: int) -> str:
    if status == 404:
        return "no such board or company: check the spider's arguments"
    return "the API refused the request: check the API key settings"
