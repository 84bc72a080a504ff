"""The adzuna spider: an Adzuna job search in one country, page by page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self
from urllib.parse import urlencode

from pydantic import BeforeValidator
from scrapy import signals

from jobcrawl.config.arguments import Text, required
from jobcrawl.extract import adzuna
from jobcrawl.security.secrets import MaskingLogFilter, query_masker
from jobcrawl.spiders.api import ApiArguments, ApiSpider

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from jobcrawl.items import JobItem

APP_ID_SETTING = "JOBCRAWL_ADZUNA_APP_ID"
APP_KEY_SETTING = "JOBCRAWL_ADZUNA_APP_KEY"
# Adzuna takes its credentials in the query string; logs and stats must not show them.
mask_credentials = query_masker(("app_id", "app_key"))


def _country(raw: str) -> str:
    country = required(raw).lower()
    if country not in adzuna.COUNTRIES:
        raise ValueError(f"{raw!r} is not an Adzuna country "
                         f"(one of {', '.join(adzuna.COUNTRIES)})")
    return country


class AdzunaArguments(ApiArguments):
    country: Annotated[str, BeforeValidator(_country)]
    what: Text = None
    where: Text = None


class AdzunaSpider(ApiSpider):
    """Reads ``https://api.adzuna.com/v1/api/jobs/{country}/search/{page}``, 50 ads a page.

    Arguments:
      country=xx     Adzuna's country site (required): gb, us, de, fr, au, ...
      what=...       search words
      where=...      a place name
      base_url=URL   send every request to http://host:port/v1/api/jobs/... instead
      max_items=N    stop after N ads
      source=NAME    the ads' source name (default adzuna:<country>)

    Settings: JOBCRAWL_ADZUNA_APP_ID, JOBCRAWL_ADZUNA_APP_KEY (both required; sent in
    the query string as Adzuna asks, masked in every log line and stats value).

    Pages are read one after another until page * 50 reaches the response's count or
    a page is empty. Descriptions are the snippets the API gives; closing dates come
    from their text. A salary Adzuna predicted (salary_is_predicted "1") is not the
    advertiser's and is not stored.

    Stats: jobcrawl/api/pages, jobcrawl/api/items (ApiSpider),
    jobcrawl/adzuna/predicted_salary_ignored, jobcrawl/adzuna/bad_response,
    jobcrawl/adzuna/listing_complete, and ApiSpider's error keys.
    """

    name = "adzuna"
    page_size = 50

    Arguments = AdzunaArguments
    args: AdzunaArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.country = self.args.country
        self.what = self.args.what
        self.where = self.args.where
        # A search is a part of the country's board: its complete crawl expires only
        # the ads that this same search listed before.
        board = f"{self.name}:{self.country}"
        search = " ".join(f"{key}={value}" for key, value in
                          (("what", self.what), ("where", self.where)) if value)
        self.name_source(board, f"{board} {search}" if search else board)
        self.credentials: dict[str, str] = {}
        self.log_mask = MaskingLogFilter(mask_credentials)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for setting, param in ((APP_ID_SETTING, "app_id"), (APP_KEY_SETTING, "app_key")):
            value = (crawler.settings.get(setting) or "").strip()
            if not value:
                raise ValueError(
                    f"setting {setting} is empty: the adzuna spider needs Adzuna API "
                    f"credentials (environment variable {setting} or -s {setting}=...)"
                )
            spider.credentials[param] = value
        # Scrapy installs its log handler after the spider is built: mask once it is open.
        crawler.signals.connect(spider.mask_logs, signal=signals.spider_opened)
        crawler.signals.connect(spider.unmask_logs, signal=signals.spider_closed)
        return spider

    def mask_logs(self) -> None:
        for handler in logging.root.handlers:
            handler.addFilter(self.log_mask)

    def unmask_logs(self) -> None:
        for handler in logging.root.handlers:
            handler.removeFilter(self.log_mask)

    def page_url(self, page: int) -> str:
        query = {**self.credentials, "results_per_page": str(self.page_size)}
        query |= {key: value for key, value in (("what", self.what), ("where", self.where))
                  if value}
        query["content-type"] = "application/json"
        return f"{adzuna.API_ROOT}/{self.country}/search/{page}?{urlencode(query)}"

    def loggable_url(self, url: str) -> str:
        return mask_credentials(url)

    async def start(self) -> AsyncIterator[Any]:
        yield self.api_request(self.page_url(1), self.parse_page, cb_kwargs={"page": 1})

    def parse_page(self, response: Response, page: int) -> Iterator[JobItem | Request]:
        scraped_at = datetime.now(UTC)
        self.page_read()
        payload = self.read_object(response, list_key="results")
        if payload is None:
            return
        results, count = adzuna.search_results(payload)
        yield from self.take(self._items(results, scraped_at))
        # count is the API's own end signal; an empty page ends it too.
        more = count is None or page * self.page_size < count
        if results and more and not self.exhausted:
            yield self.api_request(self.page_url(page + 1), self.parse_page,
                                   cb_kwargs={"page": page + 1})

    def _items(self, results: list[dict[str, Any]], scraped_at: datetime) -> Iterator[JobItem]:
        for result in results:
            has_figures = any(result.get(key) is not None for key in ("salary_min", "salary_max"))
            if has_figures and adzuna.is_predicted_salary(result):
                self.crawler.stats.inc_value("jobcrawl/adzuna/predicted_salary_ignored")
            yield adzuna.to_item(result, source=self.source, scraped_at=scraped_at,
                                 country=self.country)
