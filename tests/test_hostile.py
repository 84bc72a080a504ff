"""Hostile and broken content: crawls and imports of input built to break things.

tests/fixtures/hostile/ holds JobPosting pages (pages/), a Greenhouse board and a Lever
page (api/), an RSS feed (feeds/) and an Adzuna-style CSV (import/) with: invalid
JSON-LD (comments, trailing commas, a truncated block), postings without title or
description, fifty postings on one page, <script> and javascript: in titles,
descriptions and URLs, NUL and other control characters, lone surrogates, impossible
and far-away dates, negative, absurd and non-numeric salaries, and ids with "/", "..",
spaces and 2,000 characters. The 1 MB descriptions are made here ({{BIG}} in a
fixture): a 1 MB file has no place in git. expected/ holds the stored rows and the
counters of each crawl.

Every ad is stored cleaned or dropped with its reason counted; no crawl dies, and
spider_exceptions/* stays at zero. The crawls run the real `scrapy crawl` in a
subprocess against local servers, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from jobcrawl.db.migrate import upgrade
from jobcrawl.extract.feedreader import FeedReader
from jobcrawl.extract.ids import webindex_from_url
from jobcrawl.extract.jobposting import to_item
from jobcrawl.extract.jsonld import extract_postings
from jobcrawl.extract.links import listing_links
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.storable import has_unstorable
from tests.utils.paths import FIXTURES
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import row_fields, stored_rows
from tests.utils.scrapy import crawl_api, run_scrapy

HOSTILE = FIXTURES / "hostile"
HTML = "text/html; charset=utf-8"
BIG_TEXT = " ".join(["word"] * 200_000)  # 999,999 characters
BIG_MARK = "<1 MB description>"
# The counters each crawl is checked on (the rest are about timing and transport).
COUNTERS = ("item_", "jobcrawl/validate/", "jobcrawl/text/", "jobcrawl/salary/", "jobcrawl/url/",
            "jobcrawl/store/new", "jobcrawl/dates/", "jobcrawl/extract/", "jobcrawl/feed/",
            "jobcrawl/api/", "jobcrawl/jobposting/")
SCRAPED_AT = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
GREENHOUSE = "/v1/boards/hostile/jobs?content=true"
LEVER = "/v0/postings/hostile?mode=json&skip=0&limit=100"
LEVER_END = "/v0/postings/hostile?mode=json&skip=10&limit=100"


def fixture(path: str) -> bytes:
    return (HOSTILE / path).read_bytes().replace(b"{{BIG}}", BIG_TEXT.encode())


def expected(name: str) -> dict[str, Any]:
    return json.loads((HOSTILE / "expected" / f"{name}.json").read_text(encoding="utf-8"))


def page_routes() -> dict[str, Recorded]:
    routes = {"/jobs/": Recorded(fixture("pages/listing.html"), content_type=HTML)}
    for path in sorted((HOSTILE / "pages").glob("*.html")):
        if path.stem != "listing":
            routes[f"/jobs/{path.name}"] = Recorded(fixture(f"pages/{path.name}"),
                                                    content_type=HTML)
    return routes


def no_exceptions(code: int, stats: dict[str, Any], stderr: str) -> None:
    """The crawl finished: nothing raised in a spider or a pipeline, no ERROR logged."""
    assert code == 0, stderr[-3000:]
    assert stats["finish_reason"] == "finished"
    assert {key: value for key, value in stats.items()
            if key.startswith("spider_exceptions/")} == {}
    assert "log_count/ERROR" not in stats
    assert "Traceback" not in stderr


def counters(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in sorted(stats.items()) if key.startswith(COUNTERS)}


def stored(db_url: str, server_url: str = "") -> dict[str, dict[str, Any]]:
    """Rows by webindex as in expected/: dates in ISO form, the server's origin left out,
    a URL-derived webindex and the 1 MB description named, not spelled out."""
    rows: dict[str, dict[str, Any]] = {}
    for row in stored_rows(db_url):
        fields = {name: value.isoformat() if hasattr(value, "isoformat") else value
                  for name, value in row_fields(row).items()}
        for name, value in fields.items():
            assert not (isinstance(value, str) and has_unstorable(value)), (name, value)
        webindex = fields.pop("webindex")
        if fields["url"] is not None and webindex == webindex_from_url(fields["url"]):
            webindex = "<hash of the url>"
        if server_url:
            fields["url"] = fields["url"].removeprefix(server_url)
        if fields["description"] == BIG_TEXT:
            fields["description"] = BIG_MARK
        rows[webindex] = fields
    return rows


@pytest.fixture
def db(database_url: str) -> str:
    """A SQLite file or a PostgreSQL schema at the newest revision."""
    upgrade(database_url)
    return database_url


# --- crawls ------------------------------------------------------------------------------------


def test_jobposting_pages_are_stored_cleaned_or_dropped_and_counted(
        db: str, tmp_path: Path) -> None:
    with RecordedServer(page_routes()) as server:
        code, stats, stderr = crawl_api(
            "jobposting", "-a", f"url={server.url}/jobs/", db_url=db, tmp_path=tmp_path)
    no_exceptions(code, stats, stderr)
    want = expected("jobposting")
    assert counters(stats) == want["stats"]
    rows = stored(db, server.url)
    many = {webindex: rows.pop(webindex) for webindex in list(rows)
            if webindex.startswith("H-MANY-") and webindex != "H-MANY-001"}
    assert rows == want["rows"]
    # Fifty postings on one page: fifty ads.
    first = want["rows"]["H-MANY-001"]
    assert many == {
        f"H-MANY-{n:03d}": {**first, "title": f"Picker {n}",
                            "description": f"Warehouse shift {n}."}
        for n in range(2, 51)
    }


def test_greenhouse_board_is_stored_cleaned_or_dropped_and_counted(
        db: str, tmp_path: Path) -> None:
    with RecordedServer({GREENHOUSE: Recorded(fixture("api/greenhouse-jobs.json"))}) as server:
        code, stats, stderr = crawl_api(
            "greenhouse", "-a", "board=hostile", "-a", f"base_url={server.url}",
            db_url=db, tmp_path=tmp_path)
    no_exceptions(code, stats, stderr)
    want = expected("greenhouse")
    assert counters(stats) == want["stats"]
    assert stored(db) == want["rows"]
    # Ads were dropped, so the listing is not known whole: nothing may expire as unlisted.
    assert stats["jobcrawl/greenhouse/listing_complete"] is False


def test_lever_postings_are_stored_cleaned_or_dropped_and_counted(
        db: str, tmp_path: Path) -> None:
    routes = {LEVER: Recorded(fixture("api/lever-page.json")), LEVER_END: Recorded.text("[]")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "lever", "-a", "company=hostile", "-a", f"base_url={server.url}",
            db_url=db, tmp_path=tmp_path)
    no_exceptions(code, stats, stderr)
    want = expected("lever")
    assert counters(stats) == want["stats"]
    assert stored(db) == want["rows"]


def test_rss_feed_is_stored_cleaned_or_dropped_and_counted(db: str, tmp_path: Path) -> None:
    routes = {"/feed.rss": Recorded(fixture("feeds/rss.xml"),
                                    content_type="application/rss+xml")}
    with RecordedServer(routes) as server:
        code, stats, stderr = crawl_api(
            "feed", "-a", "url=https://jobs.hostile.example/feed.rss",
            "-a", f"base_url={server.url}", db_url=db, tmp_path=tmp_path)
    no_exceptions(code, stats, stderr)
    want = expected("feed")
    assert counters(stats) == want["stats"]
    assert stored(db) == want["rows"]


# --- import ------------------------------------------------------------------------------------


def test_import_keeps_a_row_with_a_nul_and_cleans_it(db: str) -> None:
    csv = HOSTILE / "import" / "hostile.csv"
    result = run_scrapy("import", str(csv), "--json", "-s", f"JOBCRAWL_DATABASE_URL={db}")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {key: summary[key] for key in ("imported", "skipped_by_reason", "cleaned_fields",
                                          "cleaned_by_field")} == {
        "imported": 3,
        "skipped_by_reason": {"field_too_long": 1, "missing_title": 1, "undecodable": 1},
        "cleaned_fields": 4,
        "cleaned_by_field": {"company": 2, "description": 1, "title": 1},
    }
    assert result.stderr.splitlines() == [
        f"skipped {csv}:4: missing_title: Id 80000003: the title holds only control characters",
        f"skipped {csv}:5: undecodable: title is not valid UTF-8",
        f"skipped {csv}:6: field_too_long: webindex has 2000 characters, "
        "the database keeps at most 255",
    ]
    rows = stored(db)
    assert sorted(rows) == ["80000001", "80000002", "80000006"]
    picked = {webindex: (row["title"], row["company"], row["description"])
              for webindex, row in rows.items()}
    assert picked == {
        "80000001": ("Care Assistant", "Care Co", "Nights and weekends."),
        "80000002": ("Night Porter", "Hotel Group", "Porters wanted."),
        # Tab, line feed and carriage return are text: imported byte for byte.
        "80000006": ("Tabs\tand\r\nline breaks", None, "Kept: tab\tLF\nCR\r."),
    }


# --- extraction, without a crawl -----------------------------------------------------------------


def page_items(name: str) -> list[tuple[dict[str, Any], list[str]]]:
    body = fixture(f"pages/{name}.html")
    response = HtmlResponse(f"https://jobs.hostile.example/jobs/{name}.html", body=body,
                            headers={"Content-Type": HTML})
    found = []
    for posting in extract_postings(response).postings:
        item = to_item(posting, response, source="jobposting:x", scraped_at=SCRAPED_AT)
        events = normalize_item(item)
        found.append((vars(item), events))
    return found


def test_invalid_jsonld_is_read_leniently_or_reported() -> None:
    assert [item["title"] for item, _ in page_items("comments")] == ["Night Porter"]
    assert [item["title"] for item, _ in page_items("trailing_commas")] == ["Sous Chef"]
    response = HtmlResponse("https://x.example/t", body=fixture("pages/truncated.html"),
                            headers={"Content-Type": HTML})
    found = extract_postings(response)
    assert found.postings == []
    assert found.errors == ["JSON-LD block 1: Unterminated string starting at: "
                            "line 1 column 119 (char 118)"]


def test_script_and_javascript_never_reach_the_item() -> None:
    [(item, _)] = page_items("script")
    assert (item["title"], item["company"], item["description"]) == (
        "Data Analyst", "Evil Corp", "Analyse data.\n\nApply now.")
    # The posting's url "javascript:..." gives way to the page's own.
    assert item["url"] == "https://jobs.hostile.example/jobs/script.html"


def test_control_characters_and_surrogates_are_removed_and_counted() -> None:
    [(item, events)] = page_items("controls")
    assert (item["webindex"], item["title"], item["company"], item["location"]) == (
        "H-CTRL", "Care Assistant", "NullCo", "Leeds")
    assert item["description"] == "Line one.\n\nBell and [31mred[0m; entity.\n\nTab here."
    assert [event for event in events if event.startswith("text/")] == [
        "text/cleaned/webindex", "text/cleaned/title", "text/cleaned/company",
        "text/cleaned/location", "text/cleaned/description"]


def test_a_1mb_description_is_kept_whole() -> None:
    [(item, _)] = page_items("big")
    assert item["description"] == BIG_TEXT


def test_a_broken_link_on_a_listing_page_is_skipped_not_raised() -> None:
    # "http://[::1/broken" made urlsplit raise: the whole listing page was lost.
    response = HtmlResponse("https://jobs.hostile.example/jobs/",
                            body=fixture("pages/listing.html"), headers={"Content-Type": HTML})
    links = listing_links(response).other
    assert len(links) == 13
    assert "https://jobs.hostile.example/jobs/%00nul.html" in links
    assert not any("::1" in link or link.startswith("javascript") for link in links)


def test_control_bytes_in_a_feed_are_removed_before_parsing(tmp_path: Path) -> None:
    # libxml2 lost the text before a NUL byte ("Offices") and recovered with errors.
    path = tmp_path / "feed.xml"
    path.write_bytes(fixture("feeds/rss.xml"))
    with path.open("rb") as stream:
        reader = FeedReader(stream)
        # An entry is cleared once the next is read: take its text on the way.
        descriptions = [entry.findtext("description") for entry in reader.entries()]
    assert len(descriptions) == 9
    assert descriptions[0] == "<p>Offices and  shops.</p>"
    assert reader.control_bytes == 4
