"""The workable spider and its extraction, against a recorded job widget API response."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobcrawl.extract import workable
from jobcrawl.items import JobItem
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "workable"
SCRAPED_AT = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected_items.json").read_text(encoding="utf-8"))
ACCOUNT_PATH = "/api/v1/widget/accounts/brightwave?details=true"
ACCOUNT = {ACCOUNT_PATH: Recorded.file(FIXTURES / "account.json")}


def test_every_job_becomes_the_expected_item() -> None:
    page = json.loads((FIXTURES / "account.json").read_text(encoding="utf-8"))
    assert workable.account_name(page) == "Brightwave Energy"
    items = [
        workable.to_item(job, company="Brightwave Energy", source="workable:brightwave",
                         scraped_at=SCRAPED_AT)
        for job in workable.jobs(page)
    ]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_odd_job_record_gives_an_item_without_raising() -> None:
    odd = {"shortcode": 12345, "title": "Driver", "url": None,
           "shortlink": "https://apply.workable.com/j/12345", "locations": "Leeds",
           "city": None, "telecommuting": "yes", "description": ["x"],
           "requirements": "<p>Licence</p>", "published_on": "2025-13-45"}
    item = workable.to_item(odd, company=None, source="workable:x", scraped_at=SCRAPED_AT)
    assert as_json(item) == {
        **as_json(JobItem(scraped_at=SCRAPED_AT)),
        "webindex": "12345", "source": "workable:x", "title": "Driver",
        "url": "https://apply.workable.com/j/12345", "description": "Requirements\n\nLicence",
        "date_posted": "2025-13-45",
    }
    assert workable.account_name(["x"]) is None
    assert workable.jobs({"name": "Empty"}) == []


def test_crawl_stores_the_account_jobs(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(ACCOUNT) as server:
        code, stats, stderr = crawl_api(
            "workable", "-a", "company=brightwave", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/workable/listing_complete"] is True
    # details=true: the descriptions come with the account, no request per job.
    assert [request.target for request in server.requests] == [ACCOUNT_PATH]
    assert stats["jobcrawl/api/pages"] == 1
    assert stats["jobcrawl/api/items"] == stats["item_scraped_count"] == 4
    assert stats["jobcrawl/store/new"] == 4
    assert stats["jobcrawl/dates/closing/text"] == 2
    assert stats["jobcrawl/dates/closing/missing"] == 2
    assert stats["jobcrawl/salary/parsed"] == 1
    assert "log_count/ERROR" not in stats

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert len(rows) == 4
    assert row_fields(rows["8F3A1C2B9D"]) == {
        **EXPECTED["8F3A1C2B9D"],
        "salary_raw": "£42,000 - £50,000 per annum",
        "salary_min": 42000.0,
        "salary_max": 50000.0,
        "salary_currency": "GBP",
        "salary_period": "year",
        "closing_date": "2025-02-21",
        "closing_date_raw": "Closing date: 21 February 2025",
        "closing_date_source": "text",
    }
    # Hidden locations stay hidden; "Apply by 7 March" follows the posting date.
    assert row_fields(rows["C4D5E6F7A8"]) == {
        **EXPECTED["C4D5E6F7A8"],
        "closing_date": "2025-03-07",
        "closing_date_raw": "Apply by 7 March",
        "closing_date_source": "text",
    }
    # A remote job without department or publication date.
    assert row_fields(rows["1B2C3D4E5F"]) == EXPECTED["1B2C3D4E5F"]


def test_max_items_stops_early(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(ACCOUNT) as server:
        code, stats, stderr = crawl_api(
            "workable", "-a", "company=brightwave", "-a", "max_items=3",
            "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/workable/listing_complete"] is False
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 3
    assert sorted(row["webindex"] for row in stored_rows(sqlite_url)) == [
        "1B2C3D4E5F", "8F3A1C2B9D", "C4D5E6F7A8"
    ]


def test_missing_company_fails_at_start_up(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("workable", "-a", "board=brightwave", db_url=sqlite_url,
                                tmp_path=tmp_path)
    assert code == 1
    assert "spider workable needs -a company=..." in stderr


def test_unknown_account_ends_the_crawl_with_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(ACCOUNT) as server:
        code, stats, stderr = crawl_api(
            "workable", "-a", "company=nosuch", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/workable/listing_complete"] is False
    assert (f"workable: HTTP 404 from {server.url}/api/v1/widget/accounts/nosuch?details=true "
            "(no such board or company") in stderr
    assert stats["jobcrawl/api/http_error/404"] == 1
    assert "item_scraped_count" not in stats
