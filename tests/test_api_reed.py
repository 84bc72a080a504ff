"""The reed spider: search + details -> JobItems (pure), paging, and the real keyed crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler
from w3lib.http import basic_auth_header

from jobcrawl.extract import reed
from jobcrawl.spiders.reed import ReedSpider
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "reed"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected_items.json").read_text())
SCRAPED_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
API_KEY = "5f0c2d7e-1b9a-4c3e-8f21-reed-test-key"
AUTH = basic_auth_header(API_KEY, "").decode()
KEY_SETTING = ["-s", f"JOBCRAWL_REED_API_KEY={API_KEY}"]
WITHDRAWN = "52450002"  # on search page 2, but its details answer 404
FILLERS = 96  # page 1 holds 100 results: the 4 recorded ones and these


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def recorded_results() -> list[dict[str, Any]]:
    return load("search_page1.json")["results"] + load("search_page2.json")["results"]


def filler(n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A plain ad in Reed's search and details shapes, to fill page 1 to 100 results."""
    job = 53000000 + n
    url = f"https://www.reed.co.uk/jobs/sales-executive/{job}"
    summary = {
        "jobId": job, "employerId": 900000 + n, "employerName": f"Midlands Trade Supplies {n}",
        "employerProfileId": None, "employerProfileName": None,
        "jobTitle": "Field Sales Executive", "locationName": "Birmingham",
        "minimumSalary": 25000.0, "maximumSalary": 28000.0, "currency": "GBP",
        "expirationDate": "30/04/2026", "date": "01/03/2026",
        "jobDescription": " Field sales across the West Midlands, company car... ",
        "applications": n, "jobUrl": url,
    }
    detail = {
        **{key: summary[key] for key in ("employerId", "employerName", "jobId", "jobTitle",
                                         "locationName", "minimumSalary", "maximumSalary",
                                         "currency", "expirationDate", "jobUrl")},
        "yearlyMinimumSalary": 25000.0, "yearlyMaximumSalary": 28000.0,
        "salaryType": "per annum", "salary": "£25,000 - £28,000 per annum",
        "datePosted": "01/03/2026", "externalUrl": None, "partTime": False, "fullTime": True,
        "contractType": "Permanent", "applicationCount": n,
        "jobDescription": "<p>Field sales across the West Midlands, company car.</p>",
    }
    return summary, detail


def search_target(skip: int) -> str:
    query = {"keywords": "python developer", "locationName": "London",
             "resultsToTake": "100", "resultsToSkip": str(skip)}
    return f"/api/1.0/search?{urlencode(query)}"


def reed_routes() -> dict[str, Recorded]:
    """Search pages 1 (100 results) and 2 (3 results) of 103, and every job's details."""
    fillers = [filler(n) for n in range(FILLERS)]
    page1 = load("search_page1.json")
    page1["results"] += [summary for summary, _ in fillers]
    routes = {
        search_target(0): Recorded.text(json.dumps(page1), require_auth=AUTH),
        search_target(100): Recorded.file(FIXTURES / "search_page2.json", require_auth=AUTH),
    }
    for path in (FIXTURES / "jobs").glob("*.json"):
        routes[f"/api/1.0/jobs/{path.stem}"] = Recorded.file(path, require_auth=AUTH)
    for summary, detail in fillers:
        routes[f"/api/1.0/jobs/{summary['jobId']}"] = Recorded.text(json.dumps(detail),
                                                                    require_auth=AUTH)
    return routes


def test_details_with_their_search_results_become_the_expected_items() -> None:
    items = [
        reed.to_item(load(f"jobs/{result['jobId']}.json"), scraped_at=SCRAPED_AT,
                     summary=result)
        for result in recorded_results() if str(result["jobId"]) != WITHDRAWN
    ]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_a_bare_search_result_still_makes_an_item() -> None:
    result = load("search_page2.json")["results"][1]
    item = reed.to_item({}, scraped_at=SCRAPED_AT, summary=result)
    assert as_json(item) == {
        "webindex": WITHDRAWN, "source": "reed",
        "url": "https://www.reed.co.uk/jobs/warehouse-operative/52450002",
        "title": "Warehouse Operative", "company": "Northgate Logistics",
        "location": "Wakefield", "category": None, "contract_type": None,
        "contract_time": None,
        "description": "Northgate Logistics are recruiting warehouse operatives for our "
                       "Wakefield distribution centre...",
        "salary_raw": None, "salary_min": 24000.0, "salary_max": 25500.0,
        "salary_currency": "GBP", "salary_period": None, "date_posted": "2026-03-06",
        "closing_date": None, "closing_date_raw": "08/04/2026",
        "closing_date_source": "structured", "remote": None,
        "scraped_at": SCRAPED_AT.isoformat(),
    }


def spider(**kwargs: str) -> ReedSpider:
    crawler = get_crawler(ReedSpider, settings_dict={"JOBCRAWL_REED_API_KEY": API_KEY})
    return ReedSpider.from_crawler(crawler, keywords="nurse", **kwargs)


