"""Profile selectors on saved pages: whole items, ad links and next pages, without a crawl."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from jobcrawl.config.profiles import load_profile, parse_profile
from jobcrawl.demo.site import Board
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.site import ad_links, next_pages, select_links, select_text, to_item
from tests.utils.paths import FIXTURES, ROOT

PAGES = FIXTURES / "site"
SCRAPED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CASES = sorted(path.stem for path in PAGES.glob("*.json"))


def response(url: str, name: str) -> HtmlResponse:
    return HtmlResponse(url, body=(PAGES / name).read_bytes(), encoding="utf-8")


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


@pytest.mark.parametrize("case", CASES)
def test_saved_ad_page_gives_the_expected_whole_item(case: str) -> None:
    expected = json.loads((PAGES / f"{case}.json").read_text(encoding="utf-8"))
    profile = load_profile(ROOT / expected["profile"])
    found = to_item(response(expected["url"], f"{case}.html"), profile, scraped_at=SCRAPED_AT)
    assert as_json(dataclasses.asdict(found.item)) == expected["item"]
    assert list(found.missing) == expected["missing"]


def test_saved_demo_pages_agree_with_the_boards_truth() -> None:
    board = Board.generate()
    profile = load_profile(ROOT / "profiles" / "demo-html.yaml")
    for ad_id in ("DJ-000021", "DJ-000250", "DJ-000030"):
        ad = board.ad(ad_id)
        page = response(f"http://127.0.0.1:8765/html/jobs/{ad_id}", f"demo-{ad_id}.html")
        item = to_item(page, profile, scraped_at=SCRAPED_AT).item
        normalize_item(item, dayfirst=True)
        assert (item.title, item.company, item.location, item.description, item.date_posted,
                item.closing_date, item.salary_min, item.salary_max) == (
            ad.title, ad.company, ad.location, ad.description, ad.date_posted,
            ad.closing_date if ad.closing_mode in ("structured", "text") else None,
            ad.salary_min, ad.salary_max), ad_id


def test_structured_closing_field_wins_and_is_read_day_first() -> None:
    profile = load_profile(ROOT / "profiles" / "demo-html.yaml")
    page = response("http://127.0.0.1:8765/html/jobs/DJ-000021", "demo-DJ-000021.html")
    item = to_item(page, profile, scraped_at=SCRAPED_AT).item
    assert normalize_item(item, dayfirst=True) == ["dates/closing/structured"]
    assert (item.closing_date, item.closing_date_raw, item.closing_date_source) == (
        date(2026, 11, 15), "15/11/2026", "structured")


def test_without_a_closing_field_the_description_is_read() -> None:
    profile = load_profile(ROOT / "profiles" / "demo-html.yaml")
    page = response("http://127.0.0.1:8765/html/jobs/DJ-000250", "demo-DJ-000250.html")
    item = to_item(page, profile, scraped_at=SCRAPED_AT).item
    events = normalize_item(item, dayfirst=True)
    assert events == ["salary/parsed", "dates/closing/text"]
    assert (item.closing_date, item.closing_date_raw, item.closing_date_source) == (
        date(2026, 11, 14), "Closing date: Saturday 14 Nov 2026", "text")
    assert (item.salary_raw, item.salary_min, item.salary_max, item.salary_period) == (
        "£50,500 - £52,500 per annum", 50500.0, 52500.0, "year")


def test_listing_links_are_absolute_unique_and_without_fragments_or_mailto() -> None:
    profile = load_profile(PAGES / "nordwind.yaml")
    page = response("https://careers.nordwind.example/en/jobs?page=2", "nordwind-listing.html")
    assert ad_links(page, profile) == [
        "https://careers.nordwind.example/en/jobs/4711-werkstudent-data-engineering",
        "https://careers.nordwind.example/en/jobs/4712-disponent-in",
        "https://partner-ats.example/nordwind/4713?lang=en",
    ]
    assert next_pages(page, profile) == ["https://careers.nordwind.example/en/jobs?page=3"]


def test_demo_listing_gives_its_twenty_ads_and_the_next_page() -> None:
    profile = load_profile(ROOT / "profiles" / "demo-html.yaml")
    page = response("http://127.0.0.1:8765/html/jobs?page=2", "demo-listing-2.html")
    assert ad_links(page, profile) == [
        f"http://127.0.0.1:8765/html/jobs/DJ-{number:06d}" for number in range(21, 41)]
    assert next_pages(page, profile) == ["http://127.0.0.1:8765/html/jobs?page=3"]


def test_no_next_selector_means_no_next_page() -> None:
    profile = parse_profile({"name": "x", "start_urls": ["http://x.example/"],
                             "listing": {"links": "css:a"},
                             "fields": {"title": "css:h1", "description": "css:p"}})
    page = response("http://127.0.0.1:8765/html/jobs?page=2", "demo-listing-2.html")
    assert next_pages(page, profile) == []


def spec(value: Any) -> Any:
    profile = parse_profile({"name": "x", "start_urls": ["http://x.example/"],
                             "listing": {"links": value},
                             "fields": {"title": "css:h1", "description": "css:p"}})
    return profile.links


SNIPPET = Selector(text=(
    '<div class="ad"><h2> Lead  <b>Chef</b> </h2><p class="pay">Pay: £12.50 an hour</p>'
    '<p class="pay">Tips: shared</p><a class="apply" data-href="/apply/9" '
    'onclick="go(\'/jobs/77\')" href="#">Apply</a><p>One &amp; two</p><p>three</p></div>'))


@pytest.mark.parametrize(
    ("selector", "paragraphs", "expected"),
    [
        ("css:h2", False, "Lead Chef"),  # an element's whole text, whitespace tidied
        ("css:h2::text", False, "Lead"),  # a string result is taken as it is
        ("xpath:string(//h2)", False, "Lead Chef"),
        ("xpath:count(//p)", False, "4.0"),
        ({"css": ".pay", "regex": r"Pay:\s*(.+)"}, False, "£12.50 an hour"),
        ({"css": ".pay", "regex": r"\d+\.\d+"}, False, "12.50"),  # no group: the whole match
        ({"css": ".pay", "join": " | "}, False, "Pay: £12.50 an hour | Tips: shared"),
        ({"css": "a.apply", "attr": "data-href"}, False, "/apply/9"),
        ({"css": "a.apply", "attr": "title"}, False, None),
        ({"css": ".pay", "regex": "Salary"}, False, None),
        ("css:div.ad > p:not(.pay)", True, "One & two\n\nthree"),
        ("css:table", True, None),
    ],
)
def test_select_text(selector: Any, paragraphs: bool, expected: str | None) -> None:
    assert select_text(SNIPPET, spec(selector), paragraphs=paragraphs) == expected


def test_select_links_reads_attr_regex_and_strings() -> None:
    page = HtmlResponse("https://jobs.example/list", body=SNIPPET.get().encode(),
                        encoding="utf-8")
    assert select_links(page, spec({"css": "a.apply", "attr": "data-href"})) == [
        "https://jobs.example/apply/9"]
    assert select_links(page, spec({"css": "a.apply", "attr": "onclick",
                                    "regex": r"go\('([^']+)'\)"})) == [
        "https://jobs.example/jobs/77"]
    # href="#" is the page itself (the dupefilter drops it in a crawl).
    assert select_links(page, spec("xpath://a/@href")) == ["https://jobs.example/list"]


def test_fixture_cases_exist() -> None:
    # A missing .json would silently shrink the parametrized test above.
    assert CASES == ["demo-DJ-000021", "demo-DJ-000030", "demo-DJ-000250", "nordwind-job"]
    assert all((PAGES / f"{case}.html").exists() for case in CASES)
