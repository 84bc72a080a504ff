"""The ashby spider: one Ashby job board, from the public job posting API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from scrapy import Request
from scrapy.http import Response

from jobcrawl.config.arguments import Required
from jobcrawl.extract import ashby
from jobcrawl.items import JobItem
from jobcrawl.spiders.api import ApiArguments, ApiSpider

BOARD_URL = "https://api.ashbyhq.com/posting-api/job-board/{board}?includeCompensation=true"
# The posting API has no per-job endpoint; this is the job's public page.
JOB_PAGE_URL = "https://jobs.ashbyhq.com/{board}/{id}"


class AshbyArguments(ApiArguments):
    board: Required


class AshbySpider(ApiSpider):
    """Every listed job of one Ashby job board, with its published compensation.

    Arguments:
      board=NAME      the job board name, as in jobs.ashbyhq.com/<NAME> (required)
      base_url=URL    read another origin instead of https://api.ashbyhq.com
      max_items=N     stop after N ads
      source=NAME     the ads' source name (default ashby:<board>)

    One request returns the whole board. Jobs marked ``isListed: false`` are not public
    adverts and are skipped.
    Stats: jobcrawl/api/pages, jobcrawl/api/items, jobcrawl/ashby/unlisted, and
    ApiSpider's error keys (jobcrawl/api/http_error/<status>, jobcrawl/api/request_failed,
    jobcrawl/ashby/bad_response, jobcrawl/failed/api) and jobcrawl/ashby/listing_complete.
    """

    name = "ashby"

    Arguments = AshbyArguments
    args: AshbyArguments

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.board = self.args.board
        self.name_source(f"ashby:{self.board}")

    async def start(self) -> AsyncIterator[Request]:
        yield self.api_request(BOARD_URL.format(board=quote(self.board, safe="")),
                               self.parse_board)

    def parse_board(self, response: Response) -> Iterator[JobItem]:
        self.page_read()
        scraped_at = datetime.now(UTC)
        page = self.read_object(response, list_key="jobs")
        if page is None:
            return
        yield from self.take(
            ashby.to_item(job, source=self.source, scraped_at=scraped_at,
                          fallback_url=self.job_url(job.get("id")))
            for job in self._listed(ashby.jobs(page))
        )

    def job_url(self, job_id: Any) -> str:
        """The job's public page, for a job that lacks jobUrl."""
        if job_id is None:
            return ""
        return JOB_PAGE_URL.format(board=quote(self.board, safe=""),
                                   id=quote(str(job_id), safe=""))

    def _listed(self, jobs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for job in jobs:
            if ashby.is_listed(job):
                yield job
            else:
                self.crawler.stats.inc_value("jobcrawl/ashby/unlisted")
