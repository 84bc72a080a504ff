"""Responses over DOWNLOAD_MAXSIZE: refused with a reason, counted, logged with the URL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class ResponseTooLarge(IgnoreRequest):
    """A response body larger than DOWNLOAD_MAXSIZE (or meta download_maxsize)."""


class SizeLimitMiddleware:
    """Turns Scrapy's cut-off of an oversized body into ResponseTooLarge (an IgnoreRequest).

    Scrapy's HTTP handler aborts a download whose Content-Length, or whose bytes so
    far, pass DOWNLOAD_MAXSIZE, and fails it with DownloadCancelledError, which is
    not retried (a retry would be as large). This middleware names it: counted,
    logged at WARNING with the URL, and raised as an IgnoreRequest, so a page left out
    by the size policy reads like one left out by robots.txt, not as a failed page.
    Streamed feed bodies (jobcrawl/downloader/stream.py) keep their own limit,
    JOBCRAWL_FEED_MAXSIZE applies to them through meta download_maxsize.

    Settings: DOWNLOAD_MAXSIZE. Stats: jobcrawl/download/too_large.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, DownloadCancelledError) and "max size" in str(exception):
            self.stats.inc_value("jobcrawl/download/too_large")
            logger.warning("Refused %s: %s", request.url, exception)
            raise ResponseTooLarge(f"larger than the download max size: {request.url}")
