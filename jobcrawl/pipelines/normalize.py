"""Normalize pipeline: storable text, whitespace, contract vocabulary, salary and dates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from jobcrawl.extract.normalize import normalize_item

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from jobcrawl.items import JobItem


class NormalizePipeline:
    """Cleans each JobItem in place and resolves its closing date.

    Settings: JOBCRAWL_DATES_DAYFIRST (a spider's ``dayfirst`` attribute wins).
    Stats: jobcrawl/dates/closing/{structured,text,relative,unparsed,missing},
    jobcrawl/dates/posted/unparsed, jobcrawl/salary/{parsed,unparsed,implausible,estimated},
    jobcrawl/text/cleaned/<field> (a NUL, control character or lone surrogate removed),
    jobcrawl/url/rejected (a URL that is not http(s), emptied: the ad is then dropped),
    jobcrawl/text/truncated/category (a category longer than its column, cut).
    """

    def __init__(self, crawler: Crawler, dayfirst: bool) -> None:
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats  # type: ignore[assignment]
        self.default_dayfirst = dayfirst

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getbool("JOBCRAWL_DATES_DAYFIRST", True))

    @property
    def dayfirst(self) -> bool:
        spider = self.crawler.spider
        return bool(getattr(spider, "dayfirst", self.default_dayfirst))

    def process_item(self, item: JobItem) -> JobItem:
        for event in normalize_item(item, dayfirst=self.dayfirst):
            self.stats.inc_value(f"jobcrawl/{event}")
        return item
