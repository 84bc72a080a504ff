"""run_export(): the selected jobs streamed into one format, atomically, with a manifest."""

from __future__ import annotations

import ctypes
import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jobcrawl.db.migrate import SCHEMA_HEAD, current_revision
from jobcrawl.export.atomic import partial_path
from jobcrawl.export.database import (
    check_database,
    scalar,
    shown_url,
    snapshot,
    stream_chunks,
)
from jobcrawl.export.manifest import (
    MANIFEST_VERSION,
    FileSpool,
    jobcrawl_version,
    redacted_command,
    utc_now,
    write_manifest,
)
from jobcrawl.export.output import (
    HashingWriter,
    check_target,
    manifest_path,
    put_in_place,
    remove,
    signals_held,
)
from jobcrawl.export.query import ExportQuery, Sampler
from jobcrawl.export.values import EXPORT_FIELDS
from jobcrawl.export.writers import (
    FORMATS,
    CorpusWriter,
    CsvWriter,
    JobPostingWriter,
    JsonLinesWriter,
    ParquetWriter,
    Skipped,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from sqlalchemy import Connection, Engine

# mallopt() parameter numbers from glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Read with every export, whatever the fields: the sample is drawn on the key,
# and the manifest lists the sources and crawl runs the rows came from.
BOOKKEEPING = ("source", "webindex", "last_run")


class Writer(Protocol):
    def write(self, rows: Sequence[Sequence[Any]]) -> int: ...
    def close(self) -> None: ...


class Progress(Protocol):
    """What run_export reports to: the expected total once known, then rows as they go."""

    def start(self, total: int) -> None: ...
    def advance(self, rows: int) -> None: ...


@dataclass(frozen=True)
class ExportSpec:
    """One export as asked for: format, output path, rows, columns, options.

    `fields` applies to csv, jsonl and parquet (None: every export field);
    `command` is recorded in the manifest (passwords masked).
    """

    fmt: str
    output: Path
    query: ExportQuery = field(default_factory=ExportQuery)
    fields: tuple[str, ...] | None = None
    excel: bool = False
    command: tuple[str, ...] = ()

    def columns(self) -> tuple[str, ...]:
        return FORMATS[self.fmt].fixed_fields or self.fields or EXPORT_FIELDS


@dataclass
class ExportResult:
    """What an export wrote."""

    output: Path
    manifest: Path
    rows: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0
    size: int = 0


@dataclass
class _Coverage:
    sources: set[str] = field(default_factory=set)
    runs: set[str | None] = field(default_factory=set)


def keep_freed_memory() -> None:
    """Let glibc keep freed memory for the next chunk instead of returning it to the kernel.

    Every chunk builds and frees a few MB of text. By default glibc hands that
    back at once (heap trimming, mmap for big blocks) and the next chunk faults
    it all in again: a third of a big export's system time. The thresholds
    only bound what is kept between chunks; peak memory does not change.
    Elsewhere (no glibc), nothing to do. Without it a CSV export of 500,000 rows
    took 5.8% more CPU per row (12.81 against 12.11 us, median of 5 alternating
    rounds, benchmarks/export.py's setting; JSONL 2.2%).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's maximum
    mallopt(_M_TRIM_THRESHOLD, 128 << 20)


def run_export(engine: Engine, spec: ExportSpec, progress: Progress | None = None,
               on_skip: Callable[[Skipped], None] | None = None) -> ExportResult:
    """Export what `spec` asks for; the output and its manifest appear only when complete.

    Raises ExportError (or the database's / file system's own error); on any
    error or interruption the temporary output is removed and an earlier
    export under the same name is left as it was.
    """
    fmt = FORMATS[spec.fmt]
    output = spec.output
    check_target(output, folder=fmt.folder)
    present = check_database(engine)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(output)
    spool = FileSpool(output.with_name(f".{output.name}.files-{os.getpid()}"))
    result = ExportResult(output, manifest_path(output))
    coverage = _Coverage()
    keep_freed_memory()
    # Rows are tuples of strings and numbers, never in reference cycles: the
    # cyclic garbage collector would only rescan them, a few % of a big export.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with engine.connect() as connection:
            _stream(connection, spec, present, partial, spool, result, coverage, progress,
                    on_skip)
            revision = current_revision(engine)
        header = _header(engine, spec, result, coverage, spool, revision)
        with signals_held():
            result.manifest.unlink(missing_ok=True)  # never an old manifest beside new files
            put_in_place(partial, output)
            write_manifest(result.manifest, header, spool.entries())
    finally:
        if gc_was_enabled:
            gc.enable()
        remove(partial)
        spool.discard()
    result.files, result.size = spool.count, spool.size
    return result


def _stream(connection: Connection, spec: ExportSpec, present: frozenset[str], partial: Path,
            spool: FileSpool, result: ExportResult, coverage: _Coverage,
            progress: Progress | None, on_skip: Callable[[Skipped], None] | None) -> None:
    query = spec.query
    fields = spec.columns()
    columns = (*fields, *(name for name in BOOKKEEPING if name not in fields))
    source_at, webindex_at, run_at = (columns.index(name) for name in BOOKKEEPING)
    source_of, run_of = itemgetter(source_at), itemgetter(run_at)
    statement = query.statement(columns, connection.dialect.name, present)

    def skipped(row: Skipped) -> None:
        result.skipped.append(row)
        if on_skip:
            on_skip(row)

    with snapshot(connection) as driver, _open_writer(spec, partial, spool, skipped) as writer:
        sampler = None
        if query.sample is not None and query.seed is not None:
            chunks = stream_chunks(connection, driver, query.keys_statement(present))
            keys = (key for chunk in chunks for key in chunk)
            sampler = Sampler.draw(query.seed, query.sample, keys)
        if progress is not None:
            total = scalar(connection, driver, query.count_statement(present))
            progress.start(min(n for n in (total, query.sample, query.limit) if n is not None))
        remaining = query.limit if sampler else None
        for rows in stream_chunks(connection, driver, statement):
            if sampler is not None:
                rows = [row for row in rows if sampler.keep(row[source_at], row[webindex_at])]
                if remaining is not None:
                    rows = rows[:remaining]
                    remaining -= len(rows)
                if not rows:
                    if remaining == 0:
                        break
                    continue
            coverage.sources.update(map(source_of, rows))
            coverage.runs.update(map(run_of, rows))
            result.rows += writer.write(rows)
            if progress is not None:
                progress.advance(len(rows))


@contextmanager
def _open_writer(spec: ExportSpec, partial: Path, spool: FileSpool,
                 on_skip: Callable[[Skipped], None]) -> Iterator[Writer]:
    """The format's writer on the partial file or folder; closed (and synced) on success."""
    if FORMATS[spec.fmt].folder:
        partial.mkdir()
        corpus = CorpusWriter(partial, spec.output.name, spool.add, on_skip)
        yield corpus
        corpus.close()
        return
    with partial.open("xb") as raw:
        out = HashingWriter(raw)
        try:
            writer = _file_writer(spec, out)
            yield writer
            writer.close()
            out.finish()
        except BaseException:
            out.abort()  # nothing more is written; the partial file is removed by the caller
            raise
    spool.add(out.entry(spec.output.name))


def _file_writer(spec: ExportSpec, out: HashingWriter) -> Writer:
    fields = spec.columns()
    if spec.fmt == "csv":
        return CsvWriter(out, fields, excel=spec.excel)
    if spec.fmt == "jsonl":
        return JsonLinesWriter(out, fields)
    if spec.fmt == "parquet":
        return ParquetWriter(out, fields)
    return JobPostingWriter(out)


def _header(engine: Engine, spec: ExportSpec, result: ExportResult, coverage: _Coverage,
            spool: FileSpool, revision: str | None) -> dict[str, Any]:
    fmt = FORMATS[spec.fmt]
    return {
        "manifest_version": MANIFEST_VERSION,
        "created_at": utc_now(),
        "command": redacted_command(spec.command),
        "format": spec.fmt,
        "output": spec.output.name,
        "fields": list(spec.columns()) if fmt.fixed_fields is None else None,
        "excel": spec.excel,
        "filters": spec.query.describe(),
        "order": ["source", "webindex"],
        "row_count": result.rows,
        "skipped_rows": len(result.skipped),
        "database": shown_url(engine),
        "schema_version": revision,
        "schema_head": SCHEMA_HEAD,
        "jobcrawl_version": jobcrawl_version(),
        "crawl_runs": sorted(run for run in coverage.runs if run is not None),
        "sources": sorted(coverage.sources),
        "file_count": spool.count,
        "total_size": spool.size,
    }
