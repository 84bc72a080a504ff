"""How long the reactor was held: the longest gap between ticks of a 0.1 s timer, per phase.

Everything a crawl does on the reactor thread (parsing, the pipelines' reactor side,
start-up and closing work in signal handlers) holds up every download and timer while
it runs. A large database makes some of that work grow (the known ads read at
start-up, the expiry at close: issue 15 asks for no stall over 0.5 s), so it is
measured in every crawl rather than guessed: a timer asks to run every TICK seconds,
and how late each tick comes is how long the reactor was held.

Phases: ``open`` (from spider_opened, whose handlers run after this one's, until the
engine starts), ``crawl`` (until the spider closes) and ``close`` (the
spider_closed handlers, until the engine stops). The stats keep the open and crawl
figures; the close phase ends after the run record and the stats file are written, so
its figure is only logged, with the others, when the engine stops:

    reactor held at most 0.012 s while opening, 0.210 s while crawling, 3.104 s while closing

Settings: none. Stats: jobcrawl/reactor/max_stall/open, jobcrawl/reactor/max_stall/crawl
(seconds).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.utils.asyncio import call_later

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.utils.asyncio import CallLaterResult

logger = logging.getLogger(__name__)

TICK = 0.1
PHASES = ("open", "crawl", "close")
STATS_PREFIX = "jobcrawl/reactor/max_stall/"


class ReactorStalls:
    """Measures how long the reactor was held, per phase (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.phase = "open"
        self.longest = dict.fromkeys(PHASES, 0.0)
        self._due = 0.0
        self._timer: CallLaterResult | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def _tick(self) -> None:
        now = time.monotonic()
        late = now - self._due
        if late > self.longest[self.phase]:
            self.longest[self.phase] = late
            if self.phase != "close" and self.crawler.stats is not None:
                self.crawler.stats.set_value(f"{STATS_PREFIX}{self.phase}", round(late, 3))
        self._due = now + TICK
        self._timer = call_later(TICK, self._tick)

    def spider_opened(self) -> None:
        # Started here, not when built: a component test builds extensions with no reactor.
        self._due = time.monotonic() + TICK
        self._timer = call_later(TICK, self._tick)

    def engine_started(self) -> None:
        self._tick_now("crawl")

    def spider_closed(self) -> None:
        self._tick_now("close")

    def _tick_now(self, phase: str) -> None:
        """Count the gap so far in the phase that ends, then start the next one."""
        if self._timer is None:
            return
        late = time.monotonic() - self._due
        if late > self.longest[self.phase]:
            self.longest[self.phase] = late
            if self.crawler.stats is not None:
                self.crawler.stats.set_value(f"{STATS_PREFIX}{self.phase}", round(late, 3))
        self.phase = phase

    def engine_stopped(self) -> None:
        if self._timer is None:
            return
        self._tick_now("close")
        self._timer.cancel()
        self._timer = None
        logger.info("reactor held at most %.3f s while opening, %.3f s while crawling, "
                    "%.3f s while closing", *(self.longest[phase] for phase in PHASES))
