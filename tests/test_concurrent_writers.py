"""Several processes writing one database at once: one row per ad, every sighting counted,
no failed write (a deadlock or a locked database is retried), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from jobcrawl.db.component import CrawlDatabase
from jobcrawl.db.config import DatabaseConfig
from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import CrawlRun, Job
from jobcrawl.db.retry import RetryPolicy, transient
from jobcrawl.demo.server import DemoBoard
from jobcrawl.extract.ids import webindex_from_url
from tests.utils import writers
from tests.utils.paths import ROOT
from tests.utils.rows import stored_rows

if TYPE_CHECKING:
    from tests.utils.writers import Outcome, Plan

WRITERS = 4


def run_writers(url: str, plans: list[Plan]) -> list[Outcome]:
    """Start one spawned process per plan; they begin writing at one moment (a barrier)."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(plans))
    results = context.Queue()
    processes = [context.Process(target=writers.write, args=(url, plan, start, results))
                 for plan in plans]
    for process in processes:
        process.start()
    outcomes = sorted((results.get() for _ in processes), key=lambda outcome: outcome.writer)
    for process in processes:
        process.join()
    assert [process.exitcode for process in processes] == [0] * len(plans)
    return outcomes


def stored(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(
            select(Job.source, Job.webindex, Job.seen_count, Job.last_seen, Job.first_seen))]
    engine.dispose()
    return rows


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_concurrent_upserts_of_the_same_ads_keep_one_row_and_every_sighting(
    database_url: str,
) -> None:
    upgrade(database_url)  # what `scrapy db upgrade` does (a crawl upgrades SQLite itself)
    # 300 shared ads seen twice by each of 4 writers, in shuffled batches of 40.
    plans = writers.plans(WRITERS, shared=300, own=50, passes=2, batch_size=40)
    outcomes = run_writers(database_url, plans)

    assert [outcome.error for outcome in outcomes] == [None] * WRITERS
    retries = [retry for outcome in outcomes for retry in outcome.retries]
    for retry in retries:  # a retried lock wait is fine; what was it?
        print(f"retried: {retry}")
    # Batches in key order lock shared rows in one order: no deadlock to retry.
    assert not [retry for retry in retries if "deadlock" in retry], retries
    sightings = Counter((source, webindex) for plan in plans
                        for source, webindex, _ in plan.sightings)
    latest: dict[tuple[str, str], datetime] = {}
    for plan in plans:
        for source, webindex, moment in plan.sightings:
            latest[(source, webindex)] = max(moment, latest.get((source, webindex), moment))
    rows = stored(database_url)
    keys = [(row["source"], row["webindex"]) for row in rows]
    assert len(keys) == len(set(keys)) == len(sightings) == 300 + WRITERS * 50
    assert {key: row["seen_count"] for key, row in zip(keys, rows, strict=True)} == sightings
    assert {key: utc(row["last_seen"]) for key, row in zip(keys, rows, strict=True)} == latest
    # Each sighting was counted once, as new, updated or unchanged, by the writer that made it.
    for outcome, plan in zip(outcomes, plans, strict=True):
        assert outcome.new + outcome.updated + outcome.unchanged == len(plan.sightings)
    new = sum(outcome.new for outcome in outcomes)
    if database_url.startswith("sqlite"):
        # One writer at a time (BEGIN IMMEDIATE): each ad is new exactly once.
        assert new == len(sightings)
    else:
        # Concurrent batches may both take an ad inserted at the same moment as new.
        assert len(sightings) <= new <= len(sightings) + 300 * (WRITERS - 1)


# --- end to end: real `scrapy crawl` processes into one database at once ------------------

SOURCE = "jobposting:127.0.0.1"


@pytest.fixture(scope="module")
def boards() -> Iterator[tuple[DemoBoard, DemoBoard]]:
    """Two boards listing the same ads (same seed) on two ports: one source, overlapping ads."""
    with DemoBoard(n_ads=160) as first, DemoBoard(n_ads=160) as second:
        yield first, second


def start_crawl(board: DemoBoard, db_url: str, folder: Path) -> subprocess.Popen[str]:
    folder.mkdir()
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "jobposting", "-a", f"url={board.url}/jobs",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
         # Small batches: the crawls' transactions interleave many times.
         "-s", "JOBCRAWL_STORE_BATCH_SIZE=7",
         "-s", "JOBCRAWL_DATABASE_RETRY_DELAY=0.1s",
         "-s", f"JOBCRAWL_DATABASE_URL={db_url}",
         "-s", f"JOBCRAWL_STATSFILE_PATH={folder / 'stats.json'}",
         "-s", f"JOBCRAWL_MISSED_DIR={folder / 'missed'}",
         "-s", f"JOBCRAWL_DEADLETTER_DIR={folder / 'deadletter'}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def ad_keys(board: DemoBoard) -> list[tuple[str, str]]:
    """(source, webindex) of every ad a crawl of the board's /jobs stores."""
    return [(SOURCE, ad.identifier or webindex_from_url(f"{board.url}/jobs/{ad.ad_id}"))
            for ad in board.board.ads if ad.has_job_posting]


