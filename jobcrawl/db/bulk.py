"""Statements that rewrite many rows at once: what SQLite needs to run them at full speed."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection

# SQLite's page cache while a bulk statement runs, in KiB (its default is 2,000 KiB).
# Expiring 916,667 ads of a 1M-ad file rewrites every row and two index entries each;
# with the default cache the dirty pages spill to the WAL again and again. Measured
# by benchmarks/expiry.py (variant small-cache against default; figures in
# docs/large-databases.md). Bounded, so memory stays flat in N.
BULK_CACHE_KIB = 262_144


@contextmanager
def bulk_writes(connection: Connection) -> Iterator[Connection]:
    """`connection` with a large page cache on SQLite, restored afterwards; as is elsewhere."""
    if connection.dialect.name != "sqlite":
        yield connection
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield connection
    finally:
        # The connection goes back to the pool: later, small transactions keep the default.
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
