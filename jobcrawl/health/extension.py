"""Health monitors: checks run when a crawl closes; a failure makes `scrapy crawl` exit 1."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.db.component import CrawlDatabase
from jobcrawl.health.checks import CrawlFacts, MonitorConfig, evaluate
from jobcrawl.runs.closing import closing_steps
from jobcrawl.runs.failures import mark_failed
from jobcrawl.runs.figures import RunFigures, coverage_counts
from jobcrawl.runs.queries import previous_items_stored
from jobcrawl.runs.state import is_crawl, run_source, run_state

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

STATS_PREFIX = "jobcrawl/monitor/"


class HealthMonitors:
    """Evaluates the health checks of jobcrawl.health.checks when the spider closes
    (a closing step, after the expiry, before the run record: jobcrawl.runs.closing).

    Checks (each off as noted):
      min_items    items stored or touched (new + updated + unchanged + touched: a
                   recrawl touches known ads instead of refetching them)
                   >= JOBCRAWL_MONITOR_MIN_ITEMS (default 1; 0: off)
      error_ratio  ERROR log lines / requests sent <= JOBCRAWL_MONITOR_MAX_ERROR_RATIO
                   (default 0.05; None: off)
      coverage     per field, share of the fetched and stored items (touched ads are
                   not re-read) with it non-empty >=
                   JOBCRAWL_MONITOR_MIN_COVERAGE[field] (default {"description": 0.99}; {}: off)
      history      items stored or touched >= JOBCRAWL_MONITOR_MIN_HISTORY_RATIO
                   (default 0.5; 0: off)
                   x the median of the last JOBCRAWL_MONITOR_HISTORY_RUNS (default 5; 0: off)
                   ok runs of the same spider and source in crawl_runs; skipped before
                   3 such runs exist
    A failed check is logged at ERROR with its figures, marks the crawl failed
    (jobcrawl/failed/monitor: `scrapy crawl` exits 1) and the run `unhealthy`.
    `scrapy fetch`, `shell` and `view` (Scrapy's stand-in spider) are not checked.

    Settings: JOBCRAWL_MONITORS_ENABLED, the JOBCRAWL_MONITOR_* above,
    JOBCRAWL_DATABASE_URL (history).
    Stats: jobcrawl/monitor/<check>/ok, .../failed or .../skipped (1),
    jobcrawl/monitor/checks, jobcrawl/monitor/failed (counts), jobcrawl/failed/monitor,
    and jobcrawl/coverage/* (counted by jobcrawl.runs.state.CurrentRun).
    """

    def __init__(self, crawler: Crawler, config: MonitorConfig) -> None:
        self.crawler = crawler
        self.config = config

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("JOBCRAWL_MONITORS_ENABLED", True):
            raise NotConfigured("JOBCRAWL_MONITORS_ENABLED is False")
        extension = cls(crawler, MonitorConfig.from_settings(crawler.settings))
        # Connected here, in EXTENSIONS order: after Scrapy's CoreStats (finish_reason)
        # and before the run record, which stores the results.
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> Deferred[None]:
        return closing_steps(self.crawler).then(self.closed, spider, reason)

    def closed(self, spider: Spider, reason: str) -> None:
        """Run the monitors (blocks: a closing step, in a thread)."""
        if not is_crawl(spider):
            return
        stats = self.crawler.stats
        assert stats is not None
        results = evaluate(self.config, self._facts(spider))
        for result in results:
            state = "skipped" if result.skipped else "ok" if result.ok else "failed"
            stats.set_value(f"{STATS_PREFIX}{result.name}/{state}", 1)
        failed = [result for result in results if not result.ok]
        stats.set_value(f"{STATS_PREFIX}checks", len(results))
        stats.set_value(f"{STATS_PREFIX}failed", len(failed))
        for result in failed:
            logger.error("monitor %s failed: %s", result.name, result.message)
            mark_failed(stats, "monitor", f"{result.name}: {result.message}")
        run_state(self.crawler).monitor_results = [result.as_dict() for result in results]

    def _facts(self, spider: Spider) -> CrawlFacts:
        stats: dict[str, Any] = self.crawler.stats.get_stats()  # type: ignore[union-attr]
        figures = RunFigures.from_stats(stats)
        items, coverage = coverage_counts(stats)
        source = run_source(spider, run_state(self.crawler).sources)
        history, note = self._history(spider.name, source)
        return CrawlFacts(
            items_stored=figures.items_seen, items_touched=figures.items_touched,
            errors=figures.errors,
            requests=figures.requests, coverage_items=items, coverage=coverage,
            label=f"{spider.name} / {source}", history=history, history_note=note,
        )

    def _history(self, spider: str, source: str | None) -> tuple[Sequence[int] | None, str]:
        """Items stored by the source's last ok runs, or None and why not."""
        if not self.config.uses_history:
            return None, "off"
        if source is None:
            return None, "the run's source is unknown (no items stored or touched)"
        database = CrawlDatabase.optional(self.crawler)
        if database is None:
            return None, "no database with earlier runs"
        try:
            with database.engine.connect() as connection:
                return previous_items_stored(connection, spider, source,
                                             self.config.history_runs), ""
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            logger.warning("monitor history: cannot read earlier runs: %s", reason)
            return None, f"cannot read earlier runs ({type(exc).__name__})"

