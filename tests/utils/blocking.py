"""Extensions that take their time on purpose, for tests of the stall measurement."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Self

from scrapy import signals

from jobcrawl.runs.closing import closing_steps

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

HOLD = 0.6  # seconds, once while crawling and once while closing
STEP = 1.5  # seconds a slow closing step takes, in its thread


class HoldTheReactor:
    def __init__(self) -> None:
        self.held = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls()
        crawler.signals.connect(extension.response_received, signal=signals.response_received)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def response_received(self) -> None:
        if not self.held:
            self.held = True
            time.sleep(HOLD)

    def spider_closed(self) -> None:
        time.sleep(HOLD)


class SlowClosingStep:
    """A closing step (jobcrawl.runs.closing) that takes STEP seconds, then sets a stat."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> object:
        return closing_steps(self.crawler).then(self.closed)

    def closed(self) -> None:
        time.sleep(STEP)
        self.crawler.stats.set_value("tests/slow_step/done", 1)  # type: ignore[union-attr]
