"""Batch upsert of JobItems into the jobs table, counting new, updated and unchanged ads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from sqlalchemy import case, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from jobcrawl.db.models import Job
from jobcrawl.items import JOB_FIELDS, JobItem

if TYPE_CHECKING:
    from sqlalchemy import Connection, Insert

Key = tuple[str, str]

# scraped_at changes on every visit; it must not make an unchanged ad look updated.
HASHED_FIELDS: tuple[str, ...] = tuple(name for name in JOB_FIELDS if name != "scraped_at")
_DATE_FIELDS = ("date_posted", "closing_date")
_FLOAT_FIELDS = ("salary_min", "salary_max")
_KEY_FIELDS = ("source", "webindex")
# Two bound parameters per key keeps each SELECT under SQLite's historical
# 999-variable limit, whatever the batch size.
_KEYS_PER_SELECT = 400
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass
class UpsertResult:
    """How the sightings of one batch changed the table."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0


def content_hash(row: Mapping[str, Any]) -> str:
    """sha256 hex of an ad's content: every JobItem field except scraped_at.

    Stable across processes and runs: sorted-key JSON, dates as ISO strings and
    numbers as floats, so 30000 and 30000.0 hash alike.
    """
    payload = {name: _hashable(row.get(name)) for name in HASHED_FIELDS}
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

    Missing fields take JobItem's defaults; values that cannot be converted raise
    ValueError or TypeError, so a bad item can be rejected before its batch is written.
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
    return row


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
    because PostgreSQL refuses to update one row twice in a statement.
    Counts are exact for one writer per key at a time.
    """
    if not rows:
        return UpsertResult()
    existing = _existing_hashes(connection, {_key(row) for row in rows})
    result = _count(rows, existing)
    connection.execute(_upsert_statement(connection.dialect.name), _collapse(rows, run_id))
    return result


def _key(row: Mapping[str, Any]) -> Key:
    return (row["source"], row["webindex"])


def _existing_hashes(connection: Connection, keys: Iterable[Key]) -> dict[Key, str]:
    keys = list(keys)
    found: dict[Key, str] = {}
    for start in range(0, len(keys), _KEYS_PER_SELECT):
        chunk = keys[start : start + _KEYS_PER_SELECT]
        query = select(Job.source, Job.webindex, Job.content_hash).where(
            tuple_(Job.source, Job.webindex).in_(chunk)
        )
        found.update({(src, idx): digest for src, idx, digest in connection.execute(query)})
    return found


def _count(rows: Sequence[Mapping[str, Any]], existing: Mapping[Key, str]) -> UpsertResult:
    known = dict(existing)
    result = UpsertResult()
    for row in rows:
        previous = known.get(_key(row))
        if previous is None:
            result.new += 1
        elif previous == row["content_hash"]:
            result.unchanged += 1
        else:
            result.updated += 1
        known[_key(row)] = row["content_hash"]
    return result


def _collapse(rows: Sequence[Mapping[str, Any]], run_id: str | None) -> list[dict[str, Any]]:
    merged: dict[Key, dict[str, Any]] = {}
    for row in rows:
        seen = row["scraped_at"]
        values = {**row, "first_seen": seen, "last_seen": seen, "seen_count": 1, "last_run": run_id}
        earlier = merged.get(_key(row))
        if earlier is not None:
            values["first_seen"] = min(earlier["first_seen"], seen)
            values["last_seen"] = max(earlier["last_seen"], seen)
            values["seen_count"] = earlier["seen_count"] + 1
        merged[_key(row)] = values
    return list(merged.values())


def _upsert_statement(dialect_name: str) -> Insert:
    try:
        insert = _INSERTS[dialect_name]
    except KeyError:
        raise ValueError(f"upsert supports SQLite and PostgreSQL, not {dialect_name}") from None
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
    updates["seen_count"] = table.c.seen_count + new.seen_count
    return statement.on_conflict_do_update(
        index_elements=[table.c.source, table.c.webindex], set_=updates
    )
