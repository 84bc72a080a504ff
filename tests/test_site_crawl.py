"""End to end: `scrapy crawl site -a profile=profiles/demo-html.yaml` against the demo board."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.demo.server import DemoBoard
from jobcrawl.extract.ids import webindex_from_url
from tests.utils.demo import assert_rows_are_the_truth
from tests.utils.paths import ROOT
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import expired_ads, stored_rows
from tests.utils.scrapy import crawl_api, run_scrapy

STATIC = "profile=profiles/demo-html.yaml"


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


def crawl(board: DemoBoard, db_url: str, tmp_path: Path, *args: str) -> tuple[int, dict[str, Any],
                                                                               str]:
    return crawl_api("site", *args, "-a", f"base_url={board.url}", "-s", "LOG_LEVEL=INFO",
                     db_url=db_url, tmp_path=tmp_path)


def test_static_profile_stores_every_ad_with_its_true_fields(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    expected = board.board.expected_sections()
    ads_before = board.hit_count("/html/jobs/")
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]

    assert stats["item_scraped_count"] == expected["html_ads"]
    assert stats["jobcrawl/store/new"] == expected["html_ads"]
    assert stats["jobcrawl/site/listing_pages"] == expected["html_listing_pages"]
    assert stats["jobcrawl/site/ad_pages"] == expected["html_ads"]
    assert stats["jobcrawl/store/failed_batches"] == 0
    assert "log_count/ERROR" not in stats and "item_dropped_count" not in stats
    # No page of this profile needs a browser: scrapy-playwright is never even loaded.
    assert "jobcrawl/site/rendered_pages" not in stats
    assert not [key for key in stats if key.startswith("playwright/")]
    # base_url moved every request to the test's board; each ad page was fetched once.
    assert board.hit_count("/html/jobs/") - ads_before == expected["html_ads"]

    ads = board.board.ads
    modes = Counter(ad.closing_mode for ad in ads)
    assert stats["jobcrawl/dates/closing/structured"] == modes["structured"]
    assert stats["jobcrawl/dates/closing/text"] == modes["text"]
    assert stats["jobcrawl/dates/closing/unparsed"] == modes["unparseable"]
    assert stats["jobcrawl/dates/closing/missing"] == modes["none"]
    assert stats["jobcrawl/site/missing/company"] == sum(ad.company is None for ad in ads)
    assert stats["jobcrawl/site/missing/webindex"] == sum(ad.identifier is None for ad in ads)
    assert stats["jobcrawl/salary/parsed"] == sum(ad.salary_text is not None for ad in ads)

    assert_rows_are_the_truth(board, stored_rows(sqlite_url), "html", "site:demo-html")


def test_second_crawl_touches_every_ad_without_fetching_it(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, first, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]
    ads = len(board.board.ads)
    assert (stats["jobcrawl/recrawl/skipped"], stats["jobcrawl/store/touched"]) == (ads, ads)
    assert "jobcrawl/site/ad_pages" not in stats
    assert stats["jobcrawl/site/listing_pages"] == first["jobcrawl/site/listing_pages"]
    assert {row["seen_count"] for row in stored_rows(sqlite_url)} == {2}


def test_an_ad_a_complete_site_crawl_no_longer_lists_expires_and_comes_back(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, _, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]
    removed = board.board.ads[0]
    board.board.change(removed={removed.ad_id})
    try:
        code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
        assert code == 0, stderr[-3000:]
        assert stats["jobcrawl/expiry/unlisted"] == 1
        expired = expired_ads(sqlite_url)
        run_id = stats["jobcrawl/store/run_id"]
        assert expired == {removed.identifier or webindex_from_url(
            f"{board.url}/html/jobs/{removed.ad_id}"): (
            "unlisted", f"not listed by complete crawl {run_id} of site:demo-html "
                        "(site http://127.0.0.1:8765/html/jobs)")}
    finally:
        board.board.change()
    code, back, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]
    assert (back["jobcrawl/expiry/reactivated"], back["jobcrawl/expiry/unlisted"]) == (1, 0)
    assert all(row["expired_at"] is None for row in stored_rows(sqlite_url))


def test_a_410_page_expires_gone_a_closed_notice_expires_closed_and_both_come_back(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, _, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]
    gone, closed = board.board.ads[0], board.board.ads[1]
    urls = {ad.ad_id: f"{board.url}/html/jobs/{ad.ad_id}" for ad in (gone, closed)}
    webindex = {ad.ad_id: ad.identifier or webindex_from_url(urls[ad.ad_id])
                for ad in (gone, closed)}
    board.board.change(gone={gone.ad_id}, closed={closed.ad_id})
    try:
        # TTL 0: the pages are fetched again, so what they now say is seen.
        code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC,
                                    "-s", "JOBCRAWL_RECRAWL_TTL=0")
        assert code == 0, stderr[-3000:]
        assert {key: stats.get(key) for key in (
            "jobcrawl/site/gone_pages", "jobcrawl/site/closed_pages", "jobcrawl/expiry/gone",
            "jobcrawl/expiry/closed", "jobcrawl/expiry/unlisted",
            "jobcrawl/site/request_failed/ad")} == {
            "jobcrawl/site/gone_pages": 1, "jobcrawl/site/closed_pages": 1,
            "jobcrawl/expiry/gone": 1, "jobcrawl/expiry/closed": 1,
            "jobcrawl/expiry/unlisted": 0, "jobcrawl/site/request_failed/ad": None}
        expired = expired_ads(sqlite_url)
        assert expired == {
            webindex[gone.ad_id]: ("gone", f"HTTP 410 at {urls[gone.ad_id]}"),
            webindex[closed.ad_id]: ("closed", "page says: 'This vacancy has now closed'"),
        }
    finally:
        board.board.change()
    code, back, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC,
                               "-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert code == 0, stderr[-3000:]
    assert back["jobcrawl/expiry/reactivated"] == 2
    assert all(row["expired_at"] is None for row in stored_rows(sqlite_url))


def test_second_crawl_without_recrawl_finds_the_same_webindexes_unchanged(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, _, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC)
    assert code == 0, stderr[-3000:]
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC,
                                "-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/store/unchanged"] == len(board.board.ads)
    assert "jobcrawl/store/new" not in stats or stats["jobcrawl/store/new"] == 0
    assert {row["seen_count"] for row in stored_rows(sqlite_url)} == {2}


def test_max_pages_argument_overrides_the_profile(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", STATIC, "-a", "max_pages=2")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/site/listing_pages"] == 2
    assert stats["jobcrawl/store/new"] == 2 * board.board.per_page
    urls = sorted(row["url"] for row in stored_rows(sqlite_url))
    assert urls == sorted(f"{board.url}/html/jobs/{ad.ad_id}" for ad in board.board.ads[:40])


def write_profile(tmp_path: Path, **changes: str) -> str:
    text = (ROOT / "profiles" / "demo-html.yaml").read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return f"profile={path}"


def test_lost_listing_page_makes_the_crawl_incomplete(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    profile = write_profile(tmp_path, **{"/html/jobs\n": "/html/jobs?page=99\n"})
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", profile)
    # Missed (exit 3, incomplete), no longer failed; incomplete wins over the monitors.
    assert (code, stats["jobcrawl/runs/status"]) == (3, "incomplete")
    assert stats["jobcrawl/site/request_failed/listing"] == 1
    assert stats["jobcrawl/missed/listing"] == 1
    assert "item_scraped_count" not in stats
    assert "site demo-html: listing page" in stderr


def test_a_listing_page_that_is_not_html_is_missed(sqlite_url: str, tmp_path: Path) -> None:
    # An API endpoint given as a start URL: its ads were never seen, as with a failed page.
    routes = {"/robots.txt": Recorded.text("", content_type="text/plain"),
              "/jobs": Recorded.text('{"jobs": [{"id": 1, "title": "Nurse"}]}')}
    with RecordedServer(routes) as server:
        profile = tmp_path / "json.yaml"
        profile.write_text(f"""name: json-listing
