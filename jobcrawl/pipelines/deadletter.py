"""The dead-letter file: rows the store could not write, kept for `scrapy import` to load later.

One JSON object per line: the row exactly as the store would have written it
(the JobItem fields with ISO dates, its content hash, a closed notice's expiry
columns) plus `run_id`, the crawl that fetched it. `scrapy import FILE.jsonl`
writes the rows as that crawl would have (importers/deadletter.py), so a crawl
whose database was away loses nothing.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobcrawl.export.values import export_value

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

# Marks a line as a dead-letter row (the import tells the format by it).
FORMAT_KEY = "jobcrawl_deadletter"
FORMAT_VERSION = 1


def deadletter_path(folder: str, run_id: str) -> Path:
    """`<folder>/<run_id>.jsonl`: named only from the run id, never from web data."""
    return Path(folder) / f"{run_id}.jsonl"


def deadletter_line(row: dict[str, Any], run_id: str) -> str:
    values = {name: export_value(value) for name, value in row.items()}
    return json.dumps({FORMAT_KEY: FORMAT_VERSION, "run_id": run_id, **values},
                      ensure_ascii=False)


class DeadLetter:
    """Appends rows to the run's dead-letter file, created on the first row."""

    def __init__(self, folder: str, run_id: str) -> None:
        self.path = deadletter_path(folder, run_id)
        self.run_id = run_id
        self.rows = 0

    def add(self, rows: Iterable[dict[str, Any]]) -> int:
        """Write `rows` and flush them to disk; the number written. OSError if it cannot."""
        lines = [deadletter_line(row, self.run_id) for row in rows]
        if not lines:
            return 0
        if self.rows == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            logger.error("rows that could not be stored go to %s: load them later with "
                         "`scrapy import %s`", self.path, self.path)
        with self.path.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
            f.flush()
            os.fsync(f.fileno())  # the database is already failing: keep these at least
        self.rows += len(lines)
        return len(lines)
