"""One `scrapy import`: pick the reader for PATH, store what reads, count what does not."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobcrawl.importers import Ad, Problem, check_ad
from jobcrawl.importers.adzuna_csv import read_adzuna_csv
from jobcrawl.importers.corpus_folder import FileCount, corpus_files, read_corpus
from jobcrawl.importers.deadletter import is_deadletter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

    from jobcrawl.importers.writer import ImportWriter

CORPUS = "corpus"
ADZUNA_CSV = "adzuna-csv"
DEADLETTER = "deadletter"
AUTO = "auto"
FORMATS = (CORPUS, ADZUNA_CSV, DEADLETTER, AUTO)
SOURCE_PREFIX = "import:"
_SNIFF_BYTES = 4096


def detect_format(path: Path, requested: str) -> str:
    """The format of `path`; ValueError (for a UsageError) when it cannot be told.

    auto: a folder is a text corpus; a file is CSV when named *.csv or when its
    first line is an Adzuna header, a corpus record when named *.txt or when it
    starts with "Title: ", a crawl's dead-letter file when its first line is a
    dead-letter row.
    """
    if requested not in FORMATS:
        raise ValueError(f"--format must be one of {', '.join(FORMATS)}, not {requested!r}")
    if requested != AUTO:
        return requested
    if path.is_dir():
        return CORPUS
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return ADZUNA_CSV if suffix == ".csv" else CORPUS
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES).lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"Title: "):
        return CORPUS
    if is_deadletter(head.split(b"\n", 1)[0]):
        return DEADLETTER
    first_line = head.split(b"\n", 1)[0].decode("utf-8", "replace")
    if {"Id", "Title"} <= {cell.strip().strip('"') for cell in first_line.split(",")}:
        return ADZUNA_CSV
    raise ValueError(f"cannot tell the format of {path}: give --format corpus, adzuna-csv "
                     "or deadletter")


def default_source(path: Path) -> str:
    """`import:<folder or file name>`, e.g. import:Train_rev1.csv."""
    return f"{SOURCE_PREFIX}{path.resolve().name or 'root'}"


@dataclass
class ImportSummary:
    """What one import did: the numbers `scrapy import` prints (and --json writes)."""

    path: str
    format: str
    source: str
    database: str
    run_id: str
    imported_at: datetime
    files_read: int = 0
    files_ignored: int = 0
    imported: int = 0
    already_present: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    # Fields that held a NUL or another control character, removed (the ad was kept).
    cleaned: Counter[str] = field(default_factory=Counter)

    @property
    def records_read(self) -> int:
        return self.imported + self.already_present

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path, "format": self.format, "source": self.source,
            "database": self.database, "run_id": self.run_id,
            "imported_at": self.imported_at.isoformat(),
            "files_read": self.files_read, "files_ignored": self.files_ignored,
            "imported": self.imported, "already_present": self.already_present,
            "skipped": sum(self.skipped.values()),
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "cleaned_fields": sum(self.cleaned.values()),
            "cleaned_by_field": dict(sorted(self.cleaned.items())),
        }  # fmt: skip


def read_entries(
    path: Path,
    fmt: str,
    *,
    source: str,
    scraped_at: datetime,
    category: str | None,
    files: FileCount,
) -> Iterator[Ad | Problem]:
    """The Ads and Problems of every file under `path` in format `fmt` (not auto)."""
    if fmt == CORPUS:
        yield from read_corpus(path, source=source, scraped_at=scraped_at, category=category,
                               count=files)
        return
    for found in corpus_files(path, ".csv", files):
        if isinstance(found, Problem):
            yield found
            continue
        yield from read_adzuna_csv(found[0], source=source, scraped_at=scraped_at,
                                   category=category)


def store_entries(
    entries: Iterator[Ad | Problem],
    writer: ImportWriter,
    summary: ImportSummary,
    report: Callable[[Problem], None],
) -> None:
    """Write every storable Ad, report and count every Problem; the caller handles DB errors."""
    try:
        for entry in entries:
            if isinstance(entry, Problem):
                problem = entry
            else:
                problem, cleaned = check_ad(entry)
                if problem is None:  # counted for the ads kept, not for those skipped
                    summary.cleaned.update(cleaned)
            if problem is not None:
                summary.skipped[problem.reason] += 1
                report(problem)
                continue
            assert isinstance(entry, Ad)
            writer.add(entry.item)
        writer.flush()
    finally:
        summary.imported = writer.counts.imported
        summary.already_present = writer.counts.already_present