def test_concurrent_crawls_of_overlapping_boards_store_each_ad_once(
    boards: tuple[DemoBoard, DemoBoard], database_url: str, tmp_path: Path,
) -> None:
    # `scrapy db upgrade` (on SQLite too: the schema once, as crawlall's parallel mode does,
    # not three crawls racing to create it).
    upgrade(database_url)
    first, second = boards
    # Two crawls of the same listing and one of another listing of the same source, at once.
    crawled = [first, first, second]
    processes = [start_crawl(board, database_url, tmp_path / f"crawl-{number}")
                 for number, board in enumerate(crawled)]
    errors = [process.communicate()[1] for process in processes]
    for process, stderr in zip(processes, errors, strict=True):
        assert process.returncode == 0, stderr[-3000:]
    for stderr in errors:  # a retried lock wait is fine; what was it?
        for line in stderr.splitlines():
            if "database write failed" in line:
                print(line)
    assert not [line for stderr in errors for line in stderr.splitlines()
                if "database write failed" in line and "deadlock" in line]

    sightings = Counter(key for board in crawled for key in ad_keys(board))
    rows = stored_rows(database_url)
    keys = [(row["source"], row["webindex"]) for row in rows]
    assert len(keys) == len(set(keys)) == len(sightings)
    assert {key: row["seen_count"] for key, row in zip(keys, rows, strict=True)} == sightings
    # Every crawl listed every ad it stored: none is expired as unlisted.
    assert Counter((row["expiry_evidence"], row["last_run"]) for row in rows
                   if row["expired_at"] is not None) == {}

    stats = [json.loads((tmp_path / f"crawl-{number}" / "stats.json").read_text())
             for number in range(len(crawled))]
    for board, figures in zip(crawled, stats, strict=True):
        # A crawl that opens after another stored some ads knows them: within the recrawl
        # TTL it touches them instead of fetching them again.
        seen = sum(figures[f"jobcrawl/store/{name}"]
                   for name in ("new", "updated", "unchanged", "touched"))
        assert seen == len(ad_keys(board))
        assert figures["jobcrawl/store/failed_batches"] == 0
    run_rows = runs(database_url)
    assert sorted(run["id"] for run in run_rows) == sorted(
        figures["jobcrawl/runs/run_id"] for figures in stats)
    assert [run["status"] for run in run_rows] == ["ok"] * len(crawled)
    starts = [utc(run["started_at"]) for run in run_rows]
    ends = [utc(run["finished_at"]) for run in run_rows]
    print(f"crawls overlapped: {max(starts) < min(ends)} "
          f"(started {[str(moment.time()) for moment in starts]}, "
          f"finished {[str(moment.time()) for moment in ends]})")


def runs(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = [dict(row._mapping) for row in connection.execute(
            select(CrawlRun.__table__).order_by(CrawlRun.started_at))]
    engine.dispose()
    return found


# --- the pieces: what is retried, and SQLite's write lock ----------------------------------


@pytest.mark.parametrize("error", [psycopg.errors.DeadlockDetected("deadlock detected"),
                                   psycopg.errors.SerializationFailure("could not serialize")])
def test_deadlocks_and_serialization_failures_are_retried(error: Exception) -> None:
    # SQLAlchemy wraps psycopg's OperationalError subclasses in its OperationalError.
    assert transient(OperationalError("UPDATE jobs ...", {}, error))


def test_a_crawl_write_on_sqlite_holds_the_write_lock_from_its_begin(sqlite_url: str) -> None:
    database = CrawlDatabase.open(DatabaseConfig(url=sqlite_url), RetryPolicy())
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)

    def other_writer_waits() -> bool:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return True
        other.execute("ROLLBACK")
        return False

    with database.engine.connect() as connection:  # a read takes no write lock
        connection.execute(select(Job.id)).all()
        assert not other_writer_waits()

    def write() -> bool:
        with database.engine.begin() as connection:
            # Nothing written yet, but the lock is taken: no upgrade to fail later.
            connection.execute(select(Job.id)).all()
            return other_writer_waits()

    assert database.write(write)
    other.close()
    database.engine.dispose()
