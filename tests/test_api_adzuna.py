"""The adzuna spider: results -> JobItems (pure), paging, masking, and the real keyed crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from jobcrawl.extract import adzuna
from jobcrawl.items import JobItem
from jobcrawl.spiders.adzuna import AdzunaSpider
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import as_json, row_fields, stored_rows
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api" / "adzuna"
EXPECTED: dict[str, dict[str, Any]] = json.loads((FIXTURES / "expected_items.json").read_text())
SCRAPED_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
APP_ID = "8f3a1c22"
APP_KEY = "d41d8cd98f00b204e9800998ecf8427e"
KEYS = ["-s", f"JOBCRAWL_ADZUNA_APP_ID={APP_ID}", "-s", f"JOBCRAWL_ADZUNA_APP_KEY={APP_KEY}"]
FILLERS = 45  # page 1 holds 50 results: the 5 recorded ones and these
AUTH_FAIL = {"__CLASS__": "Adzuna::API::Response::Exception", "exception": "AUTH_FAIL",
             "display": "Authorisation failed", "doc": "http://api.adzuna.com/v1/doc"}


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def filler(n: int) -> dict[str, Any]:
    """A plain result in Adzuna's shape, to fill page 1 to 50 results."""
    ad = str(4900000000 + n)
    return {
        "__CLASS__": "Adzuna::API::Response::Job", "id": ad, "adref": f"eyJ{n}",
        "title": "Customer Service Advisor",
        "description": "Inbound customer service for a utilities provider, full training&hellip;",
        "created": "2026-03-02T08:00:00Z",
        "redirect_url": f"https://www.adzuna.co.uk/jobs/land/ad/{ad}?se=x{n}&utm_medium=api",
        "company": {"__CLASS__": "Adzuna::API::Response::Company",
                    "display_name": "Severn Energy"},
        "location": {"__CLASS__": "Adzuna::API::Response::Location",
                     "display_name": "Gloucester, Gloucestershire",
                     "area": ["UK", "South West England", "Gloucestershire", "Gloucester"]},
        "category": {"__CLASS__": "Adzuna::API::Response::Category",
                     "label": "Customer Services Jobs", "tag": "customer-services-jobs"},
        "salary_min": 23500, "salary_max": 23500, "salary_is_predicted": "0",
        "contract_type": "permanent", "contract_time": "full_time",
    }


def page_target(page: int, app_key: str = APP_KEY) -> str:
    query = {"app_id": APP_ID, "app_key": app_key, "results_per_page": "50",
             "what": "analyst", "where": "uk", "content-type": "application/json"}
    return f"/v1/api/jobs/gb/search/{page}?{urlencode(query)}"


def adzuna_routes() -> dict[str, Recorded]:
    """Pages 1 (50 results) and 2 (4 results) of a search that counts 54 ads."""
    page1 = load("search_page1.json")
    page1["results"] += [filler(n) for n in range(FILLERS)]
    return {
        page_target(1): Recorded.text(json.dumps(page1)),
        page_target(2): Recorded.file(FIXTURES / "search_page2.json"),
        page_target(1, app_key="revoked"): Recorded.text(json.dumps(AUTH_FAIL), status=401),
    }


def recorded_items() -> list[JobItem]:
    results = load("search_page1.json")["results"] + load("search_page2.json")["results"]
    return [adzuna.to_item(result, source="adzuna:gb", scraped_at=SCRAPED_AT, country="gb")
            for result in results]


def test_every_result_becomes_the_expected_item() -> None:
    assert [as_json(item) for item in recorded_items()] == [
        {**expected, "scraped_at": SCRAPED_AT.isoformat()} for expected in EXPECTED.values()
    ]


def test_a_predicted_salary_is_not_the_ads_salary() -> None:
    result = load("search_page1.json")["results"][1]
    assert adzuna.is_predicted_salary(result)
    assert result["salary_min"] == 24071.57
    item = adzuna.to_item(result, source="adzuna:gb", scraped_at=SCRAPED_AT, country="gb")
    assert (item.salary_raw, item.salary_min, item.salary_max, item.salary_currency) == (
        None, None, None, None)


