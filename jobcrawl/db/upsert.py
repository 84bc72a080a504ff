"""Batch upsert of JobItems into the jobs table, counting new, updated and unchanged ads.

Every upserted row was fetched: last_fetched moves to its scraped_at, and an
expired ad comes back to life, unless the row itself carries expiry columns
(the store pipeline sets them for a page that says the job is closed).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from itemadapter import ItemAdapter
from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite

from jobcrawl.db.models import Job
from jobcrawl.items import JOB_FIELDS, JobItem

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection, Insert

Key = tuple[str, str]

# scraped_at changes on every visit; it must not make an unchanged ad look updated.
HASHED_FIELDS: tuple[str, ...] = tuple(name for name in JOB_FIELDS if name != "scraped_at")
# Fields added after ads were stored: hashed only when they hold a value, so that an ad
# stored before the field existed (and still without one) keeps its hash, and is not
# counted updated on the first crawl after the upgrade.
_HASHED_WHEN_SET = frozenset({"remote"})
# Stored NULL when empty (an imported ad has no URL), hashed as "" as before revision
# 0007: the ad keeps its hash, and a re-import or replay does not count it updated.
_HASHED_EMPTY_WHEN_NULL = frozenset({"url"})
_DATE_FIELDS = ("date_posted", "closing_date")
_FLOAT_FIELDS = ("salary_min", "salary_max")
_KEY_FIELDS = ("source", "webindex")
# Webindexes per SELECT (one source each): well under SQLite's historical
# 999-variable limit, whatever the batch size.
_KEYS_PER_SELECT = 400
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
EXPIRY_COLUMNS = ("expired_at", "expiry_reason", "expiry_evidence")


@dataclass
class UpsertResult:
    """How the sightings of one batch changed the table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    reactivated: int = 0  # expired before, live again
    closed: int = 0  # newly expired as closed
    # jobs.id of the rows written, per source: what this run stored, even after a
    # concurrent crawl has written the same ads (and their last_run) since.
    ids: dict[str, list[int]] = field(default_factory=dict, compare=False)


def content_hash(row: Mapping[str, Any]) -> str:
    """sha256 hex of an ad's content: every JobItem field except scraped_at (and remote
    while it is None); a None url hashes as "".

    Stable across processes and runs: sorted-key JSON, dates as ISO strings and
    numbers as floats, so 30000 and 30000.0 hash alike.
    """
    payload = {name: _hashable(row.get(name)) for name in HASHED_FIELDS
               if name not in _HASHED_WHEN_SET or row.get(name) is not None}
    for name in _HASHED_EMPTY_WHEN_NULL:
        if payload[name] is None:
            payload[name] = ""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hashable(value: Any) -> Any:
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return float(value)
    return value


def job_row(item: JobItem | Mapping[str, Any]) -> dict[str, Any]:
    """The JobItem fields of `item` as column values: dates, UTC datetimes and floats.

    Missing fields take JobItem's defaults; an empty url (an imported ad has none) is
    None, stored as NULL. Values that cannot be converted raise ValueError or
    TypeError, so a bad item can be rejected before its batch is written.
    """
    if isinstance(item, JobItem):
        # Shallow on purpose: ItemAdapter.asdict() recurses into every value (slow, no gain).
        row = {name: getattr(item, name) for name in JOB_FIELDS}
    else:
        data = dict(item) if isinstance(item, Mapping) else ItemAdapter(item).asdict()
        defaults = JobItem(**{name: data[name] for name in JOB_FIELDS if name in data})
        row = {name: getattr(defaults, name) for name in JOB_FIELDS}
    row["scraped_at"] = _utc_datetime(row["scraped_at"])
    for name in _DATE_FIELDS:
        row[name] = _date(row[name])
    for name in _FLOAT_FIELDS:
        row[name] = None if row[name] is None else float(row[name])
    row["remote"] = _flag(row["remote"])
    # NULL, not "": on PostgreSQL a million equal "" keys made one hash-index bucket
    # that every insert and update of such an ad walked.
    row["url"] = row["url"] or None
    return row


