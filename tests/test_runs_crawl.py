"""End to end: real `scrapy crawl` runs of the demo board are recorded and judged."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import CrawlRun
from jobcrawl.demo.server import DemoBoard
from jobcrawl.demo.site import Board
from tests.utils.scrapy import run_scrapy

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
SOURCE = "jobposting:127.0.0.1"


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


@pytest.fixture(scope="module")
def empty_board() -> Iterator[DemoBoard]:
    """A board whose listing answers fine but lists no ads."""
    with DemoBoard(board=Board.build([])) as demo:
        yield demo


def crawl(db_url: str, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    stats_path = tmp_path / "stats.json"
    result = run_scrapy(
        "crawl", "jobposting", *args, *FAST,
        "-s", f"JOBCRAWL_DATABASE_URL={db_url}", "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
    )
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return result.returncode, stats, result.stderr


def runs(db_url: str) -> list[dict[str, Any]]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        found = [dict(row._mapping) for row in conn.execute(
            select(CrawlRun.__table__).order_by(CrawlRun.started_at))]
    engine.dispose()
    return found


def utc(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def test_a_crawl_is_recorded_with_its_exact_figures(
    board: DemoBoard, database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("postgresql"):
        upgrade(database_url)  # what `scrapy db upgrade` does; SQLite upgrades itself
    expected = board.board.expected()
    code, stats, stderr = crawl(database_url, tmp_path, "-a", f"url={board.url}/jobs")
    assert code == 0, stderr[-3000:]

    [run] = runs(database_url)
    assert stats["jobcrawl/runs/run_id"] == stats["jobcrawl/store/run_id"] == run["id"]
    stored = expected["ads_with_jobposting"]
    # robots.txt, the pages of /jobs, and the home and about pages every page links.
    requests = 1 + expected["pages_from_jobs"] + 2
    assert {key: value for key, value in run.items()
            if key not in ("id", "arguments", "settings", "hostname", "pid", "started_at",
                           "finished_at", "peak_memory", "monitors", "stats")} == {
        "spider": "jobposting", "source": SOURCE, "sources": {SOURCE: stored},
        "finish_reason": "finished", "status": "ok",
        "items_new": stored, "items_updated": 0, "items_unchanged": 0, "items_touched": 0,
        "items_dropped": expected["featured_duplicates"],
        "dropped": {"DuplicateInCrawl": expected["featured_duplicates"]},
        "requests": requests, "responses": {"200": requests}, "errors": 0, "failures": {},
        "missed": {}, "missed_file": None,
    }
    assert [(check["name"], check["ok"], check["message"]) for check in run["monitors"]] == [
        ("min_items", True, f"{stored} items stored, minimum 1"),
        ("error_ratio", True, f"0 errors in {requests} requests (0.0%), maximum 5.0%"),
        ("coverage", True, f"description on {stored} of {stored} items (100.0%), minimum 99.0%"),
        ("history", True, f"skipped: 0 earlier ok runs of jobposting / {SOURCE}, 3 needed"),
    ]
    assert (utc(run["started_at"]), utc(run["finished_at"])) == (
        stats["start_time"], stats["finish_time"])
    assert run["peak_memory"] >= stats["memusage/max"] > 0
    # The full stats, as StatsFile wrote them a moment later (after one more INFO line).
    assert {**run["stats"], "log_count/INFO": 0} == {**stats, "log_count/INFO": 0}
    assert run["stats"]["jobcrawl/coverage/items"] == stored
    assert run["settings"]["AUTOTHROTTLE_ENABLED"] == "False"

    engine = make_engine(database_url)
    with engine.connect() as conn:
        last_runs = conn.execute(text("SELECT DISTINCT last_run FROM jobs")).scalars().all()
    engine.dispose()
    assert last_runs == [run["id"]]

    listed = run_scrapy("runs", "-s", f"JOBCRAWL_DATABASE_URL={database_url}")
    assert listed.returncode == 0, listed.stderr
    [_, line] = listed.stdout.splitlines()
    # id, spider, source, start date and time, duration, status, new, updated ...
    cells = line.split()
    assert cells[:3] + cells[6:9] == [run["id"][:8], "jobposting", SOURCE, "ok", str(stored), "0"]


def test_the_spider_arguments_are_recorded_with_secrets_masked(
    board: DemoBoard, postgres_url: str, tmp_path: Path
) -> None:
    # The machine's PostgreSQL trusts local connections, so any password gets in.
    password = "hunter2-xyzzy"
    url = postgres_url.replace("postgresql+psycopg://postgres@",
                               f"postgresql+psycopg://postgres:{password}@")
    upgrade(url)
    result = run_scrapy(
        "crawl", "jobposting", "-a", f"url={board.url}/jobs", "-a", "max_pages=1",
        "-a", "api_key=k-12345", *FAST, "-s", f"JOBCRAWL_DATABASE_URL={url}",
        "-s", "JOBCRAWL_REED_API_KEY=reed-67890",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [run] = runs(url)
    assert run["arguments"] == {"url": f"{board.url}/jobs", "max_pages": "1", "api_key": "***"}
    assert run["settings"]["JOBCRAWL_DATABASE_URL"] == url.replace(password, "***")
    assert run["settings"]["JOBCRAWL_REED_API_KEY"] == "***"
    everything = json.dumps(run, default=str)
    for secret in (password, "k-12345", "reed-67890"):
        assert secret not in everything


def test_a_board_without_ads_is_unhealthy_and_the_crawl_exits_1(
    empty_board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(sqlite_url, tmp_path, "-a", f"url={empty_board.url}/jobs")
    assert code == 1
    assert "[jobcrawl.health.extension] ERROR: monitor min_items failed: " \
           "0 items stored, minimum 1" in stderr
    assert "crawl failed: monitor: min_items: 0 items stored, minimum 1" in stderr
    assert stats["jobcrawl/monitor/min_items/failed"] == 1
    assert stats["jobcrawl/runs/status"] == "unhealthy"
    [run] = runs(sqlite_url)
    assert (run["status"], run["source"], run["sources"], run["items_new"], run["errors"]) == (
        "unhealthy", SOURCE, None, 0, 0)
    assert run["failures"] == {"monitor": "min_items: 0 items stored, minimum 1"}
    assert run["monitors"][0] == {
        "name": "min_items", "ok": False, "message": "0 items stored, minimum 1",
        "figures": {"items": 0, "minimum": 1}, "skipped": False,
    }


def seed_runs(db_url: str, *counts: tuple[str, str, int]) -> None:
    """Earlier runs, oldest first: (source, status, items stored) each."""
    upgrade(db_url)
    start = datetime.now(UTC) - timedelta(days=len(counts) + 1)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        for day, (source, status, items) in enumerate(counts):
            conn.execute(insert(CrawlRun).values(
                id=f"seed{day}", spider="jobposting", source=source, status=status,
                started_at=start + timedelta(days=day),
                finished_at=start + timedelta(days=day, minutes=5), finish_reason="finished",
                items_new=0, items_updated=1, items_unchanged=items - 1, items_dropped=0,
                requests=items + 20, errors=0,
            ))
    engine.dispose()


def test_a_fall_against_the_sources_history_is_unhealthy(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    seed_runs(sqlite_url, (SOURCE, "ok", 280), (SOURCE, "ok", 300), (SOURCE, "ok", 290),
              # Neither failed runs nor other sources are the source's history.
              (SOURCE, "failed", 5), ("jobposting:elsewhere.test", "ok", 9000))
    code, _, stderr = crawl(sqlite_url, tmp_path, "-a", f"url={board.url}/jobs",
                            "-a", "max_pages=1")
    assert code == 1, stderr[-3000:]
    run = runs(sqlite_url)[-1]
    stored = run["items_new"]
    assert 0 < stored < 145
    line = (f"monitor history failed: {stored} items stored, {stored / 290:.0%} of the median "
            f"290 of the last 3 ok runs of jobposting / {SOURCE}, minimum 50%")
    assert line in stderr
    assert run["status"] == "unhealthy"
    history = run["monitors"][-1]
    assert (history["name"], history["ok"], history["figures"]["previous"]) == (
        "history", False, [290, 300, 280])


def test_a_run_record_that_cannot_be_completed_fails_the_crawl_not_the_items(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    upgrade(sqlite_url)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE UPDATE ON crawl_runs "
                     "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    code, stats, stderr = crawl(sqlite_url, tmp_path, "-a", f"url={board.url}/jobs",
                                "-a", "max_pages=1")
    assert code == 1
    assert stats["jobcrawl/store/new"] > 0
    assert stats["jobcrawl/failed/runs"] == "the run record could not be written: IntegrityError"
    assert f"Could not record the end of run {stats['jobcrawl/runs/run_id']} in " \
           f"{sqlite_url}: disk says no" in stderr
    assert "crawl failed: runs: the run record could not be written" in stderr
    [run] = runs(sqlite_url)
    assert run["status"] == "running"  # what the start wrote


def test_a_bad_monitor_setting_fails_at_start_up(board: DemoBoard, sqlite_url: str) -> None:
    result = run_scrapy("crawl", "jobposting", "-a", f"url={board.url}/jobs",
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}",
                        "-s", 'JOBCRAWL_MONITOR_MIN_COVERAGE={"compnay": 0.5}')
    assert result.returncode == 1
    assert "JOBCRAWL_MONITOR_MIN_COVERAGE: unknown JobItem field(s) compnay" in result.stderr
    assert "Spider opened" not in result.stderr
