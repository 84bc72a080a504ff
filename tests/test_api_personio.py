"""The personio spider: XML positions -> JobItems (pure), and the real crawl of a recorded feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.extract import personio
from jobcrawl.spiders.personio import PersonioSpider
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "personio"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected_items.json").read_text())
SCRAPED_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_every_position_becomes_the_expected_item() -> None:
    positions = personio.positions((FIXTURES / "feed.xml").read_bytes())
    items = [personio.to_item(position, source="personio:acme", scraped_at=SCRAPED_AT,
                              company="acme") for position in positions]
    assert [as_json(item) for item in items] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_positions_reads_cdata_escaped_html_and_office_lists() -> None:
    first, second = personio.positions((FIXTURES / "feed.xml").read_bytes())[:2]
    assert first["additionalOffices"] == ["Hamburg", "Remote (Deutschland)"]
    assert [block["name"] for block in first["jobDescriptions"]] == [
        "Your mission", "Your profile", "Good to know"]
    assert first["jobDescriptions"][1]["value"].startswith("<ul><li>5+ years")
    # Escaped instead of CDATA: the XML parser gives back the HTML itself.
    assert second["jobDescriptions"][0]["value"].startswith("<p>Du begleitest")


def test_an_empty_job_site_has_no_positions() -> None:
    empty = b'<?xml version="1.0" encoding="UTF-8"?>\n<workzag-jobs></workzag-jobs>'
    assert personio.positions(empty) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><body>Personio</body></html>", "not <workzag-jobs>"),
        (b"<workzag-jobs><position>", "unreadable XML"),
        (b"", "unreadable XML"),
    ],
)
def test_anything_but_a_feed_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        personio.positions(body)


def test_external_entities_are_never_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = (f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file://{secret}">]>'
           "<workzag-jobs><position><id>1</id><name>&x;</name></position></workzag-jobs>")
    [position] = personio.positions(xml.encode())
    assert "TOP SECRET" not in json.dumps(position)


def test_crawl_stores_every_position_with_its_fields(sqlite_url: str, tmp_path: Path) -> None:
    routes = {"/xml?language=en": Recorded.file(FIXTURES / "feed.xml")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "personio", "-a", "company=acme", "-a", "language=en",
            "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path,
        )
        requested = [request.target for request in server.requests]
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/personio/listing_complete"] is True
    assert requested == ["/xml?language=en"]
    assert stats["jobcrawl/api/pages"] == 1
    assert stats["jobcrawl/api/items"] == 4
    assert stats["item_scraped_count"] == 4
    assert stats["jobcrawl/store/new"] == 4
    assert stats["jobcrawl/dates/closing/text"] == 2
    assert "log_count/ERROR" not in stats

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert sorted(rows) == sorted(EXPECTED)
    # The feed has neither closing dates nor salaries: normalize finds them in the text.
    settled = {
        "1520744": {"closing_date": "2026-05-31", "closing_date_source": "text",
                    "closing_date_raw": "Application deadline: 31 May 2026",
                    "salary_raw": "€75,000 - €90,000 per year", "salary_min": 75000.0,
                    "salary_max": 90000.0, "salary_currency": "EUR", "salary_period": "year"},
        "1533120": {},
        "1540001": {"closing_date": "2026-04-20", "closing_date_source": "text",
                    "closing_date_raw": "Closing date: 20 April 2026"},
    }
    for webindex, changes in settled.items():
        row = row_fields(rows[webindex], "seen_count")
        assert row == {**EXPECTED[webindex], **changes, "seen_count": 1}, webindex


def test_max_items_stops_after_that_many_positions(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer({"/xml": Recorded.file(FIXTURES / "feed.xml")}) as server:
        code, stats, stderr = crawl_api(
            "personio", "-a", "company=acme", "-a", f"base_url={server.url}",
            "-a", "max_items=1", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/personio/listing_complete"] is False
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 1
    assert [row["webindex"] for row in stored_rows(sqlite_url)] == ["1520744"]


def test_missing_company_fails_at_start_naming_it(sqlite_url: str, tmp_path: Path) -> None:
    code, _, stderr = crawl_api("personio", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert "spider personio needs -a company=..." in stderr


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"company": "acme.example"}, "argument company"),
        ({"company": "acme", "language": "english"}, "argument language"),
        ({"company": "acme", "base_url": "http://127.0.0.1:9/xml"}, "argument base_url"),
    ],
)
def test_bad_arguments_are_refused_naming_them(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PersonioSpider(**kwargs)


def test_unknown_company_404_ends_the_crawl_with_exit_1(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer({}) as server:
        code, stats, stderr = crawl_api(
            "personio", "-a", "company=nosuchco", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/personio/listing_complete"] is False
    assert f"personio: HTTP 404 from {server.url}/xml (no such board or company" in stderr
    assert stats["jobcrawl/api/http_error/404"] == 1


def test_a_page_that_is_no_feed_is_a_failed_crawl_not_an_empty_one(
    sqlite_url: str, tmp_path: Path
) -> None:
    home = Recorded.text("<!DOCTYPE html><html><body>Personio HR software</body></html>",
                         content_type="text/html; charset=utf-8")
    with RecordedServer({"/xml": home}) as server:
        code, stats, stderr = crawl_api(
            "personio", "-a", "company=acme", "-a", f"base_url={server.url}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/personio/listing_complete"] is False
    assert stats["jobcrawl/personio/bad_response"] == 1
    assert (f"personio: unreadable response from {server.url}/xml: not a Personio XML feed "
            "(root element is <html>") in stderr