def _flag(value: Any) -> bool | None:
    """remote as stored: a bool or None (SQLite hands back 1/0; JSON rows give true/false)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"remote must be true, false or null, got {value!r}")


def _utc_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"scraped_at must be a datetime, got {value!r}")
    # A naive time is taken as UTC (JobItem's contract); SQLite stores no offset.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise TypeError(f"expected a date, got {value!r}")


def prepared_row(item: JobItem | Mapping[str, Any]) -> dict[str, Any]:
    """job_row() plus its content_hash: what upsert_rows() writes."""
    row = job_row(item)
    row["content_hash"] = content_hash(row)
    return row


def upsert_jobs(
    connection: Connection,
    items: Sequence[JobItem | Mapping[str, Any]],
    *,
    run_id: str | None,
) -> UpsertResult:
    """Insert or update one batch of ads inside the caller's transaction (see upsert_rows)."""
    return upsert_rows(connection, [prepared_row(item) for item in items], run_id=run_id)


def upsert_rows(
    connection: Connection,
    rows: Sequence[dict[str, Any]],
    *,
    run_id: str | None,
) -> UpsertResult:
    """Insert or update one batch of prepared_row() rows inside the caller's transaction.

    Each sighting counts as if the batch were applied item by item: a key seen
    twice in one batch is new (or updated/unchanged) once and then unchanged or
    updated against its first sighting. The rows are collapsed per key before
    writing (last content wins, seen_count grows by the number of sightings),
    because PostgreSQL refuses to update one row twice in a statement, and
    written in key order, so that concurrent writers lock shared rows in the
    same order and never deadlock over them (db.locks).
    Counts are exact for one writer per key at a time. With concurrent writers of
    the same keys (on PostgreSQL; SQLite lets one writer at a time) the rows stay
    exact (one per key, every sighting in seen_count, the latest last_seen), but an
    ad that two batches insert at the same moment is counted new by both.
    """
    if not rows:
        return UpsertResult()
    existing = _existing(connection, {_key(row) for row in rows})
    result = _count(rows, existing)
    collapsed = _collapse(rows, run_id)
    connection.execute(_upsert_statement(connection.dialect.name), collapsed)
    # The new ads read back, not RETURNING: psycopg's executemany with RETURNING is ~4x slower.
    result.ids = _ids(connection, [_key(row) for row in collapsed], existing)
    return result


def _key(row: Mapping[str, Any]) -> Key:
    return (row["source"], row["webindex"])


class _Stored(NamedTuple):
    id: int
    content_hash: str
    expiry_reason: str | None


def _chunks(keys: Iterable[Key]) -> Iterator[tuple[str, list[str]]]:
    """(source, webindexes) of `keys`, at most _KEYS_PER_SELECT webindexes at a time.

    source = :s AND webindex IN (...): both backends serve it from the unique
    (source, webindex) index. SQLite plans (source, webindex) IN (VALUES ...) as a
    scan of the whole table (0.45 s per chunk at a million rows), and a row-value IN
    reads badly on PostgreSQL too.
    """
    by_source: dict[str, list[str]] = {}
    for source, webindex in keys:
        by_source.setdefault(source, []).append(webindex)
    for source, webindexes in by_source.items():
        for start in range(0, len(webindexes), _KEYS_PER_SELECT):
            yield source, webindexes[start : start + _KEYS_PER_SELECT]


def _existing(connection: Connection, keys: Iterable[Key]) -> dict[Key, _Stored]:
    """(id, content_hash, expiry_reason) of the stored ads among `keys`."""
    found: dict[Key, _Stored] = {}
    for source, chunk in _chunks(keys):
        query = select(Job.webindex, Job.id, Job.content_hash, Job.expiry_reason).where(
            Job.source == source, Job.webindex.in_(chunk))
        found.update({(source, idx): _Stored(int(job_id), digest, reason)
                      for idx, job_id, digest, reason in connection.execute(query)})
    return found


