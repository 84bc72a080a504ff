"""Dedupe pipeline: one item per (source, webindex) within a crawl."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from jobcrawl.drops import DuplicateInCrawl
from jobcrawl.items import item_fields

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class DedupePipeline:
    """Drops the second and later sightings of a (source, webindex) in one crawl.

    Across crawls the database's unique key does the same job (the store
    pipeline updates the existing row instead).
    Settings: none.
    Stats: jobcrawl/dedupe/unique, jobcrawl/dedupe/duplicates, plus Scrapy's
    item_dropped_reasons_count/DuplicateInCrawl.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.stats)  # type: ignore[arg-type]

    def process_item(self, item: object) -> object:
        fields = item_fields(item)
        key = (fields["source"], fields["webindex"])
        if key in self.seen:
            self.stats.inc_value("jobcrawl/dedupe/duplicates")
            raise DuplicateInCrawl(
                f"duplicate {key[0]} webindex {key[1]} at {fields.get('url')}"
            )
        self.seen.add(key)
        self.stats.inc_value("jobcrawl/dedupe/unique")
        return item
