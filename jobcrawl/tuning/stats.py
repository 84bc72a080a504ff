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
    coverage). Stats read and write exactly as before; only that deprecation
    warning is not given.
    """

    # Earns its place: with Scrapy's MemoryStatsCollector a crawl used 12.5% more CPU
    # per page (paired median of 6 rounds; 2.166 against 1.961 ms, medians), 2.5% in a
    # 3-round run of 20,000 ads: `benchmarks/ab.py --ads 5000 --rounds 6 --nginx -v ours
    # -v scrapy_stats STATS_CLASS=scrapy.statscollectors.MemoryStatsCollector`.

    __getattribute__ = object.__getattribute__
