"""`scrapy export`: write the stored jobs to a CSV or JSONL file."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy import inspect, select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from jobcrawl.db.engine import make_engine, redact_url
from jobcrawl.db.models import Job
from jobcrawl.exporters import EXPORT_FIELDS, EXPORT_FORMATS, atomic_output, row_to_dict

if TYPE_CHECKING:
    import argparse

    from scrapy.exporters import BaseItemExporter
    from sqlalchemy import URL, Engine, Select

# Rows fetched per round trip; PostgreSQL streams them through a server-side
# cursor, so memory stays flat however large the corpus is.
YIELD_PER = 1000


class ExportError(Exception):
    """The export cannot run (no database, no jobs table); the message says why."""


@dataclass(frozen=True)
class ExportQuery:
    """Which stored jobs to export, in a stable order (source, webindex).

    A new filter is a new field here, a clause in statement() and an option
    in Command.add_options().
    """

    sources: tuple[str, ...] = ()
    limit: int | None = None

    def statement(self) -> Select:
        columns = [Job.__table__.c[name] for name in EXPORT_FIELDS]
        stmt = select(*columns).order_by(Job.source, Job.webindex)
        if self.sources:
            stmt = stmt.where(Job.source.in_(self.sources))
        if self.limit is not None:
            stmt = stmt.limit(self.limit)
        return stmt


def check_database(engine: Engine) -> None:
    """Raise ExportError unless the database exists and has a jobs table."""
    url = engine.url
    shown = redact_url(url.render_as_string(hide_password=False))
    # Connecting to a missing SQLite file would create an empty one: a typo in
    # the URL must not leave a stray database behind.
    if _missing_sqlite_file(url):
        raise ExportError(f"database file not found: {shown}")
    try:
        has_jobs = inspect(engine).has_table(Job.__tablename__)
    except SQLAlchemyError as exc:
        # The driver's own message (connection refused, auth failed) names the
        # problem; drivers do not echo the password in it.
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ExportError(f"cannot read database {shown}: {reason}") from exc
    if not has_jobs:
        raise ExportError(
            f"no jobs table in {shown}: nothing has been crawled into this database yet "
            "(run a crawl, or `scrapy db upgrade` to create an empty schema)"
        )


def _missing_sqlite_file(url: URL) -> bool:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return False
    return not Path(url.database).exists()


def export_jobs(
    engine: Engine, exporter_cls: type[BaseItemExporter], path: Path, query: ExportQuery
) -> int:
    """Stream the jobs selected by `query` into `path` atomically; return the row count."""
    count = 0
    with atomic_output(path) as out, engine.connect() as conn:
        exporter = exporter_cls(out)
        exporter.start_exporting()
        streaming = conn.execution_options(stream_results=True, yield_per=YIELD_PER)
        for row in streaming.execute(query.statement()):
            exporter.export_item(row_to_dict(row))
            count += 1
        exporter.finish_exporting()
    return count


class Command(ScrapyCommand):
    """Export stored jobs to a file; the file appears only once it is complete.

    Settings: JOBCRAWL_DATABASE_URL.
    """

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "--format FORMAT -o PATH [--source SOURCE ...] [--limit N]"

    def short_desc(self) -> str:
        return "Export stored jobs to CSV or JSONL"

    def long_desc(self) -> str:
        return (
            "Export the jobs in JOBCRAWL_DATABASE_URL, ordered by source and webindex. "
            "The output is written to a temporary file and renamed onto PATH when complete."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        formats = ", ".join(EXPORT_FORMATS)
        parser.add_argument(
            "--format", dest="format", metavar="FORMAT",
            help=f"output format: {formats} (default: from the -o file extension)",
        )
        parser.add_argument("-o", "--output", dest="output", metavar="PATH",
                            help="file to write (its folder is created if needed)")
        parser.add_argument("--source", dest="sources", action="append", default=[],
                            metavar="SOURCE", help="only this source (may be repeated)")
        parser.add_argument("--limit", dest="limit", type=int, metavar="N",
                            help="at most N jobs")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        path, fmt = _output_and_format(opts)
        query = _query(opts)
        assert self.settings is not None
        url = self.settings.get("JOBCRAWL_DATABASE_URL")
        try:
            count = _export(url, EXPORT_FORMATS[fmt], path, query)
        except (ExportError, OSError, SQLAlchemyError) as exc:
            # First line only: SQLAlchemy appends SQL and a docs link; none of
            # it carries the password, which only ever appears redacted.
            print(f"export failed: {str(exc).splitlines()[0]}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"exported {count} jobs to {path} ({fmt})")


def _export(url: str, exporter_cls: type[BaseItemExporter], path: Path, query: ExportQuery) -> int:
    try:
        engine = make_engine(url)
    except ArgumentError as exc:  # its message would quote the URL, password and all
        raise ExportError(f"invalid JOBCRAWL_DATABASE_URL {redact_url(url)}") from exc
    try:
        check_database(engine)
        return export_jobs(engine, exporter_cls, path, query)
    finally:
        engine.dispose()


def _output_and_format(opts: argparse.Namespace) -> tuple[Path, str]:
    if not opts.output:
        raise UsageError("missing -o/--output PATH: the file to write")
    path = Path(opts.output)
    fmt = opts.format or path.suffix.removeprefix(".").lower()
    if fmt not in EXPORT_FORMATS:
        known = ", ".join(EXPORT_FORMATS)
        if opts.format:
            raise UsageError(f"--format {opts.format!r} is not one of: {known}")
        raise UsageError(f"missing --format ({known}); the extension of {path} does not say")
    return path, fmt


def _query(opts: argparse.Namespace) -> ExportQuery:
    if opts.limit is not None and opts.limit < 1:
        raise UsageError(f"--limit must be a positive number of jobs, not {opts.limit}")
    return ExportQuery(sources=tuple(opts.sources), limit=opts.limit)
