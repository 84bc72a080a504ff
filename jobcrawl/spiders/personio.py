"""The personio spider: every published position of one Personio job site."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from pydantic import BeforeValidator

from jobcrawl.config.arguments import subdomain_of, text
from jobcrawl.extract import personio
from jobcrawl.spiders.api import ApiArguments, ApiSpider

if TYPE_CHECKING:
    from scrapy.http import Response

    from jobcrawl.items import JobItem

# The company name is the job site's subdomain: {company}.jobs.personio.de.
_LANGUAGE = re.compile(r"[a-z]{2}")


def _language(raw: str | None) -> str | None:
    language = (text(raw) or "").lower() or None
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise ValueError(f"{raw!r} is not a two-letter code")
    return language


class PersonioArguments(ApiArguments):
    company: subdomain_of("jobs.personio.de")  # type: ignore[valid-type]
    language: Annotated[str | None, BeforeValidator(_language)] = None


class PersonioSpider(ApiSpider):
    """Reads the XML feed ``https://{company}.jobs.personio.de/xml`` (one response).

    Arguments:
      company=NAME   the job site's name (required): acme for acme.jobs.personio.de
      language=xx    the feed's language, e.g. en (Personio's default is German)
      base_url=URL   read http://host:port/xml instead (tests, mirrors)
      max_items=N    stop after N ads
      source=NAME    the ads' source name (default personio:<company>)

    The feed has no closing-date or salary fields; the normalize pipeline finds them
    in the description text.

    Stats: jobcrawl/api/pages, jobcrawl/api/items (ApiSpider),
    jobcrawl/personio/bad_response, jobcrawl/personio/listing_complete, and ApiSpider's
    error keys.
    """

    name = "personio"

    Arguments = PersonioArguments
    args: PersonioArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = self.args.company
        self.language = self.args.language
        self.name_source(f"{self.name}:{self.company}")

    def feed_url(self) -> str:
        url = f"https://{self.company}.jobs.personio.de/xml"
        return f"{url}?{urlencode({'language': self.language})}" if self.language else url

    async def start(self) -> AsyncIterator[Any]:
        yield self.api_request(self.feed_url(), self.parse_feed)

    def parse_feed(self, response: Response) -> Iterator[JobItem]:
        scraped_at = datetime.now(UTC)
        self.page_read()
        try:
            found = personio.positions(response.body)
        except ValueError as error:
            # An unknown company may redirect to Personio's home page: an HTML 200
            # that must not pass for an empty job site.
            self.unreadable(response, f"not a Personio XML feed ({error})")
            return
        yield from self.take(
            personio.to_item(position, source=self.source, scraped_at=scraped_at,
                             company=self.company)
            for position in found
        )
