"""Listings: what a crawl covers, the ads each listing listed, and whose absence expires them.

A listing is what one crawl reads: a feed crawl's feed URLs, a jobposting crawl's
start URLs and sitemaps (with allow and depth), a site profile's start URLs, an
API spider's board (or search). The spider names it in its `listing` attribute;
a spider without one covers its whole source (the listing is named by the source).

When a crawl closes, every ad it stored or touched is recorded as listed by the
crawl's listing at that moment (job_listings.last_listed_at, written by
recrawl.marks). A complete crawl marks its listing complete
(listings.last_complete_at) and then expires, as `unlisted`, each live ad of the
source that it did not see and that:

- its listing listed before, and
- every listing that ever listed it has been crawled completely since it last did
  (last_complete_at > last_listed_at).

An ad without any job_listings row (stored before migration 0005, imported, or
whose sightings could not be written) is taken as listed by every listing of its
source when it was last seen: it expires when every known listing of the source was
crawled completely after its last_seen. For a source with one listing (an API
board) that is the rule before listings were recorded.

Every statement is set-based and served by an index: the expiry candidates come
through job_listings (listing_id), each candidate's other listings through its
primary key (job_id, listing_id), the run's ads through jobs (source, last_run),
and the ads without listing rows through jobs (source, expired_at, last_seen).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, literal, or_, select, update

from jobcrawl.db.locks import lock_jobs
from jobcrawl.db.models import Job, JobListing, Listing
from jobcrawl.db.upsert import dialect_insert

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import datetime

    from sqlalchemy import ColumnElement, Connection

UNLISTED = "unlisted"
# Well under SQLite's historical 999 bound parameters per statement.
_IDS_PER_STATEMENT = 400


def crawl_listing(spider: Any, source: str) -> str:
    """The name of what `spider` covers of `source`: its `listing`, else the source."""
    name = getattr(spider, "listing", None)
    return name if isinstance(name, str) and name else source


def listing_key(name: str) -> str:
    """The sha256 hex of a listing name: its key, unique per source."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def listing_id(connection: Connection, source: str, name: str, *, now: datetime) -> int:
    """listings.id of (source, name), created if it is new."""
    key = listing_key(name)
    statement = dialect_insert(connection.dialect.name, "listings")(Listing)
    connection.execute(statement.on_conflict_do_nothing(
        index_elements=[Listing.source, Listing.key]),
        {"source": source, "key": key, "name": name, "first_seen": now})
    found = connection.execute(
        select(Listing.id).where(Listing.source == source, Listing.key == key)).scalar_one()
    return int(found)


def _upsert_sightings(connection: Connection, which: ColumnElement[bool], listing: int, *,
                      run_id: str, now: datetime) -> int:
    """job_listings rows of (each ad `which` selects, listing), listed now by `run_id`."""
    insert = dialect_insert(connection.dialect.name, "listings")
    # A WHERE of its own: SQLite reads INSERT ... SELECT ... ON CONFLICT only with one.
    # In jobs.id order: two crawls of one listing lock its job_listings rows in one order.
    rows = select(Job.id, literal(listing), literal(now, JobListing.last_listed_at.type),
                  literal(run_id, JobListing.last_listed_run.type)).where(which).order_by(Job.id)
    statement = insert(JobListing).from_select(
        ["job_id", "listing_id", "last_listed_at", "last_listed_run"], rows)
    statement = statement.on_conflict_do_update(
        index_elements=[JobListing.job_id, JobListing.listing_id],
        set_={"last_listed_at": statement.excluded.last_listed_at,
              "last_listed_run": statement.excluded.last_listed_run})
    return connection.execute(statement).rowcount


def record_listed(connection: Connection, source: str, listing: int, *, run_id: str,
                  now: datetime, stored: Sequence[int] = ()) -> int:
    """Record that `listing` listed, now, every ad of `source` this run stored or touched.

    Those are the ads whose last_run is the run, and the `stored` jobs.id: a crawl
    writing the same ads at the same time sets their last_run to its own run, and
    an ad this run stored must not look unlisted to it (or to the other listings).
    """
    recorded = _upsert_sightings(connection, and_(Job.source == source, Job.last_run == run_id),
                                 listing, run_id=run_id, now=now)
    ids = sorted(stored)
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        taken = and_(Job.id.in_(ids[start:start + _IDS_PER_STATEMENT]), _not_seen_by(run_id))
        recorded += _upsert_sightings(connection, taken, listing, run_id=run_id, now=now)
    return recorded


