"""`scrapy crawl`, extended so that a crawl that lost data exits non-zero."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from jobcrawl.runs.failures import failures
from jobcrawl.runs.state import remember_arguments

if TYPE_CHECKING:
    import argparse

logger = logging.getLogger(__name__)


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command plus jobcrawl's failure marks.

    Scrapy exits 0 whenever the crawl started. jobcrawl components record
    ``jobcrawl/failed/<component>`` in the stats when they could not do their
    job (a database batch that was not stored); any such mark makes the
    command exit 1, so cron, systemd and CI notice.
    """

    def short_desc(self) -> str:
        return "Run a jobcrawl spider; exits 1 if the crawl failed or lost items"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name, e.g. `scrapy crawl jobposting`")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        # For the run record (crawl_runs.arguments, secrets masked).
        remember_arguments(crawler, opts.spargs)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        marks = failures(crawler.stats.get_stats()) if crawler.stats else {}
        for component, reason in marks.items():
            logger.error("crawl failed: %s: %s", component, reason)
        if marks:
            self.exitcode = 1
