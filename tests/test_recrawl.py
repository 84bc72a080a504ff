"""Incremental recrawl and expiry end to end: `scrapy crawl jobposting` again and again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from jobcrawl.db.engine import make_engine
from jobcrawl.db.models import Job, RecrawlPage
from jobcrawl.demo.server import DemoBoard
from tests.utils.scrapy import run_scrapy

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
CLOSED_EVIDENCE = "page says: 'This vacancy has now closed'"


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


@pytest.fixture
def small_board() -> Iterator[DemoBoard]:
    """60 ads on 3 listing pages, changed by the tests between crawls."""
    with DemoBoard(n_ads=60) as demo:
        yield demo


class Crawls:
    """Numbered crawls of one board into one database; each returns (exit code, stats)."""

    def __init__(self, board: DemoBoard, db_url: str, tmp_path: Path) -> None:
        self.board, self.db_url, self.tmp_path = board, db_url, tmp_path
        self.count = 0
        self.stderr = ""

    def __call__(self, *args: str, start: str | None = "/jobs") -> dict[str, Any]:
        self.count += 1
        stats_path = self.tmp_path / f"stats-{self.count}.json"
        where = ["-a", f"url={self.board.url}{start}"] if start else []
        result = run_scrapy(
            "crawl", "jobposting", *where, *args, *FAST,
            "-s", f"JOBCRAWL_DATABASE_URL={self.db_url}",
            "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
        )
        self.stderr = result.stderr
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(stats_path.read_text())


def rows(db_url: str) -> dict[str, dict[str, Any]]:
    """Every stored ad by URL path (/jobs/<id>)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT * FROM jobs")).mappings().all()
    finally:
        engine.dispose()
    return {row["url"].split("/", 3)[3]: dict(row) for row in found}


def run_row(db_url: str, run_id: str) -> dict[str, Any]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT * FROM crawl_runs WHERE id = :id"),
                                     {"id": run_id}).mappings().one())
    finally:
        engine.dispose()


def expired(db_url: str) -> dict[str, tuple[str, str]]:
    return {path: (row["expiry_reason"], row["expiry_evidence"])
            for path, row in rows(db_url).items() if row["expired_at"] is not None}


def ids_with_posting(board: DemoBoard) -> list[str]:
    return [ad.ad_id for ad in board.board.ads if ad.has_job_posting]


