"""An extension that holds the reactor on purpose, for tests of the stall measurement."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Self

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

HOLD = 0.6  # seconds, once while crawling and once while closing


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
