"""Health checks: the pure checks, their settings, and the extension on a crawler's stats."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from jobcrawl.health.checks import (
    CheckResult,
    CrawlFacts,
    MonitorConfig,
    check_coverage,
    check_error_ratio,
    check_history,
    check_min_items,
    evaluate,
)
from jobcrawl.health.extension import HealthMonitors
from jobcrawl.runs.state import run_state
from tests.utils.crawlers import jobcrawl_crawler


def test_zero_items_fail_min_items_with_the_figures() -> None:
    assert check_min_items(0, 1) == CheckResult(
        "min_items", False, "0 items stored, minimum 1", {"items": 0, "minimum": 1})
    assert check_min_items(300, 1).ok


def test_error_ratio_is_errors_per_request_sent() -> None:
    assert check_error_ratio(3, 40, 0.05) == CheckResult(
        "error_ratio", False, "3 errors in 40 requests (7.5%), maximum 5.0%",
        {"errors": 3, "requests": 40, "ratio": 0.075, "maximum": 0.05})
    assert check_error_ratio(2, 40, 0.05).ok
    # No request at all: any error fails, none passes.
    assert not check_error_ratio(1, 0, 0.05).ok
    assert check_error_ratio(0, 0, 0.05).ok


def test_coverage_names_every_field_below_its_minimum() -> None:
    result = check_coverage(200, {"description": 200, "company": 90, "closing_date": 100},
                            {"description": 0.99, "company": 0.5, "closing_date": 0.6})
    assert result == CheckResult(
        "coverage", False,
        "company on 90 of 200 items (45.0%), minimum 50.0%; "
        "closing_date on 100 of 200 items (50.0%), minimum 60.0%",
        {"items": 200, "fields": {
            "description": {"count": 200, "share": 1.0, "minimum": 0.99},
            "company": {"count": 90, "share": 0.45, "minimum": 0.5},
            "closing_date": {"count": 100, "share": 0.5, "minimum": 0.6},
        }})


def test_coverage_passes_at_exactly_the_minimum_and_skips_without_items() -> None:
    passed = check_coverage(4, {"company": 2}, {"company": 0.5})
    assert (passed.ok, passed.message) == (True, "company on 2 of 4 items (50.0%), minimum 50.0%")
    skipped = check_coverage(0, {}, {"company": 0.5})
    assert (skipped.ok, skipped.skipped, skipped.message) == (True, True,
                                                             "skipped: no items stored")


def test_history_fall_below_the_ratio_of_the_median_fails() -> None:
    result = check_history(40, [300, 100, 290, 310], 0.5, "greenhouse / greenhouse:acme")
    assert result == CheckResult(
        "history", False,
        "40 items stored, 14% of the median 295 of the last 4 ok runs of "
        "greenhouse / greenhouse:acme, minimum 50%",
        {"items": 40, "previous": [300, 100, 290, 310], "minimum_ratio": 0.5,
         "median": 295.0, "ratio": 0.135593})
    assert check_history(148, [300, 100, 290, 310], 0.5, "x").ok


def test_history_needs_three_earlier_runs() -> None:
    result = check_history(1, [300, 300], 0.5, "greenhouse / greenhouse:acme")
    assert (result.ok, result.skipped, result.message) == (
        True, True, "skipped: 2 earlier ok runs of greenhouse / greenhouse:acme, 3 needed")


def facts(**overrides: Any) -> CrawlFacts:
    values: dict[str, Any] = {
        "items_stored": 10, "errors": 0, "requests": 12, "coverage_items": 10,
        "coverage": {"description": 10}, "label": "s / src", "history": [10, 11, 9],
    }
    return CrawlFacts(**{**values, **overrides})


def test_evaluate_runs_the_checks_that_are_on_in_order() -> None:
    names = [result.name for result in evaluate(MonitorConfig(), facts())]
    assert names == ["min_items", "error_ratio", "coverage", "history"]
    off = MonitorConfig(min_items=0, max_error_ratio=None, min_coverage={}, history_runs=0)
    assert evaluate(off, facts()) == []


def test_evaluate_reports_why_history_is_missing() -> None:
    [history] = evaluate(MonitorConfig(min_items=0, max_error_ratio=None, min_coverage={}),
                         facts(history=None, history_note="the run's source is unknown"))
    assert history == CheckResult("history", True, "skipped: the run's source is unknown",
                                  {"items": 10}, skipped=True)


def config(**settings: Any) -> MonitorConfig:
    return MonitorConfig.from_settings(get_crawler(settings_dict=settings).settings)


def test_config_defaults_and_settings_from_the_command_line() -> None:
    assert config() == MonitorConfig(min_items=1, max_error_ratio=0.05,
                                     min_coverage={"description": 0.99},
                                     history_runs=5, min_history_ratio=0.5)
    # -s values arrive as strings; the coverage mapping as JSON.
    assert config(
        JOBCRAWL_MONITOR_MIN_ITEMS="0", JOBCRAWL_MONITOR_MAX_ERROR_RATIO="None",
        JOBCRAWL_MONITOR_MIN_COVERAGE='{"company": 0.5, "closing_date": "0.25"}',
        JOBCRAWL_MONITOR_HISTORY_RUNS="10", JOBCRAWL_MONITOR_MIN_HISTORY_RATIO="0.8",
    ) == MonitorConfig(min_items=0, max_error_ratio=None,
                       min_coverage={"company": 0.5, "closing_date": 0.25},
                       history_runs=10, min_history_ratio=0.8)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("JOBCRAWL_MONITOR_MIN_ITEMS", "-1", "JOBCRAWL_MONITOR_MIN_ITEMS must be a whole number"),
    ("JOBCRAWL_MONITOR_MIN_ITEMS", True, "JOBCRAWL_MONITOR_MIN_ITEMS must be a whole number"),
    ("JOBCRAWL_MONITOR_MAX_ERROR_RATIO", "lots",
     "JOBCRAWL_MONITOR_MAX_ERROR_RATIO must be a number >= 0"),
    ("JOBCRAWL_MONITOR_MIN_COVERAGE", '{"compnay": 0.5}',
     "JOBCRAWL_MONITOR_MIN_COVERAGE: unknown JobItem field(s) compnay"),
    ("JOBCRAWL_MONITOR_MIN_COVERAGE", '{"company": 50}',
     "JOBCRAWL_MONITOR_MIN_COVERAGE['company'] must be a number >= 0 and <= 1"),
    ("JOBCRAWL_MONITOR_MIN_COVERAGE", "company=0.5",
     "JOBCRAWL_MONITOR_MIN_COVERAGE must be a JSON object"),
    ("JOBCRAWL_MONITOR_HISTORY_RUNS", "2",
     "JOBCRAWL_MONITOR_HISTORY_RUNS must be 0 (off) or at least 3, got 2"),
    ("JOBCRAWL_MONITOR_MIN_HISTORY_RATIO", "1.5",
     "JOBCRAWL_MONITOR_MIN_HISTORY_RATIO must be a number >= 0 and <= 1"),
])
def test_bad_settings_name_the_setting(name: str, value: object, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        config(**{name: value})
    assert str(raised.value).startswith(message)


class AcmeSpider(Spider):
    name = "greenhouse"
    source = "greenhouse:acme"


def closed_crawl(stats: dict[str, Any], **settings: Any) -> tuple[dict[str, Any], Any]:
    """Build the extension on a crawler, give it a crawl's stats, close the spider."""
    crawler = jobcrawl_crawler(settings={"JOBCRAWL_DATABASE_URL": "", **settings})
    extension = HealthMonitors.from_crawler(crawler)
    crawler.stats.open_spider()
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    extension.closed(AcmeSpider(), "finished")
    return crawler.stats.get_stats(), run_state(crawler)


