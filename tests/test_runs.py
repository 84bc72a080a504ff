"""The run helpers and the run record extension, without a crawl (get_crawler + signals)."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings

from jobcrawl.items import JobItem
from jobcrawl.pipelines.store import StorePipeline
from jobcrawl.runs.figures import RunFigures, json_safe
from jobcrawl.runs.record import RunRecord, run_status
from jobcrawl.runs.state import (
    command_line_settings,
    is_crawl,
    run_id,
    run_source,
    run_state,
)
from jobcrawl.security.secrets import is_secret_name, mask_url, masked
from tests.utils.crawlers import jobcrawl_crawler
from tests.utils.rows import stored_runs

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 4, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize("name", ["api_key", "apiKey", "app_key", "key", "token",
                                  "access_token", "client_secret", "password", "db_passwd",
                                  "auth", "oauth", "authorization", "JOBCRAWL_REED_API_KEY",
                                  "app_id", "appId", "JOBCRAWL_ADZUNA_APP_ID"])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["keywords", "url", "board", "author", "company",
                                  "max_items", "JOBCRAWL_DATABASE_URL", "what", "id",
                                  "job_id", "happy_id"])
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


def test_urls_lose_their_password_and_secret_query_values_only() -> None:
    assert mask_url("postgresql+psycopg://jobs:hunter2@db.example.com:5432/jobs") == (
        "postgresql+psycopg://jobs:***@db.example.com:5432/jobs")
    assert mask_url("https://api.example.com/jobs?app_id=42&app_key=s3cr3t&what=nurse") == (
        "https://api.example.com/jobs?app_id=***&app_key=***&what=nurse")
    # Nothing to mask: byte for byte, even where urlunsplit would change it.
    for url in ("sqlite:////tmp/jobs.db", "https://x.test/jobs?q=a%20b&page=2",
                "postgresql+psycopg://postgres@127.0.0.1/test?options=-csearch_path%3Dt_1"):
        assert mask_url(url) == url


def test_arguments_and_settings_are_masked_by_name_and_inside_urls() -> None:
    arguments = {
        "url": "https://u:pw1@a.test/jobs,https://b.test/jobs?token=abc",
        "api_key": "k-123", "keywords": "data engineer", "max_items": "5",
    }
    assert masked(arguments) == {
        "url": "https://u:***@a.test/jobs,https://b.test/jobs?token=***",
        "api_key": "***", "keywords": "data engineer", "max_items": "5",
    }


def test_only_command_line_settings_are_recorded() -> None:
    settings = Settings({"JOBCRAWL_STORE_BATCH_SIZE": 500})  # project/default level
    settings.set("JOBCRAWL_DATABASE_URL", "postgresql+psycopg://jobs:pw@h/db", "cmdline")
    settings.set("JOBCRAWL_REED_API_KEY", "reed-key", "cmdline")
    settings.set("LOG_LEVEL", "INFO", "cmdline")
    assert command_line_settings(settings) == {
        "JOBCRAWL_DATABASE_URL": "postgresql+psycopg://jobs:***@h/db",
        "JOBCRAWL_REED_API_KEY": "***",
        "LOG_LEVEL": "INFO",
    }


class AcmeSpider(Spider):
    name = "greenhouse"
    source = "greenhouse:acme"


def test_source_is_the_spiders_own_else_the_stored_items() -> None:
    assert run_source(AcmeSpider(), {"greenhouse:other": 3}) == "greenhouse:acme"
    site = Spider(name="jobposting")
    assert run_source(site, {}) is None
    # Nothing stored: a spider kept to one site is named after it.
    assert run_source(Spider(name="jobposting", allowed_domains=["a.test"]), {}) == (
        "jobposting:a.test")
    assert run_source(site, {"jobposting:b.test": 2, "jobposting:a.test": 5}) == (
        "jobposting:a.test,jobposting:b.test")
    many = {f"jobposting:{'x' * 40}{n}.test": 1 for n in range(10)}
    assert len(run_source(site, many) or "") == 255


def test_figures_come_from_the_scrapy_and_jobcrawl_stats() -> None:
    stats = {
        "jobcrawl/store/new": 5, "jobcrawl/store/updated": 2, "jobcrawl/store/unchanged": 1,
        "jobcrawl/store/touched": 30, "item_dropped_count": 3,
        "item_dropped_reasons_count/DuplicateInCrawl": 2,
        "item_dropped_reasons_count/MissingRequiredField": 1,
        "downloader/request_count": 12, "downloader/response_status_count/200": 10,
        "downloader/response_status_count/404": 2, "log_count/ERROR": 4,
        "jobcrawl/monitor/failed": 1, "memusage/max": 10**12,
        "jobcrawl/failed/store": "a batch write failed: OperationalError",
    }
    assert RunFigures.from_stats(stats) == RunFigures(
        items_new=5, items_updated=2, items_unchanged=1, items_touched=30, items_dropped=3,
        dropped={"DuplicateInCrawl": 2, "MissingRequiredField": 1}, requests=12,
        responses={"200": 10, "404": 2},
        errors=3,  # the monitor's own alert line is not an error of the crawl
        peak_memory=10**12,
        failures={"store": "a batch write failed: OperationalError"},
    )
    assert RunFigures.from_stats(stats).items_stored == 8
    assert RunFigures.from_stats(stats).items_seen == 38
    assert (RunFigures.from_stats({}).peak_memory or 0) > 0  # the process's own peak


@pytest.mark.parametrize(("reason", "failures", "monitors", "status"), [
    ("finished", {}, [{"ok": True}], "ok"),
    ("closespider_itemcount", {}, None, "ok"),
    ("finished", {"monitor": "min_items: ..."}, [{"ok": False}], "unhealthy"),
    ("finished", {"store": "a batch write failed"}, [{"ok": False}], "failed"),
    ("shutdown", {}, [{"ok": True}], "incomplete"),  # Ctrl-C, SIGTERM: rerun to complete
    ("closespider_errorcount", {}, [{"ok": True}], "failed"),
    ("api_http_404", {"api": "HTTP 404"}, None, "failed"),
])
def test_run_status(reason: str, failures: dict[str, str],
                    monitors: list[dict[str, Any]] | None, status: str) -> None:
    assert run_status(reason, failures, monitors) == status


def test_stats_become_plain_json() -> None:
    stats = {"start_time": T0, "day": date(2026, 3, 2), "n": 1, "nested": {"x": {1, 2}},
             "per_minute": float("inf")}
    assert json_safe(stats) == {"start_time": "2026-03-02T04:00:00+00:00",
                                "day": "2026-03-02", "n": 1, "nested": {"x": [1, 2]},
                                "per_minute": None}


def test_the_stand_in_spider_of_fetch_and_shell_is_not_a_crawl() -> None:
    from scrapy.utils.spider import DefaultSpider

    assert not is_crawl(DefaultSpider())
    assert is_crawl(AcmeSpider())


def test_one_run_id_per_crawl_shared_with_the_store_pipeline(sqlite_url: str) -> None:
    crawler = jobcrawl_crawler(settings={"JOBCRAWL_DATABASE_URL": sqlite_url})
    pipeline = StorePipeline.from_crawler(crawler)
    assert pipeline.run_id == run_id(crawler) == run_state(crawler).run_id
    assert len(pipeline.run_id) == 32
    other = jobcrawl_crawler(settings={"JOBCRAWL_DATABASE_URL": sqlite_url})
    assert run_id(other) != run_id(crawler)


def test_stored_items_are_counted_per_field_and_source_once() -> None:
    crawler = jobcrawl_crawler()
    crawler.stats.open_spider()
    send = crawler.signals.send_catch_log
    send(signals.spider_opened, spider=AcmeSpider())
    for item in (JobItem(source="a:1", title="T", company="C", description="D"),
                 JobItem(source="a:1", title="T", company="", description="D"),
                 {"source": "a:2", "title": "T", "company": None}):
        send(signals.item_scraped, item=item, response=None, spider=AcmeSpider())
    stats = crawler.stats.get_stats()
    assert (stats["jobcrawl/coverage/items"], stats["jobcrawl/coverage/title"],
            stats["jobcrawl/coverage/company"], stats["jobcrawl/coverage/description"],
            stats["jobcrawl/coverage/salary_min"]) == (3, 3, 1, 2, 0)
    assert dict(run_state(crawler).sources) == {"a:1": 2, "a:2": 1}


def recorder(url: str, **settings: Any) -> tuple[Any, RunRecord]:
    crawler = jobcrawl_crawler(AcmeSpider, settings={
        "JOBCRAWL_DATABASE_URL": url,
        "JOBCRAWL_RUN_ARGUMENTS": {"board": "acme", "api_key": "k-1"}, **settings})
    crawler.spider = AcmeSpider()
    extension = RunRecord.from_crawler(crawler)
    crawler.stats.open_spider()
    return crawler, extension


def test_run_row_is_running_at_open_and_complete_at_close(database_url: str) -> None:
    if database_url.startswith("postgresql"):
        from jobcrawl.db.migrate import upgrade

        upgrade(database_url)
    crawler, extension = recorder(database_url)
    stats = crawler.stats
    stats.set_value("start_time", T0)
    extension.spider_opened(crawler.spider)
    [opened] = stored_runs(database_url)
    assert (opened["status"], opened["arguments"], opened["finished_at"]) == (
        "running", {"board": "acme", "api_key": "***"}, None)

    for key, value in {"jobcrawl/store/new": 2, "downloader/request_count": 3,
                       "downloader/response_status_count/200": 3, "finish_time": T1}.items():
        stats.set_value(key, value)
    run_state(crawler).monitor_results = [{"name": "min_items", "ok": True}]
    extension.closed(crawler.spider, "finished")
    [run] = stored_runs(database_url)
    assert run["stats"]["jobcrawl/runs/status"] == "ok"
    assert run["stats"]["finish_time"] == T1.isoformat()
    assert {key: run[key] for key in ("id", "spider", "source", "status", "finish_reason",
                                      "items_new", "requests", "responses", "errors",
                                      "failures", "monitors")} == {
        "id": run_id(crawler), "spider": "greenhouse", "source": "greenhouse:acme",
        "status": "ok", "finish_reason": "finished", "items_new": 2, "requests": 3,
        "responses": {"200": 3}, "errors": 0, "failures": {},
        "monitors": [{"name": "min_items", "ok": True}],
    }
    assert run["started_at"].replace(tzinfo=UTC) == T0
    assert run["finished_at"].replace(tzinfo=UTC) == T1


def test_a_run_record_that_cannot_be_written_marks_the_crawl_failed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    crawler, extension = recorder(url)
    with sqlite3.connect(tmp_path / "jobs.db") as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON crawl_runs "
                     "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    extension.spider_opened(crawler.spider)
    extension.closed(crawler.spider, "finished")
    assert crawler.stats.get_value("jobcrawl/failed/runs") == (
        "the run record could not be written: IntegrityError")
    assert crawler.stats.get_value("jobcrawl/runs/status") == "failed"
    errors = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert errors == [
        f"Could not record the {moment} of run {run_id(crawler)} in {url}: disk says no"
        for moment in ("start", "end")
    ]


def test_a_locked_database_at_close_is_waited_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    db = tmp_path / "jobs.db"
    crawler, extension = recorder(f"sqlite:///{db}", JOBCRAWL_DATABASE_BUSY_TIMEOUT="0.1s",
                                  JOBCRAWL_DATABASE_RETRY_DELAY="0.1s")
    extension.spider_opened(crawler.spider)
    # Another writer holds the lock as the crawl closes (used from the releasing thread).
    other = sqlite3.connect(db, timeout=30, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    released = threading.Event()

    def release_after_the_first_retry() -> None:
        while not any("database write failed" in r.getMessage() for r in caplog.records):
            time.sleep(0.01)
        other.execute("COMMIT")
        released.set()

    releaser = threading.Thread(target=release_after_the_first_retry, daemon=True)
    releaser.start()
    extension.closed(crawler.spider, "finished")
    releaser.join(timeout=60)
    other.close()
    assert released.is_set()
    assert crawler.stats.get_value("jobcrawl/failed/runs") is None
    [run] = stored_runs(f"sqlite:///{db}")
    assert (run["status"], run["finish_reason"]) == ("ok", "finished")


def test_run_record_can_be_switched_off(sqlite_url: str) -> None:
    crawler = jobcrawl_crawler(settings={"JOBCRAWL_DATABASE_URL": sqlite_url,
                                         "JOBCRAWL_RUNS_ENABLED": "False"})
    with pytest.raises(NotConfigured, match="JOBCRAWL_RUNS_ENABLED is False"):
        RunRecord.from_crawler(crawler)
