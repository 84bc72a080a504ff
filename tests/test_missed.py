"""Completeness end to end: a crawl that loses pages says so, and the same command completes it.

The board answers 503 to chosen pages for as long as the test wants (tests/utils/failing.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jobcrawl.db.engine import make_engine
from jobcrawl.recrawl.expiry import expiry_blocker
from jobcrawl.runs.failures import crawl_exit_code
from jobcrawl.runs.record import run_status
from tests.utils.failing import FailingDemoBoard
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.scrapy import crawl_api, run_scrapy

# One retry: the 503s never recover, and the test needs no more than one to prove it.
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO", "-s", "RETRY_TIMES=1",
        "-s", "ROBOTSTXT_OBEY=False"]
GREENHOUSE = Path(__file__).parent / "fixtures" / "api" / "greenhouse" / "jobs.json"
JOBS = "/v1/boards/northwind/jobs?content=true"
ATOM_FEED = Path(__file__).parent / "fixtures" / "feeds" / "atom.xml"


@pytest.fixture
def board() -> Iterator[FailingDemoBoard]:
    with FailingDemoBoard(n_ads=60) as demo:
        yield demo


class Crawl:
    """`scrapy crawl jobposting` of the board into one database: (exit code, stats)."""

    def __init__(self, board: FailingDemoBoard, db_url: str, tmp_path: Path) -> None:
        self.board, self.db_url, self.tmp_path = board, db_url, tmp_path
        self.missed_dir = tmp_path / "missed"
        self.count = 0
        self.stderr = ""

    def __call__(self, *args: str) -> tuple[int, dict[str, Any]]:
        self.count += 1
        stats_path = self.tmp_path / f"stats-{self.count}.json"
        result = run_scrapy(
            "crawl", "jobposting", "-a", f"url={self.board.url}/jobs", *args, *FAST,
            "-s", f"JOBCRAWL_DATABASE_URL={self.db_url}",
            "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
            "-s", f"JOBCRAWL_MISSED_DIR={self.missed_dir}",
        )
        self.stderr = result.stderr
        return result.returncode, json.loads(stats_path.read_text())


def query(db_url: str, sql: str) -> list[dict[str, Any]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def stored_paths(board: FailingDemoBoard, db_url: str) -> set[str]:
    return {row["url"].removeprefix(board.url) for row in query(db_url, "SELECT url FROM jobs")}


def missed_stats(stats: dict[str, Any]) -> dict[str, int]:
    return {key: value for key, value in stats.items() if key.startswith("jobcrawl/missed/")}


def plain_ads(board: FailingDemoBoard, first: int, last: int) -> list[str]:
    """Ids of the listed ads first..last-1 with a posting that are not also featured."""
    featured = {ad.ad_id for ad in board.board.featured}
    return [ad.ad_id for ad in board.board.ads[first:last]
            if ad.has_job_posting and ad.ad_id not in featured]


def posting_paths(board: FailingDemoBoard, first: int, last: int) -> set[str]:
    return {f"/jobs/{ad.ad_id}" for ad in board.board.ads[first:last] if ad.has_job_posting}


def test_lost_pages_make_the_run_incomplete_and_the_same_command_completes_it(
    board: FailingDemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    lost_ads = plain_ads(board, 0, 20)[:2]
    board.failing.update({"/jobs?page=2", *(f"/jobs/{ad_id}" for ad_id in lost_ads)})
    crawl = Crawl(board, sqlite_url, tmp_path)

    code, stats = crawl()
    assert code == 3, crawl.stderr[-3000:]
    assert missed_stats(stats) == {"jobcrawl/missed/listing": 1, "jobcrawl/missed/ad": 2}
    assert stats["jobcrawl/runs/status"] == "incomplete"
    # Page 2's ads are missing with the listing page; the two failing ads with themselves.
    kept = (posting_paths(board, 0, 20) | posting_paths(board, 40, 60)) - {
        f"/jobs/{ad_id}" for ad_id in lost_ads}
    assert stored_paths(board, sqlite_url) == kept
    run_id = stats["jobcrawl/runs/run_id"]
    missed_file = crawl.missed_dir / f"{run_id}.jsonl"
    assert f"listed in {missed_file}" in crawl.stderr
    lines = [json.loads(line) for line in missed_file.read_text().splitlines()]
    assert sorted((line["url"], line["kind"], line["reason"], line["status"])
                  for line in lines) == sorted([
        (f"{board.url}/jobs?page=2", "listing", "HTTP 503", 503),
        *((f"{board.url}/jobs/{ad_id}", "ad", "HTTP 503", 503) for ad_id in lost_ads)])
    assert all(line["time"].endswith("+00:00") for line in lines)
    [run] = query(sqlite_url, "SELECT * FROM crawl_runs")
    assert (run["id"], run["status"], json.loads(run["missed"]), run["missed_file"]) == (
        run_id, "incomplete", {"ad": 2, "listing": 1}, str(missed_file))
    assert query(sqlite_url, "SELECT url FROM jobs WHERE expired_at IS NOT NULL") == []

    board.fix()
    before = Counter(board.hits)
    code, stats = crawl()
    assert code == 0, crawl.stderr[-3000:]
    assert (stats["jobcrawl/runs/status"], missed_stats(stats)) == ("ok", {})
    every_ad = posting_paths(board, 0, 60)
    assert stored_paths(board, sqlite_url) == every_ad
    fetched = Counter(board.hits)
    fetched.subtract(before)
    # The recrawl TTL: ads stored by the first crawl were touched, not fetched again.
    assert {path for path in kept if fetched[path]} == set()
    assert all(fetched[path] == 1 for path in every_ad - kept)
    assert stats["jobcrawl/store/touched"] == len(kept)
    runs = query(sqlite_url, "SELECT status, missed, missed_file FROM crawl_runs "
                             "ORDER BY started_at")
    assert [(row["status"], json.loads(row["missed"]), row["missed_file"]) for row in runs] == [
        ("incomplete", {"ad": 2, "listing": 1}, str(missed_file)), ("ok", {}, None)]
    assert sorted(path.name for path in crawl.missed_dir.iterdir()) == [f"{run_id}.jsonl"]


def test_a_missed_ad_page_keeps_unlisted_ads_from_expiring(
    board: FailingDemoBoard, sqlite_url: str, tmp_path: Path
) -> None:
    crawl = Crawl(board, sqlite_url, tmp_path)
    assert crawl()[0] == 0, crawl.stderr[-3000:]
    unlisted, failing = plain_ads(board, 0, 20)[:2]
    board.board.change(removed={unlisted})
    board.failing.add(f"/jobs/{failing}")

    # TTL 0: every ad page is fetched again, the failing one too.
    code, stats = crawl("-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert code == 3, crawl.stderr[-3000:]
    assert missed_stats(stats) == {"jobcrawl/missed/ad": 1}
    assert stats["jobcrawl/expiry/unlisted"] == 0
    assert "unlisted ads not expired" in crawl.stderr
    assert query(sqlite_url, "SELECT url FROM jobs WHERE expired_at IS NOT NULL") == []

    board.fix()
    code, stats = crawl()
    assert code == 0, crawl.stderr[-3000:]
    assert stats["jobcrawl/expiry/unlisted"] == 1
    [expired] = query(sqlite_url, "SELECT url FROM jobs WHERE expired_at IS NOT NULL")
    assert expired["url"] == f"{board.url}/jobs/{unlisted}"


def test_an_api_page_that_keeps_failing_makes_the_run_incomplete_until_it_answers(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer({JOBS: Recorded.text("busy", status=503)}) as server:
        args = ("greenhouse", "-a", "board=northwind", "-a", f"base_url={server.url}",
                "-s", "RETRY_TIMES=1")
        code, stats, stderr = crawl_api(*args, db_url=sqlite_url, tmp_path=tmp_path)
        assert code == 3, stderr[-3000:]
        assert missed_stats(stats) == {"jobcrawl/missed/api": 1}
        assert (stats["jobcrawl/runs/status"], stats["jobcrawl/greenhouse/listing_complete"]) \
            == ("incomplete", False)
        [line] = [json.loads(line) for line in
                  (tmp_path / "missed" / f"{stats['jobcrawl/runs/run_id']}.jsonl").open()]
        assert (line["url"], line["kind"], line["reason"], line["status"]) == (
            f"{server.url}{JOBS}", "api", "HTTP 503", 503)

        server.routes.update(RecordedServer({JOBS: Recorded.file(GREENHOUSE)}).routes)
        code, stats, stderr = crawl_api(*args, db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 0, stderr[-3000:]
    assert (stats["jobcrawl/runs/status"], missed_stats(stats)) == ("ok", {})
    assert stats["jobcrawl/store/new"] == 4
    assert [row["status"] for row in query(
        sqlite_url, "SELECT status FROM crawl_runs ORDER BY started_at")] == ["incomplete", "ok"]


def test_a_feed_that_keeps_failing_is_missed_until_it_answers(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer({"/feed.atom": Recorded.text("busy", status=502)}) as server:
        args = ("feed", "-a", f"url={server.url}/feed.atom", "-s", "RETRY_TIMES=1")
        code, stats, stderr = crawl_api(*args, db_url=sqlite_url, tmp_path=tmp_path)
        assert code == 3, stderr[-3000:]
        assert (stats["jobcrawl/runs/status"], missed_stats(stats)) == (
            "incomplete", {"jobcrawl/missed/feed": 1})
        server.routes.update(RecordedServer({"/feed.atom": Recorded.file(
            ATOM_FEED, content_type="application/atom+xml")}).routes)
        code, stats, stderr = crawl_api(*args, db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 0, stderr[-3000:]
    assert (stats["jobcrawl/runs/status"], missed_stats(stats)) == ("ok", {})
    assert stats["jobcrawl/store/new"] > 0


def test_a_refused_connection_is_missed_with_its_exception(
    sqlite_url: str, tmp_path: Path
) -> None:
    with RecordedServer({}) as server:
        url = server.url  # nothing listens here once the server has stopped
    code, stats, stderr = crawl_api(
        "greenhouse", "-a", "board=northwind", "-a", f"base_url={url}", "-s", "RETRY_TIMES=0",
        db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 3, stderr[-3000:]
    assert missed_stats(stats) == {"jobcrawl/missed/api": 1}
    [line] = [json.loads(line) for line in
              (tmp_path / "missed" / f"{stats['jobcrawl/runs/run_id']}.jsonl").open()]
    assert (line["kind"], line["status"], line["reason"].split(":")[0]) == (
        "api", None, "DownloadConnectionRefusedError")


def test_status_precedence_and_exit_codes() -> None:
    monitor_failed = [{"ok": False}]
    assert run_status("finished", {}, None, {"ad": 1}) == "incomplete"
    assert run_status("finished", {"monitor": "x"}, monitor_failed, {"ad": 1}) == "incomplete"
    assert run_status("finished", {"store": "x"}, None, {"item": 3}) == "failed"
    assert run_status("closespider_errorcount", {}, None, {"ad": 1}) == "failed"
    # Ctrl-C or SIGTERM: rerunning completes it.
    assert run_status("shutdown", {}, None, {"ad": 1}) == "incomplete"
    assert run_status("shutdown", {}, None, {}) == "incomplete"
    assert run_status("shutdown", {"store": "x"}, None, {}) == "failed"
    assert run_status("finished", {"monitor": "x"}, monitor_failed, {}) == "unhealthy"
    assert run_status("finished", {}, None, {"ad": 0}) == "ok"
    assert crawl_exit_code({"jobcrawl/missed/ad": 2}) == 3
    assert crawl_exit_code({"jobcrawl/missed/ad": 2, "jobcrawl/failed/monitor": "x"}) == 3
    assert crawl_exit_code({"jobcrawl/missed/item": 2, "jobcrawl/failed/store": "x"}) == 1
    assert crawl_exit_code({"jobcrawl/failed/monitor": "x"}) == 1
    assert crawl_exit_code({"jobcrawl/missed/ad": 0}) == 0
    assert crawl_exit_code({"finish_reason": "shutdown"}) == 3
    assert crawl_exit_code({"finish_reason": "shutdown", "jobcrawl/failed/runs": "x"}) == 1


class _CompleteSpider:
    def listing_complete(self) -> bool:
        return True


def test_a_missed_request_of_any_kind_blocks_unlisted_expiry() -> None:
    spider: Any = _CompleteSpider()
    assert expiry_blocker(spider, "finished", {}) is None
    for kind in ("listing", "sitemap", "feed", "api", "ad", "page", "item"):
        assert expiry_blocker(spider, "finished", {f"jobcrawl/missed/{kind}": 1}) == (
            f"the crawl is incomplete (missed 1 {kind})")


def test_the_middleware_records_final_failures_only(tmp_path: Path) -> None:
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response
    from twisted.internet.error import ConnectionRefusedError as Refused

    from jobcrawl.runs.missed import MissedRequests
    from tests.utils.crawlers import jobcrawl_crawler

    crawler = jobcrawl_crawler(JOBCRAWL_MISSED_DIR=str(tmp_path / "missed"),
                               HTTPERROR_ALLOWED_CODES=[418])
    middleware = MissedRequests.from_crawler(crawler)

    def answer(status: int, url: str = "https://jobs.example.com/a", **meta: Any) -> None:
        request = Request(url, meta=meta)
        assert middleware.process_response(request, Response(url, status=status,
                                                             request=request)).status == status

    answer(200, jobcrawl_page="listing")
    answer(404, jobcrawl_page="ad", handle_httpstatus_list=[404, 410])  # gone: an answer
    answer(500, handle_httpstatus_all=True)
    answer(418)  # HTTPERROR_ALLOWED_CODES
    answer(404, jobcrawl_page="ad", jobcrawl_answer_statuses=[404])
    answer(404, "https://jobs.example.com/robots.txt", dont_obey_robotstxt=True)
    answer(503, "https://user:hunter2@jobs.example.com/jobs?page=2", jobcrawl_page="listing")
    answer(410, jobcrawl_page="ad", handle_httpstatus_list=[404])
    request = Request("https://jobs.example.com/b", meta={"jobcrawl_page": "sitemap"})
    assert middleware.process_exception(request, IgnoreRequest("robots.txt")) is None
    assert middleware.process_exception(request, Refused("no")) is None
    assert middleware.process_exception(Request("https://jobs.example.com/c"), TimeoutError()) \
        is None

    assert missed_stats(crawler.stats.get_stats()) == {
        "jobcrawl/missed/listing": 1, "jobcrawl/missed/ad": 1, "jobcrawl/missed/sitemap": 1,
        "jobcrawl/missed/page": 1}
    [path] = (tmp_path / "missed").iterdir()
    assert [(line["url"], line["kind"], line["reason"], line["status"])
            for line in map(json.loads, path.read_text().splitlines())] == [
        ("https://user:***@jobs.example.com/jobs?page=2", "listing", "HTTP 503", 503),
        ("https://jobs.example.com/a", "ad", "HTTP 410", 410),
        ("https://jobs.example.com/b", "sitemap",
         "ConnectionRefusedError: Connection was refused by other side: no.", None),
        ("https://jobs.example.com/c", "page", "TimeoutError", None)]
