"""End to end: the real `scrapy crawl feed` against recorded feeds on a local server."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.demo.server import LocalServer, QuietHandler
from tests.utils.paths import FIXTURES
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import row_fields, stored_rows
from tests.utils.scrapy import crawl_api, run_scrapy

FEEDS = FIXTURES / "feeds"
INDEED = "https://careers.northwind.example/feeds/indeed.xml"
ATOM = "https://jobs.fjord.example/feed.atom"
RSS = "https://jobs.example.org/?feed=job_feed"
# Columns that the crawl sets (time, run) rather than the feed.
# Fields that the normalize pipeline leaves as extraction made them.
EXTRACTED = ("webindex", "source", "url", "title", "company", "location", "category",
             "contract_type", "contract_time", "description", "salary_raw")

INDEED_XML = (FEEDS / "indeed.xml").read_bytes()
ROUTES = {
    "/feeds/indeed.xml": Recorded(INDEED_XML, content_type="application/xml"),
    "/feed.atom": Recorded.file(FEEDS / "atom.xml", content_type="application/atom+xml"),
    "/?feed=job_feed": Recorded.file(FEEDS / "rss.xml",
                                     content_type="application/rss+xml; charset=UTF-8"),
    "/gzip/indeed.xml": Recorded(gzip.compress(INDEED_XML), content_type="application/xml",
                                 headers=(("Content-Encoding", "gzip"),)),
    "/indeed.xml.gz": Recorded(gzip.compress(INDEED_XML), content_type="application/gzip"),
    "/moved.xml": Recorded(b"", status=301, headers=(("Location", "/feeds/indeed.xml"),)),
    "/careers.html": Recorded.text("<!DOCTYPE html><html><body><h1>Careers</h1></body></html>",
                                   content_type="text/html; charset=utf-8"),
    # Lower-case <!doctype> is no XML at all: nothing can be read.
    "/login.html": Recorded.text("<!doctype html>\n<html><body>Sign in</body></html>",
                                 content_type="text/html; charset=utf-8"),
    "/cut.xml": Recorded(INDEED_XML[: INDEED_XML.index(b"<title><![CDATA[Delivery")],
                         content_type="application/xml"),
    "/damaged.xml": Recorded(
        b'<rss version="2.0"><channel><item><title>Fish & Chips Cook</title>'
        b"<link>https://jobs.example.net/ads/1</link><description>Caf&eacute; work</description>"
        b"</item></channel></rss>", content_type="application/rss+xml"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedServer]:
    with RecordedServer(ROUTES) as recorded:
        yield recorded


class BrokenFeeds(LocalServer):
    """Feeds that go wrong half-way: /stall.xml stops sending, /short.xml hangs up early."""

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        release = self.release

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(INDEED_XML)))
                self.end_headers()
                self.wfile.write(INDEED_XML[:1000])
                self.wfile.flush()
                if self.path == "/stall.xml":
                    release.wait(60)
                self.close_connection = True

        return Handler

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        super().__exit__(*exc)


def crawl(server: RecordedServer, sqlite_url: str, tmp_path: Path, *urls: str,
          args: tuple[str, ...] = ()) -> tuple[int, dict[str, Any], str]:
    return crawl_api("feed", "-a", f"url={','.join(urls)}", "-a", f"base_url={server.url}",
                     *args, db_url=sqlite_url, tmp_path=tmp_path)


def fixture_items(name: str) -> list[dict[str, Any]]:
    return json.loads((FEEDS / f"{name}.json").read_text())


def feed_row(row: dict[str, Any]) -> dict[str, Any]:
    # The JobItem columns only: columns added for other features (expiry ...) stay out.
    return row_fields(row, "seen_count")


def test_three_dialects_in_one_crawl_store_every_ad_once(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path, INDEED, ATOM, RSS)
    assert code == 0, stderr[-3000:]

    assert stats["jobcrawl/feed/entries"] == 12
    assert stats["jobcrawl/feed/dialect/jobs"] == 1
    assert stats["jobcrawl/feed/dialect/atom"] == 1
    assert stats["jobcrawl/feed/dialect/rss"] == 1
    assert stats["jobcrawl/stream/files"] == 3
    assert stats["jobcrawl/api/pages"] == 3
    assert stats["item_dropped_reasons_count/MissingRequiredField"] == 1  # the untitled ad
    assert stats["item_scraped_count"] == 11
    assert stats["jobcrawl/store/new"] == 11
    assert stats["jobcrawl/dates/closing/structured"] == 3
    assert stats["jobcrawl/dates/closing/text"] == 3
    assert stats["jobcrawl/dates/closing/relative"] == 1
    assert stats["jobcrawl/dates/closing/unparsed"] == 1
    assert stats["jobcrawl/dates/posted/unparsed"] == 2
    assert "log_count/ERROR" not in stats
    assert "jobcrawl/feed/buffered" not in stats
    # The streamed requests only ask for encodings that can be decoded while streaming.
    assert {r.headers.get("Accept-Encoding") for r in server.requests} == {"gzip, deflate"}

    rows = stored_rows(sqlite_url)
    assert len(rows) == 11
    by_key = {(row["source"], row["webindex"]): row for row in rows}
    titled = [item for name in ("indeed", "atom", "rss") for item in fixture_items(name)
              if item["title"]]
    assert by_key.keys() == {(item["source"], item["webindex"]) for item in titled}
    for item in titled:  # what extraction found is what was stored
        row = by_key[item["source"], item["webindex"]]
        assert {key: row[key] for key in EXTRACTED} == {key: item[key] for key in EXTRACTED}
        assert row["seen_count"] == 1

    assert feed_row(by_key["feed:careers.northwind.example", "NW-10482"]) == {
        "webindex": "NW-10482", "source": "feed:careers.northwind.example",
        "url": "https://careers.northwind.example/jobs/NW-10482",
        "title": "Warehouse Operative", "company": "Northwind Logistics Ltd",
        "location": "Austin, TX, US", "category": "Logistics",
        "contract_type": None, "contract_time": "full_time",
        "description": "Warehouse Operative – days & weekends.\n\n"
                       "Pick & pack orders\nForklift licence is a plus\n\n"
                       "We offer 25 days' holiday.",
        "salary_raw": "$18 - $21 per hour", "salary_min": 18.0, "salary_max": 21.0,
        "salary_currency": "USD", "salary_period": "hour",
        "date_posted": "2024-03-05", "closing_date": "2024-04-30",
        "closing_date_raw": "2024-04-30", "closing_date_source": "structured",
        "remote": None, "seen_count": 1,
    }
    assert feed_row(by_key["feed:careers.northwind.example", "u23ab3b092f27142d"]) == {
        "webindex": "u23ab3b092f27142d", "source": "feed:careers.northwind.example",
        "url": "https://careers.northwind.example/jobs/rd-engineer-battery",
        "title": "R&D Engineer – Battery Systems", "company": None,
        "location": "SW1A 1AA, GB", "category": None,
        "contract_type": "permanent", "contract_time": None,
        "description": "Design battery packs for electric buses.\n\n"
                       "Salary: £48,000 - £55,000 per annum.",
        "salary_raw": "£48,000 - £55,000 per annum", "salary_min": 48000.0,
        "salary_max": 55000.0, "salary_currency": "GBP", "salary_period": "year",
        "date_posted": "2024-03-05", "closing_date": "2024-05-04",  # day first by default
        "closing_date_raw": "04/05/2024", "closing_date_source": "structured",
        "remote": None, "seen_count": 1,
    }
    assert feed_row(by_key["feed:jobs.example.org",
                           "https://jobs.example.org/?post_type=job_listing&p=101"]) == {
        "webindex": "https://jobs.example.org/?post_type=job_listing&p=101",
        "source": "feed:jobs.example.org",
        "url": "https://jobs.example.org/job/senior-support-worker-supported-living/",
        "title": "Senior Support Worker – Supported Living", "company": "Aire Valley Care",
        "location": "Leeds, UK", "category": None,
        "contract_type": None, "contract_time": "full_time",
        "description": "Lead a small team supporting adults with learning disabilities in "
                       "their own homes.\n\nWhat you’ll do\n\nPlan rotas & supervise staff\n"
                       "Write support plans\n\nApply by 5 April.",
        "salary_raw": "£26,500 - £28,000 a year", "salary_min": 26500.0,
        "salary_max": 28000.0, "salary_currency": "GBP", "salary_period": "year",
        "date_posted": "2024-03-06", "closing_date": "2024-04-05",
        "closing_date_raw": "Apply by 5 April", "closing_date_source": "text",
        "remote": None, "seen_count": 1,
    }
    assert feed_row(by_key["feed:jobs.fjord.example",
                           "tag:jobs.fjord.example,2024:vacancy/4711"]) == {
        "webindex": "tag:jobs.fjord.example,2024:vacancy/4711",
        "source": "feed:jobs.fjord.example",
        "url": "https://jobs.fjord.example/vacancies/4711-senior-data-engineer",
        "title": "Senior Data Engineer & Team Lead", "company": "Fjord Energi AS",
        "location": "Bergen, Norway", "category": "Engineering",
        "contract_type": None, "contract_time": "full_time",
        "description": "Lead our data platform team in Bergen.\n\nYou know Python & SQL.\n\n"
                       "Application deadline: 2024-03-31",
        "salary_raw": "NOK 850 000 - 950 000 per year", "salary_min": 850000.0,
        "salary_max": 950000.0, "salary_currency": "NOK", "salary_period": "year",
        "date_posted": "2024-03-05",
        # The feed's own calendar date, not the UTC one (2024-03-31T22:59Z).
        "closing_date": "2024-03-31", "closing_date_raw": "2024-03-31T23:59:00+01:00",
        "closing_date_source": "structured", "remote": None, "seen_count": 1,
    }
    receptionist = by_key["feed:jobs.fjord.example", "u8dffa6844c164f56"]
    received = date.fromisoformat(str(receptionist["scraped_at"])[:10])
    assert receptionist["closing_date"] == (received + timedelta(days=10)).isoformat()
    assert receptionist["closing_date_source"] == "relative"


def test_dayfirst_false_reads_a_us_feed_month_first(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, _, stderr = crawl(server, sqlite_url, tmp_path, INDEED, args=("-a", "dayfirst=false"))
    assert code == 0, stderr[-3000:]
    row = next(r for r in stored_rows(sqlite_url) if r["webindex"] == "u23ab3b092f27142d")
    assert (row["date_posted"], row["closing_date"], row["closing_date_raw"]) == (
        "2024-05-03", "2024-04-05", "04/05/2024")


@pytest.mark.parametrize("path", ["/gzip/indeed.xml", "/indeed.xml.gz", "/moved.xml"])
def test_gzip_bodies_and_redirects_give_the_same_ads(
    server: RecordedServer, sqlite_url: str, tmp_path: Path, path: str
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path, f"https://careers.northwind.example{path}")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/store/new"] == 4
    assert stats["jobcrawl/stream/files"] == 1
    rows = {row["webindex"]: feed_row(row) for row in stored_rows(sqlite_url)}
    expected = {item["webindex"]: item for item in fixture_items("indeed") if item["title"]}
    assert rows.keys() == expected.keys()
    for webindex, row in rows.items():
        assert {key: row[key] for key in EXTRACTED} == {
            key: expected[webindex][key] for key in EXTRACTED}


def test_through_a_proxy_the_feed_is_read_from_memory_with_a_warning(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    # The recorded server answers proxy requests ("GET http://host/path") by their path.
    code, stats, stderr = crawl_api(
        "feed", "-a", "url=http://careers.northwind.example/feeds/indeed.xml",
        db_url=sqlite_url, tmp_path=tmp_path, env={"http_proxy": server.url, "no_proxy": ""},
    )
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/stream/buffered"] == 1
    assert stats["jobcrawl/feed/buffered"] == 1
    assert "jobcrawl/stream/files" not in stats
    assert "goes through a proxy" in stderr
    assert stats["jobcrawl/store/new"] == 4


def test_max_items_stops_reading_the_feed(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path, INDEED, args=("-a", "max_items=2"))
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/api/items"] == 2
    assert [row["webindex"] for row in stored_rows(sqlite_url)] == ["NW-10482", "NW-10490"]


def test_a_page_that_is_not_a_feed_fails_the_crawl(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path,
                                "https://careers.northwind.example/careers.html", INDEED)
    assert code == 1
    assert stats["jobcrawl/feed/unknown_dialect"] == 1
    assert "is not a job feed: root element <html>" in stats["jobcrawl/failed/feed"]
    assert "crawl failed: feed" in stderr
    assert stats["jobcrawl/store/new"] == 4  # the other feed is still read


def test_a_document_that_is_no_xml_fails_the_crawl_showing_how_it_begins(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path, "https://jobs.example.org/login.html")
    assert code == 1
    assert stats["jobcrawl/feed/unreadable"] == 1
    assert "no XML element found in a document that begins '<!doctype html>" in stderr


def test_a_feed_cut_short_keeps_its_complete_ads_and_fails_the_crawl(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path,
                                "https://careers.northwind.example/cut.xml")
    assert code == 1
    assert stats["jobcrawl/feed/truncated"] == 1
    assert "stops before its end" in stderr
    assert sorted(row["title"] for row in stored_rows(sqlite_url)) == [
        "Buchhalter (m/w/d)", "R&D Engineer – Battery Systems", "Warehouse Operative"]


def test_recovered_xml_damage_is_counted_and_the_ads_kept(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(server, sqlite_url, tmp_path, "https://jobs.example.net/damaged.xml")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/feed/xml_errors"] == 2
    assert "recovered from 2 XML errors" in stderr
    assert [(row["title"], row["description"]) for row in stored_rows(sqlite_url)] == [
        ("Fish Chips Cook", "Café work")]


def test_a_missing_feed_stops_the_crawl_with_exit_code_1(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, _ = crawl(server, sqlite_url, tmp_path, "https://jobs.example.org/no-such-feed")
    assert code == 1
    assert stats["jobcrawl/api/http_error/404"] == 1
    assert stats["finish_reason"] == "api_http_404"


def test_streamed_files_are_deleted_and_download_maxsize_applies(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    settings = ("-s", f"JOBCRAWL_STREAM_TEMP_DIR={spool}")
    code, stats, stderr = crawl(server, sqlite_url, tmp_path, INDEED, args=settings)
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/stream/bytes"] == len(INDEED_XML)
    assert list(spool.iterdir()) == []

    # Over the limit after decoding: the gzip body is only 1.3 kB on the wire.
    # Feeds have their own limit (pages keep DOWNLOAD_MAXSIZE).
    limited = (*settings, "-s", "JOBCRAWL_FEED_MAXSIZE=3000")
    code, stats, stderr = crawl(server, sqlite_url, tmp_path,
                                "https://careers.northwind.example/gzip/indeed.xml", args=limited)
    # The feed is missed: the run is incomplete (exit 3).
    assert (code, stats["jobcrawl/missed/feed"]) == (3, 1)
    assert stats["jobcrawl/api/request_failed"] == 1
    assert "larger than download max size (3000)" in stderr
    assert list(spool.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [("/stall.xml", "took longer than 2.0 seconds"), ("/short.xml", "was lost before the whole")],
)
def test_a_download_that_breaks_off_fails_and_leaves_no_file(
    sqlite_url: str, tmp_path: Path, path: str, message: str
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    with BrokenFeeds() as broken:
        code, stats, stderr = crawl_api(
            "feed", "-a", f"url={broken.url}{path}", "-s", "DOWNLOAD_TIMEOUT=2",
            "-s", "RETRY_ENABLED=False", "-s", f"JOBCRAWL_STREAM_TEMP_DIR={spool}",
            db_url=sqlite_url, tmp_path=tmp_path,
        )
    # The feed is missed: the run is incomplete (exit 3).
    assert (code, stats["jobcrawl/missed/feed"]) == (3, 1)
    assert stats["jobcrawl/api/request_failed"] == 1
    assert message in stderr
    assert "jobcrawl/stream/files" not in stats
    assert list(spool.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "spider feed needs -a url=..."),
        (["-a", "url=ftp://jobs.example.org/feed.xml"], "argument url"),
        (["-a", "url=https://jobs.example.org/feed.xml", "-a", "dayfirst=maybe"],
         "argument dayfirst"),
        (["-a", "url=https://jobs.example.org/feed.xml", "-a", "base_url=http://x/feeds"],
         "argument base_url"),
        (["-a", "url=https://jobs.example.org/feed.xml", "-a", "max_items=0"],
         "argument max_items"),
    ],
)
def test_bad_arguments_fail_at_start_with_the_argument_named(
    sqlite_url: str, args: list[str], message: str
) -> None:
    result = run_scrapy("crawl", "feed", *args, "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 1
    assert message in result.stderr
