"""End to end: `scrapy crawl jobposting` over saved real-world pages (closed notices in
scripts, every jobLocation, remote work, RDFa), then export and dead-letter replay of
`remote`, in subprocesses against a local server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from jobcrawl.db.upsert import prepared_row
from jobcrawl.items import JobItem
from jobcrawl.pipelines.deadletter import deadletter_line
from tests.utils.exports import read_jsonl
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.scrapy import crawl_api, run_scrapy

FIXTURES = Path(__file__).parent / "fixtures"
HTML = "text/html; charset=utf-8"
ADS = {
    "/viewjob?jk=4f2a9c1b7d3e8a60": "closed/indeed_live.html",
    "/careers/payroll": "closed/closed_visible.html",
    "/careers/site-manager": "closed/weak_notice.html",
    "/jobs/nw-1187": "pages/multi_location_remote.html",
    "/jobs/curator": "pages/rdfa.html",
}


def _page(name: str, today: date) -> Recorded:
    """A saved page whose closing dates are moved as far from `today` as from the fixtures'."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    ahead = {"2026-03-16": today + timedelta(days=6), "2026-03-31": today + timedelta(days=21)}
    for old, new in ahead.items():
        text = text.replace(old, new.isoformat())
    return Recorded.text(text, content_type=HTML)


@pytest.fixture(scope="module")
def site() -> Any:
    today = datetime.now(UTC).date()
    links = "".join(f'<li><a href="{path}">{path}</a></li>' for path in ADS)
    routes = {"/jobs": Recorded.text(f"<html><body><ul>{links}</ul></body></html>",
                                     content_type=HTML)}
    routes.update({path: _page(name, today) for path, name in ADS.items()})
    with RecordedServer(routes, fallback=Recorded(b"", status=404, content_type=HTML)) as server:
        yield server


def _jobs(url: str) -> dict[str, Job]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {row.webindex: row for row in connection.execute(select(Job))}
    finally:
        engine.dispose()


def test_crawl_stores_live_ads_remote_and_every_location_and_expires_only_closed_pages(
    site: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl_api("jobposting", "-a", f"url={site.url}/jobs",
                                    db_url=sqlite_url, tmp_path=tmp_path)

    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/store/new"] == 5
    assert stats["jobcrawl/jobposting/closed_pages"] == 1
    assert stats["jobcrawl/jobposting/closed_notice_unseen"] == 1  # Indeed's script
    assert stats["jobcrawl/jobposting/closed_notice_overruled"] == 1  # the agencies sentence
    assert stats["jobcrawl/expiry/closed"] == 1
    jobs = _jobs(sqlite_url)
    expiry = {webindex: (job.expiry_reason, job.expiry_evidence) for webindex, job in jobs.items()}
    assert expiry == {
        "4f2a9c1b7d3e8a60": (None, None),  # validThrough six days ahead: live
        "FH-0412": ("closed", "page says: 'This job has expired'"),
        "SM-9": (None, None),
        "NW-1187": (None, None),
        "HM-2024-07": (None, None),
    }
    assert {webindex: (job.location, job.remote) for webindex, job in jobs.items()} == {
        "4f2a9c1b7d3e8a60": ("Bristol, England, GB", None),
        "FH-0412": ("Norwich, GB", None),
        "SM-9": ("Leeds, GB", None),
        "NW-1187": ("Manchester, Greater Manchester, GB; Leeds, GB; Dublin, IE", True),
        "HM-2024-07": ("York, GB; Beverley, GB", None),
    }
    assert jobs["4f2a9c1b7d3e8a60"].closing_date == datetime.now(UTC).date() + timedelta(days=6)

    path = tmp_path / "jobs.jsonl"
    result = run_scrapy("export", "--format", "jsonl", "-o", str(path),
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 0, result.stderr
    assert {row["webindex"]: row["remote"] for row in read_jsonl(path)} == {
        "4f2a9c1b7d3e8a60": None, "FH-0412": None, "SM-9": None, "NW-1187": True,
        "HM-2024-07": None}


def _item(webindex: str, remote: bool | None) -> JobItem:
    return JobItem(webindex=webindex, source="jobposting:x.example",
                   url=f"https://x.example/{webindex}", title="T", description="D",
                   location="York; Hull", remote=remote,
                   scraped_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC))


def test_remote_survives_dead_letter_replay_and_every_export(
    database_url: str, tmp_path: Path
) -> None:
    upgrade(database_url)
    deadletter = tmp_path / "run-1.jsonl"
    rows = [prepared_row(_item(webindex, remote))
            for webindex, remote in (("1", True), ("2", False), ("3", None))]
    deadletter.write_text("".join(deadletter_line(row, "run-1") + "\n" for row in rows),
                          encoding="utf-8")

    result = run_scrapy("import", str(deadletter), "-s", f"JOBCRAWL_DATABASE_URL={database_url}")

    assert result.returncode == 0, result.stderr
    assert {w: job.remote for w, job in _jobs(database_url).items()} == {
        "1": True, "2": False, "3": None}
    exported = {}
    for fmt in ("jsonl", "csv"):
        path = tmp_path / f"jobs.{fmt}"
        result = run_scrapy("export", "--format", fmt, "-o", str(path),
                            "-s", f"JOBCRAWL_DATABASE_URL={database_url}")
        assert result.returncode == 0, result.stderr
        exported[fmt] = path.read_text(encoding="utf-8")
    assert [json.loads(line)["remote"] for line in exported["jsonl"].splitlines()] == [
        True, False, None]
    header, *lines = exported["csv"].splitlines()
    column = header.split(",").index("remote")
    assert [line.split(",")[column] for line in lines] == ["True", "False", ""]
