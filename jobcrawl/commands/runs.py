"""`scrapy runs`: the recorded crawls, newest first, as a table or as JSON."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from jobcrawl.export.values import as_utc
from jobcrawl.runs.queries import run_duration

if TYPE_CHECKING:
    import argparse

STATUSES = ("running", "ok", "failed", "incomplete", "unhealthy")
# (header, width-aligned to the right?) of the table, in order.
COLUMNS: tuple[tuple[str, bool], ...] = (
    ("id", False), ("spider", False), ("source", False), ("started (UTC)", False),
    ("duration", True), ("status", False), ("new", True), ("updated", True),
    ("unchanged", True), ("touched", True), ("dropped", True), ("errors", True),
    ("finish reason", False),
)


class RunsError(Exception):
    """The runs cannot be read (no database, no crawl_runs table); the message says why."""


class Command(ScrapyCommand):
    """List the crawls recorded in crawl_runs by the run record extension.

    Settings: JOBCRAWL_DATABASE_URL.
    """

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "[--last N] [--spider SPIDER] [--source SOURCE] [--status STATUS] [--json]"

    def short_desc(self) -> str:
        return "List recorded crawl runs (status, items, errors), newest first"

    def long_desc(self) -> str:
        return (
            "Print the newest crawl runs recorded in JOBCRAWL_DATABASE_URL as a table: "
            "run id (first 8 characters), spider, source, start, duration, status, ads "
            "new / updated / unchanged / touched, items dropped, errors and finish reason. "
            "With "
            "--json, every column of each run (full id, arguments, monitors, stats) as "
            "a JSON list, newest first."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--last", type=int, default=20, metavar="N",
                            help="the N newest runs (default 20)")
        parser.add_argument("--spider", metavar="SPIDER", help="only runs of this spider")
        parser.add_argument("--source", metavar="SOURCE",
                            help="only runs of this source, e.g. greenhouse:acme")
        parser.add_argument("--status", choices=STATUSES, help="only runs with this status")
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if opts.last < 1:
            raise UsageError(f"--last must be 1 or more, not {opts.last}")
        assert self.settings is not None
        url = self.settings.get("JOBCRAWL_DATABASE_URL")
        # Imported here: Scrapy imports every command module for every command.
        from sqlalchemy.exc import SQLAlchemyError

        try:
            runs = _read_runs(url, opts)
        except (RunsError, SQLAlchemyError) as exc:
            # First line only: SQLAlchemy appends SQL and a docs link.
            print(f"runs failed: {str(exc).splitlines()[0]}", file=sys.stderr)
            self.exitcode = 1
            return
        if opts.json:
            print(json.dumps([_json_row(run) for run in runs], indent=2, default=str))
        elif runs:
            print(table(runs))
        else:
            print("no runs recorded" + (" that match" if _filtered(opts) else ""))


def _filtered(opts: argparse.Namespace) -> bool:
    return any((opts.spider, opts.source, opts.status))


def _read_runs(url: str | None, opts: argparse.Namespace) -> list[dict[str, Any]]:
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from jobcrawl.db.access import DatabaseUnavailable, existing_engine, read_failure
    from jobcrawl.runs.queries import recent_runs
    from jobcrawl.security.secrets import redact_url

    url = url or ""
    try:
        engine = existing_engine(url)
    except DatabaseUnavailable as exc:
        raise RunsError(str(exc)) from None
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("crawl_runs"):
                raise RunsError(f"no crawl_runs table in {redact_url(url)}: run `scrapy db "
                                "upgrade` (a crawl into SQLite upgrades it by itself)")
            return recent_runs(connection, last=opts.last, spider=opts.spider,
                               source=opts.source, status=opts.status)
    except SQLAlchemyError as exc:
        raise RunsError(read_failure(url, exc)) from exc
    finally:
        engine.dispose()


def table(runs: list[dict[str, Any]]) -> str:
    """The runs as an aligned text table, one line per run."""
    rows = [[_cell(run, header) for header, _ in COLUMNS] for run in runs]
    widths = [max(len(header), *(len(row[i]) for row in rows))
              for i, (header, _) in enumerate(COLUMNS)]

    def line(cells: list[str]) -> str:
        parts = [cell.rjust(width) if right else cell.ljust(width)
                 for cell, width, (_, right) in zip(cells, widths, COLUMNS, strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line([header for header, _ in COLUMNS]), *map(line, rows)])


def _cell(run: dict[str, Any], header: str) -> str:
    cells = {
        "id": run["id"][:8],
        "spider": run["spider"],
        "source": run["source"] or "-",
        "started (UTC)": as_utc(run["started_at"]).strftime("%Y-%m-%d %H:%M:%S"),
        "duration": run_duration(run["started_at"], run["finished_at"]),
        "status": run["status"],
        "new": str(run["items_new"]),
        "updated": str(run["items_updated"]),
        "unchanged": str(run["items_unchanged"]),
        "touched": str(run["items_touched"]),
        "dropped": str(run["items_dropped"]),
        "errors": str(run["errors"]),
        "finish reason": run["finish_reason"] or "-",
    }
    return cells[header]


def _json_row(run: dict[str, Any]) -> dict[str, Any]:
    """Every column; times as ISO 8601 UTC, JSON columns as they are."""
    row = dict(run)
    for name in ("started_at", "finished_at"):
        if row[name] is not None:
            row[name] = as_utc(row[name]).isoformat()
    return row
