"""The recruitee spider: offers -> JobItems (pure), and the real crawl against recorded offers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobcrawl.extract import recruitee
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "recruitee"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected_items.json").read_text())
SCRAPED_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def load_offers() -> list[dict[str, Any]]:
    return recruitee.offers(json.loads((FIXTURES / "offers.json").read_text()))


def test_every_published_offer_becomes_the_expected_item() -> None:
    published = [offer for offer in load_offers() if recruitee.is_published(offer)]
    items = [recruitee.to_item(offer, source="recruitee:acme", scraped_at=SCRAPED_AT,
                               company="acme") for offer in published]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_closed_offers_are_not_published() -> None:
    closed = [offer["title"] for offer in load_offers() if not recruitee.is_published(offer)]
    assert closed == ["Office Manager"]
    assert recruitee.is_published({"id": 1})  # older boards carry no status at all


def test_missing_and_odd_fields_leave_empty_values_and_the_api_url() -> None:
    odd = {"id": 7, "slug": "x", "title": ["not", "text"], "salary": "up to €60k a year",
           "department": True, "remote": True, "published_at": "soon"}
    item = recruitee.to_item(odd, source="recruitee:acme", scraped_at=SCRAPED_AT,
                             company="acme")
    assert as_json(item) == {
        "webindex": "7", "source": "recruitee:acme",
        "url": "https://acme.recruitee.com/api/offers/x", "title": "",
        "company": None, "location": "Remote", "category": None,
        "contract_type": None, "contract_time": None, "description": "",
        "salary_raw": "up to €60k a year", "salary_min": None, "salary_max": 60000.0,
        "salary_currency": "EUR", "salary_period": "year",
        "date_posted": "soon", "closing_date": None, "closing_date_raw": None,
        "closing_date_source": None, "remote": True, "scraped_at": SCRAPED_AT.isoformat(),
    }
    assert recruitee.offers({"offers": None}) == recruitee.offers([]) == []


def test_crawl_stores_every_published_offer_with_its_fields(
    sqlite_url: str, tmp_path: Path
) -> None:
    routes = {"/api/offers": Recorded.file(FIXTURES / "offers.json")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "recruitee", "-a", "company=acme", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
        requested = [request.target for request in server.requests]
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/recruitee/listing_complete"] is True
    assert requested == ["/api/offers"]
    assert stats["jobcrawl/api/pages"] == 1
    assert stats["jobcrawl/api/items"] == 4
    assert stats["item_scraped_count"] == 4
    assert stats["jobcrawl/store/new"] == 4
    assert stats["jobcrawl/recruitee/unpublished_skipped"] == 1
    assert "log_count/ERROR" not in stats

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert sorted(rows) == sorted(EXPECTED)
    # What the normalize pipeline adds: close_at read as a date, or the text's date.
    settled = {
        "1284471": {"closing_date": "2026-04-30"},
        "1290035": {},
        "1291802": {"closing_date": "2026-04-15", "closing_date_source": "text",
                    "closing_date_raw": "Closing date: 15 April 2026"},
        "1293550": {"closing_date": "2026-05-31"},
    }
    for webindex, changes in settled.items():
        row = row_fields(rows[webindex], "seen_count")
        assert row == {**EXPECTED[webindex], **changes, "seen_count": 1}, webindex


def test_max_items_stops_after_that_many_offers(sqlite_url: str, tmp_path: Path) -> None:
    routes = {"/api/offers": Recorded.file(FIXTURES / "offers.json")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "recruitee", "-a", "company=acme", "-a", f"base_url={server.url}",
            "-a", "max_items=2", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/recruitee/listing_complete"] is False
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 2
    assert [row["webindex"] for row in stored_rows(sqlite_url)] == ["1284471", "1290035"]


def test_missing_company_fails_at_start_naming_it(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("recruitee", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert "spider recruitee needs -a company=..." in stderr


def test_unknown_company_404_ends_the_crawl_with_exit_1(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer({}) as server:
        code, stats, stderr = crawl_api(
            "recruitee", "-a", "company=nosuchco", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/recruitee/listing_complete"] is False
    assert f"recruitee: HTTP 404 from {server.url}/api/offers (no such board or company" in stderr
    assert stats["jobcrawl/api/http_error/404"] == 1
    assert stats.get("item_scraped_count", 0) == 0


def test_an_unreadable_board_is_a_failed_crawl_not_an_empty_one(
    sqlite_url: str, tmp_path: Path
) -> None:
    routes = {"/api/offers": Recorded.text("<html>Maintenance</html>", content_type="text/html")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "recruitee", "-a", "company=acme", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/recruitee/listing_complete"] is False
    assert stats["jobcrawl/recruitee/bad_response"] == 1
    assert f"unreadable response from {server.url}/api/offers: not JSON" in stderr
