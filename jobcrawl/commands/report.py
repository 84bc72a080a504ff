"""`scrapy report`: recent runs, charts and coverage as one self-contained HTML file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from jobcrawl.commands.options import date_option

if TYPE_CHECKING:
    import argparse

    from jobcrawl.report.data import ReportData, ReportOptions


class Command(ScrapyCommand):
    """Write the report page of JOBCRAWL_DATABASE_URL.

    Settings: JOBCRAWL_DATABASE_URL.
    Exit codes: 0 written, 1 the database cannot be read or the file written, 2 bad options.
    """

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return "-o PATH [--runs N] [--freq day|week] [--since DATE] [--source SOURCE ...]"

    def short_desc(self) -> str:
        return "Write an HTML report of recent runs, ads per source and field coverage"

    def long_desc(self) -> str:
        return (
            "Write one self-contained HTML file (inline CSS and SVG charts, no script, "
            "nothing loaded from the network): the database and totals, a table of the "
            "newest crawl runs, charts of ads stored per run by source, new / updated / "
            "touched ads per run, error and drop rates, field coverage per source, and new "
            "and active ads per day or week. The file is written under a temporary name "
            "and renamed onto PATH when complete."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add = parser.add_argument
        add("-o", "--output", metavar="PATH", help="the HTML file to write")
        add("--runs", type=int, default=50, metavar="N",
            help="the N newest runs in the table and run charts (default 50)")
        add("--freq", default="week", metavar="day|week",
            help="period of the new / active counts (default week)")
        add("--since", metavar="DATE",
            help="runs started and periods from this UTC day on (YYYY-MM-DD)")
        add("--source", dest="sources", action="append", default=[], metavar="SOURCE",
            help="only this source (repeatable, or comma-separated)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if not opts.output:
            raise UsageError("missing -o/--output PATH: the HTML file to write")
        options = _options(opts)
        assert self.settings is not None
        url = self.settings.get("JOBCRAWL_DATABASE_URL")
        from jobcrawl.report.build import ReportError, write_report

        output = Path(opts.output)
        try:
            if not url:
                raise ReportError("JOBCRAWL_DATABASE_URL is empty")
            data = write_report(url, options, output)
        except (ReportError, OSError) as exc:
            print(f"report failed: {str(exc).splitlines()[0]}", file=sys.stderr)
            self.exitcode = 1
            return
        print(f"report written to {output}")
        print(one_line(data))


def _options(opts: argparse.Namespace) -> ReportOptions:
    from jobcrawl.report.data import ReportOptions

    sources = tuple(dict.fromkeys(
        name.strip() for value in opts.sources for name in value.split(",") if name.strip()))
    try:
        return ReportOptions(runs=opts.runs, freq=opts.freq,
                             since=date_option(opts.since, "--since"),
                             sources=sources)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def one_line(data: ReportData) -> str:
    """What the page shows, in one line."""
    totals = data.totals
    return (f"{_count(len(data.runs), 'run')}, {_count(totals.ads, 'ad')} ({totals.live:,} live) "
            f"from {_count(totals.sources, 'source')}, "
            f"{_count(len(data.periods), data.options.freq)} of counts")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
