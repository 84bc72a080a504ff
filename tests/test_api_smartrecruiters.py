"""The smartrecruiters spider and its extraction, against recorded Posting API responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.extract import smartrecruiters
from jobcrawl.items import JobItem
from jobcrawl.spiders.smartrecruiters import SmartRecruitersSpider
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "smartrecruiters"
SCRAPED_AT = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected_items.json").read_text(encoding="utf-8"))
POSTINGS = "/v1/companies/HelixBio/postings"
DETAILS = ("744000041234567", "744000041234568", "744000041234569", "744000041234570",
           "744000041234571")
GONE = "744000041234572"  # in the list, but its detail answers 404


def list_path(offset: int, limit: int = 2) -> str:
    return f"{POSTINGS}?limit={limit}&offset={offset}"


# Six postings, two per list page (totalFound 6); five details, the sixth is gone.
COMPANY = {
    **{list_path(offset): Recorded.file(FIXTURES / f"postings-offset-{offset}.json")
       for offset in (0, 2, 4)},
    **{f"{POSTINGS}/{pid}": Recorded.file(FIXTURES / f"posting-{pid}.json") for pid in DETAILS},
}


def test_every_detail_becomes_the_expected_item() -> None:
    items = [
        smartrecruiters.to_item(
            json.loads((FIXTURES / f"posting-{pid}.json").read_text(encoding="utf-8")),
            source="smartrecruiters:HelixBio", scraped_at=SCRAPED_AT,
        )
        for pid in DETAILS
    ]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_list_page_gives_postings_and_total() -> None:
    page = json.loads((FIXTURES / "postings-offset-4.json").read_text(encoding="utf-8"))
    assert [smartrecruiters.posting_id(p) for p in smartrecruiters.postings(page)] == [
        "744000041234571", GONE
    ]
    assert smartrecruiters.total_found(page) == 6
    assert smartrecruiters.total_found({"totalFound": "6"}) is None
    assert smartrecruiters.postings({"content": None}) == []


def test_odd_posting_gives_an_item_without_raising() -> None:
    odd = {"id": 744, "name": "Chemist", "company": "Helix", "location": {"remote": True},
           "typeOfEmployment": "Full-time", "department": [], "function": {"label": "R&D"},
           "jobAd": {"sections": {"jobDescription": {"text": None},
                                  "qualifications": {"text": "<p>MSc</p>"}}}}
    item = smartrecruiters.to_item(
        odd, source="smartrecruiters:x", scraped_at=SCRAPED_AT,
        fallback_url="https://api.smartrecruiters.com/v1/companies/x/postings/744",
    )
    assert as_json(item) == {
        **as_json(JobItem(scraped_at=SCRAPED_AT)),
        "webindex": "744", "source": "smartrecruiters:x", "title": "Chemist",
        "url": "https://api.smartrecruiters.com/v1/companies/x/postings/744",
        "location": "Remote", "category": "R&D", "description": "MSc", "remote": True,
    }


def test_page_size_above_the_api_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match="argument page_size must be 100 or less"):
        SmartRecruitersSpider(company="HelixBio", page_size="500")


def test_crawl_reads_list_pages_to_total_found_then_details(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer(COMPANY) as server:
        code, stats, stderr = crawl_api(
            "smartrecruiters", "-a", "company=HelixBio", "-a", "page_size=2",
            "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/smartrecruiters/listing_complete"] is True
    targets = [request.target for request in server.requests]
    # offset + page length reaches totalFound (6) after the third page: no fourth request.
    assert [t for t in targets if t.startswith(f"{POSTINGS}?")] == [
        list_path(0), list_path(2), list_path(4)
    ]
    assert sorted(t for t in targets if not t.startswith(f"{POSTINGS}?")) == [
        f"{POSTINGS}/{pid}" for pid in (*DETAILS, GONE)
    ]
    assert stats["jobcrawl/api/pages"] == 3 + 5
    assert stats["jobcrawl/smartrecruiters/detail_gone"] == 1
    assert stats["jobcrawl/api/items"] == stats["item_scraped_count"] == 5
    assert stats["jobcrawl/store/new"] == 5
    assert stats["jobcrawl/dates/closing/text"] == 2
    assert stats["jobcrawl/dates/closing/missing"] == 3
    assert "jobcrawl/failed/api" not in stats
    assert f"smartrecruiters: {server.url}{POSTINGS}/{GONE} is gone (HTTP 404); skipped" in stderr

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert sorted(rows) == list(DETAILS)
    assert row_fields(rows["744000041234567"]) == {
        **EXPECTED["744000041234567"],
        "salary_raw": "£28,000 – £32,000 per annum",
        "salary_min": 28000.0,
        "salary_max": 32000.0,
        "salary_currency": "GBP",
        "salary_period": "year",
        "closing_date": "2025-02-28",
        "closing_date_raw": "Closing date: 28 February 2025",
        "closing_date_source": "text",
    }
    # No department: the job function is the category; a fixed-term contract.
    assert row_fields(rows["744000041234568"]) == EXPECTED["744000041234568"]
    assert row_fields(rows["744000041234569"])["location"] == "Remote, GB"
    assert row_fields(rows["744000041234569"])["closing_date"] == "2025-03-14"


def test_max_items_stops_list_pages_and_details(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(COMPANY) as server:
        code, stats, stderr = crawl_api(
            "smartrecruiters", "-a", "company=HelixBio", "-a", "page_size=2",
            "-a", "max_items=3", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/smartrecruiters/listing_complete"] is False
    assert server.hits(POSTINGS) == 2  # list pages at offsets 0 and 2
    assert sum(server.hits(f"{POSTINGS}/{pid}") for pid in (*DETAILS, GONE)) == 3
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 3
    assert sorted(row["webindex"] for row in stored_rows(sqlite_url)) == list(DETAILS[:3])


def test_missing_company_fails_at_start_up(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("smartrecruiters", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert "spider smartrecruiters needs -a company=..." in stderr


def test_failing_list_request_ends_the_crawl_with_exit_1(
    sqlite_url: str, tmp_path: Path
) -> None:
    refused = {list_path(0, limit=100): Recorded.text('{"message": "Forbidden"}', status=403)}
    with RecordedServer(refused) as server:
        code, stats, stderr = crawl_api(
            "smartrecruiters", "-a", "company=HelixBio", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/smartrecruiters/listing_complete"] is False
    assert (f"smartrecruiters: HTTP 403 from {server.url}{list_path(0, limit=100)} "
            "(the API refused the request") in stderr
    assert stats["jobcrawl/api/http_error/403"] == 1
    assert "item_scraped_count" not in stats


def test_an_unreadable_detail_loses_only_its_ad_but_fails_the_crawl(
    sqlite_url: str, tmp_path: Path
) -> None:
    broken = f"{POSTINGS}/{DETAILS[1]}"
    routes = {**COMPANY, broken: Recorded.text("<html>Bad gateway</html>",
                                               content_type="text/html")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "smartrecruiters", "-a", "company=HelixBio", "-a", "page_size=2",
            "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/smartrecruiters/bad_response"] == 1
    assert f"smartrecruiters: unreadable response from {server.url}{broken}: not JSON" in stderr
    assert "spider_exceptions/count" not in stats
    assert sorted(row["webindex"] for row in stored_rows(sqlite_url)) == [
        pid for pid in DETAILS if pid != DETAILS[1]
    ]
    assert stats["jobcrawl/smartrecruiters/listing_complete"] is False
