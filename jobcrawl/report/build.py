"""Open the database, check its schema, gather the figures and write the page atomically."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from jobcrawl.db.access import DatabaseUnavailable, existing_engine, read_failure
from jobcrawl.db.migrate import ensure_schema
from jobcrawl.export.atomic import atomic_output
from jobcrawl.report.data import gather
from jobcrawl.report.page import render
from jobcrawl.security.secrets import redact_url

if TYPE_CHECKING:
    from pathlib import Path

    from jobcrawl.report.data import ReportData, ReportOptions


class ReportError(Exception):
    """The report cannot be made (no database, outdated schema, bad output path)."""


def write_report(url: str, options: ReportOptions, output: Path, *,
                 now: datetime | None = None) -> ReportData:
    """Write the report of the database at `url` to `output`; return what it shows.

    The page appears at `output` only once complete (written beside it, then renamed).
    Raises ReportError with a message that never shows the database password.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from jobcrawl.export.manifest import jobcrawl_version

    if output.is_dir():
        raise ReportError(f"{output} is a folder; -o names the HTML file to write")
    shown = redact_url(url)
    try:
        engine = existing_engine(url)
    except DatabaseUnavailable as exc:
        raise ReportError(str(exc)) from None
    try:
        ensure_schema(url, auto_upgrade=False)
        with engine.connect() as connection:
            data = gather(connection, options, database=shown, version=jobcrawl_version(),
                          generated_at=now or datetime.now(UTC))
    except RuntimeError as exc:  # ensure_schema: behind, unknown or foreign schema
        raise ReportError(str(exc)) from None
    except SQLAlchemyError as exc:
        raise ReportError(read_failure(url, exc)) from exc
    finally:
        engine.dispose()
    with atomic_output(output) as out:
        out.write(render(data).encode("utf-8"))
    return data
