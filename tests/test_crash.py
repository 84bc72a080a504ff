"""`kill -9` of a crawl at random moments: the database stays whole and a rerun completes it."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobcrawl.demo.server import DemoBoard
from tests.utils.paths import ROOT
from tests.utils.rows import expired_ads, stored_webindexes
from tests.utils.scrapy import run_scrapy

BATCH = 7
FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard(n_ads=150) as demo:
        yield demo


def crawl_args(board: DemoBoard, db_url: str, *extra: str) -> list[str]:
    return ["crawl", "jobposting", "-a", f"url={board.url}/jobs", *FAST, *extra,
            "-s", f"JOBCRAWL_DATABASE_URL={db_url}"]


def count_and_integrity(db: Path) -> tuple[int, int, str]:
    """(rows, rows the newest run wrote, integrity check) of the SQLite file."""
    if not db.exists():
        return 0, 0, "ok"
    with sqlite3.connect(db, timeout=30) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        try:
            rows = conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
            by_newest = conn.execute(
                "SELECT count(*) FROM jobs WHERE last_run = (SELECT id FROM crawl_runs "
                "ORDER BY started_at DESC LIMIT 1)").fetchone()[0]
        except sqlite3.OperationalError:
            return 0, 0, integrity  # killed before the schema was created
        return rows, by_newest, integrity


def test_kill_9_at_random_moments_loses_nothing(board: DemoBoard, tmp_path: Path) -> None:
    clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
    assert run_scrapy(*crawl_args(board, clean_url)).returncode == 0
    clean = stored_webindexes(clean_url)

    db = tmp_path / "jobs.db"
    db_url = f"sqlite:///{db}"
    slow = ["-s", "DOWNLOAD_DELAY=0.02", "-s", "CONCURRENT_REQUESTS=2",
            "-s", f"JOBCRAWL_STORE_BATCH_SIZE={BATCH}"]
    moments = random.Random(2013)
    killed, before = 0, 0
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-m", "scrapy", *crawl_args(board, db_url),
                                    *slow], cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        # A random moment after this run stored something of its own: mid-crawl, and
        # as likely inside a batch's transaction as between two.
        target = before + moments.randint(1, 3) * BATCH
        while count_and_integrity(db)[0] < target and process.poll() is None:
            time.sleep(0.02)
        time.sleep(moments.uniform(0, 0.3))
        process.send_signal(signal.SIGKILL)
        killed += process.wait() == -signal.SIGKILL
        count, written, integrity = count_and_integrity(db)
        assert integrity == "ok"
        # The killed run's batches are stored whole or not at all (a short one only at
        # the end): the rows it wrote are whole batches.
        assert written % BATCH == 0 or count == len(clean)
        assert written > 0 or process.returncode != -signal.SIGKILL  # killed mid-crawl
        before = count
    assert killed >= 3  # most runs were really killed mid-crawl

    rerun = run_scrapy(*crawl_args(board, db_url))
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert stored_webindexes(db_url) == clean  # nothing missing, nothing twice
    assert expired_ads(db_url) == {}
