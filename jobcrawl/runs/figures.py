"""A crawl's figures, read from its stats: items, drops, responses, errors, coverage."""

from __future__ import annotations

import json
import math
import resource
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobcrawl.items import JOB_FIELDS
from jobcrawl.runs.failures import failures, missed_counts
from jobcrawl.runs.state import COVERAGE_PREFIX


def coverage_counts(stats: Mapping[str, Any]) -> tuple[int, dict[str, int]]:
    """(items stored, {field: items with it non-empty}) from the coverage stats."""
    items = int(stats.get(f"{COVERAGE_PREFIX}items", 0) or 0)
    return items, {name: int(stats.get(f"{COVERAGE_PREFIX}{name}", 0) or 0)
                   for name in JOB_FIELDS}


@dataclass(frozen=True)
class RunFigures:
    """The numbers of a crawl, read from its Scrapy stats.

    errors counts ERROR log lines (Scrapy logs every spider exception, every
    download that failed after its retries and every HTTP error an API spider
    meets at ERROR), minus the monitors' own alerts.
    """

    items_new: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    items_touched: int = 0
    items_dropped: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    responses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    peak_memory: int | None = None
    failures: dict[str, str] = field(default_factory=dict)
    # Requests that failed after their retries and items not stored, by kind.
    missed: dict[str, int] = field(default_factory=dict)

    @property
    def items_stored(self) -> int:
        """Ads in the database after this crawl: new + updated + unchanged."""
        return self.items_new + self.items_updated + self.items_unchanged

    @property
    def items_seen(self) -> int:
        """Ads this crawl saw: stored, or touched (listed within the recrawl TTL, not refetched)."""
        return self.items_stored + self.items_touched

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> RunFigures:
        def number(key: str) -> int:
            return int(stats.get(key, 0) or 0)

        return cls(
            items_new=number("jobcrawl/store/new"),
            items_updated=number("jobcrawl/store/updated"),
            items_unchanged=number("jobcrawl/store/unchanged"),
            items_touched=number("jobcrawl/store/touched"),
            items_dropped=number("item_dropped_count"),
            dropped=_by_suffix(stats, "item_dropped_reasons_count/"),
            requests=number("downloader/request_count"),
            responses=_by_suffix(stats, "downloader/response_status_count/"),
            errors=max(0, number("log_count/ERROR") - number("jobcrawl/monitor/failed")),
            peak_memory=_peak_memory(stats),
            failures=failures(stats),
            missed=missed_counts(stats),
        )


def _by_suffix(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {key.removeprefix(prefix): int(value) for key, value in sorted(stats.items())
            if key.startswith(prefix)}


def _peak_memory(stats: Mapping[str, Any]) -> int | None:
    """memusage/max, or the process's peak resident size now if that is higher (bytes)."""
    # Scrapy's MemoryUsage samples once a minute: a short crawl's peak comes after it.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    recorded = stats.get("memusage/max")
    return max(peak, int(recorded)) if recorded is not None else peak


def json_safe(value: Any) -> Any:
    """`value` as plain JSON types: dates and datetimes as ISO 8601 strings, the rest str().

    NaN and infinities become None: PostgreSQL's JSON types refuse them.
    """
    return _finite(json.loads(json.dumps(value, default=_json_default, sort_keys=True)))


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _json_default(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
