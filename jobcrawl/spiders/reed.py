"""The reed spider: a Reed.co.uk job search, each result read in full from its details."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlencode

from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.http import basic_auth_header

from jobcrawl.extract import reed
from jobcrawl.failures import mark_failed
from jobcrawl.spiders.api import ApiSpider, required

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from jobcrawl.items import JobItem

logger = logging.getLogger(__name__)

KEY_SETTING = "JOBCRAWL_REED_API_KEY"


class ReedSpider(ApiSpider):
    """Searches ``https://www.reed.co.uk/api/1.0/search`` and reads every result's details.

    Arguments:
      keywords=...   the search words (required)
      location=...   a place name (Reed's locationName)
      base_url=URL   send every request to http://host:port/api/1.0/... instead
      max_items=N    stop after N ads (no more detail requests or search pages)

    Settings: JOBCRAWL_REED_API_KEY (required; sent with HTTP basic auth, the key as
    user name and an empty password).

    Search pages take 100 results each (resultsToTake/resultsToSkip) until
    resultsToSkip reaches totalResults or a page is empty. Each result's
    ``/api/1.0/jobs/{id}`` gives the full description, salary text, contract and
    dates; expirationDate (dd/mm/yyyy) is the structured closing date.

    Stats: jobcrawl/api/pages, jobcrawl/api/items (ApiSpider),
    jobcrawl/reed/details_gone (a job withdrawn between search and details: skipped),
    jobcrawl/reed/results_without_id, jobcrawl/reed/bad_response.
    """

    name = "reed"
    # Reed writes dates day first (expirationDate 05/03/2024 is 5 March).
    dayfirst = True
    page_size = 100

    def __init__(self, keywords: str | None = None, location: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keywords = required(keywords, "keywords", self.name)
        self.location = (location or "").strip() or None
        self.source = reed.SOURCE
        self.authorization = b""
        self.details_requested = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        key = (crawler.settings.get(KEY_SETTING) or "").strip()
        if not key:
            raise ValueError(
                f"setting {KEY_SETTING} is empty: the reed spider needs a Reed API key "
                f"(environment variable {KEY_SETTING} or -s {KEY_SETTING}=...)"
            )
        spider.authorization = basic_auth_header(key, "")
        return spider

    @property
    def enough_requested(self) -> bool:
        """True once max_items detail requests are out: more would only be thrown away."""
        return self.max_items is not None and self.details_requested >= self.max_items

    def search_url(self, skip: int) -> str:
        query = {"keywords": self.keywords}
        if self.location:
            query["locationName"] = self.location
        query |= {"resultsToTake": str(self.page_size), "resultsToSkip": str(skip)}
        return f"{reed.API_ROOT}/search?{urlencode(query)}"

    def reed_request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        return self.api_request(url, callback, headers={"Authorization": self.authorization},
                                **kwargs)

    async def start(self) -> AsyncIterator[Any]:
        yield self.reed_request(self.search_url(0), self.parse_search, cb_kwargs={"skip": 0})

    def parse_search(self, response: Response, skip: int) -> Iterator[Request]:
        self.page_read()
        payload = self._read_object(response)
        if payload is None:
            return
        if not isinstance(payload.get("results"), list):
            self._unreadable(response, 'no "results" list')
            return
        results, total = reed.search_results(payload)
        for result in results:
            if self.enough_requested:
                return
            job = reed.job_id(result)
            if job is None:
                self.crawler.stats.inc_value("jobcrawl/reed/results_without_id")
                continue
            self.details_requested += 1
            yield self.reed_request(reed.detail_url(job), self.parse_detail,
                                    cb_kwargs={"summary": result}, errback=self.detail_error)
        next_skip = skip + len(results)
        # totalResults is the API's own end signal; an empty page ends it too.
        if results and (total is None or next_skip < total) and not self.enough_requested:
            yield self.reed_request(self.search_url(next_skip), self.parse_search,
                                    cb_kwargs={"skip": next_skip})

    def parse_detail(self, response: Response, summary: dict[str, Any]) -> Iterator[JobItem]:
        scraped_at = datetime.now(UTC)
        self.page_read()
        detail = self._read_object(response)
        if detail is None:
            return
        yield from self.take([reed.to_item(detail, scraped_at=scraped_at, summary=summary)])

    def detail_error(self, failure: Failure) -> None:
        """A job withdrawn since the search answers 404: skip it; other errors as usual."""
        if failure.check(HttpError) and failure.value.response.status == 404:
            self.crawler.stats.inc_value("jobcrawl/reed/details_gone")
            logger.warning("%s: job details gone (HTTP 404), skipped: %s", self.name,
                           self.loggable_url(failure.request.url))
            return
        self.api_error(failure)

    def _read_object(self, response: Response) -> dict[str, Any] | None:
        """The response's JSON object; None (logged, counted, crawl failed) otherwise."""
        try:
            payload = json.loads(response.body)
        except ValueError as error:
            reason = f"not JSON ({error})"
        else:
            if isinstance(payload, dict):
                return payload
            reason = f"a JSON {type(payload).__name__}, not an object"
        self._unreadable(response, reason)
        return None

    def _unreadable(self, response: Response, reason: str) -> None:
        # Its ads are lost: count it and mark the crawl failed so that it exits 1.
        url = self.loggable_url(response.url)
        self.crawler.stats.inc_value(f"jobcrawl/{self.name}/bad_response")
        mark_failed(self.crawler.stats, "api", f"unreadable response from {url}")
        logger.error("%s: unreadable response from %s: %s", self.name, url, reason)
