"""The greenhouse spider: one Greenhouse job board, from the public Job Board API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from scrapy import Request
from scrapy.http import Response

from jobcrawl.config.arguments import Required
from jobcrawl.extract import greenhouse
from jobcrawl.items import JobItem
from jobcrawl.spiders.api import ApiArguments, ApiSpider

JOBS_URL = "https://boards-api.greenhouse.io/v1/boards/{board}/jobs?content=true"
JOB_URL = "https://boards-api.greenhouse.io/v1/boards/{board}/jobs/{id}"


class GreenhouseArguments(ApiArguments):
    board: Required


class GreenhouseSpider(ApiSpider):
    """Every published job of one Greenhouse board.

    Arguments:
      board=TOKEN     the board token, as in boards.greenhouse.io/<TOKEN> (required)
      base_url=URL    read another origin instead of https://boards-api.greenhouse.io
      max_items=N     stop after N ads
      source=NAME     the ads' source name (default greenhouse:<board>)

    One request returns the whole board; ``content=true`` adds the descriptions.
    Stats: jobcrawl/api/pages, jobcrawl/api/items, and ApiSpider's error keys
    (jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed,
    jobcrawl/greenhouse/bad_response, jobcrawl/failed/api) and
    jobcrawl/greenhouse/listing_complete.
    """

    name = "greenhouse"

    Arguments = GreenhouseArguments
    args: GreenhouseArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.board = self.args.board
        self.name_source(f"greenhouse:{self.board}")

    async def start(self) -> AsyncIterator[Request]:
        yield self.api_request(JOBS_URL.format(board=quote(self.board, safe="")), self.parse_jobs)

    def parse_jobs(self, response: Response) -> Iterator[JobItem]:
        self.page_read()
        scraped_at = datetime.now(UTC)
        page = self.read_object(response, list_key="jobs")
        if page is None:
            return
        yield from self.take(
            greenhouse.to_item(job, source=self.source, scraped_at=scraped_at,
                               fallback_url=self.job_url(job.get("id")))
            for job in greenhouse.jobs(page)
        )

    def job_url(self, job_id: Any) -> str:
        """The job's own API URL: its address when the board gives no absolute_url."""
        if job_id is None:
            return ""
        return JOB_URL.format(board=quote(self.board, safe=""), id=quote(str(job_id), safe=""))
