"""ApiSpider's shared behaviour: unreadable 200 responses, and listing_complete()."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from jobcrawl.spiders.adzuna import mask_credentials
from jobcrawl.spiders.api import ApiSpider, subdomain
from jobcrawl.spiders.greenhouse import GreenhouseSpider
from jobcrawl.spiders.lever import LeverSpider
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.scrapy import crawl_api

FIXTURES = Path(__file__).parent / "fixtures" / "api"
ADZUNA_KEYS = ["-s", "JOBCRAWL_ADZUNA_APP_ID=8f3a1c22",
               "-s", "JOBCRAWL_ADZUNA_APP_KEY=d41d8cd98f00b204e9800998ecf8427e"]
# Each API spider with the arguments (and key settings) of a crawl that can start.
SPIDERS: dict[str, list[str]] = {
    "greenhouse": ["-a", "board=northwind"],
    "lever": ["-a", "company=lumenhealth"],
    "ashby": ["-a", "board=kestrel"],
    "workable": ["-a", "company=brightwave"],
    "smartrecruiters": ["-a", "company=HelixBio"],
    "recruitee": ["-a", "company=acme"],
    "personio": ["-a", "company=acme"],
    "reed": ["-a", "keywords=nurse", "-s", "JOBCRAWL_REED_API_KEY=reed-test-key"],
    "adzuna": ["-a", "country=gb", "-a", "what=nurse", *ADZUNA_KEYS],
}
MAINTENANCE = Recorded.text("<html><body>Down for maintenance</body></html>",
                            content_type="text/html; charset=utf-8")
# 200 answers that are no listing, and the reason each spider logs for them.
UNREADABLE: dict[str, tuple[Recorded, dict[str, str]]] = {
    "maintenance_page": (MAINTENANCE, {
        **dict.fromkeys(SPIDERS, "not JSON"), "personio": "not a Personio XML feed",
    }),
    # Valid JSON, but an error message where the API's listing belongs.
    "error_json": (Recorded.text('{"message": "rate limit exceeded"}'), {
        "greenhouse": 'no "jobs" list', "ashby": 'no "jobs" list',
        "workable": 'no "jobs" list', "smartrecruiters": 'no "content" list',
        "recruitee": 'no "offers" list', "reed": 'no "results" list',
        "adzuna": 'no "results" list', "lever": "a JSON dict, not an array",
        "personio": "not a Personio XML feed",
    }),
}


def crawl_answering(answer: Recorded, spider: str, sqlite_url: str,
                    tmp_path: Path) -> tuple[int, dict[str, Any], str, str]:
    """Crawl `spider` against a server that answers every request with `answer`;
    (exit code, stats, stderr, the first URL as the spider may log it)."""
    with RecordedServer({}, fallback=answer) as server:
        code, stats, stderr = crawl_api(spider, *SPIDERS[spider], "-a",
                                        f"base_url={server.url}", db_url=sqlite_url,
                                        tmp_path=tmp_path)
        first = f"{server.url}{server.requests[0].target}"
        asked = len(server.requests)
    assert asked == 1  # nothing to follow in an unreadable first page
    return code, stats, stderr, mask_credentials(first)


@pytest.mark.parametrize("answer", list(UNREADABLE))
@pytest.mark.parametrize("spider", list(SPIDERS))
def test_an_unreadable_200_is_a_failed_crawl_logged_with_its_url(
    spider: str, answer: str, sqlite_url: str, tmp_path: Path
) -> None:
    body, reasons = UNREADABLE[answer]
    code, stats, stderr, url = crawl_answering(body, spider, sqlite_url, tmp_path)
    assert code == 1
    assert stats[f"jobcrawl/{spider}/bad_response"] == 1
    assert stats["jobcrawl/failed/api"] == f"unreadable response from {url}"
    assert f"ERROR: {spider}: unreadable response from {url}: {reasons[spider]}" in stderr
    assert "spider_exceptions/count" not in stats
    assert "Traceback" not in stderr, stderr[-3000:]
    assert stats.get("item_scraped_count", 0) == 0
    assert stats[f"jobcrawl/{spider}/listing_complete"] is False


def test_credentials_never_reach_the_log_of_an_unreadable_response(
    sqlite_url: str, tmp_path: Path
) -> None:
    _, _, stderr, url = crawl_answering(MAINTENANCE, "adzuna", sqlite_url, tmp_path)
    assert "app_id=***" in url
    assert "8f3a1c22" not in stderr
    assert "d41d8cd98f00b204e9800998ecf8427e" not in stderr


def lever_pages(**overrides: Recorded) -> dict[str, Recorded]:
    """The five recorded Lever postings, two per page, then the empty page."""
    pages = {
        0: Recorded.file(FIXTURES / "lever" / "page-0.json"),
        2: Recorded.file(FIXTURES / "lever" / "page-2.json"),
        4: Recorded.file(FIXTURES / "lever" / "page-4.json"),
        5: Recorded.text("[]"),
    }
    pages |= {int(skip): answer for skip, answer in overrides.items()}
    return {f"/v0/postings/lumenhealth?mode=json&skip={skip}&limit=2": answer
            for skip, answer in pages.items()}


def crawl_lever(routes: dict[str, Recorded], sqlite_url: str, tmp_path: Path,
                *args: str) -> tuple[int, dict[str, Any], str]:
    with RecordedServer(routes) as server:
        return crawl_api("lever", "-a", "company=lumenhealth", "-a", "page_size=2",
                         "-a", f"base_url={server.url}", *args, db_url=sqlite_url,
                         tmp_path=tmp_path)


def test_every_page_read_is_a_complete_listing(sqlite_url: str, tmp_path: Path) -> None:
    # max_items above the listing's size cuts nothing.
    code, stats, stderr = crawl_lever(lever_pages(), sqlite_url, tmp_path, "-a", "max_items=6")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/api/pages"] == 4
    assert stats["item_scraped_count"] == 5
    assert stats["jobcrawl/lever/listing_complete"] is True


def test_a_failed_middle_page_is_no_complete_listing(sqlite_url: str, tmp_path: Path) -> None:
    broken = Recorded.text('{"error": "upstream"}', status=503)
    code, stats, stderr = crawl_lever(lever_pages(**{"2": broken}), sqlite_url, tmp_path,
                                      "-s", "RETRY_TIMES=0")
    # A lost page is missed: the run is incomplete (exit 3), no longer failed.
    assert code == 3, stderr[-3000:]
    assert stats["jobcrawl/missed/api"] == 1
    assert stats["jobcrawl/api/http_error/503"] == 1
    assert stats["item_scraped_count"] == 2  # page 0 only: paging cannot go past page 2
    assert stats["jobcrawl/lever/listing_complete"] is False


def test_a_cut_by_max_items_is_no_complete_listing_even_at_the_exact_size(
    sqlite_url: str, tmp_path: Path
) -> None:
    # Five postings, max_items=5: the spider stops without asking for the empty page,
    # so it cannot know that nothing followed.
    code, stats, stderr = crawl_lever(lever_pages(), sqlite_url, tmp_path, "-a", "max_items=5")
    assert code == 0, stderr[-3000:]
    assert stats["item_scraped_count"] == 5
    assert stats["jobcrawl/api/pages"] == 3
    assert stats["jobcrawl/lever/listing_complete"] is False


def greenhouse_spider(**kwargs: str) -> GreenhouseSpider:
    crawler = get_crawler(GreenhouseSpider)
    spider = GreenhouseSpider.from_crawler(crawler, board="northwind", **kwargs)
    return spider


def first_request(spider: ApiSpider) -> Request:
    async def first() -> Request:
        return await anext(aiter(spider.start()))

    return asyncio.run(first())


def board_response(url: str) -> TextResponse:
    return TextResponse(url, body=(FIXTURES / "greenhouse" / "jobs.json").read_bytes(),
                        encoding="utf-8")


def read_board(spider: GreenhouseSpider, url: str) -> int:
    return len(list(spider.parse_jobs(board_response(url))))


def test_listing_is_complete_once_every_request_was_read_and_the_spider_finished() -> None:
    spider = greenhouse_spider()
    assert spider.listing_complete() is False  # nothing asked for yet
    request = first_request(spider)
    assert spider.listing_complete() is False  # asked, not answered
    assert read_board(spider, request.url) == 4
    assert spider.listing_complete() is True
    spider.closed("finished")
    assert spider.listing_complete() is True
    assert spider.crawler.stats.get_value("jobcrawl/greenhouse/listing_complete") is True


@pytest.mark.parametrize("reason", ["shutdown", "closespider_timeout", "api_http_404"])
def test_a_spider_closed_for_any_other_reason_has_no_complete_listing(
    reason: str
) -> None:
    spider = greenhouse_spider()
    read_board(spider, first_request(spider).url)
    spider.closed(reason)
    assert spider.listing_complete() is False
    assert spider.crawler.stats.get_value("jobcrawl/greenhouse/listing_complete") is False


def test_a_callback_error_or_a_failure_mark_anywhere_spoils_the_listing() -> None:
    spider = greenhouse_spider()
    read_board(spider, first_request(spider).url)
    spider.crawler.stats.inc_value("spider_exceptions/count")
    assert spider.listing_complete() is False

    spider = greenhouse_spider()
    read_board(spider, first_request(spider).url)
    spider.crawler.stats.set_value("jobcrawl/failed/store", "1 batch failed")
    assert spider.listing_complete() is False


def test_a_dropped_ad_spoils_the_listing_but_a_duplicate_does_not() -> None:
    spider = greenhouse_spider()
    read_board(spider, first_request(spider).url)
    spider.crawler.stats.inc_value("item_dropped_reasons_count/DuplicateInCrawl")
    assert spider.listing_complete() is True
    spider.crawler.stats.inc_value("item_dropped_reasons_count/MissingRequiredField")
    assert spider.listing_complete() is False


def test_max_items_reached_spoils_the_listing_even_when_nothing_was_left() -> None:
    spider = greenhouse_spider(max_items="4")
    assert read_board(spider, first_request(spider).url) == 4
    assert spider.listing_complete() is False

    spider = greenhouse_spider(max_items="5")
    assert read_board(spider, first_request(spider).url) == 4
    assert spider.listing_complete() is True


def test_an_unreadable_page_spoils_the_listing() -> None:
    spider = greenhouse_spider()
    request = first_request(spider)
    html = TextResponse(request.url, body=b"<html></html>", encoding="utf-8")
    assert list(spider.parse_jobs(html)) == []
    assert spider.listing_complete() is False
    assert spider.crawler.stats.get_value("jobcrawl/greenhouse/bad_response") == 1


def test_read_object_and_read_array_take_only_their_shape() -> None:
    crawler = get_crawler(LeverSpider)
    spider = LeverSpider.from_crawler(crawler, company="x")

    def response(body: Any) -> TextResponse:
        return TextResponse("https://api.lever.co/v0/postings/x", encoding="utf-8",
                            body=body if isinstance(body, bytes) else json.dumps(body).encode())

    assert spider.read_array(response([{"id": 1}])) == [{"id": 1}]
    assert spider.read_object(response({"jobs": []}), list_key="jobs") == {"jobs": []}
    assert spider.read_object(response({"a": 1})) == {"a": 1}
    assert spider.read_array(response({"a": 1})) is None
    assert spider.read_object(response([1])) is None
    assert spider.read_object(response({"jobs": None}), list_key="jobs") is None
    assert spider.read_object(response(b"\xef\xbb\xbf{\"a\": 1}")) == {"a": 1}  # a BOM
    assert spider.read_object(response(b"")) is None
    assert crawler.stats.get_value("jobcrawl/lever/bad_response") == 4


def test_a_company_subdomain_must_be_one_dns_label() -> None:
    assert subdomain(" Acme-2 ", "company", "recruitee", "recruitee.com") == "acme-2"
    with pytest.raises(ValueError) as refused:
        subdomain("acme.evil.example", "company", "recruitee", "recruitee.com")
    assert str(refused.value) == (
        "argument company: 'acme.evil.example' is not a recruitee.com name "
        "(letters, digits and hyphens, as in acme.recruitee.com)"
    )
    for bad in ("-acme", "acme-", "a" * 64, "ac me"):
        with pytest.raises(ValueError, match="argument company"):
            subdomain(bad, "company", "personio", "jobs.personio.de")
    with pytest.raises(ValueError, match=r"spider personio needs -a company=\.\.\."):
        subdomain(" ", "company", "personio", "jobs.personio.de")
