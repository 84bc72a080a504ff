"""Retries with exponential backoff through the scheduler, and Retry-After for the whole host."""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Self

from pydantic import Field
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message

from jobcrawl.config.types import Duration, SettingsModel
from jobcrawl.downloader.delay import NOT_BEFORE
from jobcrawl.downloader.pause import PausingDownloader
from jobcrawl.downloader.retryafter import backoff_seconds, retry_after_seconds

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Statuses whose Retry-After header is read (RFC 9110 names 503 and 3xx; RFC 6585 429).
RETRY_AFTER_STATUSES = (429, 503)


class RetryConfig(SettingsModel):
    """The backoff and Retry-After settings, validated once."""

    backoff_base: Duration = Field(timedelta(seconds=1), alias="JOBCRAWL_RETRY_BACKOFF_BASE")
    backoff_max: Duration = Field(timedelta(seconds=60), alias="JOBCRAWL_RETRY_BACKOFF_MAX")
    retry_after_max: Duration = Field(timedelta(minutes=10), alias="JOBCRAWL_RETRY_AFTER_MAX")


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (same RETRY_* settings and meta keys, same retry/* stats),
    but a retry waits before it is sent again, and Retry-After is honoured for the host.

    - A transient failure (a status in RETRY_HTTP_CODES, an exception in
      RETRY_EXCEPTIONS) is retried up to RETRY_TIMES times (max_retry_times in meta),
      retry n after ``JOBCRAWL_RETRY_BACKOFF_BASE * 2**(n-1)`` (at most
      JOBCRAWL_RETRY_BACKOFF_MAX), jittered into the upper half of that step.
    - A 429 or 503 with a readable Retry-After waits that long instead, and pauses the
      host's download slot for as long (PausingDownloader.pause_slot), so no other
      request to it is sent in the meantime. A Retry-After above
      JOBCRAWL_RETRY_AFTER_MAX is not waited for: the response is final, as when
      retries run out (the spider's errback sees it, logged at RETRY_GIVE_UP_LOG_LEVEL).
    - The retry goes back through the scheduler with ``meta[NOT_BEFORE]`` set; the
      DelayingScheduler holds it until then without holding up other requests.

    Settings: RETRY_*, JOBCRAWL_RETRY_BACKOFF_BASE, JOBCRAWL_RETRY_BACKOFF_MAX,
    JOBCRAWL_RETRY_AFTER_MAX. Stats: Scrapy's retry/count, retry/reason_count/*,
    retry/max_reached; jobcrawl/retry/backoff, jobcrawl/retry/retry_after,
    jobcrawl/retry/retry_after_too_long, jobcrawl/retry/waited_seconds (total).
    """

    def __init__(self, crawler: Crawler, config: RetryConfig) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.config = config
        self.stats = crawler.stats
        self._rng = random.Random()  # jitter, not security

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, RetryConfig.from_settings(crawler.settings))

    def process_response(self, request: Request, response: Response,  # type: ignore[override]
                         spider: object = None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = None
        if response.status in RETRY_AFTER_STATUSES:
            wait = retry_after_seconds(response.headers.get("Retry-After"), datetime.now(UTC))
        if wait is not None and wait > self.config.retry_after_max.total_seconds():
            return self._too_long(request, response, wait)
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait is None:
            return self._after_backoff(retry)
        self.stats.inc_value("jobcrawl/retry/retry_after")
        self._pause_host(request, wait)
        return self._not_before(retry, wait)

    def process_exception(self, request: Request, exception: Exception,  # type: ignore[override]
                          spider: object = None) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        return self._after_backoff(retry) if retry is not None else None

    def _after_backoff(self, retry: Request) -> Request:
        attempt = retry.meta.get("retry_times", 1)
        base = self.config.backoff_base.total_seconds()
        delay = backoff_seconds(attempt, base, self.config.backoff_max.total_seconds(), self._rng)
        self.stats.inc_value("jobcrawl/retry/backoff")
        return self._not_before(retry, delay)

    def _not_before(self, retry: Request, delay: float) -> Request:
        if delay > 0:
            retry.meta[NOT_BEFORE] = time.time() + delay
            self.stats.inc_value("jobcrawl/retry/waited_seconds", delay)
        return retry

    def _pause_host(self, request: Request, seconds: float) -> None:
        downloader = self.crawler.engine.downloader if self.crawler.engine else None
        if isinstance(downloader, PausingDownloader):
            downloader.pause_slot(downloader.get_slot_key(request), seconds)

    def _too_long(self, request: Request, response: Response, wait: float) -> Response:
        self.stats.inc_value("jobcrawl/retry/retry_after_too_long")
        self.stats.inc_value("retry/max_reached")
        level = request.meta.get("give_up_log_level", self.give_up_log_level)
        logger.log(logging.getLevelName(level) if isinstance(level, str) else level,
                   "Gave up on %s: HTTP %d asks to retry after %.0f s, more than "
                   "JOBCRAWL_RETRY_AFTER_MAX (%.0f s)", request.url, response.status, wait,
                   self.config.retry_after_max.total_seconds())
        return response
