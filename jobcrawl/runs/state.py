"""The crawl run in progress: one id per crawl, its arguments, and what it stored.

Every jobcrawl component that needs to know "which run is this" asks here, so
that the store pipeline (jobs.last_run), the run record (crawl_runs.id) and the
health monitors agree on one id and one source.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.utils.spider import DefaultSpider

from jobcrawl.config.components import shared_component
from jobcrawl.items import JOB_FIELDS, JobItem
from jobcrawl.security.secrets import masked

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

COVERAGE_PREFIX = "jobcrawl/coverage/"
SOURCE_LENGTH = 255  # crawl_runs.source
# Built once: the coverage counter runs for every stored item.
_ITEMS_KEY = f"{COVERAGE_PREFIX}items"
_COVERAGE_KEYS = {name: f"{COVERAGE_PREFIX}{name}" for name in JOB_FIELDS}


@dataclass
class RunState:
    """What jobcrawl knows about the crawl in progress (kept by CurrentRun).

    run_id: uuid4 hex, made once. arguments: the spider arguments as given
    (`-a name=value`, unmasked), None when the crawl was not started by
    jobcrawl's `scrapy crawl`. sources: stored items per JobItem.source.
    monitor_results: the health checks' results once the crawl has closed.
    """

    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    arguments: dict[str, Any] | None = None
    sources: Counter[str] = field(default_factory=Counter)
    monitor_results: list[dict[str, Any]] | None = None


ARGUMENTS_SETTING = "JOBCRAWL_RUN_ARGUMENTS"


class CurrentRun:
    """The crawl run in progress: its RunState, shared by every jobcrawl component.

    The store pipeline (jobs.last_run), unlisted expiry, the health monitors and
    the run record (crawl_runs.id) get it with `CurrentRun.of(crawler)` and so agree
    on one id, one source and one count of stored items.

    It counts every item that passed all pipelines (Scrapy's item_scraped signal):
    the coverage stats, and the stored items per source in RunState.sources.

    Settings: JOBCRAWL_RUN_ARGUMENTS (the spider arguments, set by jobcrawl's
    `scrapy crawl` before the crawl starts; not for users).
    Stats: jobcrawl/coverage/items (items stored), jobcrawl/coverage/<field>
    (those with the JobItem field non-empty).
    """

    def __init__(self, crawler: Crawler, arguments: Mapping[str, Any] | None) -> None:
        self.crawler = crawler
        self.state = RunState(arguments=None if arguments is None else dict(arguments))
        assert crawler.stats is not None
        self.counter = StoredItems(crawler.stats, self.state)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        arguments = crawler.settings.getdict(ARGUMENTS_SETTING) \
            if crawler.settings.get(ARGUMENTS_SETTING) is not None else None
        run = cls(crawler, arguments)
        crawler.signals.connect(run.counter.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.counter.item_scraped, signal=signals.item_scraped)
        return run

    @classmethod
    def of(cls, crawler: Crawler) -> Self:
        """The crawl's CurrentRun; RuntimeError if it is not enabled."""
        return shared_component(crawler, cls, "jobcrawl's store, expiry, monitors and run record")


def run_state(crawler: Crawler) -> RunState:
    """The crawl's RunState."""
    return CurrentRun.of(crawler).state


def run_id(crawler: Crawler) -> str:
    """This crawl's id: jobs.last_run, crawl_runs.id and the stats' jobcrawl/*/run_id."""
    return run_state(crawler).run_id


def remember_arguments(crawler: Crawler, arguments: Mapping[str, Any]) -> None:
    """Keep the spider arguments for the run record; call before the crawl starts.

    Settings are the one per-crawl channel open before Scrapy builds the
    components; the value never reaches a log (Scrapy logs only its own
    overridden settings, and the run record masks it).
    """
    crawler.settings.set(ARGUMENTS_SETTING, dict(arguments), priority="command")


class StoredItems:
    """Counts the items that passed every pipeline (Scrapy's item_scraped signal)."""

    def __init__(self, stats: StatsCollector, state: RunState) -> None:
        self.stats = stats
        self.state = state

    def spider_opened(self) -> None:
        # Every key present from the start, so reports read zeros, not gaps.
        for name in ("items", *JOB_FIELDS):
            self.stats.set_value(f"{COVERAGE_PREFIX}{name}", 0)

    def item_scraped(self, item: Any) -> None:
        values = _field_values(item)
        inc_value = self.stats.inc_value
        inc_value(_ITEMS_KEY)
        for name, key in _COVERAGE_KEYS.items():
            value = values.get(name)
            if value is not None and value != "":
                inc_value(key)
        if values.get("source"):
            self.state.sources[str(values["source"])] += 1


def _field_values(item: Any) -> Mapping[str, Any]:
    if isinstance(item, JobItem):
        return vars(item)  # a plain dataclass: its fields, without copying
    if isinstance(item, Mapping):
        return {name: item.get(name) for name in JOB_FIELDS}
    return {name: getattr(item, name, None) for name in JOB_FIELDS}


def is_crawl(spider: Any) -> bool:
    """False for the stand-in spider of `scrapy fetch`, `shell` and `view`: not a crawl run."""
    return not isinstance(spider, DefaultSpider)


def run_source(spider: Any, sources: Mapping[str, int]) -> str | None:
    """The spider's `source` attribute, else the sources of the items it stored.

    API spiders name their one source up front (`greenhouse:acme`). The
    jobposting spider's source is per site (`jobposting:<host>`), so it is read
    from the stored items: several are joined by commas, in order. A crawl that
    stored nothing, of a spider kept to one domain, is `<spider>:<domain>` (how
    the jobposting spider names its sources); otherwise None.
    """
    declared = getattr(spider, "source", None)
    if isinstance(declared, str) and declared:
        return declared[:SOURCE_LENGTH]
    if not sources:
        domains = getattr(spider, "allowed_domains", None) or []
        if len(domains) == 1 and domains[0]:
            return f"{spider.name}:{domains[0]}"[:SOURCE_LENGTH]
        return None
    joined = ",".join(sorted(sources))
    if len(joined) > SOURCE_LENGTH:
        joined = joined[:SOURCE_LENGTH - 1] + "…"
    return joined


def command_line_settings(settings: BaseSettings) -> dict[str, Any]:
    """The settings given on the command line (`-s NAME=VALUE`), masked."""
    cmdline = SETTINGS_PRIORITIES["cmdline"]
    given = {name: settings[name] for name in settings
             if settings.getpriority(name) == cmdline}
    return masked(dict(sorted(given.items())))