def _spared(spared_webindexes: Collection[str], spared_urls: Collection[str]
            ) -> ColumnElement[bool] | None:
    conditions = []
    if spared_webindexes:
        conditions.append(Job.webindex.in_(sorted(spared_webindexes)))
    if spared_urls:
        conditions.append(Job.url.in_(sorted(spared_urls)))
    return or_(*conditions) if conditions else None


def _not_seen_by(run_id: str) -> ColumnElement[bool]:
    # last_run marks the ads this run stored or touched already.
    return or_(Job.last_run.is_(None), Job.last_run != run_id)


def expire_unlisted(connection: Connection, source: str, listing: int, *, run_id: str,
                    now: datetime, evidence: str, spared_webindexes: Collection[str] = (),
                    spared_urls: Collection[str] = (), read_from: datetime | None = None) -> int:
    """After a complete crawl of `listing`: mark it complete, expire what it no longer lists.

    The ads of the run must be recorded as listed first (record_listed). The spared
    ones were listed but not stored (their item was dropped, e.g. it failed
    validation): they are recorded as listed too, and not expired. Keep them few
    (bound parameters). Returns the number of ads newly expired.

    `read_from` (default `now`) is when the crawl began reading the listing: the
    listing counts as complete from then (last_complete_at), so that an ad another
    crawl of the same listing or source saw while this one ran (after `read_from`)
    stays listed, although its sighting was recorded after this crawl's own.
    """
    connection.execute(update(Listing).where(Listing.id == listing).values(
        last_complete_at=read_from or now, last_complete_run=run_id))
    spared = _spared(spared_webindexes, spared_urls)
    if spared is not None:
        _upsert_sightings(connection, and_(Job.source == source, spared), listing,
                          run_id=run_id, now=now)
    # The source is implied by the listing: the listed path is driven by job_listings.
    live = [Job.expired_at.is_(None), _not_seen_by(run_id)]
    if spared is not None:
        live.append(~spared)
    marks = {"expired_at": now, "expiry_reason": UNLISTED, "expiry_evidence": evidence}
    return (_expire_listed(connection, listing, live, marks, run_id)
            + _expire_unrecorded(connection, source, live, marks))


def _listed_before(run_id: str) -> ColumnElement[bool]:
    return or_(JobListing.last_listed_run.is_(None), JobListing.last_listed_run != run_id)


def _expire_listed(connection: Connection, listing: int, live: list[ColumnElement[bool]],
                   marks: dict[str, Any], run_id: str) -> int:
    """Ads this listing listed before, that no listing has listed since its last complete crawl."""
    listed_here = select(JobListing.job_id).where(
        JobListing.listing_id == listing, _listed_before(run_id))
    other = JobListing.__table__.alias("other")
    # Listed by a crawl no complete crawl of that listing has followed (a complete
    # crawl's own sightings are its listing, whatever the clocks say).
    still_listed = exists().where(
        other.c.job_id == Job.id, Listing.id == other.c.listing_id,
        or_(Listing.last_complete_at.is_(None),
            Listing.last_complete_at <= other.c.last_listed_at,
            Listing.last_complete_run == other.c.last_listed_run))
    expiring = (Job.id.in_(listed_here), *live, ~still_listed)
    lock_jobs(connection, *expiring)  # in key order, as the store's batches lock them
    return connection.execute(update(Job).where(*expiring).values(**marks)).rowcount


def _expire_unrecorded(connection: Connection, source: str, live: list[ColumnElement[bool]],
                       marks: dict[str, Any]) -> int:
    """Ads without any listing row, once every listing of the source is complete since."""
    pending, oldest = connection.execute(
        select(func.count().filter(Listing.last_complete_at.is_(None)),
               func.min(Listing.last_complete_at)).where(Listing.source == source)).one()
    if pending or oldest is None:
        return 0  # a listing never read completely may still list them
    recorded = exists().where(JobListing.job_id == Job.id)
    # (source, expired_at, last_seen) is indexed: only live ads unseen since then are read.
    expiring = (Job.source == source, *live, Job.last_seen < oldest, ~recorded)
    lock_jobs(connection, *expiring)  # in key order, as the store's batches lock them
    return connection.execute(update(Job).where(*expiring).values(**marks)).rowcount
