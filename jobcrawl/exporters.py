"""Item exporters for job records (Scrapy FEEDS) and the value conventions every export shares."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import IO, TYPE_CHECKING, Any

from scrapy.exporters import BaseItemExporter, CsvItemExporter, JsonLinesItemExporter
from sqlalchemy.engine import Row

from jobcrawl.items import JOB_FIELDS

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from scrapy.item import Field

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


class _JobExportMixin(BaseItemExporter):
    """Defaults shared by the job exporters: EXPORT_FIELDS, UTF-8, export_value()."""

    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        # FEEDS passes fields_to_export=None and encoding=None when the feed
        # does not set them; both mean "jobcrawl's defaults" here.
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = EXPORT_FIELDS
        if not kwargs.get("encoding"):
            kwargs["encoding"] = "utf-8"
        super().__init__(file, **kwargs)  # type: ignore[call-arg]

    def serialize_field(self, field: Mapping[str, Any] | Field, name: str, value: Any) -> Any:
        return super().serialize_field(field, name, export_value(value))


class JobCsvItemExporter(_JobExportMixin, CsvItemExporter):
    """RFC 4180 CSV (csv module defaults): header row, UTF-8, None as an empty cell.

    The header is written even when no item follows, so an empty export is
    still a valid, self-describing file.
    """

    def start_exporting(self) -> None:
        super().start_exporting()
        if self._headers_not_written:
            self._headers_not_written = False
            self._write_headers_and_set_fields_to_export(None)


class JobJsonLinesItemExporter(_JobExportMixin, JsonLinesItemExporter):
    """One JSON object per line, UTF-8 text (not \\u escapes), every field key present.

    Fields an item does not have (first_seen etc. during a crawl) are null.
    """

    def export_item(self, item: Any) -> None:
        fields = self.get_serialized_fields(item, default_value=None, include_empty=True)
        line = self.encoder.encode(dict(fields)) + "\n"
        self.file.write(line.encode(self.encoding or "utf-8"))


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[bytes]]:
    """Open a temporary file beside `path` for writing; rename it onto `path` on success.

    Readers never see a half-written export: on any error (KeyboardInterrupt
    included) the temporary file is removed and `path` is left as it was.
    The parent folder is created if needed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with partial.open("wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
