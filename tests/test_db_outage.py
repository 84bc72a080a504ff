"""The database going away mid-crawl: batches wait and retry, or go to the dead-letter file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from jobcrawl.db.retry import RetryPolicy, transient, with_retries
from jobcrawl.demo.server import DemoBoard
from tests.utils.paths import ROOT
from tests.utils.rows import sqlite_job_count, stored_rows, stored_webindexes
from tests.utils.scrapy import run_scrapy
from tests.utils.tcpproxy import CuttableProxy

RETRYING = "database write failed"
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]
# Slow enough that the crawl is still storing batches when the test takes the database away.
PACED = ["-s", "DOWNLOAD_DELAY=0.03", "-s", "CONCURRENT_REQUESTS=2",
         "-s", "JOBCRAWL_STORE_BATCH_SIZE=5"]


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard(n_ads=60) as demo:
        yield demo


@pytest.fixture(scope="module")
def clean(board: DemoBoard, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('clean') / 'clean.db'}"
    assert run_scrapy(*crawl_args(board, db_url)).returncode == 0
    return stored_webindexes(db_url)


def crawl_args(board: DemoBoard, db_url: str, *extra: str) -> list[str]:
    return ["crawl", "jobposting", "-a", f"url={board.url}/jobs", *FAST, *extra,
            "-s", f"JOBCRAWL_DATABASE_URL={db_url}"]


class Crawl:
    """`scrapy crawl` in a subprocess whose log the test can wait on."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, condition: Callable[[], bool]) -> None:
        while not condition():
            assert self.process.poll() is None, "the crawl ended first:\n" + self.log[-3000:]
            time.sleep(0.02)

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def finish(self) -> int:
        code = self.process.wait(timeout=300)
        self._reader.join()
        return code

    @property
    def log(self) -> str:
        return "".join(self.lines)


def test_only_errors_of_an_absent_database_are_retried_with_growing_waits() -> None:
    away = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    bad = IntegrityError("INSERT", {}, sqlite3.IntegrityError("NOT NULL constraint failed"))
    missing = OperationalError("INSERT", {}, sqlite3.OperationalError("no such table: jobs"))
    assert transient(away) and not transient(bad) and not transient(missing)
    policy = RetryPolicy(retries=3, delay="1s")
    waits: list[float] = []
    answers = iter([away, away, "stored"])

    def write() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert with_retries(write, policy, "db", sleep=waits.append) == "stored"
    assert waits == [1.0, 2.0]
    with pytest.raises(IntegrityError):
        with_retries(lambda: (_ for _ in ()).throw(bad), policy, "db", sleep=waits.append)
    assert waits == [1.0, 2.0]  # not retried
    with pytest.raises(OperationalError):
        with_retries(lambda: (_ for _ in ()).throw(away), policy, "db", sleep=waits.append)
    assert waits == [1.0, 2.0, 1.0, 2.0, 4.0]
    assert RetryPolicy(retries=10, delay="20s").wait(5) == 60.0  # capped