def test_second_crawl_reads_only_the_listing_and_touches_every_ad(
    board: DemoBoard, database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("postgresql"):
        assert run_scrapy("db", "upgrade", "-s",
                          f"JOBCRAWL_DATABASE_URL={database_url}").returncode == 0
    expected = board.board.expected()
    crawl = Crawls(board, database_url, tmp_path)
    first = crawl()
    before = rows(database_url)
    assert first["jobcrawl/store/new"] == expected["ads_with_jobposting"] == len(before)

    second = crawl()
    after = rows(database_url)
    # robots.txt and the listing pages: no ad page, no page without a posting, no duplicate.
    assert second["downloader/request_count"] == 1 + expected["listing_pages"]
    assert second["jobcrawl/recrawl/skipped"] == first["jobcrawl/jobposting/ad_pages"]
    assert {key: second[key] for key in ("jobcrawl/store/new", "jobcrawl/store/updated",
                                         "jobcrawl/store/unchanged", "jobcrawl/store/touched",
                                         "jobcrawl/expiry/unlisted")} == {
        "jobcrawl/store/new": 0, "jobcrawl/store/updated": 0, "jobcrawl/store/unchanged": 0,
        "jobcrawl/store/touched": len(before), "jobcrawl/expiry/unlisted": 0}
    assert after.keys() == before.keys()
    for path, row in after.items():
        old = before[path]
        assert row["first_seen"] == old["first_seen"] and row["last_fetched"] == old["last_fetched"]
        assert row["last_seen"] > old["last_seen"], path
        assert (row["seen_count"], row["last_run"], row["expired_at"]) == (
            2, second["jobcrawl/store/run_id"], None)
    run = run_row(database_url, second["jobcrawl/store/run_id"])
    assert (run["status"], run["items_touched"], run["items_unchanged"]) == ("ok", len(before), 0)
    monitors, sources = (json.loads(value) if isinstance(value, str) else value  # SQLite: text
                         for value in (run["monitors"], run["sources"]))
    assert monitors[0]["message"] == (
        f"{len(before)} items stored or touched ({len(before)} touched), minimum 1")
    # The touched ads count for their source, as stored ones do.
    assert (run["source"], sources) == (
        "jobposting:127.0.0.1", {"jobposting:127.0.0.1": len(before)})


def test_ttl_zero_refetches_every_ad(board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    crawl = Crawls(board, sqlite_url, tmp_path)
    first = crawl()
    before = rows(sqlite_url)
    second = crawl("-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert second["downloader/request_count"] == first["downloader/request_count"]
    assert "jobcrawl/recrawl/skipped" not in second
    assert (second["jobcrawl/store/unchanged"], second["jobcrawl/store/touched"]) == (
        len(before), 0)
    after = rows(sqlite_url)
    assert all(after[path]["last_fetched"] > row["last_fetched"] for path, row in before.items())


def test_a_short_ttl_lets_old_fetches_be_refetched(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    crawl = Crawls(board, sqlite_url, tmp_path)
    first = crawl()
    # As if the first crawl had run two hours ago: every fetch is older than the TTL.
    two_hours_ago = datetime.now(UTC) - timedelta(hours=2)
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(update(Job).values(last_fetched=two_hours_ago))
        connection.execute(update(RecrawlPage).values(fetched_at=two_hours_ago))
    engine.dispose()
    second = crawl("-s", "JOBCRAWL_RECRAWL_TTL=1h")
    assert second["jobcrawl/recrawl/known"] == 0
    assert second["downloader/request_count"] == first["downloader/request_count"]


def test_sitemap_recrawl_reads_only_the_sitemaps(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    crawl = Crawls(board, sqlite_url, tmp_path)
    sitemap = ["-a", f"sitemap={board.url}/sitemap.xml"]
    first = crawl(*sitemap, start=None)
    second = crawl(*sitemap, start=None)
    # robots.txt, the sitemap index and its sitemap: no ad page.
    assert second["downloader/request_count"] == 1 + 1 + board.board.sitemap_files
    assert second["jobcrawl/store/touched"] == first["jobcrawl/store/new"]


def test_an_unlisted_ad_expires_after_a_complete_crawl_only_and_comes_back(
    small_board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    crawl = Crawls(small_board, sqlite_url, tmp_path)
    crawl()
    gone_id = ids_with_posting(small_board)[0]
    small_board.board.change(removed={gone_id})

    limited = crawl("-a", "max_pages=1")
    assert limited["jobcrawl/expiry/unlisted"] == 0
    assert "unlisted ads not expired: the spider did not read its whole listing" in crawl.stderr
    assert expired(sqlite_url) == {}

    complete = crawl()
    run_id = complete["jobcrawl/store/run_id"]
    assert complete["jobcrawl/expiry/unlisted"] == 1
    assert expired(sqlite_url) == {f"jobs/{gone_id}": (
        "unlisted", f"not listed by complete crawl {run_id} of jobposting:127.0.0.1 "
                    f"(jobposting {small_board.url}/jobs)")}

    small_board.board.change()
    back = crawl()
    assert (back["jobcrawl/store/touched"], back["jobcrawl/expiry/reactivated"]) == (
        len(rows(sqlite_url)), 1)
    assert expired(sqlite_url) == {}


def test_a_listed_ad_whose_item_is_dropped_is_not_expired_as_unlisted(
    small_board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    # Still listed, fetched again (TTL 0), but its posting lost its title: the item
    # fails validation, so the run neither stores nor touches it. It was listed all
    # the same: "unlisted" would be false evidence.
    crawl = Crawls(small_board, sqlite_url, tmp_path)
    crawl()
    broken_id = ids_with_posting(small_board)[0]
    small_board.board.change(untitled={broken_id})

    again = crawl("-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert (again["jobcrawl/validate/missing/title"], again["jobcrawl/expiry/unlisted"]) == (
        1, 0)
    assert expired(sqlite_url) == {}


def test_410_pages_expire_gone_closed_notices_expire_closed_and_both_come_back(
    small_board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    crawl = Crawls(small_board, sqlite_url, tmp_path)
    crawl()
    stored = len(rows(sqlite_url))
    gone_id, closed_id = ids_with_posting(small_board)[1:3]
    small_board.board.change(gone={gone_id}, closed={closed_id})

    # A TTL of 0 refetches every page, as a crawl after the TTL would.
    second = crawl("-s", "JOBCRAWL_RECRAWL_TTL=0")
    gone_url = f"{small_board.url}/jobs/{gone_id}"
    assert expired(sqlite_url) == {
        f"jobs/{gone_id}": ("gone", f"HTTP 410 at {gone_url}"),
        f"jobs/{closed_id}": ("closed", CLOSED_EVIDENCE),
    }
    assert {key: second[key] for key in ("jobcrawl/expiry/gone", "jobcrawl/expiry/closed",
                                         "jobcrawl/expiry/unlisted", "jobcrawl/store/unchanged",
                                         "jobcrawl/jobposting/gone_pages")} == {
        "jobcrawl/expiry/gone": 1, "jobcrawl/expiry/closed": 1, "jobcrawl/expiry/unlisted": 0,
        "jobcrawl/store/unchanged": stored - 1, "jobcrawl/jobposting/gone_pages": 1}
    assert "log_count/ERROR" not in second

    # Within the TTL the pages are not read again: listed, so touched, but still expired.
    third = crawl()
    assert (third["jobcrawl/store/touched"], third["jobcrawl/expiry/reactivated"]) == (stored, 0)
    assert set(expired(sqlite_url)) == {f"jobs/{gone_id}", f"jobs/{closed_id}"}

    small_board.board.change()
    fourth = crawl("-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert fourth["jobcrawl/expiry/reactivated"] == 2
    assert expired(sqlite_url) == {}


def test_a_bad_ttl_fails_at_start_up_with_the_setting_named(sqlite_url: str) -> None:
    result = run_scrapy("crawl", "jobposting", "-a", "url=http://127.0.0.1:9/jobs",
                        "-s", "JOBCRAWL_RECRAWL_TTL=soon",
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 1
    assert "JOBCRAWL_RECRAWL_TTL must be a duration" in result.stderr


def test_the_demo_board_can_unlist_remove_and_close_ads() -> None:
    board = DemoBoard(n_ads=25).board
    first, second, third = (ad.ad_id for ad in board.ads[:3])
    board.change(removed={first}, gone={second}, closed={third})
    listing = board.render("/jobs")[2].decode()
    assert f"/jobs/{first}\"" not in listing and f"/jobs/{second}\"" in listing
    assert board.listing_pages == 2 and "Jobs 1–20 of 24" in listing
    assert board.render(f"/jobs/{first}")[0] == 200  # unlisted, but the page stays
    assert board.render(f"/jobs/{second}")[0] == 410
    assert "This vacancy has now closed" in board.render(f"/jobs/{third}")[2].decode()
    board.change()
    assert board.render(f"/jobs/{second}")[0] == 200
    assert f"/jobs/{first}\"" in board.render("/jobs")[2].decode()


def test_max_pages_above_the_boards_size_reads_it_all_and_expires_unlisted_ads(
    small_board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    crawl = Crawls(small_board, sqlite_url, tmp_path)
    crawl("-a", "max_pages=3")
    small_board.board.change(removed={ids_with_posting(small_board)[-1]})
    second = crawl("-a", "max_pages=3")
    assert (second["jobcrawl/jobposting/listing_pages"], second["jobcrawl/expiry/unlisted"]) == (
        3, 1)


def test_known_ads_are_read_before_the_first_request(
        small_board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    # Read in a thread while the spider opens, not on the reactor at the first ad link
    # (a million known ads take seconds): the log says so before anything is crawled.
    Crawls(small_board, sqlite_url, tmp_path)()
    second = run_scrapy("crawl", "jobposting", "-a", f"url={small_board.url}/jobs",
                        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=DEBUG",
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert second.returncode == 0, second.stderr[-3000:]
    lines = second.stderr.splitlines()
    [loaded] = [number for number, line in enumerate(lines) if "not fetched again" in line]
    crawled = [number for number, line in enumerate(lines) if "Crawled (200)" in line]
    assert "ads of jobposting:127.0.0.1 fetched since" in lines[loaded]
    assert crawled and loaded < crawled[0]
