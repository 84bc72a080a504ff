"""The recruitee spider: every published offer of one Recruitee careers site."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jobcrawl.extract import recruitee
from jobcrawl.failures import mark_failed
from jobcrawl.spiders.api import ApiSpider, required

if TYPE_CHECKING:
    from scrapy.http import Response

    from jobcrawl.items import JobItem

logger = logging.getLogger(__name__)

# The company name is the careers site's subdomain: {company}.recruitee.com.
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)


class RecruiteeSpider(ApiSpider):
    """Reads ``https://{company}.recruitee.com/api/offers`` (one response, no paging).

    Arguments:
      company=NAME   the careers site's name (required): acme for acme.recruitee.com
      base_url=URL   read http://host:port/api/offers instead (tests, mirrors)
      max_items=N    stop after N ads

    Offers whose status is not "published" are skipped. close_at is the structured
    closing date.

    Stats: jobcrawl/api/pages, jobcrawl/api/items (ApiSpider),
    jobcrawl/recruitee/unpublished_skipped, jobcrawl/recruitee/bad_response.
    """

    name = "recruitee"

    def __init__(self, company: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = required(company, "company", self.name).lower()
        if not _SUBDOMAIN.fullmatch(self.company):
            raise ValueError(
                f"argument company: {company!r} is not a Recruitee careers-site name "
                "(letters, digits and hyphens, as in acme.recruitee.com)"
            )
        self.source = f"{self.name}:{self.company}"

    async def start(self) -> AsyncIterator[Any]:
        yield self.api_request(f"https://{self.company}.recruitee.com/api/offers",
                               self.parse_offers)

    def parse_offers(self, response: Response) -> Iterator[JobItem]:
        scraped_at = datetime.now(UTC)
        self.page_read()
        # The whole board is in this one response: an unreadable one must not pass
        # for an empty board, so _read_object marks the crawl failed (exit 1).
        payload = self._read_object(response)
        if payload is None:
            return
        if not isinstance(payload.get("offers"), list):
            self._unreadable(response, 'no "offers" list')
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
