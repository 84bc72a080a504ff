"""The recruitee spider: every published offer of one Recruitee careers site."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jobcrawl.config.arguments import subdomain_of
from jobcrawl.extract import recruitee
from jobcrawl.spiders.api import ApiArguments, ApiSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from jobcrawl.items import JobItem


class RecruiteeArguments(ApiArguments):
    company: subdomain_of("recruitee.com")  # type: ignore[valid-type]


class RecruiteeSpider(ApiSpider):
    """Reads ``https://{company}.recruitee.com/api/offers`` (one response, no paging).

    Arguments:
      company=NAME   the careers site's name (required): acme for acme.recruitee.com
      base_url=URL   read http://host:port/api/offers instead (tests, mirrors)
      max_items=N    stop after N ads
      source=NAME    the ads' source name (default recruitee:<company>)

    Offers whose status is not "published" are skipped. close_at is the structured
    closing date.

    Stats: jobcrawl/api/pages, jobcrawl/api/items (ApiSpider),
    jobcrawl/recruitee/unpublished_skipped, jobcrawl/recruitee/bad_response,
    jobcrawl/recruitee/listing_complete, and ApiSpider's error keys.
    """

    name = "recruitee"

    Arguments = RecruiteeArguments
    args: RecruiteeArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = self.args.company
        self.name_source(f"{self.name}:{self.company}")

    async def start(self) -> AsyncIterator[Any]:
        yield self.api_request(f"https://{self.company}.recruitee.com/api/offers",
                               self.parse_offers)

    def parse_offers(self, response: Response) -> Iterator[JobItem]:
        scraped_at = datetime.now(UTC)
        self.page_read()
        payload = self.read_object(response, list_key="offers")
        if payload is None:
            return
        published = []
        for offer in recruitee.offers(payload):
            if recruitee.is_published(offer):
                published.append(offer)
            else:
                self.crawler.stats.inc_value("jobcrawl/recruitee/unpublished_skipped")
        yield from self.take(
            recruitee.to_item(offer, source=self.source, scraped_at=scraped_at,
                              company=self.company)
            for offer in published
        )