def test_a_failing_check_is_logged_counted_and_marks_the_crawl_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stats, state = closed_crawl({"downloader/request_count": 1, "log_count/ERROR": 1})
    assert {key: value for key, value in stats.items() if "monitor" in key} == {
        "jobcrawl/monitor/min_items/failed": 1,
        "jobcrawl/monitor/error_ratio/failed": 1,
        "jobcrawl/monitor/coverage/skipped": 1,
        "jobcrawl/monitor/history/skipped": 1,
        "jobcrawl/monitor/checks": 4,
        "jobcrawl/monitor/failed": 2,
        "jobcrawl/failed/monitor": "min_items: 0 items stored, minimum 1",
    }
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == [
        "monitor min_items failed: 0 items stored, minimum 1",
        "monitor error_ratio failed: 1 errors in 1 requests (100.0%), maximum 5.0%",
    ]
    assert [(result["name"], result["ok"]) for result in state.monitor_results] == [
        ("min_items", False), ("error_ratio", False), ("coverage", True), ("history", True)]
    assert state.monitor_results[3]["message"] == "skipped: no database with earlier runs"


def test_a_healthy_crawl_passes_every_check() -> None:
    stats, state = closed_crawl({
        "jobcrawl/store/new": 3, "jobcrawl/store/unchanged": 1,
        "downloader/request_count": 5, "jobcrawl/coverage/items": 4,
        "jobcrawl/coverage/description": 4, "jobcrawl/coverage/company": 2,
    }, JOBCRAWL_MONITOR_MIN_COVERAGE={"description": 1.0, "company": 0.5},
        JOBCRAWL_MONITOR_HISTORY_RUNS=0)
    assert stats["jobcrawl/monitor/failed"] == 0
    assert "jobcrawl/failed/monitor" not in stats
    assert [result["message"] for result in state.monitor_results] == [
        "4 items stored, minimum 1",
        "0 errors in 5 requests (0.0%), maximum 5.0%",
        "description on 4 of 4 items (100.0%), minimum 100.0%; "
        "company on 2 of 4 items (50.0%), minimum 50.0%",
    ]


def test_monitors_can_be_switched_off() -> None:
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(settings_dict={"JOBCRAWL_MONITORS_ENABLED": False})
    with pytest.raises(NotConfigured, match="JOBCRAWL_MONITORS_ENABLED is False"):
        HealthMonitors.from_crawler(crawler)


def test_a_recrawl_that_only_touched_known_ads_is_healthy() -> None:
    # Nothing fetched but the listing: coverage has no items, min_items counts the touches.
    stats, state = closed_crawl({"jobcrawl/store/touched": 292, "downloader/request_count": 16},
                                JOBCRAWL_MONITOR_HISTORY_RUNS=0)
    assert (stats["jobcrawl/monitor/failed"], "jobcrawl/failed/monitor" in stats) == (0, False)
    assert [(result["message"], result["figures"]) for result in state.monitor_results] == [
        ("292 items stored or touched (292 touched), minimum 1",
         {"items": 292, "minimum": 1, "touched": 292}),
        ("0 errors in 16 requests (0.0%), maximum 5.0%",
         {"errors": 0, "requests": 16, "ratio": 0.0, "maximum": 0.05}),
        ("skipped: no items stored", {"items": 0}),
    ]


def test_history_counts_touched_ads_as_seen() -> None:
    result = check_history(300, [290, 300, 295], 0.5, "jobposting / x", touched=280)
    assert (result.ok, result.message) == (True, (
        "300 items stored or touched (280 touched), 102% of the median 295 of the last "
        "3 ok runs of jobposting / x, minimum 50%"))
