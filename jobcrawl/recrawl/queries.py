"""Recrawl and expiry statements on the jobs table: known ads, touches, expiry marks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Integer, and_, any_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import ARRAY

from jobcrawl.db.locks import lock_jobs
from jobcrawl.db.models import Job, RecrawlPage
from jobcrawl.db.upsert import dialect_insert

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from datetime import datetime

    from sqlalchemy import ColumnElement, Connection

# Well under SQLite's historical 999 bound parameters per statement.
_CHUNK = 400
# recrawl_pages is keyed by (source, url) in a btree, whose entries PostgreSQL limits to
# about 2.7 kB: longer page URLs are not remembered (their pages are simply refetched).
MAX_REMEMBERED_URL = 2000


@dataclass
class TouchResult:
    touched: int = 0
    reactivated: int = 0


def recently_fetched(connection: Connection, source: str,
                     since: datetime) -> Iterator[tuple[int, str]]:
    """(jobs.id, url) of the source's ads with a URL downloaded at or after `since`.

    Then the recrawl_pages fetched since then: (the id of the ad the page
    showed, page URL), or (0, page URL) for a page without a posting.
    """
    # Served by jobs (source, last_fetched); an ad without a URL has nothing to match.
    query = select(Job.id, Job.url).where(Job.source == source, Job.last_fetched >= since,
                                         Job.url.is_not(None))
    for job_id, url in connection.execute(query):
        yield int(job_id), url
    pages = (
        select(Job.id, RecrawlPage.url)
        .select_from(RecrawlPage)
        .outerjoin(Job, and_(Job.source == RecrawlPage.source, Job.url == RecrawlPage.ad_url))
        .where(RecrawlPage.source == source, RecrawlPage.fetched_at >= since,
               or_(RecrawlPage.ad_url.is_(None), Job.id.is_not(None)))
    )
    for job_id, url in connection.execute(pages):
        yield int(job_id or 0), url


def remember_pages(connection: Connection, pages: Mapping[tuple[str, str], str | None], *,
                   now: datetime) -> None:
    """Upsert recrawl_pages: (source, page URL) -> the ad URL it showed, or None.

    Pages whose URL is longer than MAX_REMEMBERED_URL are left out. Written in
    (source, url) order, so that concurrent crawls lock shared rows in one order.
    """
    statement = dialect_insert(connection.dialect.name, "the recrawl")(RecrawlPage)
    statement = statement.on_conflict_do_update(
        index_elements=[RecrawlPage.source, RecrawlPage.url],
        set_={"ad_url": statement.excluded.ad_url, "fetched_at": statement.excluded.fetched_at},
    )
    rows = [{"source": source, "url": url, "ad_url": ad_url, "fetched_at": now}
            for (source, url), ad_url in sorted(pages.items()) if len(url) <= MAX_REMEMBERED_URL]
    if not rows:
        return
    for start in range(0, len(rows), _CHUNK):
        connection.execute(statement, rows[start:start + _CHUNK])


def _not_seen_by(run_id: str) -> ColumnElement[bool]:
    # last_run marks the ads this run stored or touched already.
    return or_(Job.last_run.is_(None), Job.last_run != run_id)


def touch_ads(connection: Connection, ids: Sequence[int], *, run_id: str,
              now: datetime) -> TouchResult:
    """Move last_seen of ads listed but not refetched; count each ad once per run.

    An ad that this run already stored (its page was fetched after all, e.g.
    through a second link) is left alone. An ad expired as `unlisted` is
    listed again, so it is reactivated; `gone` and `closed` need their page.
    On PostgreSQL the ads are locked first, in key order (db.locks): the two
    UPDATEs per chunk would otherwise lock them in their own scan orders.
    """
    result = TouchResult()
    ids = sorted(ids)
    if ids:
        # One array parameter, however many ads: an IN list is bounded by 65535 parameters.
        lock_jobs(connection, Job.id == any_(bindparam("touched", ids, type_=ARRAY(Integer))))
    seen = {"last_seen": now, "seen_count": Job.seen_count + 1, "last_run": run_id}
    revive = {"expired_at": None, "expiry_reason": None, "expiry_evidence": None}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        fresh = and_(Job.id.in_(chunk), _not_seen_by(run_id))
        revived = connection.execute(
            update(Job).where(fresh, Job.expiry_reason == "unlisted").values(**seen, **revive))
        touched = connection.execute(update(Job).where(fresh).values(**seen))
        result.reactivated += revived.rowcount
        result.touched += revived.rowcount + touched.rowcount
    return result


def expire_by_url(connection: Connection, marks: Mapping[tuple[str, str], str], *,
                  reason: str, now: datetime) -> int:
    """Expire the live ads stored under these (source, url) keys, with their evidence.

    In (source, url) order, so that concurrent crawls lock shared rows in one order.
    """
    expired = 0
    for (source, url), evidence in sorted(marks.items()):
        statement = (
            update(Job)
            .where(Job.source == source, Job.url == url, Job.expired_at.is_(None))
            .values(expired_at=now, expiry_reason=reason, expiry_evidence=evidence)
        )
        expired += connection.execute(statement).rowcount
    return expired