def _ids(connection: Connection, keys: Sequence[Key],
         existing: Mapping[Key, _Stored]) -> dict[str, list[int]]:
    """jobs.id of the written ads among `keys`, per source: only those new to `existing`
    are read back."""
    ids: dict[str, list[int]] = {}
    for (source, _), stored in existing.items():
        ids.setdefault(source, []).append(stored.id)
    for source, chunk in _chunks(key for key in keys if key not in existing):
        query = select(Job.id).where(Job.source == source, Job.webindex.in_(chunk))
        ids.setdefault(source, []).extend(int(job_id) for job_id in
                                           connection.execute(query).scalars())
    return ids


def _count(rows: Sequence[Mapping[str, Any]], existing: Mapping[Key, _Stored]) -> UpsertResult:
    known = {key: (stored.content_hash, stored.expiry_reason)
             for key, stored in existing.items()}
    result = UpsertResult()
    for row in rows:
        previous = known.get(_key(row))
        reason = row.get("expiry_reason")
        if previous is None:
            result.new += 1
        elif previous[0] == row["content_hash"]:
            result.unchanged += 1
        else:
            result.updated += 1
        if previous is not None and previous[1] is not None and reason is None:
            result.reactivated += 1
        if reason == "closed" and (previous is None or previous[1] != "closed"):
            result.closed += 1
        known[_key(row)] = (row["content_hash"], reason)
    return result


def _collapse(rows: Sequence[Mapping[str, Any]], run_id: str | None) -> list[dict[str, Any]]:
    merged: dict[Key, dict[str, Any]] = {}
    for row in rows:
        seen = row["scraped_at"]
        values = {**row, "first_seen": seen, "last_seen": seen, "seen_count": 1,
                  "last_run": run_id, "last_fetched": seen,
                  **{name: row.get(name) for name in EXPIRY_COLUMNS}}
        earlier = merged.get(_key(row))
        if earlier is not None:
            values["first_seen"] = min(earlier["first_seen"], seen)
            values["last_seen"] = values["last_fetched"] = max(earlier["last_seen"], seen)
            values["seen_count"] = earlier["seen_count"] + 1
        merged[_key(row)] = values
    return [merged[key] for key in sorted(merged)]  # key order: db.locks


def dialect_insert(dialect_name: str, what: str) -> Callable[[Any], Insert]:
    """The INSERT of `dialect_name` that knows ON CONFLICT; ValueError names `what` needs it."""
    try:
        return _INSERTS[dialect_name]
    except KeyError:
        raise ValueError(f"{what} supports SQLite and PostgreSQL, not {dialect_name}") from None


def _upsert_statement(dialect_name: str) -> Insert:
    insert = dialect_insert(dialect_name, "upsert")
    table = Job.__table__
    statement = insert(table)
    new = statement.excluded
    # first_seen is deliberately absent: it is written once, on insert.
    updates: dict[str, Any] = {
        name: new[name]
        for name in (*JOB_FIELDS, "content_hash", "last_run")
        if name not in _KEY_FIELDS
    }
    updates["last_seen"] = case(
        (new.last_seen > table.c.last_seen, new.last_seen), else_=table.c.last_seen
    )
    updates["last_fetched"] = case(
        (table.c.last_fetched.is_(None), new.last_fetched),
        (new.last_fetched > table.c.last_fetched, new.last_fetched),
        else_=table.c.last_fetched,
    )
    updates["seen_count"] = table.c.seen_count + new.seen_count
    # A fetched ad is live again, or expired by what its page says now; an ad still
    # expired for the same reason keeps the date it first expired.
    updates["expired_at"] = case(
        (new.expired_at.is_(None), None),
        (table.c.expiry_reason == new.expiry_reason, table.c.expired_at),
        else_=new.expired_at,
    )
    updates["expiry_reason"] = new.expiry_reason
    updates["expiry_evidence"] = new.expiry_evidence
    return statement.on_conflict_do_update(
        index_elements=[table.c.source, table.c.webindex], set_=updates
    )
