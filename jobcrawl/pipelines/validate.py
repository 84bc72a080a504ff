"""Validate pipeline: drop items that lack a required field."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from jobcrawl.drops import MissingRequiredField
from jobcrawl.items import REQUIRED_FIELDS, item_fields

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class ValidatePipeline:
    """Drops an item whose webindex, source, url, title or description is empty.

    Settings: none.
    Stats: jobcrawl/validate/missing/<field> (one per missing field), plus
    Scrapy's item_dropped_reasons_count/MissingRequiredField.
    """

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
        return item


def _present(value: object) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))
