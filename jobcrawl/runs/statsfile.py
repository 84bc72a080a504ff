"""Write a crawl's final stats to a JSON file, for scripts, tests and `make demo`."""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured

from jobcrawl.runs.closing import closing_steps

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


class StatsFile:
    """Dumps the final Scrapy stats (jobcrawl/* keys included) as JSON.

    Settings: JOBCRAWL_STATSFILE_PATH (off when empty).
    Stats: none written.
    """

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("JOBCRAWL_STATSFILE_PATH")
        if not path:
            raise NotConfigured("JOBCRAWL_STATSFILE_PATH is not set")
        extension = cls(crawler, Path(path))
        # Connected late so that stats written in close_spider by pipelines are in.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> Deferred[None]:
        return closing_steps(self.crawler).then(self.closed, spider, reason)

    def closed(self, spider: Spider, reason: str) -> None:
        """Write the final stats (blocks: a closing step, in a thread)."""
        stats: dict[str, Any] = dict(self.crawler.stats.get_stats())  # type: ignore[union-attr]
        stats.setdefault("finish_reason", reason)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        partial.write_text(json.dumps(stats, default=_json_default, indent=2, sort_keys=True))
        os.replace(partial, self.path)
        logger.info("stats written to %s", self.path)


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