def test_a_sqlite_file_locked_by_another_writer_waits_and_stores_everything(
        board: DemoBoard, clean: list[str], tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    crawl = Crawl(crawl_args(board, f"sqlite:///{db}", *PACED,
                             "-s", "JOBCRAWL_DATABASE_BUSY_TIMEOUT=0.2s",
                             "-s", "JOBCRAWL_DATABASE_RETRY_DELAY=0.2s"))
    crawl.wait_for(lambda: sqlite_job_count(db) >= 5)
    other = sqlite3.connect(db, timeout=30, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another writer, holding the lock
    crawl.wait_for(lambda: crawl.logged(RETRYING))
    other.execute("COMMIT")
    other.close()
    assert crawl.finish() == 0, crawl.log[-3000:]
    assert "database is locked" in crawl.log
    assert stored_webindexes(f"sqlite:///{db}") == clean
    assert not (tmp_path / "deadletter").exists()


def test_batches_that_still_fail_go_to_the_dead_letter_file_and_import_completes_the_corpus(
        board: DemoBoard, clean: list[str], tmp_path: Path) -> None:
    db, letters, stats_path = tmp_path / "jobs.db", tmp_path / "letters", tmp_path / "stats.json"
    crawl = Crawl(crawl_args(board, f"sqlite:///{db}", *PACED,
                             "-s", "JOBCRAWL_DATABASE_BUSY_TIMEOUT=0.1s",
                             "-s", "JOBCRAWL_DATABASE_RETRIES=1",
                             "-s", "JOBCRAWL_DATABASE_RETRY_DELAY=0.1s",
                             "-s", f"JOBCRAWL_DEADLETTER_DIR={letters}",
                             "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}",
                             "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}"))
    crawl.wait_for(lambda: sqlite_job_count(db) >= 5)
    other = sqlite3.connect(db, timeout=30, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # held to the end of the crawl
    code = crawl.finish()
    other.execute("COMMIT")
    other.close()

    assert code == 1
    stats = json.loads(stats_path.read_text())
    files = list(letters.iterdir())
    assert [str(path) for path in files] == [stats["jobcrawl/store/deadletter_file"]]
    assert f"go to {files[0]}" in crawl.log
    lines = files[0].read_text().splitlines()
    assert stats["jobcrawl/store/deadletter_items"] == stats["jobcrawl/store/failed_items"]
    assert len(lines) == stats["jobcrawl/store/deadletter_items"] > 0
    assert stats["jobcrawl/missed/item"] == len(lines)  # missed too, and kept
    run_id = stats["jobcrawl/store/run_id"]
    assert {json.loads(line)["run_id"] for line in lines} == {run_id}
    assert files[0].name == f"{run_id}.jsonl"
    stored_before = stored_webindexes(f"sqlite:///{db}")
    assert len(stored_before) + len(lines) == len(clean)

    loaded = run_scrapy("import", str(files[0]), "--json",
                        "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{db}")
    assert loaded.returncode == 0, loaded.stderr
    summary = json.loads(loaded.stdout)
    assert (summary["format"], summary["imported"], summary["skipped"]) == (
        "deadletter", len(lines), 0)
    assert stored_webindexes(f"sqlite:///{db}") == clean  # nothing lost
    rows = {row["webindex"]: row for row in stored_rows(f"sqlite:///{db}")}
    for line in lines:
        record = json.loads(line)
        row = rows[record["webindex"]]
        assert (row["source"], row["last_run"], row["title"]) == (
            record["source"], run_id, record["title"])
    again = run_scrapy("import", str(files[0]), "--json",
                       "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{db}")
    assert json.loads(again.stdout)["already_present"] == len(lines)


def test_postgresql_unreachable_for_a_while_is_waited_for(
        board: DemoBoard, clean: list[str], postgres_url: str) -> None:
    url = make_url(postgres_url)
    assert run_scrapy("db", "upgrade", "-s", f"JOBCRAWL_DATABASE_URL={postgres_url}"
                      ).returncode == 0
    with CuttableProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
        crawl = Crawl(crawl_args(board, via_proxy, *PACED,
                                 "-s", "JOBCRAWL_DATABASE_RETRY_DELAY=0.2s"))
        crawl.wait_for(lambda: len(stored_rows(postgres_url)) >= 5)
        proxy.cut()  # every connection dropped, new ones refused: a restart
        crawl.wait_for(lambda: crawl.logged(RETRYING))
        proxy.restore()
        assert crawl.finish() == 0, crawl.log[-3000:]
    assert stored_webindexes(postgres_url) == clean


def test_the_writes_at_close_wait_for_a_sqlite_file_locked_for_a_moment(
        sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from datetime import UTC, datetime

    from scrapy import Spider

    from jobcrawl.db.engine import make_engine
    from jobcrawl.db.migrate import upgrade
    from jobcrawl.db.upsert import upsert_jobs
    from jobcrawl.items import JobItem
    from jobcrawl.recrawl.expiry import UnlistedExpiry
    from jobcrawl.recrawl.marks import RecrawlMarks
    from jobcrawl.runs.state import run_state
    from tests.utils.crawlers import jobcrawl_crawler
    from tests.utils.rows import expired_ads

    class Listed(Spider):
        name = "listed"
        listing = "listed https://x.example/jobs"

        def listing_complete(self) -> bool:
            return True

    upgrade(sqlite_url)
    crawler = jobcrawl_crawler(Listed, settings={
        "JOBCRAWL_DATABASE_URL": sqlite_url, "JOBCRAWL_DATABASE_BUSY_TIMEOUT": "0.1s",
        "JOBCRAWL_DATABASE_RETRY_DELAY": "0.2s"})
    crawler.spider = spider = Listed()
    crawler.stats.open_spider()
    run = run_state(crawler).run_id

    def ad(webindex: str) -> JobItem:
        return JobItem(webindex=webindex, source="s", url=f"https://x.example/{webindex}",
                       title="t", description="d", scraped_at=datetime.now(UTC))

    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        upsert_jobs(connection, [ad("kept"), ad("gone")], run_id="earlier")
        upsert_jobs(connection, [ad("kept")], run_id=run)  # what this crawl stored
    engine.dispose()
    run_state(crawler).sources["s"] = 1
    db = sqlite_url.removeprefix("sqlite:///")

    def locked_for_a_moment(close: Callable[[], None]) -> None:
        other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN EXCLUSIVE")
        release = threading.Timer(0.6, lambda: (other.execute("COMMIT"), other.close()))
        release.start()
        try:
            close()
        finally:
            release.join()

    expiry = UnlistedExpiry.from_crawler(crawler)
    with caplog.at_level("WARNING"):
        locked_for_a_moment(RecrawlMarks.of(crawler).closed)
        locked_for_a_moment(lambda: expiry.closed(spider, "finished"))
    retried = [r.getMessage() for r in caplog.records if RETRYING in r.getMessage()]
    assert len(retried) >= 2 and all("database is locked" in line for line in retried)
    stats = crawler.stats.get_stats()
    assert not [key for key in stats if key.startswith("jobcrawl/failed/")]
    assert stats["jobcrawl/expiry/unlisted"] == 1
    assert expired_ads(sqlite_url) == {"gone": (
        "unlisted", f"not listed by complete crawl {run} of s (listed https://x.example/jobs)")}
