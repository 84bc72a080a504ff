"""End to end: the real `scrapy crawl jobposting` against the demo board, in a subprocess."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.demo.server import DemoBoard
from jobcrawl.extract.ids import webindex_from_url
from tests.utils.scrapy import run_scrapy

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard() as demo:
        yield demo


def crawl(board: DemoBoard, db_url: str, tmp_path: Path, *args: str,
          stats_name: str = "stats.json") -> tuple[int, dict[str, object], str]:
    stats_path = tmp_path / stats_name
    result = run_scrapy(
        "crawl", "jobposting", *args, *FAST,
        "-s", f"JOBCRAWL_DATABASE_URL={db_url}", "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
        "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}",
        "-s", f"JOBCRAWL_DEADLETTER_DIR={tmp_path / 'deadletter'}",
    )
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    return result.returncode, stats, result.stderr


def rows(db_url: str) -> list[dict[str, object]]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM jobs ORDER BY webindex"))
        found = [dict(row._mapping) for row in result]
    engine.dispose()
    return found


def expected_webindex(board: DemoBoard, ad_id: str) -> str:
    ad = board.board.ad(ad_id)
    return ad.identifier or webindex_from_url(f"{board.url}/jobs/{ad_id}")


def test_crawl_stores_every_ad_once_with_its_true_fields(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    expected = board.board.expected()
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", f"url={board.url}/jobs")
    assert code == 0, stderr[-3000:]

    assert stats["jobcrawl/store/new"] == expected["ads_with_jobposting"]
    assert stats["item_scraped_count"] == expected["ads_with_jobposting"]
    assert stats["item_dropped_reasons_count/DuplicateInCrawl"] == expected["featured_duplicates"]
    assert stats["jobcrawl/jobposting/listing_pages"] == expected["listing_pages"]
    assert stats["jobcrawl/store/failed_batches"] == 0
    assert "log_count/ERROR" not in stats

    stored = rows(sqlite_url)
    assert len(stored) == expected["ads_with_jobposting"]
    sources = Counter(row["closing_date_source"] for row in stored if row["closing_date"])
    assert sources["structured"] == expected["closing_structured"]
    assert sources["text"] + sources["relative"] == expected["closing_text"]
    unparsed = [row for row in stored if row["closing_date_raw"] and not row["closing_date"]]
    assert len(unparsed) == expected["closing_unparseable"]
    assert sum(row["closing_date"] is not None for row in stored) == expected["with_closing_date"]
    assert sum(row["company"] is not None for row in stored) == expected["with_company"]
    assert sum(row["salary_min"] is not None for row in stored) == expected["with_salary"]

    by_webindex = {row["webindex"]: row for row in stored}
    for ad in board.board.ads:
        if not ad.has_job_posting:
            continue
        row = by_webindex.pop(expected_webindex(board, ad.ad_id))
        truth = {
            "url": f"{board.url}/jobs/{ad.ad_id}", "source": "jobposting:127.0.0.1",
            "title": ad.title, "company": ad.company, "category": ad.category,
            "description": ad.description,
            "date_posted": ad.date_posted.isoformat(),
            "closing_date": ad.closing_date.isoformat() if ad.closing_date else None,
            "salary_min": ad.salary_min, "salary_max": ad.salary_max,
            "salary_currency": ad.salary_currency,
            "seen_count": 1,
        }
        assert {key: row[key] for key in truth} == truth, ad.ad_id
        assert str(row["location"]).startswith(ad.location), ad.ad_id
    assert by_webindex == {}


def test_second_crawl_keeps_rows_and_first_seen_and_moves_last_seen(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    start = ["-a", f"url={board.url}/jobs"]
    code, _, stderr = crawl(board, sqlite_url, tmp_path, *start, stats_name="first.json")
    assert code == 0, stderr[-3000:]
    before = {row["webindex"]: row for row in rows(sqlite_url)}

    code, stats, stderr = crawl(board, sqlite_url, tmp_path, *start, stats_name="second.json")
    assert code == 0, stderr[-3000:]
    after = {row["webindex"]: row for row in rows(sqlite_url)}

    assert after.keys() == before.keys()
    # Every ad was fetched moments ago (within JOBCRAWL_RECRAWL_TTL): touched, not refetched.
    assert stats["jobcrawl/store/new"] == 0
    assert stats["jobcrawl/store/updated"] == 0
    assert stats["jobcrawl/store/unchanged"] == 0
    assert stats["jobcrawl/store/touched"] == len(before)
    for webindex, row in after.items():
        assert row["first_seen"] == before[webindex]["first_seen"]
        assert row["last_seen"] > before[webindex]["last_seen"]
        assert row["seen_count"] == 2


def test_sitemap_crawl_finds_the_same_ads(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    expected = board.board.expected()
    # A bare site root: the spider reads the Sitemap: line of robots.txt.
    code, stats, stderr = crawl(board, sqlite_url, tmp_path, "-a", f"sitemap={board.url}/")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/store/new"] == expected["ads_with_jobposting"]
    assert "item_dropped_count" not in stats  # the sitemap lists no duplicates
    assert len(rows(sqlite_url)) == expected["ads_with_jobposting"]


def test_max_pages_limits_listing_pages(
    board: DemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl(board, sqlite_url, tmp_path,
                                "-a", f"url={board.url}/jobs", "-a", "max_pages=2")
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/jobposting/listing_pages"] == 2
    first_two_pages = board.board.ads[:40]
    with_posting = sum(ad.has_job_posting for ad in first_two_pages)
    assert stats["jobcrawl/store/new"] == with_posting


def test_robots_txt_is_obeyed(board: DemoBoard, sqlite_url: str, tmp_path: Path) -> None:
    expected = board.board.expected()
    before = board.hit_count("/private/")
    # From the home page, two hops reach the ads; the home page also links /private/.
    code, stats, stderr = crawl(board, sqlite_url, tmp_path,
                                "-a", f"url={board.url}/", "-a", "depth=2")
    assert code == 0, stderr[-3000:]
    assert stats["robotstxt/forbidden"] == expected["private_ads"]
    assert board.hit_count("/private/") == before
    assert stats["jobcrawl/store/new"] == expected["ads_with_jobposting"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "-a url=URL"),
        (["-a", "url=ftp://example.com/jobs"], "argument url"),
        (["-a", "url=http://127.0.0.1:9/jobs", "-a", "max_pages=many"], "argument max_pages"),
    ],
)
def test_bad_arguments_fail_at_start_with_the_argument_named(
    sqlite_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_scrapy("crawl", "jobposting", *args, "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 1
    assert message in result.stderr


def test_failed_database_batch_makes_the_crawl_exit_non_zero(
    board: DemoBoard, tmp_path: Path
) -> None:
    path = tmp_path / "broken.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    with sqlite3.connect(path) as conn:  # a database that refuses every insert
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON jobs "
                     "BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    code, stats, stderr = crawl(board, url, tmp_path, "-a", f"url={board.url}/jobs",
                                "-a", "max_pages=1")
    assert code == 1
    assert stats["jobcrawl/store/failed_batches"] == 1
    assert stats["jobcrawl/store/failed_items"] == stats["item_scraped_count"]
    # The lost items are missed as well; the crawl stays failed (exit 1, not 3).
    assert stats["jobcrawl/missed/item"] == stats["item_scraped_count"]
    assert "disk says no" in stderr
    assert "crawl failed: store" in stderr


def test_crawl_into_postgresql(board: DemoBoard, postgres_url: str, tmp_path: Path) -> None:
    expected = board.board.expected()
    result = run_scrapy("db", "upgrade", "-s", f"JOBCRAWL_DATABASE_URL={postgres_url}")
    assert result.returncode == 0, result.stderr
    code, stats, stderr = crawl(board, postgres_url, tmp_path, "-a", f"url={board.url}/jobs")
    assert code == 0, stderr[-3000:]
    stored = rows(postgres_url)
    assert len(stored) == expected["ads_with_jobposting"]
    assert stats["jobcrawl/store/new"] == expected["ads_with_jobposting"]
