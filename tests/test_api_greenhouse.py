"""The greenhouse spider and its extraction, against recorded Job Board API responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobcrawl.extract import greenhouse
from jobcrawl.items import JobItem
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "greenhouse"
SCRAPED_AT = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected_items.json").read_text(encoding="utf-8"))
JOBS = "/v1/boards/northwind/jobs?content=true"
BOARD = {JOBS: Recorded.file(FIXTURES / "jobs.json")}


def test_every_job_becomes_the_expected_item() -> None:
    page = json.loads((FIXTURES / "jobs.json").read_text(encoding="utf-8"))
    items = [
        greenhouse.to_item(job, source="greenhouse:northwind", scraped_at=SCRAPED_AT)
        for job in greenhouse.jobs(page)
    ]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_odd_job_record_gives_an_item_without_raising() -> None:
    odd = {"id": 77, "title": ["not", "text"], "location": "Leeds", "departments": "Sales",
           "offices": [None, {"name": "Leeds"}], "metadata": {"name": "x"}, "content": 5,
           "first_published": "not a date", "company_name": True}
    item = greenhouse.to_item(odd, source="greenhouse:x", scraped_at=SCRAPED_AT,
                              fallback_url="https://boards-api.greenhouse.io/v1/boards/x/jobs/77")
    assert as_json(item) == {
        **as_json(JobItem(scraped_at=SCRAPED_AT)),
        "webindex": "77", "source": "greenhouse:x",
        "url": "https://boards-api.greenhouse.io/v1/boards/x/jobs/77",
        "location": "Leeds", "date_posted": "not a date",
    }
    assert greenhouse.jobs({"jobs": None}) == greenhouse.jobs([1, 2]) == []


def test_crawl_stores_the_board_with_its_fields(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(BOARD) as server:
        code, stats, stderr = crawl_api(
            "greenhouse", "-a", "board=northwind", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/greenhouse/listing_complete"] is True
    # The real path and query, on the base_url origin; one response holds the whole board.
    assert [request.target for request in server.requests] == [JOBS]
    assert stats["jobcrawl/api/pages"] == 1
    assert stats["jobcrawl/api/items"] == stats["item_scraped_count"] == 4
    assert stats["jobcrawl/store/new"] == 4
    assert stats["jobcrawl/dates/closing/structured"] == 1
    assert stats["jobcrawl/dates/closing/text"] == 2
    assert stats["jobcrawl/dates/closing/missing"] == 1
    assert "log_count/ERROR" not in stats

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert sorted(rows) == ["4012345008", "4012399008", "4012400008", "4012411008"]
    assert row_fields(rows["4012345008"]) == {
        **EXPECTED["4012345008"],
        "closing_date": "2025-02-14",
        "closing_date_raw": "Closing date: 14 February 2025",
        "closing_date_source": "text",
    }
    # A structured application_deadline wins over the date written in the text.
    assert row_fields(rows["4012399008"]) == {
        **EXPECTED["4012399008"],
        "closing_date": "2025-03-01",
    }
    # Salary found in the text; "Apply by 5 March" is the first 5 March after posting.
    assert row_fields(rows["4012400008"]) == {
        **EXPECTED["4012400008"],
        "salary_raw": "€45,000 – €52,000 per annum",
        "salary_min": 45000.0,
        "salary_max": 52000.0,
        "salary_currency": "EUR",
        "salary_period": "year",
        "closing_date": "2025-03-05",
        "closing_date_raw": "Apply by 5 March",
        "closing_date_source": "text",
    }


def test_max_items_stops_early(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(BOARD) as server:
        code, stats, stderr = crawl_api(
            "greenhouse", "-a", "board=northwind", "-a", f"base_url={server.url}",
            "-a", "max_items=2", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/greenhouse/listing_complete"] is False
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 2
    assert [row["webindex"] for row in stored_rows(sqlite_url)] == ["4012345008", "4012399008"]


def test_missing_board_fails_at_start_up(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("greenhouse", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert "spider greenhouse needs -a board=..." in stderr


def test_unknown_board_ends_the_crawl_with_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(BOARD) as server:
        code, stats, stderr = crawl_api(
            "greenhouse", "-a", "board=nosuch", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/greenhouse/listing_complete"] is False
    assert (f"greenhouse: HTTP 404 from {server.url}/v1/boards/nosuch/jobs?content=true "
            "(no such board or company") in stderr
    assert stats["jobcrawl/api/http_error/404"] == 1
    assert stats["finish_reason"] == "api_http_404"
    assert "item_scraped_count" not in stats
