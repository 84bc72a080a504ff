"""Loading a dead-letter file: the rows a crawl could not store, written as that crawl would have.

Unlike the corpus readers, a dead-letter row keeps its own source and run id
and is upserted (jobcrawl.db.upsert): it may update an ad the crawl had
stored before, exactly as the failed batch would have. Loading the same file
twice changes nothing more (the second time every row is unchanged).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import TYPE_CHECKING, Any

from jobcrawl.db.upsert import prepared_row, upsert_rows
from jobcrawl.importers import Problem
from jobcrawl.pipelines.deadletter import FORMAT_KEY

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from sqlalchemy import Engine

# The columns a dead-letter row carries besides the JobItem fields (and content_hash,
# which prepared_row() computes again from them).
_EXPIRY = ("expired_at", "expiry_reason", "expiry_evidence")


def is_deadletter(first_line: bytes) -> bool:
    try:
        record = json.loads(first_line)
    except ValueError:
        return False
    return isinstance(record, dict) and FORMAT_KEY in record


@dataclass
class ReplayCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Problem] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]] | Problem]:
    """(run id, row for upsert_rows) per line of `path`, or a Problem for a line that is not one."""
    with path.open(encoding="utf-8", errors="surrogateescape") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or FORMAT_KEY not in record:
                    raise ValueError("not a dead-letter row")
                row = prepared_row(record)
                row.update({name: record.get(name) for name in _EXPIRY})
                if row["expired_at"] is not None:
                    row["expired_at"] = datetime.fromisoformat(row["expired_at"])
                yield str(record["run_id"]), row
            except (ValueError, TypeError, KeyError) as exc:
                yield Problem(str(path), number, "malformed", str(exc)[:200])


def replay(path: Path, engine: Engine, *, batch_size: int,
           report: Callable[[Problem], None]) -> ReplayCounts:
    """Upsert every row of the dead-letter file in batches of its run; SQLAlchemyError raised."""
    counts = ReplayCounts()
    entries = read_rows(path)
    rows: list[tuple[str, dict[str, Any]]] = []
    for entry in entries:
        if isinstance(entry, Problem):
            counts.skipped.append(entry)
            report(entry)
        else:
            rows.append(entry)
        if len(rows) >= batch_size:
            _write(engine, rows, counts)
            rows = []
    _write(engine, rows, counts)
    return counts


def _write(engine: Engine, rows: list[tuple[str, dict[str, Any]]], counts: ReplayCounts) -> None:
    with engine.begin() as connection:
        for run_id, group in groupby(rows, key=lambda entry: entry[0]):
            result = upsert_rows(connection, [row for _, row in group], run_id=run_id)
            counts.new += result.new
            counts.updated += result.updated
            counts.unchanged += result.unchanged
