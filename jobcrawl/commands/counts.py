"""`scrapy counts`: new and active ads per day or ISO week, as a table or CSV."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from jobcrawl.commands.options import date_option

if TYPE_CHECKING:
    import argparse

    from jobcrawl.statistics.counts import PeriodCount

# Kept here rather than imported: Scrapy imports every command module for every
# command, and SQLAlchemy is only needed by this one when it runs.
FREQUENCIES = ("day", "week")
FORMATS = ("table", "csv")
CSV_HEADER = ("period_start", "period_end", "snapshot", "new", "active")
# (header, right-aligned?) of the table, in order.
COLUMNS: tuple[tuple[str, bool], ...] = (
    ("period start", False), ("period end", False), ("new", True), ("active", True),
)


class CountsError(Exception):
    """The counts cannot be read (no database, old schema); the message says why."""


class Command(ScrapyCommand):
    """Count new and active ads per period from the jobs table (rules: statistics.activity).

    Settings: JOBCRAWL_DATABASE_URL.
    Exit codes: 0 done, 1 database missing, unreadable or not at the newest
    schema, 2 bad options.
    """

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return ("[--freq day|week] [--since DATE] [--until DATE] [--as-of DATE] "
                "[--source S ...] [--format table|csv] [-o PATH]")

    def short_desc(self) -> str:
        return "New and active ads per day or week (the statistics of online job adverts)"

    def long_desc(self) -> str:
        return (
            "For every day or ISO week (Monday to Sunday) from --since to --until, print the "
            "ads first seen in the period (new) and the ads active on its last day (active; "
            "the current period: on the --as-of day). Active: first seen by that day, not "
            "expired by it, not closed before it and, without a closing date, last seen on "
            "or after it. --as-of defaults to the last day any selected ad was seen; --since "
            "to the first day one was first seen; --until to --as-of. Days are UTC."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add = parser.add_argument
        add("--freq", choices=FREQUENCIES, default="week",
            help="one row per day or per ISO week (default week)")
        add("--since", metavar="DATE", help="from the period containing DATE (YYYY-MM-DD)")
        add("--until", metavar="DATE", help="to the period containing DATE (YYYY-MM-DD)")
        add("--as-of", metavar="DATE",
            help="count nothing after DATE (default: the last day an ad was seen)")
        add("--source", dest="sources", action="append", default=[], metavar="SOURCE",
            help="only ads of this exact source (repeatable, or comma separated)")
        add("--format", choices=FORMATS,
            help="table or csv (default: csv when -o ends in .csv, else table)")
        add("-o", "--output", metavar="PATH", help="write to PATH instead of stdout")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        options = {
            "freq": opts.freq, "since": date_option(opts.since, "--since"),
            "until": date_option(opts.until, "--until"),
            "as_of": date_option(opts.as_of, "--as-of"),
            "sources": _sources(opts.sources),
        }
        fmt = opts.format or ("csv" if str(opts.output or "").lower().endswith(".csv")
                              else "table")
        assert self.settings is not None
        url = self.settings.get("JOBCRAWL_DATABASE_URL")
        try:
            periods = _count(url, options)
        except ValueError as exc:  # an option that does not fit the data, e.g. --until
            raise UsageError(str(exc)) from exc
        except CountsError as exc:
            print(f"counts failed: {exc}", file=sys.stderr)
            self.exitcode = 1
            return
        text = csv_text(periods) if fmt == "csv" else _table_text(periods, options["sources"])
        if opts.output:
            self.exitcode = _write(Path(opts.output), text, len(periods))
        else:
            sys.stdout.write(text)


def _sources(values: list[str]) -> tuple[str, ...]:
    names = tuple(name.strip() for value in values for name in value.split(","))
    if "" in names:
        raise UsageError("--source: empty source name")
    return names


def _count(url: str | None, options: dict[str, Any]) -> list[PeriodCount]:
    from sqlalchemy.exc import SQLAlchemyError

    from jobcrawl.db.access import DatabaseUnavailable, existing_engine, read_failure
    from jobcrawl.db.migrate import ensure_schema
    from jobcrawl.statistics.counts import count_ads

    url = url or ""
    try:
        engine = existing_engine(url)
    except DatabaseUnavailable as exc:
        raise CountsError(str(exc)) from None
    try:
        ensure_schema(url, auto_upgrade=False)  # never changes the database
        with engine.connect() as connection:
            return count_ads(connection, **options)
    except RuntimeError as exc:
        raise CountsError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise CountsError(read_failure(url, exc)) from exc
    finally:
        engine.dispose()


def csv_text(periods: list[PeriodCount]) -> str:
    """The periods as CSV (RFC 4180, as `scrapy export` writes it), header first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for period in periods:
        writer.writerow([period.start.isoformat(), period.end.isoformat(),
                         period.snapshot.isoformat(), period.new, period.active])
    return out.getvalue()


def table(periods: list[PeriodCount]) -> str:
    """The periods as an aligned text table with a header row."""
    rows = [[p.start.isoformat(), p.end.isoformat(), str(p.new), str(p.active)]
            for p in periods]
    widths = [max(len(header), *(len(row[i]) for row in rows))
              for i, (header, _) in enumerate(COLUMNS)]

    def line(cells: list[str]) -> str:
        parts = [cell.rjust(width) if right else cell.ljust(width)
                 for cell, width, (_, right) in zip(cells, widths, COLUMNS, strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line([header for header, _ in COLUMNS]), *map(line, rows)])


def _table_text(periods: list[PeriodCount], sources: tuple[str, ...]) -> str:
    if not periods:
        return "no ads stored" + (" for these sources" if sources else "") + "\n"
    text = table(periods) + "\n"
    last = periods[-1]
    if last.snapshot != last.end:
        # Otherwise the reader would take the last row for a whole period.
        text += f"the last period is counted up to {last.snapshot} (the --as-of day)\n"
    return text


def _write(path: Path, text: str, rows: int) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        print(f"counts failed: cannot write {path}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {rows} periods to {path}")
    return 0
