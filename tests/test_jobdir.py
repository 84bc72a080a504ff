"""Pause and resume (`-s JOBDIR=...`): the resumed crawl completes the corpus, expires nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from jobcrawl.demo.server import DemoBoard
from tests.utils.paths import ROOT
from tests.utils.rows import expired_ads, sqlite_job_count, stored_webindexes
from tests.utils.scrapy import run_scrapy

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO"]


@pytest.fixture(scope="module")
def board() -> Iterator[DemoBoard]:
    with DemoBoard(n_ads=120) as demo:
        yield demo


def crawl_args(board: DemoBoard, db_url: str, stats: Path, *extra: str) -> list[str]:
    return ["crawl", "jobposting", "-a", f"url={board.url}/jobs", *FAST, *extra,
            "-s", f"JOBCRAWL_DATABASE_URL={db_url}", "-s", f"JOBCRAWL_STATSFILE_PATH={stats}"]


@pytest.fixture(scope="module")
def clean_corpus(board: DemoBoard, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The webindexes of one uninterrupted crawl of the board."""
    folder = tmp_path_factory.mktemp("clean")
    db_url = f"sqlite:///{folder / 'clean.db'}"
    result = run_scrapy(*crawl_args(board, db_url, folder / "stats.json"))
    assert result.returncode == 0, result.stderr[-3000:]
    return stored_webindexes(db_url)


def test_a_crawl_stopped_early_resumes_to_the_whole_corpus_and_expires_nothing(
        board: DemoBoard, clean_corpus: list[str], tmp_path: Path) -> None:
    db_url, jobdir = f"sqlite:///{tmp_path / 'jobs.db'}", tmp_path / "job"
    first = run_scrapy(*crawl_args(board, db_url, tmp_path / "first.json",
                                   "-s", f"JOBDIR={jobdir}", "-s", "CLOSESPIDER_ITEMCOUNT=20"))
    assert first.returncode == 0, first.stderr[-3000:]
    stored_first = stored_webindexes(db_url)
    assert 20 <= len(stored_first) < len(clean_corpus)

    second = run_scrapy(*crawl_args(board, db_url, tmp_path / "second.json",
                                    "-s", f"JOBDIR={jobdir}"))
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Resuming crawl" in second.stderr
    assert "the crawl resumed a paused one (JOBDIR)" in second.stderr
    assert stored_webindexes(db_url) == clean_corpus  # every ad once: nothing lost, no duplicates
    assert expired_ads(db_url) == {}
    stats = json.loads((tmp_path / "second.json").read_text())
    assert stats["jobcrawl/expiry/unlisted"] == 0
    # The resumed part fetched only what the first part had not.
    assert stats["item_scraped_count"] + len(stored_first) >= len(clean_corpus)
    assert stats["item_scraped_count"] < len(clean_corpus)


def interrupt(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    """Start the crawl, press Ctrl-C once at least 10 ads are stored, wait for it to end."""
    slow = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "JOBCRAWL_STORE_BATCH_SIZE=5",
            "-s", "CONCURRENT_REQUESTS=2"]  # slow enough to be stopped halfway
    process = subprocess.Popen([sys.executable, "-m", "scrapy", *args, *slow], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while sqlite_job_count(db) < 10 and process.poll() is None:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends: Scrapy shuts down gracefully
    _, stderr = process.communicate(timeout=120)
    assert "shutting down gracefully" in stderr
    return subprocess.CompletedProcess(process.args, process.returncode, "", stderr)


def run_row(db_url: str) -> dict[str, Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT status, finish_reason, missed, missed_file FROM crawl_runs")).one()
    finally:
        engine.dispose()
    return dict(row._mapping)


def test_ctrl_c_without_jobdir_is_incomplete_and_lists_what_it_lost(
        board: DemoBoard, clean_corpus: list[str], tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    db_url = f"sqlite:///{db}"
    missed_dir = tmp_path / "missed"
    args = crawl_args(board, db_url, tmp_path / "stats.json",
                      "-s", f"JOBCRAWL_MISSED_DIR={missed_dir}")
    stopped = interrupt(args, db)
    assert stopped.returncode == 3, stopped.stderr[-3000:]  # incomplete, as a missed page
    assert 10 <= sqlite_job_count(db) < len(clean_corpus)
    row = run_row(db_url)
    assert (row["status"], row["finish_reason"]) == ("incomplete", "shutdown")
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert "jobcrawl/failed/finish" not in stats
    lost = [json.loads(line) for line in Path(row["missed_file"]).read_text().splitlines()]
    missed = json.loads(row["missed"]) if isinstance(row["missed"], str) else row["missed"]
    assert lost and sum(missed.values()) == len(lost)
    assert {entry["reason"] for entry in lost} == {
        "not fetched: the crawl ended early (shutdown)"}
    assert {entry["kind"] for entry in lost} <= {"listing", "ad"}
    assert expired_ads(db_url) == {}

    again = run_scrapy(*crawl_args(board, db_url, tmp_path / "again.json",
                                   "-s", f"JOBCRAWL_MISSED_DIR={missed_dir}"))
    assert again.returncode == 0, again.stderr[-3000:]
    assert stored_webindexes(db_url) == clean_corpus
    assert expired_ads(db_url) == {}


def test_ctrl_c_then_the_same_command_continues(board: DemoBoard, clean_corpus: list[str],
                                                tmp_path: Path) -> None:
    db = tmp_path / "jobs.db"
    db_url = f"sqlite:///{db}"
    args = crawl_args(board, db_url, tmp_path / "stats.json", "-s", f"JOBDIR={tmp_path / 'job'}",
                      "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}")
    stopped = interrupt(args, db)
    assert stopped.returncode == 3, stopped.stderr[-3000:]
    assert 10 <= sqlite_job_count(db) < len(clean_corpus)
    assert run_row(db_url)["status"] == "incomplete"
    stats = json.loads((tmp_path / "stats.json").read_text())
    # Kept in the JOBDIR queues for the next run, so not missed.
    assert stats["jobcrawl/scheduler/kept"] > 0
    assert not any(key.startswith("jobcrawl/missed/") for key in stats)

    resumed = run_scrapy(*args)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert stored_webindexes(db_url) == clean_corpus
    assert expired_ads(db_url) == {}
