"""Run record: every crawl is a crawl_runs row, `running` from the start, completed at the end."""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Self

from scrapy import signals
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from jobcrawl.db.component import CrawlDatabase
from jobcrawl.recrawl.marks import recrawl_state
from jobcrawl.runs.closing import closing_steps
from jobcrawl.runs.failures import mark_failed
from jobcrawl.runs.figures import RunFigures, json_safe
from jobcrawl.runs.finish import ended_early, interrupted
from jobcrawl.runs.misslog import MissLog
from jobcrawl.runs.queries import save_run
from jobcrawl.runs.state import (
    command_line_settings,
    is_crawl,
    run_source,
    run_state,
)
from jobcrawl.security.secrets import masked

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

STATS_PREFIX = "jobcrawl/runs/"


def run_status(finish_reason: str, failures: Mapping[str, str],
               monitor_results: list[dict[str, Any]] | None,
               missed: Mapping[str, int] | None = None) -> str:
    """failed (a component failed or the crawl ended early), else incomplete (it missed
    requests or items, or was interrupted by Ctrl-C or SIGTERM), else unhealthy (a
    monitor failed), else ok."""
    stopped = interrupted(finish_reason)
    if (ended_early(finish_reason) and not stopped) or any(
            name != "monitor" for name in failures):
        return "failed"
    if stopped or any(missed.values() if missed else ()):
        return "incomplete"
    if "monitor" in failures or any(not result["ok"] for result in monitor_results or ()):
        return "unhealthy"
    return "ok"


class RunRecord:
    """Records every crawl in the crawl_runs table of JOBCRAWL_DATABASE_URL.

    The row is inserted with status `running` when the spider opens and
    completed when it closes, after the pipelines have flushed and the health
    monitors have run (a closing step after theirs: jobcrawl.runs.closing): finish time and reason,
    status (failed > incomplete > unhealthy > ok, see run_status), the figure
    columns, what it missed (missed: counts per kind; missed_file: the JSONL file
    listing them, jobcrawl.runs.misslog), monitor results and the full stats. Arguments
    and command-line settings are stored with secrets masked. The database is
    the crawl's CrawlDatabase (checked at start-up); a write is retried while the
    database is locked or away (CrawlDatabase.write). A database error that
    outlasts the retries is logged and marks the crawl failed (`scrapy crawl`
    exits 1); it never stops the crawl. The
    stand-in spider of `scrapy fetch`, `shell` and `view` is not recorded.

    Settings: JOBCRAWL_RUNS_ENABLED (default True), JOBCRAWL_DATABASE_URL.
    Stats: jobcrawl/runs/run_id, jobcrawl/runs/status (as recorded),
    jobcrawl/failed/runs (the row could not be written), jobcrawl/failed/finish
    (the crawl ended early other than by Ctrl-C or SIGTERM: its finish reason).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @property
    def database(self) -> CrawlDatabase:
        # Looked up when used: extensions cannot reach each other while Scrapy builds them.
        return CrawlDatabase.of(self.crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("JOBCRAWL_RUNS_ENABLED", True):
            raise NotConfigured("JOBCRAWL_RUNS_ENABLED is False")
        extension = cls(crawler)
        # Connected here, in EXTENSIONS order: after the monitors, before StatsFile.
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    def spider_opened(self, spider: Spider) -> None:
        if not is_crawl(spider):
            return
        self.stats.set_value(f"{STATS_PREFIX}run_id", run_state(self.crawler).run_id)
        self.stats.set_value(f"{STATS_PREFIX}status", "running")
        self._save(self._opening_row(spider), "start")

    def spider_closed(self, spider: Spider, reason: str) -> Deferred[None]:
        return closing_steps(self.crawler).then(self.closed, spider, reason)

    def closed(self, spider: Spider, reason: str) -> None:
        """Record the end of the run (blocks: a closing step, in a thread)."""
        if not is_crawl(spider):
            return
        stats = self.stats
        if ended_early(reason) and not interrupted(reason):
            mark_failed(stats, "finish", f"the crawl ended early: {reason}")
        state = run_state(self.crawler)
        figures = RunFigures.from_stats(stats.get_stats())
        status = run_status(reason, figures.failures, state.monitor_results, figures.missed)
        stats.set_value(f"{STATS_PREFIX}status", status)
        # The whole row again: it completes the one inserted at the start, or
        # replaces it if that insert failed.
        # Ads stored or touched per source: a nightly recrawl that only touches known
        # ads still saw them, and history, reports and `--source` need its sources.
        seen = state.sources + recrawl_state(self.crawler).touched_sources
        row = {
            **self._opening_row(spider),
            "source": run_source(spider, seen),
            "sources": dict(sorted(seen.items())) or None,
            "finished_at": stats.get_value("finish_time") or datetime.now(UTC),
            "finish_reason": reason, "status": status, **_figure_columns(figures),
            "monitors": state.monitor_results, "missed_file": self._missed_file(),
            # Taken after the status stat is set, so the stored stats say it too.
            "stats": json_safe(stats.get_stats()),
        }
        if self._save(row, "end"):
            logger.info(
                "run %s recorded: %s, %d new, %d updated, %d unchanged, %d touched, "
                "%d dropped", state.run_id, status, figures.items_new,
                figures.items_updated, figures.items_unchanged, figures.items_touched,
                figures.items_dropped,
            )
        else:
            stats.set_value(f"{STATS_PREFIX}status", "failed")

    def _opening_row(self, spider: Spider) -> dict[str, Any]:
        state = run_state(self.crawler)
        return {
            "id": state.run_id, "spider": spider.name, "source": run_source(spider, {}),
            "sources": None,
            "arguments": None if state.arguments is None else masked(state.arguments),
            "settings": command_line_settings(self.crawler.settings),
            "hostname": socket.gethostname()[:255], "pid": os.getpid(),
            "started_at": self.stats.get_value("start_time") or datetime.now(UTC),
            "finished_at": None, "finish_reason": None, "status": "running",
            **_figure_columns(RunFigures()), "monitors": None, "missed_file": None,
            "stats": None,
        }

    def _missed_file(self) -> str | None:
        """The missed-URL file of this run (MissLog), if something was missed."""
        log = self.crawler.get_extension(MissLog)
        return None if log is None or log.path is None else str(log.path)

    def _save(self, row: dict[str, Any], moment: str) -> bool:
        """Write the row; a database error is logged and marks the crawl failed."""
        database = self.database

        def save() -> None:
            with database.engine.begin() as connection:
                save_run(connection, row)

        try:
            # Retried while the database is locked or away: on the reactor thread, but
            # at the start (nothing fetched yet) and at the end (nothing left to fetch).
            database.write(save)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            logger.error("Could not record the %s of run %s in %s: %s", moment, row["id"],
                         self.database.redacted_url, reason)
            mark_failed(self.stats, "runs",
                        f"the run record could not be written: {type(exc).__name__}")
            return False
        return True


def _figure_columns(figures: RunFigures) -> dict[str, Any]:
    return {
        "items_new": figures.items_new, "items_updated": figures.items_updated,
        "items_unchanged": figures.items_unchanged, "items_touched": figures.items_touched,
        "items_dropped": figures.items_dropped,
        "dropped": figures.dropped, "requests": figures.requests,
        "responses": figures.responses, "errors": figures.errors,
        "peak_memory": figures.peak_memory, "failures": figures.failures,
        "missed": figures.missed,
    }

