"""Responses over DOWNLOAD_MAXSIZE: refused with a reason, counted, logged with the URL."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from jobcrawl.downloader.stream import STREAM_TO_FILE

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
    Streamed feed bodies (jobcrawl/downloader/stream.py) have their own limit
    (JOBCRAWL_FEED_MAXSIZE, through meta download_maxsize); a feed over it is counted
    but still fails, as the whole source it is.

    Settings: DOWNLOAD_MAXSIZE. Stats: jobcrawl/download/too_large.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DownloadCancelledError) or "max size" not in str(exception):
            return
        self.stats.inc_value("jobcrawl/download/too_large")
        if request.meta.get(STREAM_TO_FILE):
            return  # a feed is a whole source: over its limit, the source failed
        logger.warning("Refused %s: %s", request.url, exception)
        raise ResponseTooLarge(f"larger than the download max size: {request.url}")