def test_salary_currency_follows_the_country_site() -> None:
    result = {"id": "1", "salary_min": 50000, "salary_max": 60000, "salary_is_predicted": "0"}
    item = adzuna.to_item(result, source="adzuna:de", scraped_at=SCRAPED_AT, country="de")
    assert (item.salary_raw, item.salary_currency, item.salary_period) == (
        "EUR 50000-60000 per year", "EUR", "year")


def spider(**kwargs: str) -> AdzunaSpider:
    settings = {"JOBCRAWL_ADZUNA_APP_ID": APP_ID, "JOBCRAWL_ADZUNA_APP_KEY": APP_KEY}
    crawler = get_crawler(AdzunaSpider, settings_dict=settings)
    return AdzunaSpider.from_crawler(crawler, country="gb", **kwargs)


def read_page(reader: AdzunaSpider, page: int, results: list[dict[str, Any]],
              count: int | None) -> tuple[list[JobItem], list[Request]]:
    url = f"https://api.adzuna.com{page_target(page)}"
    body = json.dumps({"__CLASS__": "Adzuna::API::Response::JobSearchResults",
                       "count": count, "results": results})
    response = TextResponse(url, body=body.encode(), encoding="utf-8")
    output = list(reader.parse_page(response, page=page))
    return ([x for x in output if isinstance(x, JobItem)],
            [x for x in output if isinstance(x, Request)])


def test_paging_follows_the_count_then_stops() -> None:
    reader = spider(what="analyst")
    items, requests = read_page(reader, 1, [filler(n) for n in range(50)], count=120)
    assert len(items) == 50
    [next_page] = requests
    assert urlsplit(next_page.url).path == "/v1/api/jobs/gb/search/2"
    assert parse_qs(urlsplit(next_page.url).query)["results_per_page"] == ["50"]
    assert read_page(reader, 3, [filler(n) for n in range(20)], count=120)[1] == []  # 150 >= 120


def test_an_empty_page_ends_paging_whatever_the_count_says() -> None:
    assert read_page(spider(), 4, [], count=9000) == ([], [])


def test_max_items_ends_paging() -> None:
    items, requests = read_page(spider(max_items="3"), 1, [filler(n) for n in range(50)],
                                count=120)
    assert (len(items), requests) == (3, [])


