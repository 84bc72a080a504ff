"""The smartrecruiters spider: one company's public postings, from the Posting API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import AfterValidator
from scrapy import Request
from scrapy.http import Response

from jobcrawl.config.arguments import Count, Required
from jobcrawl.extract import smartrecruiters
from jobcrawl.items import JobItem
from jobcrawl.spiders.api import ApiArguments, ApiSpider

logger = logging.getLogger(__name__)

LIST_URL = "https://api.smartrecruiters.com/v1/companies/{company}/postings?limit={limit}&offset={offset}"
DETAIL_URL = "https://api.smartrecruiters.com/v1/companies/{company}/postings/{id}"
# The Posting API answers at most 100 postings per list request.
PAGE_SIZE = 100


def _at_most_a_page(size: int | None) -> int | None:
    if size is not None and size > PAGE_SIZE:
        raise ValueError(f"must be {PAGE_SIZE} or less, got {size}")
    return size


class SmartRecruitersArguments(ApiArguments):
    company: Required
    page_size: Annotated[Count, AfterValidator(_at_most_a_page)] = PAGE_SIZE


class SmartRecruitersSpider(ApiSpider):
    """Every public posting of one SmartRecruiters company, with its full job ad.

    Arguments:
      company=ID      the company identifier, as in jobs.smartrecruiters.com/<ID> (required)
      page_size=N     postings per list request (``limit``; default and maximum 100)
      base_url=URL    read another origin instead of https://api.smartrecruiters.com
      max_items=N     stop after N ads (no more list pages or details are requested)
      source=NAME     the ads' source name (default smartrecruiters:<company>)

    List pages are read with ``limit``/``offset`` until offset + page length reaches
    ``totalFound``; the list holds no description, so each posting's detail is read too.
    A detail that is gone (404: the posting closed meanwhile) is skipped, not fatal.
    Stats: jobcrawl/api/pages (list pages and details), jobcrawl/api/items,
    jobcrawl/smartrecruiters/detail_gone, jobcrawl/smartrecruiters/no_id (list entries
    without an id, skipped), and ApiSpider's error keys
    (jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed,
    jobcrawl/smartrecruiters/bad_response, jobcrawl/failed/api) and
    jobcrawl/smartrecruiters/listing_complete.
    """

    name = "smartrecruiters"

    Arguments = SmartRecruitersArguments
    args: SmartRecruitersArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = self.args.company
        self.page_size = self.args.page_size or PAGE_SIZE
        self.name_source(f"smartrecruiters:{self.company}")
        self._company_path = quote(self.company, safe="")

    async def start(self) -> AsyncIterator[Request]:
        yield self.list_request(offset=0)

    def list_request(self, offset: int) -> Request:
        url = LIST_URL.format(company=self._company_path, limit=self.page_size, offset=offset)
        return self.api_request(url, self.parse_list, cb_kwargs={"offset": offset})

    def parse_list(self, response: Response, offset: int) -> Iterator[Request]:
        self.page_read()
        page = self.read_object(response, list_key="content")
        if page is None:
            return
        postings = smartrecruiters.postings(page)
        total = smartrecruiters.total_found(page)
        if total == 0:
            logger.warning("%s: company %r has no public postings; is the identifier right?",
                           self.name, self.company)
        for posting in postings:
            if self.enough_requested:
                return
            yield from self._detail_request(posting)
        next_offset = offset + len(postings)
        # totalFound is the API's own end signal; without it, only an empty page is.
        more = next_offset < total if total is not None else bool(postings)
        if postings and more and not self.enough_requested:
            yield self.list_request(next_offset)

    def _detail_request(self, posting: dict[str, Any]) -> Iterator[Request]:
        posting_id = smartrecruiters.posting_id(posting)
        if posting_id is None:
            self.crawler.stats.inc_value("jobcrawl/smartrecruiters/no_id")
            logger.warning("%s: a posting without id in the list of %r", self.name, self.company)
            return
        url = self.detail_url(posting_id)
        yield self.detail_request(url, self.parse_detail,
                                  cb_kwargs={"listing": posting, "real_url": url})

    def detail_url(self, posting_id: str) -> str:
        return DETAIL_URL.format(company=self._company_path, id=quote(posting_id, safe=""))

    def parse_detail(self, response: Response, listing: dict[str, Any],
                     real_url: str) -> Iterator[JobItem]:
        self.page_read()
        scraped_at = datetime.now(UTC)
        detail = self.read_object(response)
        if detail is None:
            return
        # The detail repeats the list fields; the list entry fills any it leaves out.
        yield from self.take([
            smartrecruiters.to_item({**listing, **detail}, source=self.source,
                                    scraped_at=scraped_at, fallback_url=real_url)
        ])