def search_page(reader: ReedSpider, skip: int, results: list[dict[str, Any]],
                total: int | None) -> list[Request]:
    url = f"https://www.reed.co.uk{search_target(skip)}"
    body = json.dumps({"results": results, "ambiguousLocations": [], "totalResults": total})
    response = TextResponse(url, body=body.encode(), encoding="utf-8")
    return list(reader.parse_search(response, skip=skip))


def test_paging_follows_total_results_then_stops() -> None:
    reader = spider()
    page = [filler(n)[0] for n in range(100)]
    requests = search_page(reader, 0, page, total=150)
    assert len(requests) == 101
    assert all(r.headers["Authorization"] == AUTH.encode() for r in requests)
    next_page = parse_qs(urlsplit(requests[-1].url).query)
    assert next_page["resultsToSkip"] == ["100"]
    assert next_page["resultsToTake"] == ["100"]
    assert len(search_page(reader, 100, page[:50], total=150)) == 50  # 150 reached


def test_an_empty_page_ends_paging_whatever_the_total_says() -> None:
    assert search_page(spider(), 200, [], total=5000) == []


def test_max_items_limits_detail_requests_and_paging() -> None:
    requests = search_page(spider(max_items="3"), 0, [filler(n)[0] for n in range(100)],
                           total=900)
    assert [r.url.rsplit("/", 1)[1] for r in requests] == ["53000000", "53000001", "53000002"]


def test_missing_keywords_are_refused_naming_them() -> None:
    with pytest.raises(ValueError, match="needs -a keywords"):
        ReedSpider()


def test_crawl_reads_every_page_and_every_job_with_the_key(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer(reed_routes()) as server:
        code, stats, stderr = crawl_api(
            "reed", "-a", "keywords=python developer", "-a", "location=London",
            "-a", f"base_url={server.url}", *KEY_SETTING, db_url=sqlite_url, tmp_path=tmp_path,
        )
        searches = [r.target for r in server.requests if r.target.startswith("/api/1.0/search")]
        details = [r for r in server.requests if r.target.startswith("/api/1.0/jobs/")]
        authorizations = {r.headers.get("Authorization") for r in server.requests}
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/reed/listing_complete"] is True
    # totalResults (103) ends the search after page 2: no third page is asked for.
    assert sorted(searches) == sorted([search_target(0), search_target(100)])
    assert len(details) == 103
    assert authorizations == {AUTH}
    assert stats["jobcrawl/api/pages"] == 2 + 102
    assert stats["jobcrawl/api/items"] == 102
    assert stats["item_scraped_count"] == 102
    assert stats["jobcrawl/store/new"] == 102
    assert stats["jobcrawl/reed/details_gone"] == 1
    assert "log_count/ERROR" not in stats
    assert f"reed: {server.url}/api/1.0/jobs/{WITHDRAWN} is gone (HTTP 404); skipped" in stderr
    assert API_KEY not in stderr

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert len(rows) == 102
    assert WITHDRAWN not in rows
    # expirationDate is read day first by the normalize pipeline (the spider says so).
    settled = {
        "52437891": {"closing_date": "2026-04-13"},
        "52440102": {"closing_date": "2026-03-27"},
        "52442008": {"closing_date": "2026-03-20"},
        "52450001": {"closing_date": "2026-04-06"},
    }
    for webindex, changes in settled.items():
        row = row_fields(rows[webindex], "seen_count")
        assert row == {**EXPECTED[webindex], **changes, "seen_count": 1}, webindex


def test_max_items_reads_no_more_than_it_needs(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(reed_routes()) as server:
        code, stats, stderr = crawl_api(
            "reed", "-a", "keywords=python developer", "-a", "location=London",
            "-a", f"base_url={server.url}", "-a", "max_items=3", *KEY_SETTING,
            db_url=sqlite_url, tmp_path=tmp_path,
        )
        requested = [r.target for r in server.requests]
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/reed/listing_complete"] is False
    assert requested[0] == search_target(0)
    assert sorted(requested[1:]) == [f"/api/1.0/jobs/{job}"
                                     for job in ("52437891", "52440102", "52441550")]
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 3


def test_a_wrong_key_401_ends_the_crawl_with_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(reed_routes()) as server:
        code, stats, stderr = crawl_api(
            "reed", "-a", "keywords=python developer", "-a", "location=London",
            "-a", f"base_url={server.url}", "-s", "JOBCRAWL_REED_API_KEY=not-my-key",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/reed/listing_complete"] is False
    assert "reed: HTTP 401 from" in stderr
    assert "check the API key settings" in stderr
    assert "not-my-key" not in stderr
    assert stats["jobcrawl/api/http_error/401"] == 1
    assert stats.get("item_scraped_count", 0) == 0


def test_a_missing_key_fails_at_start_naming_the_setting(
    sqlite_url: str, tmp_path: Path
) -> None:
    code, _, stderr = crawl_api("reed", "-a", "keywords=nurse", db_url=sqlite_url,
                                tmp_path=tmp_path, env={"JOBCRAWL_REED_API_KEY": ""})
    assert code == 1
    assert "setting JOBCRAWL_REED_API_KEY is empty" in stderr
