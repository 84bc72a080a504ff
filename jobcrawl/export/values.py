"""The value conventions every export shares: the columns, UTC datetimes, plain values."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Row

from jobcrawl.items import JOB_FIELDS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jobcrawl.db.models import Job

EXPORT_FIELDS: tuple[str, ...] = (
    *JOB_FIELDS, "first_seen", "last_seen", "seen_count", "expired_at", "expiry_reason",
)
"""Every export's columns: the JobItem fields, then the database's bookkeeping.

expired_at / expiry_reason are null while an ad is live (and in crawl feeds,
whose items have no bookkeeping yet).
"""


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already.

    SQLite has no time zones: the store writes UTC and SQLAlchemy hands it back
    naive, so naive values from the database mean UTC.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def export_value(value: Any) -> Any:
    """A field value as exports carry it: ISO 8601 dates, UTC datetimes, plain numbers."""
    if isinstance(value, datetime):  # before date: datetime is a date subclass
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN/inf are not JSON and mean "no number" in a salary
    return value


def row_to_dict(row: Job | Row[Any]) -> dict[str, Any]:
    """A stored job (ORM object or result row) as a dict with exactly EXPORT_FIELDS keys.

    Datetimes come back UTC-aware whatever the database did with the zone.
    """
    if isinstance(row, Row):
        values: Mapping[str, Any] = row._mapping
    else:
        values = {name: getattr(row, name) for name in EXPORT_FIELDS}
    return {
        name: as_utc(value) if isinstance(value, datetime) else value
        for name, value in ((name, values[name]) for name in EXPORT_FIELDS)
    }
