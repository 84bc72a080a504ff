"""The ashby spider and its extraction, against a recorded job posting API response."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobcrawl.extract import ashby
from jobcrawl.items import JobItem
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "ashby"
SCRAPED_AT = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected_items.json").read_text(encoding="utf-8"))
BOARD_PATH = "/posting-api/job-board/kestrel?includeCompensation=true"
BOARD = {BOARD_PATH: Recorded.file(FIXTURES / "job-board.json")}


def test_every_listed_job_becomes_the_expected_item() -> None:
    page = json.loads((FIXTURES / "job-board.json").read_text(encoding="utf-8"))
    jobs = ashby.jobs(page)
    assert [ashby.is_listed(job) for job in jobs] == [True, True, True, True, False]
    items = [
        ashby.to_item(job, source="ashby:kestrel", scraped_at=SCRAPED_AT)
        for job in jobs
        if ashby.is_listed(job)
    ]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_odd_job_record_gives_an_item_without_raising() -> None:
    odd = {"id": "j-9", "title": "Welder", "location": None, "secondaryLocations": [None],
           "descriptionHtml": "", "descriptionPlain": "Welding &amp; fitting",
           "employmentType": 3, "publishedAt": 1738000000,
           "compensation": {"summaryComponents": [
               {"compensationType": "Salary", "interval": "2 WEEK", "currencyCode": "EUR",
                "minValue": "n/a", "maxValue": 900}]}}
    item = ashby.to_item(odd, source="ashby:x", scraped_at=SCRAPED_AT,
                         fallback_url="https://jobs.ashbyhq.com/x/j-9")
    # "2 WEEK" is no period jobcrawl has: the amount stays, the period is left out.
    assert as_json(item) == {
        **as_json(JobItem(scraped_at=SCRAPED_AT)),
        "webindex": "j-9", "source": "ashby:x", "title": "Welder",
        "url": "https://jobs.ashbyhq.com/x/j-9", "description": "Welding & fitting",
        "salary_raw": "EUR up to 900", "salary_max": 900.0, "salary_currency": "EUR",
        "date_posted": "1738000000",
    }


def test_crawl_stores_the_listed_jobs(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(BOARD) as server:
        code, stats, stderr = crawl_api(
            "ashby", "-a", "board=kestrel", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/ashby/listing_complete"] is True
    assert [request.target for request in server.requests] == [BOARD_PATH]
    assert stats["jobcrawl/api/pages"] == 1
    assert stats["jobcrawl/ashby/unlisted"] == 1
    assert stats["jobcrawl/api/items"] == stats["item_scraped_count"] == 4
    assert stats["jobcrawl/store/new"] == 4
    assert stats["jobcrawl/dates/closing/text"] == 2
    assert stats["jobcrawl/dates/closing/missing"] == 2
    assert "log_count/ERROR" not in stats

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert len(rows) == 4
    assert "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e" not in rows  # isListed: false
    assert row_fields(rows["9a1f6c2e-3b4d-4e5f-8a7b-1c2d3e4f5a6b"]) == {
        **EXPECTED["9a1f6c2e-3b4d-4e5f-8a7b-1c2d3e4f5a6b"],
        "closing_date": "2025-02-07",
        "closing_date_raw": "Closing date: 7 February 2025",
        "closing_date_source": "text",
    }
    # Hourly pay without Ashby's summary text: jobcrawl writes a short one.
    assert row_fields(rows["3d4e5f6a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"]) == {
        **EXPECTED["3d4e5f6a-1b2c-4d3e-8f4a-5b6c7d8e9f0a"],
        "closing_date": "2025-03-15",
        "closing_date_raw": "Applications close on 15/03/2025",
        "closing_date_source": "text",
    }
    assert row_fields(rows["7f8a9b0c-2d3e-4f5a-9b6c-7d8e9f0a1b2c"]) == (
        EXPECTED["7f8a9b0c-2d3e-4f5a-9b6c-7d8e9f0a1b2c"]
    )


def test_max_items_stops_early(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(BOARD) as server:
        code, stats, stderr = crawl_api(
            "ashby", "-a", "board=kestrel", "-a", "max_items=1", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/ashby/listing_complete"] is False
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 1
    assert [row["title"] for row in stored_rows(sqlite_url)] == ["Product Designer"]


def test_missing_board_fails_at_start_up(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("ashby", "-a", "board= ", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert "spider ashby needs -a board=..." in stderr


def test_unknown_board_ends_the_crawl_with_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(BOARD) as server:
        code, stats, stderr = crawl_api(
            "ashby", "-a", "board=nosuch", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/ashby/listing_complete"] is False
    assert (f"ashby: HTTP 404 from {server.url}/posting-api/job-board/nosuch"
            "?includeCompensation=true (no such board or company") in stderr
    assert stats["jobcrawl/api/http_error/404"] == 1
    assert "item_scraped_count" not in stats
