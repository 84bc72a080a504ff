"""The fault board with a listing page that never recovers: incomplete; a rerun completes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.utils.faultboard import FaultBoard
from tests.utils.rows import expired_ads, row_fields, stored_rows
from tests.utils.scrapy import run_scrapy

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_TIMEOUT=1",
        "-s", "JOBCRAWL_RETRY_BACKOFF_BASE=0.2", "-s", "LOG_LEVEL=INFO"]


def crawl(board: FaultBoard, db_url: str, tmp_path: Path, name: str) -> tuple[int, dict[str, Any]]:
    stats_path = tmp_path / f"{name}.json"
    result = run_scrapy("crawl", "jobposting", "-a", f"url={board.url}/jobs", *FAST,
                        "-s", f"JOBCRAWL_DATABASE_URL={db_url}",
                        "-s", f"JOBCRAWL_STATSFILE_PATH={stats_path}",
                        "-s", f"JOBCRAWL_MISSED_DIR={tmp_path / 'missed'}")
    return result.returncode, json.loads(stats_path.read_text())


def run_status(db_url: str, run_id: str) -> tuple[str, dict[str, int], str | None]:
    from sqlalchemy import text

    from jobcrawl.db.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT status, missed, missed_file FROM crawl_runs "
                                          "WHERE id = :id"), {"id": run_id}).one()
    finally:
        engine.dispose()
    missed = json.loads(row.missed) if isinstance(row.missed, str) else row.missed
    return row.status, missed, row.missed_file


def test_a_listing_page_that_never_recovers_is_incomplete_and_the_rerun_completes_it(
        tmp_path: Path) -> None:
    with FaultBoard(n_ads=60) as board:
        board.faults = False
        clean_url = f"sqlite:///{tmp_path / 'clean.db'}"
        assert crawl(board, clean_url, tmp_path, "clean")[0] == 0
        clean = [row_fields(row) for row in stored_rows(clean_url)]

        db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
        assert crawl(board, db_url, tmp_path, "before")[0] == 0  # the corpus as it was
        board.faults, board.never_recovers = True, True
        code, stats = crawl(board, db_url, tmp_path, "broken")
        last_page = f"{board.url}/jobs?page={board.board.listing_pages}"

        assert code == 3
        run_id = stats["jobcrawl/store/run_id"]
        status, missed, missed_file = run_status(db_url, run_id)
        assert (status, missed) == ("incomplete", {"listing": 1})
        [line] = [json.loads(text) for text in Path(missed_file).read_text().splitlines()]
        assert (line["url"], line["kind"], line["reason"]) == (last_page, "listing", "HTTP 503")
        # The ads of the lost page were not listed, yet none expired.
        assert expired_ads(db_url) == {}

        board.never_recovers = False  # the page is fixed
        code, stats = crawl(board, db_url, tmp_path, "rerun")
        assert code == 0
        assert run_status(db_url, stats["jobcrawl/store/run_id"])[:2] == ("ok", {})
        assert [row_fields(row) for row in stored_rows(db_url)] == clean
        assert expired_ads(db_url) == {}


def test_a_rerun_fetches_only_what_the_incomplete_crawl_did_not_store(tmp_path: Path) -> None:
    with FaultBoard(n_ads=60, never_recovers=True) as board:
        db_url = f"sqlite:///{tmp_path / 'jobs.db'}"
        code, first = crawl(board, db_url, tmp_path, "broken")
        assert code == 3
        stored_first = first["jobcrawl/store/new"]
        board.never_recovers = False
        code, rerun = crawl(board, db_url, tmp_path, "rerun")
    assert code == 0
    # Every ad the first crawl stored is touched (listed, not fetched again); only the
    # ads of the page it lost are fetched and stored.
    assert rerun["jobcrawl/store/touched"] == stored_first
    assert rerun.get("jobcrawl/store/updated", 0) == rerun.get("jobcrawl/store/unchanged", 0) == 0
    assert stored_first + rerun["jobcrawl/store/new"] == len(stored_rows(db_url))
    assert rerun["jobcrawl/store/new"] > 0
