"""End to end: the demo board's JavaScript section, crawled through headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobcrawl.demo.server import DemoBoard
from tests.utils.demo import assert_rows_are_the_truth, truth_row
from tests.utils.paths import ROOT
from tests.utils.rows import stored_rows
from tests.utils.scrapy import crawl_api

JS_PROFILE = ROOT / "profiles" / "demo-js.yaml"


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


def crawl(board: DemoBoard, profile: Path, db_url: str, tmp_path: Path, chromium_path: str = "",
          settings: tuple[str, ...] = ()) -> tuple[int, dict[str, object], str]:
    if chromium_path:
        settings = (*settings, "-s", f"JOBCRAWL_CHROMIUM_PATH={chromium_path}")
    return crawl_api("site", "-a", f"profile={profile}", "-a", f"base_url={board.url}",
                     *settings, db_url=db_url, tmp_path=tmp_path)


def test_rendered_listing_finds_every_ad_and_only_listings_use_the_browser(
    board: DemoBoard, chromium: str, sqlite_url: str, tmp_path: Path
) -> None:
    expected = board.board.expected_sections()
    api_before, ads_before = board.hit_count("/js/api/"), board.hit_count("/js/jobs/")
    code, stats, stderr = crawl(board, JS_PROFILE, sqlite_url, tmp_path, chromium)
    assert code == 0, stderr[-3000:]

    pages, ads = expected["js_listing_pages"], expected["js_ads"]
    assert stats["item_scraped_count"] == ads
    assert stats["jobcrawl/store/new"] == ads
    assert stats["jobcrawl/site/listing_pages"] == pages
    assert stats["jobcrawl/site/ad_pages"] == ads
    assert "log_count/ERROR" not in stats and "jobcrawl/site/listing_without_links" not in stats
    # The browser loaded the listing pages and nothing else: each one is a document plus
    # the script's fetch of the JSON API; ad pages and robots.txt were plain HTTP.
    assert stats["jobcrawl/site/rendered_pages"] == pages
    assert stats["playwright/page_count"] == pages
    assert stats["playwright/request_count/navigation"] == pages
    assert stats["playwright/request_count/resource_type/document"] == pages
    assert stats["playwright/request_count/resource_type/fetch"] == pages
    assert stats["playwright/request_count"] == 2 * pages
    assert stats["downloader/request_count"] == pages + ads + 1  # + robots.txt
    assert board.hit_count("/js/api/") - api_before == pages
    assert board.hit_count("/js/jobs/") - ads_before == ads

    assert_rows_are_the_truth(board, stored_rows(sqlite_url), "js", "site:demo-js")


def test_element_that_never_appears_fails_the_listing_and_the_crawl(
    board: DemoBoard, chromium: str, sqlite_url: str, tmp_path: Path
) -> None:
    text = JS_PROFILE.read_text(encoding="utf-8")
    text = text.replace('listing: "css:#job-list a.job-link"', 'listing: "css:#job-list a.gone"')
    text = text.replace("wait_timeout: 20", "wait_timeout: 1.5")
    profile = tmp_path / "never.yaml"
    profile.write_text(text, encoding="utf-8")
    code, stats, stderr = crawl(board, profile, sqlite_url, tmp_path, chromium)
    # The listing page is missed: the run is incomplete (exit 3), no longer failed.
    assert code == 3
    assert stats["jobcrawl/site/request_failed/listing"] == 1
    assert stats["jobcrawl/missed/listing"] == 1
    assert "item_scraped_count" not in stats
    assert "TimeoutError" in stderr and "crawl incomplete" in stderr


def test_without_a_browser_the_js_listing_has_no_ad_links(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    text = JS_PROFILE.read_text(encoding="utf-8")
    start, end = text.index("render:"), text.index("listing:\n  links")
    profile = tmp_path / "static-js.yaml"
    profile.write_text(text[:start] + text[end:], encoding="utf-8")
    # The health monitors would fail this empty crawl anyway; this test is about the spider.
    code, stats, stderr = crawl(board, profile, sqlite_url, tmp_path,
                                settings=("-s", "JOBCRAWL_MONITOR_MIN_ITEMS=0"))
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/site/listing_pages"] == 1
    assert stats["jobcrawl/site/listing_without_links"] == 1
    assert "item_scraped_count" not in stats
    assert not [key for key in stats if key.startswith("playwright/")]


def test_rendered_ad_pages_give_the_same_items(
    board: DemoBoard, chromium: str, sqlite_url: str, tmp_path: Path
) -> None:
    text = JS_PROFILE.read_text(encoding="utf-8").replace("  ad: false\n", "  ad: true\n")
    text = text.replace('  listing: "css:#job-list a.job-link"\n',
                        '  listing: "css:#job-list a.job-link"\n  ad: "xpath://article/h1"\n')
    profile = tmp_path / "all-rendered.yaml"
    profile.write_text(text, encoding="utf-8")
    code, stats, stderr = crawl_api(
        "site", "-a", f"profile={profile}", "-a", f"base_url={board.url}", "-a", "max_pages=1",
        "-s", f"JOBCRAWL_CHROMIUM_PATH={chromium}", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 0, stderr[-3000:]
    per_page = board.board.per_page
    assert stats["item_scraped_count"] == per_page
    assert stats["jobcrawl/site/rendered_pages"] == 1 + per_page
    assert stats["playwright/request_count/navigation"] == 1 + per_page
    assert stats["downloader/request_count"] == 1 + per_page + 1  # + robots.txt, not rendered

    first_page = board.board.ads[:per_page]
    rows = stored_rows(sqlite_url)
    by_url = {row["url"]: row for row in rows}
    assert sorted(by_url) == sorted(f"{board.url}/js/jobs/{ad.ad_id}" for ad in first_page)
    for ad in first_page:
        url = f"{board.url}/js/jobs/{ad.ad_id}"
        expected = truth_row(ad, url, "site:demo-js")
        assert {key: by_url[url][key] for key in expected} == expected, ad.ad_id
