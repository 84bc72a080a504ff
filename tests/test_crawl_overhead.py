"""Scrapy's per-page overhead that jobcrawl trims: DEBUG lines, stats lookups, the return check."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.logformatter import LogFormatter
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from jobcrawl.demo.server import DemoBoard
from jobcrawl.tuning.logformatter import LevelAwareLogFormatter
from jobcrawl.tuning.stats import MemoryStats
from tests.utils.scrapy import run_scrapy

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
    crawler = get_crawler(settings_dict={"STATS_CLASS": "jobcrawl.tuning.stats.MemoryStats"})
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
    assert settings["STATS_CLASS"] == "jobcrawl.tuning.stats.MemoryStats"
    assert settings["LOG_FORMATTER"] == "jobcrawl.tuning.logformatter.LevelAwareLogFormatter"
    # jobcrawl's callbacks return no value: Scrapy's per-call source check is off.
    assert not settings.getbool("WARN_ON_GENERATOR_RETURN_VALUE")


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
