"""Server faults: a crawl of the fault board stores exactly the ads of a clean crawl of it.

The fault board (tests/utils/faultboard.py) answers 5xx, 429 with Retry-After (seconds
and HTTP-date), hangs, resets, truncates, redirects offsite and to other schemes, serves
a 50 MB page and Windows-1252 pages without a charset. The crawls run with the default
settings but a 1 s download timeout and a 0.2 s backoff base, to keep the test short.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from jobcrawl.downloader.charset import FallbackEncodingMiddleware
from jobcrawl.downloader.redirect import RefusedRedirect, SafeRedirectMiddleware
from jobcrawl.downloader.retry import RetryConfig
from jobcrawl.downloader.retryafter import backoff_seconds, retry_after_seconds
from jobcrawl.extract.jsonld import extract_postings
from tests.utils.faultboard import FaultBoard
from tests.utils.rows import row_fields, stored_rows
from tests.utils.scrapy import run_scrapy

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=1",
        "-s", "JOBCRAWL_RETRY_BACKOFF_BASE=0.2"]
# A request the crawler sent before the 429 reached it may arrive just after the 429 left.
# (Without the paused slot, about 350 requests arrive inside these windows.)
IN_FLIGHT = 0.4


def crawl(board: FaultBoard, tmp_path: Path, name: str, *extra: str
          ) -> tuple[int, dict[str, Any], str, str]:
    db_url = f"sqlite:///{tmp_path / name}.db"
    stats_path = tmp_path / f"{name}.json"
    result = run_scrapy("crawl", "jobposting", "-a", f"url={board.url}/jobs", *FAST, *extra,
                        "-s", f"JOBCRAWL_DATABASE_URL={db_url}",
                        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
                        "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}",
                        "-s", f"JOBCRAWL_DEADLETTER_DIR={tmp_path / 'deadletter'}")
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return result.returncode, stats, result.stderr, db_url


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp_path = tmp_path_factory.mktemp("faults")
    with FaultBoard() as board:
        board.faults = False
        clean = crawl(board, tmp_path, "clean")
        board.faults = True
        board.arrivals.clear()
        board.attempts.clear()
        faulty = crawl(board, tmp_path, "faulty")
        yield {"board": board, "clean": clean, "faulty": faulty}


def test_fault_crawl_stores_exactly_the_ads_of_a_clean_crawl(crawls: dict[str, Any]) -> None:
    code, _, stderr, clean_db = crawls["clean"]
    assert code == 0, stderr[-3000:]
    code, stats, stderr, faulty_db = crawls["faulty"]
    assert code == 0, stderr[-3000:]
    clean = [row_fields(row) for row in stored_rows(clean_db)]
    faulty = [row_fields(row) for row in stored_rows(faulty_db)]
    assert len(clean) == 117
    assert faulty == clean
    assert "log_count/ERROR" not in stats
    assert "jobcrawl/jobposting/failed_ad_pages" not in stats
    assert "jobcrawl/jobposting/failed_listing_pages" not in stats


def test_fault_crawl_retried_paused_and_refused(crawls: dict[str, Any]) -> None:
    board: FaultBoard = crawls["board"]
    stats = crawls["faulty"][1]
    scheduled = board.scheduled()
    kinds = set(scheduled.values())
    assert kinds == {"500", "502", "503", "429s", "429d", "hang", "reset", "truncate"}
    n_429 = sum(fault.startswith("429") for fault in scheduled.values())
    assert stats["jobcrawl/retry/retry_after"] == n_429
    assert stats["downloader/response_status_count/429"] == n_429
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] >= 1
    assert stats["retry/reason_count/scrapy.exceptions.ResponseDataLossError"] >= 1
    assert stats["jobcrawl/retry/backoff"] == stats["retry/count"] - n_429
    # A retry whose wait is over by the time it reaches the scheduler goes straight in.
    assert 0.8 * stats["retry/count"] <= stats["jobcrawl/scheduler/delayed"] <= stats["retry/count"]
    assert "retry/max_reached" not in stats
    assert stats["jobcrawl/redirect/refused_offsite"] == 1
    assert stats["jobcrawl/redirect/refused_scheme"] == 2
    assert stats["jobcrawl/download/too_large"] == 1
    assert stats["jobcrawl/download/fallback_encoding"] >= 1
    assert board.attempts["/faults/huge"] == 1  # refused, not retried


def test_retry_after_was_honoured_for_the_url_and_the_whole_host(crawls: dict[str, Any]) -> None:
    board: FaultBoard = crawls["board"]
    assert board.pauses
    assert board.early == {}  # no 429'd page came back before its Retry-After
    for sent, until in board.pauses:
        during = [path for at, path in board.arrivals if sent + IN_FLIGHT < at < until]
        assert during == [], f"requests sent while the host was paused: {during}"


def test_cp1252_pages_without_a_charset_decode_to_the_same_text(crawls: dict[str, Any]) -> None:
    board: FaultBoard = crawls["board"]
    cp1252 = [ad for ad in board.board.ads if board.cp1252(f"/jobs/{ad.ad_id}")]
    with_quote = [ad for ad in cp1252 if "’" in ad.title]
    assert with_quote  # the schedule serves some ’ (0x92) pages in Windows-1252
    rows = {row["url"].rsplit("/", 1)[1]: row for row in stored_rows(crawls["faulty"][3])}
    for ad in with_quote:
        if ad.ad_id in rows:
            assert rows[ad.ad_id]["title"] == ad.title


def test_windows_1252_bytes_without_a_charset_are_read_as_windows_1252() -> None:
    crawler = get_crawler(settings_dict={"JOBCRAWL_FALLBACK_ENCODING": "cp1252"})
    middleware = FallbackEncodingMiddleware.from_crawler(crawler)
    page = ('<html><head><script type="application/ld+json">{"@type": "JobPosting", '
            '"title": "Manager’s Assistant", "description": "Pay: £30,000 – £32,000"}'
            "</script></head><body><p>Manager’s Assistant, £30,000</p></body></html>")
    response = HtmlResponse("http://127.0.0.1/jobs/1", body=page.encode("cp1252"),
                            headers={"Content-Type": "text/html"})
    response = middleware.process_response(response.request, response)
    assert b"\x92" in response.body and b"\xa3" in response.body
    assert "Manager’s Assistant, £30,000" in response.text
    posting = extract_postings(response).postings[0]
    assert posting["title"] == "Manager’s Assistant"
    assert posting["description"] == "Pay: £30,000 – £32,000"
    # Declared, or UTF-8: Scrapy's reading stands.
    utf8 = HtmlResponse("http://127.0.0.1/jobs/2", body=page.encode("utf-8"),
                        headers={"Content-Type": "text/html"})
    assert middleware.process_response(utf8.request, utf8).text == page
    declared = HtmlResponse("http://127.0.0.1/jobs/3", body="<p>Łódź</p>".encode("cp1250"),
                            headers={"Content-Type": "text/html; charset=windows-1250"})
    assert "Łódź" in middleware.process_response(declared.request, declared).text


def test_retry_after_longer_than_the_cap_fails_the_request(tmp_path: Path) -> None:
    with FaultBoard(n_ads=40, retry_after=30, fault_rate=0.3) as board:
        code, stats, stderr, _ = crawl(board, tmp_path, "cap", "-s", "JOBCRAWL_RETRY_AFTER_MAX=2s",
                                    "-s", "JOBCRAWL_MONITORS_ENABLED=False")
        n_429 = sum(fault.startswith("429") for fault in board.scheduled().values())
    assert n_429 >= 1
    assert stats["jobcrawl/retry/retry_after_too_long"] == n_429
    assert "jobcrawl/retry/retry_after" not in stats
    # The final 429 reaches the spider: each such page counts as failed.
    failed = (stats.get("jobcrawl/jobposting/failed_ad_pages", 0)
              + stats.get("jobcrawl/jobposting/failed_listing_pages", 0))
    assert failed == n_429
    # ... and is missed: the run is incomplete (exit 3), the pages listed for a rerun.
    missed = stats.get("jobcrawl/missed/ad", 0) + stats.get("jobcrawl/missed/listing", 0)
    assert (code, missed) == (3, n_429)
    assert "more than JOBCRAWL_RETRY_AFTER_MAX" in stderr
    assert stats["elapsed_time_seconds"] < 30  # gave up at once rather than wait


# --- Retry-After and backoff ------------------------------------------------------

NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "seconds"), [
    (b"120", 120.0), ("0", 0.0), (" 7 ", 7.0),
    (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
    ("Mon, 07 Dec 2026 12:02:00 GMT", 120.0),
    ("Sunday, 07-Dec-26 12:00:30 GMT", 30.0),  # RFC 850, obsolete but allowed
    (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # past: now
])
def test_retry_after_reads_seconds_and_http_dates(value: str | bytes, seconds: float) -> None:
    assert retry_after_seconds(value, NOW) == pytest.approx(seconds)


@pytest.mark.parametrize("value", [None, "", "-5", "1.5", "soon", "1e3", "٣", "Mon, 99 Foo",
                                   "Mon, 07 Dec 2026 12:02:00", b"\xff\xfe"])
def test_retry_after_ignores_garbage(value: str | bytes | None) -> None:
    assert retry_after_seconds(value, NOW) is None


def test_backoff_doubles_up_to_its_cap_within_the_upper_half_of_each_step() -> None:
    rng = random.Random(1)
    for attempt, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (7, 60.0), (500, 60.0)]:
        for _ in range(50):
            assert step / 2 <= backoff_seconds(attempt, 1.0, 60.0, rng) <= step
    assert backoff_seconds(3, 1.0, 60.0, random.Random(5)) == backoff_seconds(
        3, 1.0, 60.0, random.Random(5))
    with pytest.raises(ValueError, match="attempt"):
        backoff_seconds(0, 1.0, 60.0)


def test_retry_settings_are_durations_and_a_bad_one_is_named() -> None:
    config = RetryConfig.from_settings({"JOBCRAWL_RETRY_AFTER_MAX": "15m"})  # type: ignore[arg-type]
    assert config.retry_after_max == timedelta(minutes=15)
    assert config.backoff_base == timedelta(seconds=1)
    with pytest.raises(ValueError, match="JOBCRAWL_RETRY_BACKOFF_MAX"):
        RetryConfig.from_settings({"JOBCRAWL_RETRY_BACKOFF_MAX": "soon"})  # type: ignore[arg-type]


# --- refused redirects -------------------------------------------------------------

def redirect_middleware(allowed_domains: list[str] | None) -> tuple[SafeRedirectMiddleware, Any]:
    crawler = get_crawler(Spider)
    kwargs = {"allowed_domains": allowed_domains} if allowed_domains is not None else {}
    crawler.spider = crawler._create_spider("faults", **kwargs)
    return SafeRedirectMiddleware.from_crawler(crawler), crawler.stats


def redirect(middleware: SafeRedirectMiddleware, location: str, **meta: Any) -> Any:
    request = Request("http://jobs.example.com/jobs/1", meta=meta)
    response = Response(request.url, status=302, headers={"Location": location}, request=request)
    return middleware.process_response(request, response)


@pytest.mark.parametrize("location", ["ftp://jobs.example.com/a.txt", "javascript:alert(1)",
                                      "file:///etc/passwd", "data:text/html,<p>x</p>"])
def test_redirects_to_other_schemes_are_refused_and_counted(location: str) -> None:
    middleware, stats = redirect_middleware(None)
    with pytest.raises(RefusedRedirect, match="scheme redirect"):
        redirect(middleware, location)
    assert stats.get_value("jobcrawl/redirect/refused_scheme") == 1


def test_offsite_redirects_are_refused_when_the_spider_has_allowed_domains() -> None:
    middleware, stats = redirect_middleware(["example.com"])
    assert redirect(middleware, "https://www.example.com/jobs/1").url == (
        "https://www.example.com/jobs/1")  # a subdomain is on site, as Scrapy counts it
    assert redirect(middleware, "/jobs/2").url == "http://jobs.example.com/jobs/2"
    with pytest.raises(RefusedRedirect, match=r"offsite redirect to http://evil\.example\.net/"):
        redirect(middleware, "http://evil.example.net/")
    assert redirect(middleware, "http://cdn.example.net/", allow_offsite=True).url == (
        "http://cdn.example.net/")
    assert stats.get_value("jobcrawl/redirect/refused_offsite") == 1
    anywhere, _ = redirect_middleware(None)  # no allowed_domains: redirects go anywhere
    assert redirect(anywhere, "http://cdn.example.net/").url == "http://cdn.example.net/"


def test_a_never_recovering_listing_page_answers_503_every_time() -> None:
    with FaultBoard(n_ads=60, never_recovers=True) as board:
        last = f"{board.url}/jobs?page={board.board.listing_pages}"
        for _ in range(3):
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(last, timeout=5)  # our own loopback board
            assert error.value.code == 503