start_urls: [{server.url}/jobs]
listing: {{links: "css:a.job"}}
fields: {{title: "css:h1", description: "css:.description"}}
""", encoding="utf-8")
        code, stats, stderr = crawl_api("site", "-a", f"profile={profile}",
                                        "-s", "JOBCRAWL_MONITOR_MIN_ITEMS=0",
                                        db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 3, stderr[-3000:]
    assert (stats["jobcrawl/site/not_html"], stats["jobcrawl/missed/listing"]) == (1, 1)
    assert f"listing page {server.url}/jobs is not HTML (application/json); skipped" in stderr
    assert "Traceback" not in stderr


def test_stale_links_selector_is_counted_and_warned(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    profile = write_profile(tmp_path, **{"a.job-link": "a.vacancy-link"})
    # The health monitors would fail this empty crawl anyway; this test is about the spider.
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", profile,
                                "-s", "JOBCRAWL_MONITOR_MIN_ITEMS=0")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/site/listing_without_links"] == stats["jobcrawl/site/listing_pages"]
    assert stats["jobcrawl/site/listing_pages"] == board.board.listing_pages
    assert "no ad links on listing page" in stderr


BROKEN = """\
name: broken
start_urls: [http://127.0.0.1:9/jobs, "not a url"]
listing: {links: "css:a[", next: {xpath: "//a[", regex: "("}}
fields: {title: "css:h1", summary: "css:p"}
render: true
"""


def test_broken_profile_fails_at_start_up_listing_every_error(
    sqlite_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    code, stats, stderr = crawl_api("site", "-a", f"profile={path}", db_url=sqlite_url,
                                    tmp_path=tmp_path)
    assert code == 1
    assert stats == {}  # no crawl started, so no stats file either
    assert f"argument profile: {path} has 7 error(s):" in stderr
    for error in [
        "start_urls[1]: not an http(s) URL: 'not a url'",
        "listing.links: invalid CSS selector 'a[': Expected ident or '*', got <EOF at 2>",
        "listing.next.xpath: invalid XPath '//a[': XPath error: Invalid expression in //a[",
        "listing.next.regex: does not compile: missing ), unterminated subpattern at position 0",
        "fields.summary: unknown field; known: webindex, title, company, location, category, "
        "description, salary, closing_date, date_posted, contract_type, contract_time",
        "fields.description: required",
        "wait_for: required when pages are rendered: the selector of an element that the "
        "page's scripts create",
    ]:
        assert f"\n  {error}\n" in stderr, error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "spider site needs -a profile=PATH.yaml"),
        (["-a", "profile=profiles/nope.yaml"], "(file): cannot read profiles/nope.yaml"),
        (["-a", STATIC, "-a", "base_url=http://127.0.0.1:9/jobs"], "argument base_url"),
        (["-a", STATIC, "-a", "max_pages=all"], "argument max_pages must be a whole number"),
        (["-a", "profile=profiles/demo-js.yaml", "-s", "JOBCRAWL_CHROMIUM_PATH=/nowhere/chromium"],
         "setting JOBCRAWL_CHROMIUM_PATH: no Chromium at '/nowhere/chromium'"),
    ],
)
def test_bad_arguments_fail_at_start_with_the_argument_named(
    sqlite_url: str, args: list[str], message: str
) -> None:
    result = run_scrapy("crawl", "site", *args, "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 1
    assert message in result.stderr
