"""Expiry by absence through an API spider: listing_complete() decides, the expiry extension acts.

Greenhouse stands for every ApiSpider: the board's one listing response is changed
between crawls of one database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.utils.paths import FIXTURES
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import stored_rows
from tests.utils.scrapy import crawl_api

JOBS = "/v1/boards/northwind/jobs?content=true"
LISTING = json.loads((FIXTURES / "api" / "greenhouse" / "jobs.json").read_text())
REMOVED = str(LISTING["jobs"][0]["id"])
SOURCE = "greenhouse:northwind"


def crawl(listing: dict[str, Any], db_url: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    with RecordedServer({JOBS: Recorded.text(json.dumps(listing))}) as server:
        code, stats, stderr = crawl_api(
            "greenhouse", "-a", "board=northwind", "-a", f"base_url={server.url}", *args,
            "-s", "JOBCRAWL_MONITOR_MIN_HISTORY_RATIO=0", db_url=db_url, tmp_path=tmp_path)
    assert code == 0, stderr
    return stats


def expiry(db_url: str) -> dict[str, tuple[str | None, str | None]]:
    return {row["webindex"]: (row["expiry_reason"], row["expiry_evidence"])
            for row in stored_rows(db_url)}


def test_an_ad_the_api_no_longer_lists_expires_and_comes_back(
    sqlite_url: str, tmp_path: Path
) -> None:
    without_one = {**LISTING, "jobs": LISTING["jobs"][1:]}
    first = crawl(LISTING, sqlite_url, tmp_path)
    assert (first["jobcrawl/greenhouse/listing_complete"], first["jobcrawl/store/new"]) == (
        True, 4)
    assert set(expiry(sqlite_url).values()) == {(None, None)}

    # max_items cuts the listing short: nobody can tell what is missing, nothing expires.
    cut = crawl(without_one, sqlite_url, tmp_path, "-a", "max_items=3")
    assert (cut["jobcrawl/greenhouse/listing_complete"], cut["jobcrawl/expiry/unlisted"]) == (
        False, 0)
    assert set(expiry(sqlite_url).values()) == {(None, None)}

    complete = crawl(without_one, sqlite_url, tmp_path)
    assert (complete["jobcrawl/greenhouse/listing_complete"],
            complete["jobcrawl/expiry/unlisted"]) == (True, 1)
    run_id = complete["jobcrawl/store/run_id"]
    assert expiry(sqlite_url) == {
        **{str(job["id"]): (None, None) for job in LISTING["jobs"][1:]},
        REMOVED: ("unlisted", f"not listed by complete crawl {run_id} of {SOURCE}"),
    }

    back = crawl(LISTING, sqlite_url, tmp_path)
    assert (back["jobcrawl/expiry/reactivated"], back["jobcrawl/expiry/unlisted"]) == (1, 0)
    assert set(expiry(sqlite_url).values()) == {(None, None)}


def test_a_named_source_is_stored_and_expires_by_its_board(sqlite_url: str,
                                                           tmp_path: Path) -> None:
    named = ("-a", "source=northwind-corpus")
    first = crawl(LISTING, sqlite_url, tmp_path, *named)
    assert first["jobcrawl/store/new"] == 4
    assert {row["source"] for row in stored_rows(sqlite_url)} == {"northwind-corpus"}
    complete = crawl({**LISTING, "jobs": LISTING["jobs"][1:]}, sqlite_url, tmp_path, *named)
    run_id = complete["jobcrawl/store/run_id"]
    assert {key: value for key, value in expiry(sqlite_url).items() if value[0]} == {
        REMOVED: ("unlisted", f"not listed by complete crawl {run_id} of northwind-corpus "
                              f"({SOURCE})")}
