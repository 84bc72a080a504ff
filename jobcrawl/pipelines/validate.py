"""Validate pipeline: drop items that lack a required field or overflow a column."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from jobcrawl.db.models import column_limits
from jobcrawl.drops import FieldTooLong, MissingRequiredField
from jobcrawl.items import REQUIRED_FIELDS, item_fields

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class ValidatePipeline:
    """Drops an item whose webindex, source, url, title or description is empty, or
    whose text is longer than its column (webindex and source hold 255 characters).

    Settings: none.
    Stats: jobcrawl/validate/missing/<field> (one per missing field),
    jobcrawl/validate/too_long/<field>, plus Scrapy's
    item_dropped_reasons_count/{MissingRequiredField,FieldTooLong}.
    """

    limits = column_limits()

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)  # type: ignore[arg-type]

    def process_item(self, item: object) -> object:
        fields = item_fields(item)
        missing = [name for name in REQUIRED_FIELDS if not _present(fields.get(name))]
        if missing:
            for name in missing:
                self.stats.inc_value(f"jobcrawl/validate/missing/{name}")
            raise MissingRequiredField(
                f"missing {', '.join(missing)} in ad from {fields.get('url') or '<no url>'}"
            )
        too_long = [name for name, limit in self.limits.items()
                    if isinstance(value := fields.get(name), str) and len(value) > limit]
        if too_long:
            for name in too_long:
                self.stats.inc_value(f"jobcrawl/validate/too_long/{name}")
            detail = ", ".join(f"{name} ({len(fields[name])} > {self.limits[name]} characters)"
                               for name in too_long)
            raise FieldTooLong(f"too long: {detail} in ad from {fields.get('url') or '<no url>'}")
        return item


def _present(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))
