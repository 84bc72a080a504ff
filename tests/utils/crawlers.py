"""Crawlers for component tests: configured the way `scrapy crawl` configures them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.utils.test import get_crawler

from jobcrawl import settings as project

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

# The components the others get from the crawler (CrawlDatabase, CurrentRun, RecrawlMarks).
CORE_EXTENSIONS = {path: order for path, order in project.EXTENSIONS.items()
                   if order is not None and order < 100}
DATABASE = "jobcrawl.db.component.CrawlDatabase"


def jobcrawl_crawler(spidercls: type[Spider] | None = None,
                     settings: dict[str, Any] | None = None, **more: Any) -> Crawler:
    """A Crawler with jobcrawl's core extensions built, ready for `X.from_crawler(crawler)`.

    Without JOBCRAWL_DATABASE_URL in `settings` the crawl has no database component,
    as a test of a component that never stores needs none.
    """
    given = {**(settings or {}), **more}
    core = dict(CORE_EXTENSIONS)
    if not given.get("JOBCRAWL_DATABASE_URL"):
        core.pop(DATABASE)
    extensions = {**core, **given.pop("EXTENSIONS", {})}
    return get_crawler(spidercls, settings_dict={**given, "EXTENSIONS": extensions})
