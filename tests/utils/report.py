"""A database of runs and ads for the report tests, with hostile names to escape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import CrawlRun, Job

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
EVIL = f"site:{SCRIPT}{IMG}"
ACME, BOARD = "greenhouse:acme", "jobposting:jobs.example.com"
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def run(number: int, day: int, source: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"run{number}", "spider": source.split(":")[0], "source": source,
        "sources": {source: values.get("items_new", 0)}, "arguments": {}, "settings": {},
        "hostname": "cron-1", "pid": 1, "started_at": at(day, 3),
        "finished_at": at(day, 3, 2), "finish_reason": "finished", "status": "ok",
        "items_new": 0, "items_updated": 0, "items_unchanged": 0, "items_touched": 0,
        "items_dropped": 0, "dropped": {}, "requests": 0, "responses": {}, "errors": 0,
        "peak_memory": None, "failures": {}, "stats": {},
        "monitors": [{"name": "min_items", "ok": True, "skipped": False,
                      "message": "stored enough", "figures": {}}],
    }
    return {**row, **values}


RUNS = [
    run(1, 2, ACME, items_new=3, items_dropped=1, requests=4),
    run(2, 3, BOARD, status="unhealthy", items_new=2, requests=10, errors=2,
        monitors=[{"name": "min_items", "ok": True, "skipped": False, "message": "fine"},
                  {"name": "history", "ok": True, "skipped": True, "message": "too few runs"},
                  {"name": "error_ratio", "ok": False, "skipped": False,
                   "message": "error ratio 0.2 > 0.05"}]),
    run(3, 9, ACME, items_new=1, items_updated=1, items_unchanged=1, items_touched=2,
        requests=3, sources={ACME: 3}),
    run(4, 10, BOARD, status="running", finished_at=None, finish_reason=None, sources=None,
        monitors=None, stats=None),
    run(5, 10, EVIL, spider="site", status="failed", started_at=at(10, 2),
        finished_at=at(10, 2, 2), items_new=1,
        requests=2, errors=1, finish_reason=f"shutdown {SCRIPT}",
        monitors=[{"name": "min_items", "ok": False, "skipped": False, "message": IMG}]),
]


def job(webindex: str, source: str, first: datetime, last: datetime, **values: Any
        ) -> dict[str, Any]:
    row = {
        "webindex": webindex, "source": source, "url": f"https://example.com/{webindex}",
        "title": f"Job {webindex}", "description": "About it.", "scraped_at": last,
        "first_seen": first, "last_seen": last, "seen_count": 1, "content_hash": "h",
        "company": "Acme", "location": "Leeds", "category": None, "salary_raw": None,
        "salary_min": None, "salary_max": None, "closing_date": None, "date_posted": None,
        "expired_at": None,
    }
    return {**row, **values}


# ISO week 10 is Mon 2 .. Sun 8 March 2026, week 11 is 9 .. 15; the last day an ad
# was seen (count_ads' default as-of day) is the 9th.
# ad  source first last closes expired active: 8th  9th  fields besides title
# a1  acme   2     9    -      -       yes           yes  description company location
#                                                         salary(raw) posted category
# a2  acme   2     9    20     -       yes           yes  description location salary(min)
#                                                         closes
# a3  acme   2     2    -      5       no (expired)  no   description location; company ""
# a4  acme   9     9    -      -       no (not yet)  yes  company location category
# b1  board  3     3    -      -       no (last 3rd) no   description company location
# b2  board  3     3    -      -       no            no   description company location
#                                                         salary(max)
# e1  evil   9     9    -      -       no            yes  description company location
JOBS = [
    job("a1", ACME, at(2), at(9), salary_raw="£30k", date_posted=date(2026, 3, 1),
        category="IT"),
    job("a2", ACME, at(2), at(9), company=None, salary_min=30000.0,
        closing_date=date(2026, 3, 20)),
    job("a3", ACME, at(2), at(2), company="", expired_at=at(5)),
    job("a4", ACME, at(9), at(9), description="", category="Sales"),
    job("b1", BOARD, at(3), at(3)),
    job("b2", BOARD, at(3), at(3), salary_max=50000.0),
    job("e1", EVIL, at(9), at(9)),
]


def fill(url: str, runs: list[dict[str, Any]], jobs: list[dict[str, Any]]) -> str:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        if runs:
            connection.execute(insert(CrawlRun), runs)
        if jobs:
            connection.execute(insert(Job), jobs)
    engine.dispose()
    return url
