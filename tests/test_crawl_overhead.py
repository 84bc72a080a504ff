"""Scrapy's per-page overhead that jobcrawl trims: callbacks, DEBUG lines, stats lookups."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.logformatter import LogFormatter
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import _generator_callbacks_cache, is_generator_with_return_value
from scrapy.utils.project import get_project_settings
from scrapy.utils.request import request_from_dict
from scrapy.utils.test import get_crawler

from jobcrawl.demo.server import DemoBoard
from jobcrawl.logformatter import LevelAwareLogFormatter
from jobcrawl.spiders.callbacks import StableCallbacks
from jobcrawl.spiders.jobposting import JobPostingSpider
from jobcrawl.spiders.site import SiteSpider
from jobcrawl.stats import MemoryStats
from tests.utils.scrapy import run_scrapy

# --- one bound method per callback ---------------------------------------------


class _Spider(StableCallbacks, Spider):
    name = "stable"

    def parse_page(self, response: Any) -> Iterator[Any]:
        yield {"url": response.url}

    @staticmethod
    def helper_rows() -> Iterator[int]:
        yield 1

    async def parse_async(self, response: Any) -> Any:
        return None


def test_every_request_shares_one_bound_callback() -> None:
    spider = JobPostingSpider(url="http://127.0.0.1:1/jobs")
    first, second = spider._ad_request("http://127.0.0.1:1/jobs/1"), \
        spider._ad_request("http://127.0.0.1:1/jobs/2")
    assert first.callback is second.callback is spider.parse_ad
    assert spider.parse_listing is spider.parse_listing
    assert spider._parse_sitemap is spider._parse_sitemap


def test_scrapys_return_value_check_stays_cached_after_the_request_is_gone() -> None:
    spider = JobPostingSpider(url="http://127.0.0.1:1/jobs")
    request = spider._ad_request("http://127.0.0.1:1/jobs/1")
    assert is_generator_with_return_value(request.callback) is False
    del request
    gc.collect()
    # Without StableCallbacks the entry dies with the request's own bound method.
    assert spider.parse_ad in _generator_callbacks_cache


def test_requests_still_serialise_by_callback_name() -> None:
    spider = JobPostingSpider(url="http://127.0.0.1:1/jobs")
    as_dict = spider._ad_request("http://127.0.0.1:1/jobs/1").to_dict(spider=spider)
    assert (as_dict["callback"], as_dict["errback"]) == ("parse_ad", "_ad_failed")
    assert request_from_dict(as_dict, spider=spider).callback is spider.parse_ad


def test_only_plain_generator_methods_are_bound() -> None:
    spider = _Spider()
    assert "parse_page" in vars(spider)
    assert "helper_rows" not in vars(spider) and "parse_async" not in vars(spider)
    assert list(spider.helper_rows()) == [1]
    response = HtmlResponse("http://127.0.0.1:1/a", body=b"<html></html>")
    assert list(spider.parse_page(response)) == [{"url": "http://127.0.0.1:1/a"}]


def test_site_spider_binds_its_callbacks() -> None:
    profile = Path(__file__).parent.parent / "profiles" / "demo-html.yaml"
    spider = SiteSpider(profile=str(profile))
    assert spider.parse_ad is spider.parse_ad
    assert spider.parse_listing is spider.parse_listing


# --- DEBUG lines not built above LOG_LEVEL DEBUG ----------------------------------


def _formatter(level: str | int) -> LevelAwareLogFormatter:
    return LevelAwareLogFormatter.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": level}))


@pytest.mark.parametrize("level", ["INFO", "info", "WARNING", logging.ERROR])
def test_per_page_and_per_item_lines_are_skipped_above_debug(level: str | int) -> None:
    formatter = _formatter(level)
    request = Request("http://127.0.0.1:1/jobs/1")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    assert formatter.crawled(request, response, Spider("s")) is None
    assert formatter.scraped({"title": "x"}, response, Spider("s")) is None


@pytest.mark.parametrize("level", ["DEBUG", logging.DEBUG])
def test_at_debug_the_lines_are_scrapys_own(level: str | int) -> None:
    formatter, plain = _formatter(level), LogFormatter()
    request = Request("http://127.0.0.1:1/jobs/1")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    assert formatter.crawled(request, response, Spider("s")) == \
        plain.crawled(request, response, Spider("s"))
    assert formatter.scraped({"title": "x"}, response, Spider("s")) == \
        plain.scraped({"title": "x"}, response, Spider("s"))


def test_dropped_items_are_still_logged_at_info() -> None:
    from scrapy.exceptions import DropItem

    crawler = get_crawler(settings_dict={"LOG_LEVEL": "INFO"})
    spider = Spider.from_crawler(crawler, name="s")
    request = Request("http://127.0.0.1:1/jobs/1")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request)
    formatter = LevelAwareLogFormatter.from_crawler(crawler)
    logged = formatter.dropped({"title": "x"}, DropItem("no title"), response, spider)
    assert logged is not None and logged["level"] >= logging.INFO


# --- stats without the attribute hook ----------------------------------------------


def test_memory_stats_count_like_scrapys() -> None:
    crawler = get_crawler(settings_dict={"STATS_CLASS": "jobcrawl.stats.MemoryStats"})
    ours, scrapys = MemoryStats(crawler), MemoryStatsCollector(crawler)
    for stats in (ours, scrapys):
        stats.inc_value("a")
        stats.inc_value("a", 2)
        stats.inc_value("b", start=10)
        stats.max_value("m", 3)
        stats.max_value("m", 1)
        stats.min_value("n", 3)
        stats.min_value("n", 1)
        stats.set_value("s", "x")
    assert ours.get_stats() == scrapys.get_stats() == {
        "a": 3, "b": 11, "m": 3, "n": 1, "s": "x"}
    assert ours.get_value("missing", 7) == 7


def test_project_settings_use_the_trimmed_components() -> None:
    settings = get_project_settings()
    assert settings["STATS_CLASS"] == "jobcrawl.stats.MemoryStats"
    assert settings["LOG_FORMATTER"] == "jobcrawl.logformatter.LevelAwareLogFormatter"
    assert settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE")  # the check stays on


# --- end to end --------------------------------------------------------------------


@pytest.mark.parametrize(("level", "lines"), [("INFO", False), ("DEBUG", True)])
def test_crawl_logs_pages_and_items_only_at_debug(
    level: str, lines: bool, sqlite_url: str, tmp_path: Path
) -> None:
    stats_path = tmp_path / "stats.json"
    with DemoBoard() as board:
        result = run_scrapy(
            "crawl", "jobposting", "-a", f"url={board.url}/jobs", "-a", "max_pages=1",
            "-s", "AUTOTHROTTLE_ENABLED=False", "-s", f"LOG_LEVEL={level}",
            "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}",
            "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
        )
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads(stats_path.read_text())
    assert stats["item_scraped_count"] == stats["jobcrawl/store/new"] > 0
    assert ("Crawled (200)" in result.stderr) is lines
    assert ("Scraped from <200" in result.stderr) is lines
    assert "is a generator and includes a \"return\" statement" not in result.stderr
