"""`scrapy crawl`, extended so that a crawl that lost data exits non-zero."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from twisted.internet.defer import Deferred

from jobcrawl.commands.options import did_you_mean, refuse_yaml_cprofile
from jobcrawl.runs.failures import EXIT_INCOMPLETE, crawl_exit_code, failures, missed_counts
from jobcrawl.runs.state import remember_arguments

if TYPE_CHECKING:
    import argparse

    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command plus jobcrawl's failure marks and missed counts.

    Scrapy exits 0 whenever the crawl started. jobcrawl components record
    ``jobcrawl/failed/<component>`` in the stats when they could not do their
    job (a database batch that was not stored), and ``jobcrawl/missed/<kind>``
    for each request that failed after its retries. Exit codes, as the run
    status: 0 ok; 1 failed (or could not start); 3 incomplete (something was
    missed: running the same command again fetches it); 1 unhealthy (a health
    monitor failed). So cron, systemd and CI notice. An unknown spider name is one
    line on stderr ("did you mean ...") and exit 1; no spider name, a usage error (2).
    A crawl that cannot start for a reason its message names (a bad argument,
    setting or profile: ValueError; an unusable database: RuntimeError) logs that
    message as one ERROR, not a traceback, and exits 1.
    """

    def short_desc(self) -> str:
        return "Run a jobcrawl spider; exits 1 if the crawl failed, 3 if it missed pages or items"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        refuse_yaml_cprofile(opts)
        # Checked before Scrapy starts its crawler process (and logs its start-up lines).
        from scrapy.spiderloader import get_spider_loader

        assert self.settings is not None
        names = sorted(get_spider_loader(self.settings).list())
        if len(args) != 1:
            raise UsageError(f"give exactly one spider name, e.g. `scrapy crawl jobposting` "
                             f"(spiders: {', '.join(names)})", print_help=False)
        if args[0] not in names:
            # One line, not Scrapy's KeyError traceback.
            print(f"scrapy crawl: no spider named {args[0]!r}{did_you_mean(args[0], names)} "
                  f"(spiders: {', '.join(names)})", file=sys.stderr)
            raise SystemExit(1)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        # For the run record (crawl_runs.arguments, secrets masked).
        remember_arguments(crawler, opts.spargs)
        one_line_start_errors(self.crawler_process.crawl(crawler, **opts.spargs))
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats.get_stats() if crawler.stats else {}
        for component, reason in failures(stats).items():
            logger.error("crawl failed: %s: %s", component, reason)
        self.exitcode = crawl_exit_code(stats)
        if self.exitcode == EXIT_INCOMPLETE:
            logger.warning("crawl incomplete (exit code %d): %s", EXIT_INCOMPLETE,
                           f"missed {missed_counts(stats)}" if missed_counts(stats)
                           else "it was interrupted")


# What start-up raises for the user to act on, with a message that names the cause.
_START_ERRORS = (ValueError, RuntimeError)


def one_line_start_errors(started: Any) -> None:
    """Log a start-up error of the crawl (the Task or Deferred of ``crawl()``) as one line.

    Other exceptions keep their traceback: they are bugs, never swallowed.
    """
    if isinstance(started, asyncio.Future):
        started.add_done_callback(_task_done)
    elif isinstance(started, Deferred):
        started.addErrback(_deferred_failed)


def _task_done(task: asyncio.Future[Any]) -> None:
    # Retrieving the exception keeps asyncio from printing "never retrieved" + traceback.
    error = None if task.cancelled() else task.exception()
    if isinstance(error, _START_ERRORS):
        logger.error("crawl cannot start: %s", error)
    elif error is not None:
        logger.error("crawl cannot start", exc_info=error)


def _deferred_failed(failure: Failure) -> Failure | None:
    if failure.check(*_START_ERRORS):
        logger.error("crawl cannot start: %s", failure.value)
        return None
    return failure
