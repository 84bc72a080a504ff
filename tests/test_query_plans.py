"""The statements a crawl runs on a big store are served by indexes, never a scan of jobs.

Plans are read on a small table: SQLite after ANALYZE (as `scrapy db upgrade` leaves
it), PostgreSQL with seq scans switched off (with few rows its planner would rather
read the table; what is checked is that an index can serve the statement).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, text

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from jobcrawl.db.upsert import _existing, upsert_jobs
from jobcrawl.items import JobItem
from jobcrawl.recrawl.listings import expire_unlisted, listing_id, record_listed
from jobcrawl.recrawl.queries import expire_by_url, recently_fetched, touch_ads
from tests.utils.queryplans import Plan, recorded_plans

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection

T0 = datetime(2026, 11, 1, 6, tzinfo=UTC)
SOURCES = ("jobposting:a.example", "jobposting:b.example", "greenhouse:acme", "csv")
PER_SOURCE = 5000


def ad(source: str, number: int) -> JobItem:
    host = source.split(":")[-1]
    return JobItem(webindex=f"{number:05d}", source=source,
                   url="" if source == "csv" else f"https://{host}/jobs/{number}",
                   title=f"Job {number}", description="d",
                   scraped_at=T0 + timedelta(hours=number % 200))


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    """A store of 20,000 ads of four sources, analyzed, in a transaction rolled back after."""
    upgrade(database_url)
    engine = make_engine(database_url)
    with engine.begin() as setup:
        for source in SOURCES:
            for start in range(0, PER_SOURCE, 1000):
                upsert_jobs(setup, [ad(source, number)
                                    for number in range(start, start + 1000)], run_id="r1")
    with engine.begin() as setup:
        setup.execute(text("ANALYZE"))
    with engine.connect() as connection:
        transaction = connection.begin()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL enable_seqscan = off"))
        yield connection
        transaction.rollback()
    engine.dispose()


def assert_served(plan: Plan, *indexes: str) -> None:
    assert "jobs" not in plan.full_scans(), f"jobs read whole:\n{plan}\n{plan.statement}"
    assert set(indexes) <= plan.indexes(), f"not through {indexes}:\n{plan}\n{plan.statement}"


def test_the_existing_key_check_searches_the_unique_index(connection: Connection) -> None:
    keys = {(source, f"{number:05d}") for source in SOURCES[:2] for number in range(0, 500, 7)}
    with recorded_plans(connection) as plans:
        found = _existing(connection, keys)
    for plan in plans:
        assert_served(plan, "uq_jobs_source_webindex")
    assert len(found) == len(keys)
    assert len(plans) == 2  # one per source


def test_recently_fetched_reads_the_source_last_fetched_index(connection: Connection) -> None:
    with recorded_plans(connection) as plans:
        known = list(recently_fetched(connection, SOURCES[0], T0 + timedelta(hours=190)))
    assert len(known) == PER_SOURCE // 20  # fetched in hours 190-199 of 200
    ads, pages = plans
    assert_served(ads, "ix_jobs_source_last_fetched")
    assert_served(pages, "ix_recrawl_pages_source_fetched_at")


def test_touches_update_by_primary_key(connection: Connection) -> None:
    ids = list(connection.execute(
        select(Job.id).where(Job.source == SOURCES[0]).limit(50)).scalars())
    with recorded_plans(connection) as plans:
        touched = touch_ads(connection, ids, run_id="r2", now=T0 + timedelta(days=9))
    assert touched.touched == 50
    # Two UPDATEs; on PostgreSQL first the rows' lock in key order (db.locks).
    assert len(plans) == (3 if connection.dialect.name == "postgresql" else 2)
    for plan in plans:
        assert_served(plan, "pk_jobs")


def test_expiry_by_url_searches_the_url_index(connection: Connection) -> None:
    marks = {(SOURCES[0], "https://a.example/jobs/3"): "404"}
    with recorded_plans(connection) as plans:
        expired = expire_by_url(connection, marks, reason="gone", now=T0 + timedelta(days=9))
    assert expired == 1
    (plan,) = plans
    assert_served(plan, "ix_jobs_url")


@pytest.mark.parametrize("spared", [False, True], ids=["plain", "spared"])
def test_listing_statements_never_read_jobs_whole(connection: Connection, spared: bool) -> None:
    now = T0 + timedelta(days=9)
    listing = listing_id(connection, SOURCES[0], SOURCES[0], now=now)
    touch_ads(connection, list(connection.execute(
        select(Job.id).where(Job.source == SOURCES[0]).order_by(Job.webindex).limit(300)
    ).scalars()),
        run_id="r2", now=now)
    with recorded_plans(connection) as plans:
        record_listed(connection, SOURCES[0], listing, run_id="r2", now=now)
        expired = expire_unlisted(
            connection, SOURCES[0], listing, run_id="r2", now=now, evidence="unlisted",
            spared_webindexes=["04900"] if spared else (),
            spared_urls=["https://a.example/jobs/4901"] if spared else ())
    assert expired == PER_SOURCE - 300 - 2 * spared
    statements = [plan for plan in plans if " jobs" in plan.statement]
    assert statements
    for plan in statements:
        assert "jobs" not in plan.full_scans(), f"jobs read whole:\n{plan}\n{plan.statement}"
