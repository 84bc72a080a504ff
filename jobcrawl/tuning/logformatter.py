"""Scrapy's log messages, without building the per-page and per-item ones LOG_LEVEL hides."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy.logformatter import LogFormatter

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response


class LevelAwareLogFormatter(LogFormatter):
    """Skips "Crawled (200) ..." and "Scraped from ..." when LOG_LEVEL is above DEBUG.

    Scrapy logs both at DEBUG for every response and every item, and its root
    handler drops them only after the record is built: at LOG_LEVEL INFO (our
    default), with Scrapy's LogFormatter a crawl used 5.5% more CPU per page
    (paired median of 6 rounds; 2.090 against 1.961 ms, medians) for lines nobody
    sees: `benchmarks/ab.py --ads 5000 --rounds 6 --nginx -v ours -v scrapy_logformatter
    LOG_FORMATTER=scrapy.logformatter.LogFormatter`.
    At LOG_LEVEL DEBUG both are logged as Scrapy logs them; every other message
    (dropped items, errors) is Scrapy's own.

    Settings: LOG_LEVEL.
    """

    def __init__(self, level: int) -> None:
        self.verbose = level <= logging.DEBUG

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        raw = crawler.settings.get("LOG_LEVEL")
        # Scrapy has already given LOG_LEVEL to the logging module, which checked it.
        level = raw if isinstance(raw, int) else logging.getLevelName(str(raw).upper())
        return cls(level if isinstance(level, int) else logging.DEBUG)

    def crawled(self, request: Request, response: Response,
                spider: Spider) -> dict[str, Any] | None:  # type: ignore[override]
        return super().crawled(request, response, spider) if self.verbose else None

    def scraped(self, item: Any, response: Response | Exception | None,
                spider: Spider) -> dict[str, Any] | None:  # type: ignore[override]
        return super().scraped(item, response, spider) if self.verbose else None
