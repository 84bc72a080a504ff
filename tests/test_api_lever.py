"""The lever spider and its extraction, against recorded Postings API responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.extract import lever
from jobcrawl.items import JobItem
from jobcrawl.spiders.lever import LeverSpider
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "lever"
SCRAPED_AT = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (FIXTURES / "expected_items.json").read_text(encoding="utf-8"))
PAGES = ("page-0", "page-2", "page-4")


def page_path(skip: int, limit: int = 2) -> str:
    return f"/v0/postings/lumenhealth?mode=json&skip={skip}&limit={limit}"


# Five postings, two per page; Lever answers an empty array past the last one.
SITE = {
    page_path(0): Recorded.file(FIXTURES / "page-0.json"),
    page_path(2): Recorded.file(FIXTURES / "page-2.json"),
    page_path(4): Recorded.file(FIXTURES / "page-4.json"),
    page_path(5): Recorded.text("[]"),
}


def test_every_posting_becomes_the_expected_item() -> None:
    items = [
        lever.to_item(posting, source="lever:lumenhealth", scraped_at=SCRAPED_AT)
        for name in PAGES
        for posting in lever.postings(
            json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
        )
    ]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_odd_posting_gives_an_item_without_raising() -> None:
    odd = {"id": "p-1", "text": "Nurse", "categories": ["Leeds"], "createdAt": "yesterday",
           "lists": [None, {"text": "Perks"}], "description": None,
           "descriptionPlain": "Plain &amp; simple", "salaryRange": {"min": "lots"}}
    item = lever.to_item(odd, source="lever:x", scraped_at=SCRAPED_AT,
                         fallback_url="https://api.lever.co/v0/postings/x/p-1")
    assert as_json(item) == {
        **as_json(JobItem(scraped_at=SCRAPED_AT)),
        "webindex": "p-1", "source": "lever:x", "title": "Nurse",
        "url": "https://api.lever.co/v0/postings/x/p-1", "description": "Plain & simple",
    }
    assert lever.postings({"ok": False}) == []


@pytest.mark.parametrize(("region", "host"), [(None, "api.lever.co"), ("eu", "api.eu.lever.co"),
                                              ("EU", "api.eu.lever.co")])
def test_region_picks_the_lever_instance(region: str | None, host: str) -> None:
    spider = LeverSpider(company="lumenhealth", region=region)
    assert spider.page_request(skip=0).url == (
        f"https://{host}/v0/postings/lumenhealth?mode=json&skip=0&limit=100"
    )


def test_bad_region_names_the_argument() -> None:
    with pytest.raises(ValueError, match="argument region"):
        LeverSpider(company="lumenhealth", region="asia")


def test_crawl_reads_every_page_until_an_empty_one(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(SITE) as server:
        code, stats, stderr = crawl_api(
            "lever", "-a", "company=lumenhealth", "-a", "page_size=2",
            "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/lever/listing_complete"] is True
    assert [request.target for request in server.requests] == [
        page_path(0), page_path(2), page_path(4), page_path(5)
    ]
    assert stats["jobcrawl/api/pages"] == 4
    assert stats["jobcrawl/api/items"] == stats["item_scraped_count"] == 5
    assert stats["jobcrawl/store/new"] == 5
    assert stats["jobcrawl/dates/closing/text"] == 3
    assert stats["jobcrawl/dates/closing/missing"] == 2
    assert "log_count/ERROR" not in stats

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert len(rows) == 5
    assert row_fields(rows["0f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"]) == {
        **EXPECTED["0f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"],
        "closing_date": "2025-02-28",
        "closing_date_raw": "Applications close on 28/02/2025",
        "closing_date_source": "text",
    }
    # The company's own salary words are kept; the figures come from salaryRange.
    assert row_fields(rows["1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"]) == (
        EXPECTED["1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"]
    )
    # No salaryRange: the pipeline finds the pay and the deadline in the text.
    assert row_fields(rows["2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"]) == {
        **EXPECTED["2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"],
        "salary_raw": "£2,300 per month",
        "salary_min": 2300.0,
        "salary_max": 2300.0,
        "salary_currency": "GBP",
        "salary_period": "month",
        "closing_date": "2025-03-14",
        "closing_date_raw": "Deadline: 14 March 2025",
        "closing_date_source": "text",
    }


def test_max_items_stops_paging(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(SITE) as server:
        code, stats, stderr = crawl_api(
            "lever", "-a", "company=lumenhealth", "-a", "page_size=2", "-a", "max_items=3",
            "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/lever/listing_complete"] is False
    assert [request.target for request in server.requests] == [page_path(0), page_path(2)]
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 3
    assert len(stored_rows(sqlite_url)) == 3


def test_missing_company_fails_at_start_up(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("lever", "-a", "region=eu", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert "spider lever needs -a company=..." in stderr


def test_unknown_company_ends_the_crawl_with_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(SITE) as server:
        code, stats, stderr = crawl_api(
            "lever", "-a", "company=nosuch", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/lever/listing_complete"] is False
    assert (f"lever: HTTP 404 from {server.url}/v0/postings/nosuch?mode=json&skip=0&limit=100 "
            "(no such board or company") in stderr
    assert stats["jobcrawl/api/http_error/404"] == 1
    assert "item_scraped_count" not in stats
