"""What a crawl missed: requests that failed after their retries and items not stored.

The MissLog extension is the one place that counts them (``jobcrawl/missed/<kind>``)
and lists them, one JSON line each, in ``<JOBCRAWL_MISSED_DIR>/<run id>.jsonl``.
Anything missed makes the run ``incomplete`` (jobcrawl.runs.record) and ``scrapy
crawl`` exit 3 (jobcrawl.runs.failures); rerunning the same command fetches what
is missing, while the recrawl TTL skips the ads already stored.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Self

from pydantic import Field, field_validator
from scrapy import signals

from jobcrawl.config.components import shared_component
from jobcrawl.config.types import SettingsModel
from jobcrawl.runs.failures import MISSED_PREFIX
from jobcrawl.runs.state import is_crawl, run_id
from jobcrawl.security.secrets import mask_text, mask_url

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Request.meta key a spider sets to say what a request is for (PAGE_KINDS).
PAGE_META = "jobcrawl_page"
PAGE_KINDS = ("listing", "sitemap", "feed", "api", "ad", "page")
# A request without PAGE_META.
UNKNOWN_KIND = "page"
# An item that passed the pipelines up to the store but could not be stored.
ITEM_KIND = "item"
# Longest reason kept per line: Twisted's connection errors can nest whole tracebacks.
_REASON_LENGTH = 500


class MissedConfig(SettingsModel):
    """Where the missed-URL files go (``from_settings`` names a bad setting)."""

    directory: str = Field("missed", alias="JOBCRAWL_MISSED_DIR")

    @field_validator("directory")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a folder (default: missed)")
        return value


@dataclass(frozen=True)
class Miss:
    """One missed request or item: one line of the missed file."""

    url: str
    kind: str
    reason: str
    status: int | None
    time: datetime

    def as_json(self) -> dict[str, Any]:
        return {"url": self.url, "kind": self.kind, "reason": self.reason,
                "status": self.status, "time": self.time.isoformat()}


class MissLog:
    """Counts and lists what the crawl missed; shared by the missed-request middleware
    (jobcrawl.runs.missed) and the store pipeline, read by expiry and the run record.

    The file ``<JOBCRAWL_MISSED_DIR>/<run id>.jsonl`` (relative to the working folder)
    is created at the first miss and gets one line per miss as it happens (url with
    credentials masked, kind, reason, status, time), so a crawl killed later still
    leaves its list; nothing missed, no file. Its path is built from the run id only,
    never from web data, and logged at WARNING when the crawl closes. A file that
    cannot be written is logged at ERROR; the counts still make the run incomplete.
    The stand-in spider of `scrapy fetch`, `shell` and `view` records nothing.

    Settings: JOBCRAWL_MISSED_DIR (default ``missed``).
    Stats: jobcrawl/missed/<kind> (listing, sitemap, feed, api, ad, page, item).
    """

    def __init__(self, crawler: Crawler, config: MissedConfig) -> None:
        self.crawler = crawler
        self.directory = Path(config.directory)
        self.path: Path | None = None
        self._file: IO[str] | None = None
        self._unwritable = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, MissedConfig.from_settings(crawler.settings))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @classmethod
    def of(cls, crawler: Crawler) -> Self:
        """The crawl's MissLog; RuntimeError if it is not enabled."""
        return shared_component(crawler, cls, "jobcrawl's missed-request middleware and store")

    def record(self, kind: str, url: str, reason: str, status: int | None = None) -> None:
        """Count one missed request (or item) of `kind` and list it in the missed file."""
        spider = self.crawler.spider
        if spider is not None and not is_crawl(spider):
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{MISSED_PREFIX}{kind}")
        miss = Miss(mask_url(url), kind, mask_text(reason)[:_REASON_LENGTH], status,
                    datetime.now(UTC))
        self._write(miss)

    def record_items(self, items: Iterable[Mapping[str, Any]], reason: str) -> None:
        """Items the store could not write (a failed batch): kind ``item``."""
        for item in items:
            self.record(ITEM_KIND, str(item.get("url") or ""), reason)

    def _write(self, miss: Miss) -> None:
        if self._unwritable:
            return
        try:
            if self._file is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                # The run id is a uuid4 hex: the name cannot leave the folder.
                path = self.directory / f"{run_id(self.crawler)}.jsonl"
                self._file = path.open("a", encoding="utf-8")
                self.path = path
            self._file.write(json.dumps(miss.as_json(), ensure_ascii=False) + "\n")
            # Line by line: a crawl killed later must still leave the list of what it missed.
            self._file.flush()
        except OSError as exc:
            self._unwritable = True
            logger.error("cannot write the list of missed URLs in %s: %s", self.directory,
                         exc.strerror or exc)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        assert self.crawler.stats is not None
        counts = {key.removeprefix(MISSED_PREFIX): value
                  for key, value in self.crawler.stats.get_stats().items()
                  if key.startswith(MISSED_PREFIX) and value}
        if counts:
            listed = f"; listed in {self.path}" if self.path is not None else ""
            logger.warning("crawl incomplete: missed %s%s (run the same command again to "
                           "fetch them)", ", ".join(f"{n} {kind}" for kind, n in
                                                    sorted(counts.items())), listed)