def test_logged_urls_never_show_the_credentials() -> None:
    reader = spider(what="nurse")
    url = reader.page_url(1)
    assert f"app_key={APP_KEY}" in url
    assert reader.loggable_url(url) == (
        "https://api.adzuna.com/v1/api/jobs/gb/search/1?app_id=***&app_key=***"
        "&results_per_page=50&what=nurse&content-type=application%2Fjson"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs -a country"),
        ({"country": "uk"}, "argument country: 'uk' is not an Adzuna country"),
    ],
)
def test_bad_arguments_are_refused_naming_them(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AdzunaSpider(**kwargs)


def test_crawl_reads_every_page_until_the_count(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(adzuna_routes()) as server:
        code, stats, stderr = crawl_api(
            "adzuna", "-a", "country=gb", "-a", "what=analyst", "-a", "where=uk",
            "-a", f"base_url={server.url}", *KEYS, db_url=sqlite_url, tmp_path=tmp_path,
        )
        requested = [request.target for request in server.requests]
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/adzuna/listing_complete"] is True
    # count (54) is reached on page 2: page 3 is never asked for.
    assert requested == [page_target(1), page_target(2)]
    assert stats["jobcrawl/api/pages"] == 2
    assert stats["jobcrawl/api/items"] == 54
    assert stats["item_scraped_count"] == 54
    assert stats["jobcrawl/store/new"] == 54
    assert stats["jobcrawl/adzuna/predicted_salary_ignored"] == 2
    assert "log_count/ERROR" not in stats
    assert APP_KEY not in stderr

    rows = {row["webindex"]: row for row in stored_rows(sqlite_url)}
    assert len(rows) == 54
    # Closing dates come from the snippets' text; year-less ones follow the posting date.
    settled = {
        "4795571883": {"closing_date": "2026-03-27", "closing_date_source": "text",
                       "closing_date_raw": "Closing date: 27/03/2026"},
        "4801200457": {},
        "4803117702": {"closing_date": "2026-04-05", "closing_date_source": "text",
                       "closing_date_raw": "Apply by 5 April"},
        "4805112230": {"closing_date": "2026-03-20", "closing_date_source": "text",
                       "closing_date_raw": "Closing date for applications 20/03/2026"},
    }
    for webindex, changes in settled.items():
        row = row_fields(rows[webindex], "seen_count")
        assert row == {**EXPECTED[webindex], **changes, "seen_count": 1}, webindex


def test_max_items_reads_only_the_pages_it_needs(sqlite_url: str, tmp_path: Path) -> None:
    with RecordedServer(adzuna_routes()) as server:
        code, stats, stderr = crawl_api(
            "adzuna", "-a", "country=gb", "-a", "what=analyst", "-a", "where=uk",
            "-a", f"base_url={server.url}", "-a", "max_items=3", *KEYS,
            db_url=sqlite_url, tmp_path=tmp_path,
        )
        requested = [request.target for request in server.requests]
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/adzuna/listing_complete"] is False
    assert requested == [page_target(1)]
    assert stats["jobcrawl/api/items"] == stats["jobcrawl/store/new"] == 3


def test_a_refused_key_401_ends_the_crawl_without_logging_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer(adzuna_routes()) as server:
        code, stats, stderr = crawl_api(
            "adzuna", "-a", "country=gb", "-a", "what=analyst", "-a", "where=uk",
            "-a", f"base_url={server.url}", "-s", f"JOBCRAWL_ADZUNA_APP_ID={APP_ID}",
            "-s", "JOBCRAWL_ADZUNA_APP_KEY=revoked", db_url=sqlite_url, tmp_path=tmp_path,
        )
    assert code == 1
    assert stats["jobcrawl/adzuna/listing_complete"] is False
    masked = f"{server.url}/v1/api/jobs/gb/search/1?app_id=***&app_key=***"
    assert f"adzuna: HTTP 401 from {masked}" in stderr
    assert "check the API key settings" in stderr
    assert "revoked" not in stderr
    assert APP_ID not in json.dumps(stats)
    assert stats["jobcrawl/api/http_error/401"] == 1


def test_a_missing_key_fails_at_start_naming_the_setting(
    sqlite_url: str, tmp_path: Path
) -> None:
    code, _, stderr = crawl_api(
        "adzuna", "-a", "country=gb", db_url=sqlite_url, tmp_path=tmp_path,
        env={"JOBCRAWL_ADZUNA_APP_ID": APP_ID, "JOBCRAWL_ADZUNA_APP_KEY": ""},
    )
    assert code == 1
    assert "setting JOBCRAWL_ADZUNA_APP_KEY is empty" in stderr


def test_no_log_line_shows_the_credentials_even_scrapys_own(
    sqlite_url: str, tmp_path: Path
) -> None:
    routes = {**adzuna_routes(), page_target(2): Recorded.text("{}", status=503)}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "adzuna", "-a", "country=gb", "-a", "what=analyst", "-a", "where=uk",
            "-a", f"base_url={server.url}", *KEYS, "-s", "LOG_LEVEL=DEBUG",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    # Page 2 failed after retries: its ads are missing, so the crawl is incomplete (exit 3).
    assert code == 3
    assert stats["jobcrawl/store/new"] == 50
    assert stats["jobcrawl/api/http_error/503"] == 1
    masked = f"<GET {server.url}/v1/api/jobs/gb/search/2?app_id=***&app_key=***"
    assert f"Crawled (200) <GET {server.url}/v1/api/jobs/gb/search/1?app_id=***" in stderr
    assert f"Gave up retrying {masked}" in stderr
    assert f"app_id={APP_ID}" not in stderr  # Adzuna's own ad URLs carry it as utm_source
    assert APP_KEY not in stderr
    # The missed file names the page with its credentials masked too.
    [missed] = (tmp_path / "missed").iterdir()
    listed = missed.read_text()
    assert f"{server.url}/v1/api/jobs/gb/search/2?app_id=***&app_key=***" in listed
    assert APP_ID not in listed and APP_KEY not in listed
