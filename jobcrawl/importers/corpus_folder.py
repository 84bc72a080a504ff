"""Read a folder (or one file) of the text corpus format into JobItems, text kept byte for byte."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jobcrawl.export.corpus import ENCODING, UNCATEGORISED, CorpusFormatError, parse_record
from jobcrawl.importers import Ad, Problem
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

CORPUS_SUFFIX = ".txt"


@dataclass
class FileCount:
    """Files seen by a walk: read (tried as records) and ignored (not *.txt, or hidden)."""

    read: int = 0
    ignored: int = 0


def corpus_files(
    root: Path, suffix: str, count: FileCount
) -> Iterator[tuple[Path, Path] | Problem]:
    """(file, folder holding it) for every `*<suffix>` file under `root`, in a stable order.

    Hidden files (macOS "._Job_1.txt" resource forks, ".DS_Store") and other
    suffixes (manifest.json) are counted as ignored. Every folder is read, hidden
    or not: ".NET Jobs" may be a category. Symlinked folders are not followed,
    so a link cannot pull files from outside `root`. A folder that cannot be
    listed is a Problem (unreadable), not a silent gap.
    """
    if root.is_file():
        count.read += 1
        yield root, root.parent
        return
    errors: list[OSError] = []
    for folder, dirs, files in os.walk(root, onerror=errors.append):
        yield from _unreadable(errors)
        dirs.sort()
        for name in sorted(files):
            if name.startswith(".") or not name.lower().endswith(suffix):
                count.ignored += 1
                continue
            count.read += 1
            yield Path(folder) / name, Path(folder)
    yield from _unreadable(errors)


def _unreadable(errors: list[OSError]) -> Iterator[Problem]:
    while errors:
        exc = errors.pop(0)
        where = os.fsdecode(exc.filename) if exc.filename is not None else "?"
        yield Problem(where, None, "unreadable", exc.strerror or str(exc))


def read_corpus(
    root: Path,
    *,
    source: str,
    scraped_at: datetime,
    category: str | None = None,
    count: FileCount | None = None,
) -> Iterator[Ad | Problem]:
    """Every corpus file under `root` as an Ad (or a Problem saying why it was skipped).

    The category is the name of the folder holding the file, exactly as the
    file system spells it; files directly in `root` have none, and so does the
    `Uncategorised` folder that `scrapy export --format corpus` writes for ads
    without one. `category`, when given, is used for every ad instead.
    """
    count = count if count is not None else FileCount()
    top = root if root.is_dir() else root.parent
    for found in corpus_files(root, CORPUS_SUFFIX, count):
        if isinstance(found, Problem):
            yield found
            continue
        path, folder = found
        shown = os.fsdecode(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Problem(shown, None, "unreadable", exc.strerror or str(exc))
            continue
        folder_category = None if folder == top else _category(folder.name)
        yield _read_file(data, shown, category if category is not None else folder_category,
                         source=source, scraped_at=scraped_at)


def _category(folder_name: str) -> str | None:
    return None if folder_name == UNCATEGORISED else folder_name


def _read_file(
    data: bytes, shown: str, category: str | None, *, source: str, scraped_at: datetime
) -> Ad | Problem:
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Problem(shown, line, "undecodable",
                       f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8")
    try:
        record = parse_record(text)
    except CorpusFormatError as exc:
        return Problem(shown, exc.line, "malformed", exc.reason)
    item = JobItem(
        webindex=record.webindex,
        source=source,
        # A corpus file has no URL: "" here, stored as NULL (db.upsert.job_row).
        url="",
        title=record.title,
        company=record.company,
        category=category,
        description=record.description,
        scraped_at=scraped_at,
    )
    return Ad(item, shown, 1)
