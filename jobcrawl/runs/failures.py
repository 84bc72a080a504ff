"""Marking a crawl as failed or incomplete so that `scrapy crawl` exits non-zero.

A component that cannot do its job without losing data (a failed database
batch, a failing health monitor) records ``jobcrawl/failed/<component>`` in the
crawl stats. A request that failed after its retries, or an item that could not
be stored, is counted under ``jobcrawl/missed/<kind>`` (jobcrawl.runs.misslog).
jobcrawl's ``crawl`` command turns them into its exit code (crawl_exit_code)
after the crawl has finished.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.statscollectors import StatsCollector

from jobcrawl.runs.finish import interrupted

FAILED_PREFIX = "jobcrawl/failed/"
MISSED_PREFIX = "jobcrawl/missed/"
# `scrapy crawl` exit codes: 1 failed (or unhealthy), 3 incomplete (something was missed).
EXIT_FAILED = 1
EXIT_INCOMPLETE = 3


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


def missed_counts(stats: Mapping[str, Any]) -> dict[str, int]:
    """What a crawl missed, by kind (listing, sitemap, feed, api, ad, page, item); {} if nothing."""
    counts = {key.removeprefix(MISSED_PREFIX): int(value or 0)
              for key, value in stats.items() if key.startswith(MISSED_PREFIX)}
    return {kind: count for kind, count in sorted(counts.items()) if count > 0}


def crawl_exit_code(stats: Mapping[str, Any]) -> int:
    """0 ok; 1 failed; 3 incomplete (missed something, or stopped by Ctrl-C/SIGTERM);
    1 unhealthy (a monitor failed): the run status's order."""
    marks = failures(stats)
    if any(name != "monitor" for name in marks):
        return EXIT_FAILED
    if missed_counts(stats) or interrupted(str(stats.get("finish_reason", ""))):
        return EXIT_INCOMPLETE
    return EXIT_FAILED if marks else 0
