"""`scrapy runs`: the recorded runs as a table and as JSON, in a subprocess."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import CrawlRun
from tests.utils.scrapy import run_scrapy

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def run_row(number: int, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"{number:02d}" + "ab" * 15, "spider": "greenhouse", "source": "greenhouse:acme",
        "sources": {"greenhouse:acme": 40}, "arguments": {"board": "acme"}, "settings": {},
        "hostname": "cron-1", "pid": 4242, "started_at": T0 + timedelta(days=number),
        "finished_at": T0 + timedelta(days=number, seconds=65), "finish_reason": "finished",
        "status": "ok", "items_new": 3, "items_updated": 2, "items_unchanged": 35,
        "items_touched": 0, "items_dropped": 1, "dropped": {"DuplicateInCrawl": 1}, "requests": 3,
        "responses": {"200": 3}, "errors": 0, "peak_memory": 98_000_000, "failures": {},
        "missed": {}, "missed_file": None,
        "monitors": [{"name": "min_items", "ok": True, "message": "40 items stored, minimum 1",
                      "figures": {"items": 40, "minimum": 1}, "skipped": False}],
        "stats": {"item_scraped_count": 40, "finish_reason": "finished"},
    }
    return {**row, **values}


ROWS = [
    run_row(1),
    run_row(2, spider="jobposting", source="jobposting:jobs.example.com", status="unhealthy",
            items_new=0, items_updated=0, items_unchanged=0, items_dropped=0, errors=2,
            items_touched=290,
            finished_at=T0 + timedelta(days=2, hours=1, minutes=2, seconds=3)),
    run_row(3, status="failed", finish_reason="api_http_404", items_unchanged=0,
            items_new=0, items_updated=0, errors=1, failures={"api": "HTTP 404 from ..."}),
    run_row(4, status="running", finished_at=None, finish_reason=None, monitors=None,
            stats=None, items_new=0, items_updated=0, items_unchanged=0, items_dropped=0),
]


@pytest.fixture
def db_url(database_url: str) -> str:
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(CrawlRun), ROWS)
    engine.dispose()
    return database_url


def runs(db_url: str, *args: str) -> Any:
    return run_scrapy("runs", *args, "-s", f"JOBCRAWL_DATABASE_URL={db_url}")


def test_table_lists_the_newest_runs_first(db_url: str) -> None:
    result = runs(db_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "id        spider      source                       started (UTC)        duration"
        "  status     new  updated  unchanged  touched  dropped  errors  finish reason",
        "04ababab  greenhouse  greenhouse:acme              2026-03-06 03:00:00         -"
        "  running      0        0          0        0        0       0  -",
        "03ababab  greenhouse  greenhouse:acme              2026-03-05 03:00:00     1m05s"
        "  failed       0        0          0        0        1       1  api_http_404",
        "02ababab  jobposting  jobposting:jobs.example.com  2026-03-04 03:00:00  1h02m03s"
        "  unhealthy    0        0          0      290        0       2  finished",
        "01ababab  greenhouse  greenhouse:acme              2026-03-03 03:00:00     1m05s"
        "  ok           3        2         35        0        1       0  finished",
    ]


def test_filters_and_last(db_url: str) -> None:
    def ids(*args: str) -> list[str]:
        result = runs(db_url, *args)
        assert result.returncode == 0, result.stderr
        return [line.split()[0] for line in result.stdout.splitlines()[1:]]

    assert ids("--last", "2") == ["04ababab", "03ababab"]
    assert ids("--spider", "greenhouse", "--status", "ok") == ["01ababab"]
    assert ids("--source", "jobposting:jobs.example.com") == ["02ababab"]
    result = runs(db_url, "--spider", "reed")
    assert (result.returncode, result.stdout) == (0, "no runs recorded that match\n")


def test_json_has_every_column_of_every_run(db_url: str) -> None:
    result = runs(db_url, "--json", "--last", "3")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert [run["id"] for run in printed] == [ROWS[3]["id"], ROWS[2]["id"], ROWS[1]["id"]]
    expected = {**ROWS[2], "started_at": ROWS[2]["started_at"].isoformat(),
                "finished_at": ROWS[2]["finished_at"].isoformat()}
    assert printed[1] == expected
    assert printed[0]["finished_at"] is None


@pytest.mark.parametrize(("args", "message"), [
    (["--last", "0"], "--last must be 1 or more"),
    (["--status", "great"], "invalid choice: 'great'"),
    (["extra"], "unexpected arguments: extra"),
])
def test_bad_options_are_usage_errors(sqlite_url: str, args: list[str], message: str) -> None:
    result = runs(sqlite_url, *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    result = runs(f"sqlite:///{path}")
    assert result.returncode == 1
    assert result.stderr == f"runs failed: database file not found: sqlite:///{path}\n"
    assert not path.exists()


def test_a_database_before_run_history_asks_for_an_upgrade(sqlite_url: str) -> None:
    upgrade(sqlite_url, "0001")
    result = runs(sqlite_url)
    assert result.returncode == 1
    assert "no crawl_runs table" in result.stderr
    assert "run `scrapy db upgrade`" in result.stderr


def test_an_empty_history(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    result = runs(sqlite_url)
    assert (result.returncode, result.stdout) == (0, "no runs recorded\n")
