"""JobItems and stored rows as plain dicts, to compare with expected JSON."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from jobcrawl.items import JOB_FIELDS, JobItem

if TYPE_CHECKING:
    from pathlib import Path


def as_json(item: Any) -> dict[str, Any]:
    """A JobItem as a dict with ISO dates, to compare with expected JSON."""
    return {key: v.isoformat() if isinstance(v, date) else v for key, v in asdict(item).items()}


def row_fields(row: dict[str, Any], *extra: str) -> dict[str, Any]:
    """A stored row's JobItem columns (without the crawl-time scraped_at), plus `extra`."""
    return {name: row[name] for name in [*JOB_FIELDS, *extra] if name != "scraped_at"}


def stored_rows(db_url: str) -> list[dict[str, Any]]:
    """Every row of the jobs table, ordered by (source, webindex)."""
    from sqlalchemy import text

    from jobcrawl.db.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            result = conn.execute(text("SELECT * FROM jobs ORDER BY source, webindex"))
            return [dict(row._mapping) for row in result]
    finally:
        engine.dispose()


def stored_runs(db_url: str) -> list[dict[str, Any]]:
    """Every row of the crawl_runs table."""
    from sqlalchemy import select

    from jobcrawl.db.engine import make_engine
    from jobcrawl.db.models import CrawlRun

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(select(CrawlRun.__table__))]
    finally:
        engine.dispose()


def stored_webindexes(db_url: str) -> list[str]:
    """The webindexes of every stored row, sorted: a corpus to compare with a clean crawl's."""
    return sorted(row["webindex"] for row in stored_rows(db_url))


def sqlite_job_count(db: Path) -> int:
    """Rows in the jobs table of a SQLite file a crawl is writing; 0 before it exists."""
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
    except sqlite3.Error:
        return 0


def expired_ads(db_url: str) -> dict[str, tuple[str, str]]:
    """{webindex: (expiry_reason, expiry_evidence)} of the stored ads that have expired."""
    return {row["webindex"]: (row["expiry_reason"], row["expiry_evidence"])
            for row in stored_rows(db_url) if row["expired_at"] is not None}


def seed_item() -> JobItem:
    return JobItem(
        webindex="72119477",
        source="corpus:seed",
        url="https://example.com/jobs/72119477",
        title="IT Project Manager  Infrastructure",
        company="Acme",
        description="Our Information Management team. Closing Date: 10th February 2013",
        salary_min=30000.0,
        closing_date=date(2013, 2, 10),
        scraped_at=datetime(2013, 1, 20, 9, 30, tzinfo=UTC),
    )
