"""The workable spider: one Workable account's jobs, from the public job widget API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from scrapy import Request
from scrapy.http import Response

from jobcrawl.config.arguments import Required
from jobcrawl.extract import workable
from jobcrawl.items import JobItem
from jobcrawl.spiders.api import ApiArguments, ApiSpider

# details=true puts each job's description in the account response itself.
ACCOUNT_URL = "https://apply.workable.com/api/v1/widget/accounts/{slug}?details=true"
JOB_PAGE_URL = "https://apply.workable.com/j/{shortcode}"


class WorkableArguments(ApiArguments):
    company: Required


class WorkableSpider(ApiSpider):
    """Every published job of one Workable account.

    Arguments:
      company=SLUG    the account slug, as in apply.workable.com/<SLUG> (required)
      base_url=URL    read another origin instead of https://apply.workable.com
      max_items=N     stop after N ads
      source=NAME     the ads' source name (default workable:<company>)

    One request returns the whole account: its name (the ads' company) and its jobs.
    Stats: jobcrawl/api/pages, jobcrawl/api/items, and ApiSpider's error keys
    (jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed,
    jobcrawl/workable/bad_response, jobcrawl/failed/api) and
    jobcrawl/workable/listing_complete.
    """

    name = "workable"

    Arguments = WorkableArguments
    args: WorkableArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.company = self.args.company
        self.name_source(f"workable:{self.company}")

    async def start(self) -> AsyncIterator[Request]:
        yield self.api_request(ACCOUNT_URL.format(slug=quote(self.company, safe="")),
                               self.parse_account)

    def parse_account(self, response: Response) -> Iterator[JobItem]:
        self.page_read()
        scraped_at = datetime.now(UTC)
        page = self.read_object(response, list_key="jobs")
        if page is None:
            return
        company = workable.account_name(page)
        yield from self.take(
            workable.to_item(job, company=company, source=self.source, scraped_at=scraped_at,
                             fallback_url=job_page_url(job.get("shortcode")))
            for job in workable.jobs(page)
        )


def job_page_url(shortcode: Any) -> str:
    """The job's public page, for a job that lacks url and shortlink."""
    if shortcode is None:
        return ""
    return JOB_PAGE_URL.format(shortcode=quote(str(shortcode), safe=""))
