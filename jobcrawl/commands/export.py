"""`scrapy export`: stored jobs out as files to cite and rebuild; `--verify` re-checks them."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from jobcrawl.commands.options import date_option

if TYPE_CHECKING:
    import argparse

    from jobcrawl.export.build import ExportResult, ExportSpec
    from jobcrawl.export.writers import Skipped

# Kept here rather than imported: Scrapy imports every command module for every
# command, and the export machinery (and pyarrow behind it) is only for this one.
FORMAT_NAMES = ("csv", "jsonl", "parquet", "jobposting", "corpus")
CHOOSE_FIELDS = ("csv", "jsonl", "parquet")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
FILTER_OPTIONS = ("sources", "categories", "since", "until", "active_on", "fields", "sample",
                  "seed", "limit")


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs."""


class TerminalProgress:
    """A tqdm progress bar on the terminal (stderr), updated once per chunk."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._bar: Any = None

    def start(self, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit=" ads", unit_scale=True, file=self._stream,
                         mininterval=0.5, dynamic_ncols=True)

    def advance(self, rows: int) -> None:
        if self._bar is not None:
            self._bar.update(rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class Command(ScrapyCommand):
    """Export stored jobs; the output and its manifest appear only once complete.

    Settings: JOBCRAWL_DATABASE_URL.
    Exit codes: 0 done, 1 export or verification failed, 2 bad options,
    130 / 143 interrupted by SIGINT / SIGTERM (nothing written).
    """

    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return ("--format FORMAT -o PATH [--source S ...] [--category C ...] [--since DATE] "
                "[--until DATE] [--active-on DATE] [--fields a,b,c] [--sample N --seed K] "
                "[--limit N] [--excel] | --verify PATH")

    def short_desc(self) -> str:
        return "Export stored jobs (csv, jsonl, parquet, jobposting, corpus) with a manifest"

    def long_desc(self) -> str:
        return (
            "Export the jobs in JOBCRAWL_DATABASE_URL in (source, webindex) order. The output "
            "is written under a temporary name and renamed onto PATH when complete, with "
            "PATH.manifest.json beside it (command, filters, row count, SHA-256 of every file, "
            "schema and jobcrawl versions, crawl runs and sources). --verify PATH re-checks "
            "an export (PATH: the output or its manifest) and exits 1 on any mismatch."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add = parser.add_argument
        add("--format", metavar="FORMAT",
            help=f"{', '.join(FORMAT_NAMES)} (default: from the -o extension)")
        add("-o", "--output", metavar="PATH",
            help="file to write (a folder for corpus); its parent is created if needed")
        add("--source", dest="sources", action="append", default=[], metavar="SOURCE",
            help="only this source (repeatable)")
        add("--category", dest="categories", action="append", default=[], metavar="CATEGORY",
            help="only this category (repeatable)")
        add("--since", metavar="DATE", help="first seen on or after DATE (YYYY-MM-DD, UTC)")
        add("--until", metavar="DATE", help="first seen on or before DATE (YYYY-MM-DD, UTC)")
        add("--active-on", metavar="DATE",
            help="open on DATE: first seen by then, closing on or after it "
                 "(no closing date: last seen on or after it)")
        add("--fields", metavar="a,b,c", help="these columns, in this order (csv, jsonl, parquet)")
        add("--sample", type=int, metavar="N", help="a reproducible sample of N jobs (with --seed)")
        add("--seed", type=int, metavar="K", help="the sample's seed, 0 to 2**64-1")
        add("--limit", type=int, metavar="N", help="at most N jobs, the first in order")
        add("--excel", action="store_true",
            help="csv for spreadsheets: UTF-8 BOM, formula-like cells neutralised")
        add("--verify", metavar="PATH", help="re-check an export against its manifest")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        if opts.verify:
            self.exitcode = _verify(opts)
            return
        spec = _spec(opts)
        assert self.settings is not None
        url = self.settings.get("JOBCRAWL_DATABASE_URL")
        try:
            result = _export(url, spec)
        except KeyboardInterrupt as exc:
            print(f"export interrupted: nothing was written to {spec.output}", file=sys.stderr)
            self.exitcode = 143 if isinstance(exc, Terminated) else 130
            return
        except _export_errors() as exc:
            # First line only: SQLAlchemy appends SQL and a docs link; none of
            # it carries the password, which only ever appears redacted.
            print(f"export failed: {str(exc).splitlines()[0]}", file=sys.stderr)
            self.exitcode = 1
            return
        _print_result(spec, result)


def _terminate(_signum: int, _frame: object) -> None:
    raise Terminated


def _export_errors() -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    from jobcrawl.export.database import ExportError

    return (ExportError, OSError, SQLAlchemyError)


def _export(url: str, spec: ExportSpec) -> ExportResult:
    """Run the export with SIGTERM turned into Terminated and a progress bar on a terminal."""
    from sqlalchemy.exc import ArgumentError

    from jobcrawl.db.engine import make_engine
    from jobcrawl.export.build import run_export
    from jobcrawl.export.database import ExportError
    from jobcrawl.security.secrets import redact_url

    try:
        engine = make_engine(url)
    except ArgumentError as exc:  # its message would quote the URL, password and all
        raise ExportError(f"invalid JOBCRAWL_DATABASE_URL {redact_url(url)}") from exc
    previous = signal.signal(signal.SIGTERM, _terminate)
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        return run_export(engine, spec, progress, on_skip=_report_skip)
    finally:
        if progress is not None:
            progress.close()
        signal.signal(signal.SIGTERM, previous)
        engine.dispose()


def _report_skip(row: Skipped) -> None:
    print(f"skipped {row.source} {row.webindex}: {row.reason}", file=sys.stderr)


def _print_result(spec: ExportSpec, result: ExportResult) -> None:
    print(f"exported {result.rows} jobs to {spec.output} ({spec.fmt})")
    if result.skipped:
        print(f"skipped {len(result.skipped)} jobs the {spec.fmt} format cannot hold "
              "(listed on stderr)")
    print(f"manifest {result.manifest}")


def _spec(opts: argparse.Namespace) -> ExportSpec:
    from jobcrawl.export.build import ExportSpec
    from jobcrawl.export.query import ExportQuery

    path, fmt = _output_and_format(opts)
    if opts.excel and fmt != "csv":
        raise UsageError(f"--excel applies to --format csv only, not {fmt}")
    try:
        query = ExportQuery(
            sources=tuple(opts.sources), categories=tuple(opts.categories),
            since=date_option(opts.since, "--since"),
            until=date_option(opts.until, "--until"),
            active_on=date_option(opts.active_on, "--active-on"),
            sample=opts.sample, seed=opts.seed, limit=opts.limit,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    fields = _fields(opts.fields, fmt)
    # Scrapy's command line has already taken the command's name out of sys.argv.
    arguments = sys.argv[1:]
    command = ("scrapy", *([] if arguments[:1] == ["export"] else ["export"]), *arguments)
    return ExportSpec(fmt, path, query, fields, opts.excel, command)


def _output_and_format(opts: argparse.Namespace) -> tuple[Path, str]:
    if not opts.output:
        raise UsageError("missing -o/--output PATH: the file (or corpus folder) to write")
    path = Path(opts.output)
    known = ", ".join(FORMAT_NAMES)
    if opts.format:
        if opts.format not in FORMAT_NAMES:
            raise UsageError(f"--format {opts.format!r} is not one of: {known}")
        return path, opts.format
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"missing --format ({known}); the extension of {path} does not say")
    return path, fmt


def _fields(value: str | None, fmt: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if fmt not in CHOOSE_FIELDS:
        raise UsageError(f"--fields applies to {', '.join(CHOOSE_FIELDS)}; "
                         f"the {fmt} format has fixed fields")
    from jobcrawl.export.values import EXPORT_FIELDS

    names = [name.strip() for name in value.split(",")]
    for name in names:
        if name not in EXPORT_FIELDS:
            raise UsageError(f"--fields: unknown field {name!r} "
                             f"(known: {', '.join(EXPORT_FIELDS)})")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise UsageError(f"--fields: {', '.join(duplicates)} given more than once")
    return tuple(names)


def _verify(opts: argparse.Namespace) -> int:
    given = [f"--{name.replace('_', '-')}" for name in ("format", "output", "excel",
                                                        *FILTER_OPTIONS)
             if getattr(opts, name) not in (None, [], False)]
    if given:
        raise UsageError(f"--verify takes no other options (got {', '.join(given)})")
    from jobcrawl.export.manifest import verify
    from jobcrawl.export.output import MANIFEST_SUFFIX, manifest_path

    path = Path(opts.verify)
    manifest = path if path.name.endswith(MANIFEST_SUFFIX) else manifest_path(path)
    if not manifest.is_file():
        print(f"verify failed: no manifest at {manifest}", file=sys.stderr)
        return 1
    try:
        result = verify(manifest)
    except (OSError, ValueError) as exc:
        print(f"verify failed: {exc}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(problem)
    if result.ok:
        print(f"verified {result.checked} files against {manifest}: sizes and SHA-256 match")
        return 0
    print(f"{len(result.problems)} problems with the {result.checked} files "
          f"listed in {manifest}")
    return 1
