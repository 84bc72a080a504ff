"""The reed spider: a Reed.co.uk job search, each result read in full from its details."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlencode

from w3lib.http import basic_auth_header

from jobcrawl.config.arguments import Required, Text
from jobcrawl.extract import reed
from jobcrawl.spiders.api import ApiArguments, ApiSpider

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from jobcrawl.items import JobItem

KEY_SETTING = "JOBCRAWL_REED_API_KEY"


class ReedArguments(ApiArguments):
    keywords: Required
    location: Text = None


class ReedSpider(ApiSpider):
    """Searches ``https://www.reed.co.uk/api/1.0/search`` and reads every result's details.

    Arguments:
      keywords=...   the search words (required)
      location=...   a place name (Reed's locationName)
      base_url=URL   send every request to http://host:port/api/1.0/... instead
      max_items=N    stop after N ads (no more detail requests or search pages)
      source=NAME    the ads' source name (default reed)

    Settings: JOBCRAWL_REED_API_KEY (required; sent with HTTP basic auth, the key as
    user name and an empty password).

    Search pages take 100 results each (resultsToTake/resultsToSkip) until
    resultsToSkip reaches totalResults or a page is empty. Each result's
    ``/api/1.0/jobs/{id}`` gives the full description, salary text, contract and
    dates; expirationDate (dd/mm/yyyy) is the structured closing date.

    Stats: jobcrawl/api/pages, jobcrawl/api/items (ApiSpider),
    jobcrawl/reed/details_gone (a job withdrawn between search and details: skipped),
    jobcrawl/reed/results_without_id, jobcrawl/reed/bad_response,
    jobcrawl/reed/listing_complete, and ApiSpider's error keys.
    """

    name = "reed"
    detail_gone_stat = "details_gone"
    # Reed writes dates day first (expirationDate 05/03/2024 is 5 March).
    dayfirst = True
    page_size = 100

    Arguments = ReedArguments
    args: ReedArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keywords = self.args.keywords
        self.location = self.args.location
        # A search is a part of Reed: its complete crawl expires only the ads that this
        # same search listed before.
        search = " ".join(f"{key}={value}" for key, value in
                          (("keywords", self.keywords), ("location", self.location)) if value)
        self.name_source(reed.SOURCE, f"{reed.SOURCE} {search}")
        self.authorization = b""

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

    def search_url(self, skip: int) -> str:
        query = {"keywords": self.keywords}
        if self.location:
            query["locationName"] = self.location
        query |= {"resultsToTake": str(self.page_size), "resultsToSkip": str(skip)}
        return f"{reed.API_ROOT}/search?{urlencode(query)}"

    def api_request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """Every Reed request, searches and details alike, carries the key."""
        kwargs.setdefault("headers", {"Authorization": self.authorization})
        return super().api_request(url, callback, **kwargs)

    async def start(self) -> AsyncIterator[Any]:
        yield self.api_request(self.search_url(0), self.parse_search, cb_kwargs={"skip": 0})

    def parse_search(self, response: Response, skip: int) -> Iterator[Request]:
        self.page_read()
        payload = self.read_object(response, list_key="results")
        if payload is None:
            return
        results, total = reed.search_results(payload)
        for result in results:
            if self.enough_requested:
                return
            job = reed.job_id(result)
            if job is None:
                self.crawler.stats.inc_value("jobcrawl/reed/results_without_id")
                continue
            yield self.detail_request(reed.detail_url(job), self.parse_detail,
                                      cb_kwargs={"summary": result})
        next_skip = skip + len(results)
        # totalResults is the API's own end signal; an empty page ends it too.
        if results and (total is None or next_skip < total) and not self.enough_requested:
            yield self.api_request(self.search_url(next_skip), self.parse_search,
                                   cb_kwargs={"skip": next_skip})

    def parse_detail(self, response: Response, summary: dict[str, Any]) -> Iterator[JobItem]:
        scraped_at = datetime.now(UTC)
        self.page_read()
        detail = self.read_object(response)
        if detail is None:
            return
        yield from self.take([reed.to_item(detail, scraped_at=scraped_at, summary=summary)])
