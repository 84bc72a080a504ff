"""Garbage-collector tuning for a crawl process: full collections that skip the start-up heap.

A crawl holds a large heap that lives as long as the process (modules, settings,
SQLAlchemy's metadata, compiled patterns), and the full collections that Python
runs every few hundred pages walk all of it again. At 20,000 ads on the demo
board that made jobcrawl's crawl ~20% slower (2.57 against 2.11 CPU ms per page,
benchmarks/crawl.py). Freezing what start-up built (gc.freeze) takes it out of
every later collection and costs no memory: those objects were never garbage.

Young-generation collections ran every 700 allocations, 5,400 times in a
20,000-ad crawl, each followed now and then by a middle and a full collection:
6.4 s of an 84 s crawl (8%). A first-generation threshold of 10,000
(JOBCRAWL_GC_THRESHOLD) brought that to 0.6 s, and the crawl used 12% less CPU
per page than with Python's 700 in a three-round same-run comparison (2.47 against
2.82 ms). The price is cyclic garbage (a page read through Scrapy's selector)
kept a little longer: 2 MB more peak memory on that board.

Re-measured for issue 12 (`benchmarks/ab.py --ads 20000 --rounds 3 --nginx -v ours
-v no_gc_freeze JOBCRAWL_GC_FREEZE=False -v gc_threshold_700 JOBCRAWL_GC_THRESHOLD=0
-v no_gc_tuning JOBCRAWL_GC_FREEZE=False JOBCRAWL_GC_THRESHOLD=0`, medians): without
either the crawl used 30% more CPU per page (2.413 against 1.854 ms), without the
freeze 7.5% more, with Python's threshold 11% more (3.7%, paired, in a 6-round run
of 5,000 ads).
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)

# Allocations between young-generation collections, unless JOBCRAWL_GC_THRESHOLD says.
DEFAULT_THRESHOLD = 10_000
# Several crawlers may share a process (`scrapy crawlall`): tune once, restore after the last.
_running = 0
_saved: tuple[int, int, int] | None = None


class GcTuning:
    """Freezes the start-up heap and sets the young-generation threshold when the engine starts.

    Settings: JOBCRAWL_GC_FREEZE (bool), JOBCRAWL_GC_THRESHOLD (allocations
    between young-generation collections; 0 keeps Python's 700). The collector
    is put back as it was when the last crawl of the process stops.
    Stats: none written.
    """

    def __init__(self, freeze: bool, threshold: int) -> None:
        self.freeze = freeze
        self.threshold = threshold
        self._tuning = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        freeze, threshold = gc_settings(crawler.settings)
        if not freeze and not threshold:
            raise NotConfigured("JOBCRAWL_GC_FREEZE is False and JOBCRAWL_GC_THRESHOLD is 0")
        extension = cls(freeze, threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        global _running, _saved
        if self._tuning:
            return
        self._tuning = True
        _running += 1
        if _running > 1:
            return
        _saved = gc.get_threshold()
        if self.freeze:
            gc.freeze()
        if self.threshold:
            gc.set_threshold(self.threshold, _saved[1], _saved[2])
        logger.debug("GC tuned: %d objects frozen, thresholds %s",
                     gc.get_freeze_count(), gc.get_threshold())

    def engine_stopped(self) -> None:
        global _running, _saved
        if not self._tuning:
            return
        self._tuning = False
        _running -= 1
        if _running == 0 and _saved is not None:
            gc.set_threshold(*_saved)
            gc.unfreeze()
            _saved = None


def gc_settings(settings: BaseSettings) -> tuple[bool, int]:
    """(JOBCRAWL_GC_FREEZE, JOBCRAWL_GC_THRESHOLD), checked; ValueError names the bad one."""
    try:
        freeze = settings.getbool("JOBCRAWL_GC_FREEZE", True)
    except ValueError:
        raise ValueError(f"JOBCRAWL_GC_FREEZE must be true or false, got "
                         f"{settings.get('JOBCRAWL_GC_FREEZE')!r}") from None
    raw: Any = settings.get("JOBCRAWL_GC_THRESHOLD", DEFAULT_THRESHOLD)
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit():
        raise ValueError(f"JOBCRAWL_GC_THRESHOLD must be a whole number >= 0 (0: Python's "
                         f"default), got {raw!r}")
    return freeze, int(text)
