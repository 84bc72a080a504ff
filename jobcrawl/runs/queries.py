"""Reads and writes of the crawl_runs table: the run record, its history and listings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from jobcrawl.db.models import CrawlRun
from jobcrawl.export.values import as_utc

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from sqlalchemy import Connection

RUN_COLUMNS: tuple[str, ...] = tuple(column.name for column in CrawlRun.__table__.columns)


def save_run(connection: Connection, values: Mapping[str, Any]) -> None:
    """Update the run with values["id"], or insert it when it is not there yet."""
    run_id = values["id"]
    changes = {name: value for name, value in values.items() if name != "id"}
    updated = connection.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(changes))
    if updated.rowcount == 0:
        connection.execute(insert(CrawlRun).values(dict(values)))


def previous_items_stored(connection: Connection, spider: str, source: str,
                          limit: int) -> list[int]:
    """Items stored or touched by the last `limit` ok runs, newest first.

    new + updated + unchanged + touched: a recrawl that touched known ads saw them too.
    """
    stored = (CrawlRun.items_new + CrawlRun.items_updated + CrawlRun.items_unchanged
              + CrawlRun.items_touched)
    query = (
        select(stored)
        .where(CrawlRun.spider == spider, CrawlRun.source == source, CrawlRun.status == "ok")
        .order_by(CrawlRun.started_at.desc())
        .limit(limit)
    )
    return [int(value) for value in connection.scalars(query)]


def recent_runs(connection: Connection, *, last: int, spider: str | None = None,
                source: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """The `last` newest runs (every column), newest first, optionally filtered."""
    query = select(CrawlRun.__table__).order_by(CrawlRun.started_at.desc(), CrawlRun.id)
    if spider is not None:
        query = query.where(CrawlRun.spider == spider)
    if source is not None:
        query = query.where(CrawlRun.source == source)
    if status is not None:
        query = query.where(CrawlRun.status == status)
    return [dict(row._mapping) for row in connection.execute(query.limit(last))]


def run_duration(started: datetime, finished: datetime | None) -> str:
    """How long a run took, as `3s`, `1m05s` or `1h02m03s`; `-` while it runs."""
    if finished is None:
        return "-"
    seconds = round((as_utc(finished) - as_utc(started)).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{seconds:02d}s"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"
