"""The lever spider: one company's published postings, from the Lever Postings API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BeforeValidator
from scrapy import Request
from scrapy.http import Response

from jobcrawl.config.arguments import Count, Required
from jobcrawl.extract import lever
from jobcrawl.items import JobItem
from jobcrawl.spiders.api import ApiArguments, ApiSpider

# Lever runs two separate instances; an EU company's postings exist only on the EU one.
HOSTS = {"global": "api.lever.co", "eu": "api.eu.lever.co"}
PAGE_URL = "https://{host}/v0/postings/{company}?mode=json&skip={skip}&limit={limit}"
POSTING_URL = "https://{host}/v0/postings/{company}/{id}"
PAGE_SIZE = 100


def _region(raw: str) -> str:
    key = raw.strip().lower()
    if key not in HOSTS:
        raise ValueError(f"must be one of {', '.join(HOSTS)}, got {raw!r}")
    return key


class LeverArguments(ApiArguments):
    company: Required
    region: Annotated[str, BeforeValidator(_region)] = "global"
    page_size: Count = PAGE_SIZE


class LeverSpider(ApiSpider):
    """Every published posting of one Lever site, page by page.

    Arguments:
      company=SITE    the site name, as in jobs.lever.co/<SITE> (required)
      region=eu       read the EU instance (api.eu.lever.co); default: global
      page_size=N     postings per request (Lever's ``limit``; default 100)
      base_url=URL    read another origin instead of the region's API host
      max_items=N     stop after N ads
      source=NAME     the ads' source name (default lever:<company>)

    Pages are read with ``skip``/``limit`` until Lever answers with an empty page.
    Stats: jobcrawl/api/pages, jobcrawl/api/items, and ApiSpider's error keys
    (jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed,
    jobcrawl/lever/bad_response, jobcrawl/failed/api) and jobcrawl/lever/listing_complete.
    """

    name = "lever"

    Arguments = LeverArguments
    args: LeverArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = self.args.company
        self.host = HOSTS[self.args.region]
        self.page_size = self.args.page_size or PAGE_SIZE
        self.name_source(f"lever:{self.company}")

    async def start(self) -> AsyncIterator[Request]:
        yield self.page_request(skip=0)

    def page_request(self, skip: int) -> Request:
        url = PAGE_URL.format(host=self.host, company=quote(self.company, safe=""), skip=skip,
                              limit=self.page_size)
        return self.api_request(url, self.parse_page, cb_kwargs={"skip": skip})

    def parse_page(self, response: Response, skip: int) -> Iterator[JobItem | Request]:
        self.page_read()
        scraped_at = datetime.now(UTC)
        page = self.read_array(response)
        if page is None:
            return
        postings = lever.postings(page)
        yield from self.take(
            lever.to_item(posting, source=self.source, scraped_at=scraped_at,
                          fallback_url=self.posting_url(posting.get("id")))
            for posting in postings
        )
        # Lever gives no total: only an empty page says that there is nothing more.
        if postings and not self.exhausted:
            yield self.page_request(skip + len(postings))

    def posting_url(self, posting_id: Any) -> str:
        """The posting's own API URL: its address when it has no hostedUrl."""
        if posting_id is None:
            return ""
        return POSTING_URL.format(host=self.host, company=quote(self.company, safe=""),
                                  id=quote(str(posting_id), safe=""))
