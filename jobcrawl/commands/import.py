"""`scrapy import PATH`: text-corpus folders, Adzuna-style CSV and dead-letter files."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    import argparse

    from jobcrawl.importers import Problem
    from jobcrawl.importers.load import ImportSummary

# Kept in step with jobcrawl.importers.load.FORMATS, which is imported only when the
# command runs: Scrapy imports every command module for every command.
FORMAT_CHOICES = ("corpus", "adzuna-csv", "deadletter", "auto")
# jobs.source and jobs.category are VARCHAR(255).
MAX_NAME = 255


class Command(ScrapyCommand):
    """Imports existing corpora without the crawl pipelines: text is stored byte for byte.

    Settings: JOBCRAWL_DATABASE_URL, JOBCRAWL_STORE_BATCH_SIZE (rows per transaction).
    A SQLite database is created or upgraded as a crawl would; any other
    database must be at the newest revision (`scrapy db upgrade`).
    A crawl's dead-letter file (JOBCRAWL_DEADLETTER_DIR/<run id>.jsonl) is written
    as its crawl would have: each row keeps its source and run, and is upserted.
    Exit codes: 0 when at least one record was read (imported or already
    present), 1 when nothing could be read or the database failed, 2 on a usage error.
    """

    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_LEVEL": "WARNING"}

    def syntax(self) -> str:
        return ("PATH [--source NAME] [--format corpus|adzuna-csv|deadletter|auto] "
                "[--category C] [--json]")

    def short_desc(self) -> str:
        return "Import a text-corpus folder, an Adzuna-style CSV or a dead-letter file"

    def long_desc(self) -> str:
        return (
            "Reads PATH into JOBCRAWL_DATABASE_URL. A folder is read as the text corpus "
            "format (Job_*.txt files; the category is the name of the folder holding a "
            "file), a .csv file as Adzuna-style CSV. Ads already stored under the same "
            "source and webindex are left untouched, so importing twice changes nothing. "
            "A crawl's dead-letter file (the rows its database did not take) is stored as "
            "the crawl would have stored it, each row under its own source. "
            "Bad files and rows are reported on stderr with file and line, skipped and counted."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--source", help="source of the imported ads (default: import:<name>)")
        parser.add_argument("--format", default="auto", choices=FORMAT_CHOICES,
                            help="input format (default: auto, from PATH)")
        parser.add_argument("--category", help="category for every ad, instead of the folder "
                            "name or the Category column")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        from jobcrawl.importers.load import default_source, detect_format

        if len(args) != 1:
            raise UsageError("give one PATH: a text-corpus folder or file, or a CSV file")
        path = Path(args[0])
        if not path.exists():
            raise UsageError(f"PATH not found: {args[0]}")
        try:
            fmt = detect_format(path, opts.format)
        except (ValueError, OSError) as exc:
            raise UsageError(str(exc)) from None
        if fmt == "deadletter" and (opts.source is not None or opts.category is not None):
            raise UsageError("a dead-letter file keeps each row's own source and category: "
                             "--source and --category do not apply")
        source = opts.source if opts.source is not None else default_source(path)
        _check_name("--source", source)
        if opts.category is not None:
            _check_name("--category", opts.category)
        summary = self._import(path, fmt, source, opts.category)
        if summary is not None:
            _print(summary, as_json=opts.json)
            if summary.records_read == 0:
                print(f"error: nothing could be read from {path}", file=sys.stderr)
                self.exitcode = 1

    def _import(
        self, path: Path, fmt: str, source: str, category: str | None
    ) -> ImportSummary | None:
        """Run the import; None (exit code 1, message on stderr) when the database is unusable."""
        from sqlalchemy.exc import SQLAlchemyError

        from jobcrawl.db.config import DatabaseConfig
        from jobcrawl.db.engine import make_engine
        from jobcrawl.db.migrate import ensure_schema
        from jobcrawl.importers.corpus_folder import FileCount
        from jobcrawl.importers.load import ImportSummary, read_entries, store_entries
        from jobcrawl.importers.writer import ImportWriter
        from jobcrawl.pipelines.store import StoreConfig

        assert self.settings is not None
        imported_at = datetime.now(UTC)
        run_id = uuid.uuid4().hex
        try:
            config = DatabaseConfig.from_settings(self.settings)
            batch_size = StoreConfig.from_settings(self.settings).batch_size
            ensure_schema(config.url, auto_upgrade=config.is_sqlite)
            engine = make_engine(config.url)
            writer = ImportWriter(engine, batch_size=batch_size, run_id=run_id,
                                  imported_at=imported_at)
        except (ValueError, RuntimeError, SQLAlchemyError) as exc:
            # Messages carry the redacted URL; driver errors never echo the password.
            self._fail(f"cannot use the database: {str(exc).splitlines()[0]}")
            return None
        summary = ImportSummary(str(path), fmt, source, config.redacted_url, run_id, imported_at)
        if fmt == "deadletter":
            self._replay(path, engine, batch_size, summary)
            return summary
        files = FileCount()
        entries = read_entries(path, fmt, source=source, scraped_at=imported_at,
                               category=category, files=files)
        try:
            store_entries(entries, writer, summary, _report)
        except SQLAlchemyError as exc:
            # First line only: SQLAlchemy appends the SQL and its parameters (whole ads).
            self._fail(f"could not write a batch to {config.redacted_url}: "
                       f"{str(exc).splitlines()[0]}. Earlier batches are stored; "
                       "importing again is safe.")
        finally:
            engine.dispose()
            summary.files_read, summary.files_ignored = files.read, files.ignored
        return summary

    def _replay(self, path: Path, engine: Any, batch_size: int, summary: ImportSummary) -> None:
        """A dead-letter file: upserted, new and updated rows counted as imported."""
        from sqlalchemy.exc import SQLAlchemyError

        from jobcrawl.importers.deadletter import replay

        summary.source = "(each row's own)"
        summary.run_id = "(each row's own)"
        summary.files_read = 1
        try:
            counts = replay(path, engine, batch_size=batch_size, report=_report)
        except SQLAlchemyError as exc:
            self._fail(f"could not write a batch to {summary.database}: "
                       f"{str(exc).splitlines()[0]}. Loading the file again is safe.")
            return
        finally:
            engine.dispose()
        summary.imported = counts.new + counts.updated
        summary.already_present = counts.unchanged
        for problem in counts.skipped:
            summary.skipped[problem.reason] += 1

    def _fail(self, message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = 1


def _check_name(option: str, value: str) -> None:
    if not value.strip():
        raise UsageError(f"{option} must not be empty")
    if len(value) > MAX_NAME:
        raise UsageError(f"{option} has {len(value)} characters; at most {MAX_NAME}")
    if any(char in value for char in "\x00\r\n"):
        raise UsageError(f"{option} must be one line without NUL characters: {value!r}")


def _report(problem: Problem) -> None:
    print(f"skipped {problem}", file=sys.stderr)


def _print(summary: ImportSummary, *, as_json: bool) -> None:
    data = summary.as_dict()
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    print(f"Imported {data['path']} ({data['format']}) into {data['database']} "
          f"as source {data['source']} (run {data['run_id']})")
    rows = [(name.replace("_", " "), data[name]) for name in
            ("files_read", "files_ignored", "imported", "already_present", "skipped")]
    rows += [(f"  {reason}", count) for reason, count in data["skipped_by_reason"].items()]
    if data["cleaned_fields"]:
        # Only when it happened: control characters removed, the ads kept.
        rows.append(("cleaned fields", data["cleaned_fields"]))
        rows += [(f"  {name}", count) for name, count in data["cleaned_by_field"].items()]
    width = max(len(label) for label, _ in rows)
    for label, count in rows:
        print(f"  {label:<{width}}  {count:>10}")
