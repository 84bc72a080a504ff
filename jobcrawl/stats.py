"""The crawl's stats collector: Scrapy's in-memory one, with plain attribute lookup."""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector


class MemoryStats(MemoryStatsCollector):
    """Scrapy's MemoryStatsCollector without its ``__getattribute__`` hook.

    Scrapy 2.19 hooks every attribute read of a stats collector, to wrap the
    public methods in a warning about their deprecated ``spider`` argument.
    The hook also runs for ``self._stats`` inside each ``inc_value``, building a
    name and raising and catching an AttributeError every time; a crawl calls
    ``inc_value`` a few dozen times per ad (Scrapy's own counters, ours, field
    coverage), and the hook cost about 2-3% of the crawl's CPU time on the demo
    board (benchmarks/crawl.py). Stats read and write exactly as before; only
    that deprecation warning is not given.
    """

    __getattribute__ = object.__getattribute__
