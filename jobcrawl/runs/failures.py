"""Marking a crawl as failed so that `scrapy crawl` exits non-zero.

A component that cannot do its job without losing data (a failed database
batch, later a failing health monitor) records ``jobcrawl/failed/<component>``
in the crawl stats; jobcrawl's ``crawl`` command turns any such key into exit
code 1 after the crawl has finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.statscollectors import StatsCollector

FAILED_PREFIX = "jobcrawl/failed/"


def mark_failed(stats: StatsCollector, component: str, reason: str) -> None:
    """Record that `component` failed; the first reason is kept."""
    key = f"{FAILED_PREFIX}{component}"
    if stats.get_value(key) is None:
        stats.set_value(key, reason)


def failures(stats: Mapping[str, Any]) -> dict[str, str]:
    """All failure marks in a stats dict, by component."""
    return {
        key.removeprefix(FAILED_PREFIX): str(value)
        for key, value in stats.items()
        if key.startswith(FAILED_PREFIX)
    }
