"""Insert imported ads in batches, never touching an ad that is already stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg import sql

from jobcrawl.db.models import Job
from jobcrawl.db.upsert import dialect_insert, prepared_row

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Connection, Engine, Insert

    from jobcrawl.items import JobItem

# One batch's rows, in input order (n), before they join the jobs table.
_BATCH_TABLE = "jobcrawl_import_batch"


@dataclass
class InsertCounts:
    """imported: new rows written; already_present: (source, webindex) was stored before."""

    imported: int = 0
    already_present: int = 0


class ImportWriter:
    """Buffers ads and writes each full batch in one transaction.

    INSERT ... ON CONFLICT (source, webindex) DO NOTHING: an older corpus never
    overwrites what a crawl (or an earlier import) stored, so importing twice
    changes nothing. A repeated key later in the same input counts as already
    present too. Rows get first_seen = last_seen = scraped_at = `imported_at`,
    seen_count 1 and last_run = `run_id`.
    """

    def __init__(
        self, engine: Engine, *, batch_size: int, run_id: str, imported_at: datetime
    ) -> None:
        self.engine = engine
        self.batch_size = batch_size
        self.run_id = run_id
        self.imported_at = imported_at
        self.counts = InsertCounts()
        self._buffer: list[dict[str, Any]] = []
        self._statement = _insert_new(engine.dialect.name)

    def add(self, item: JobItem) -> None:
        """Queue one ad; writes a batch when the buffer is full (SQLAlchemyError on failure)."""
        row = prepared_row(item)
        row.update(
            first_seen=self.imported_at, last_seen=self.imported_at, seen_count=1,
            last_run=self.run_id,
        )
        self._buffer.append(row)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered."""
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        # Key order: concurrent writers lock shared keys in one order (jobcrawl.db.locks).
        batch.sort(key=lambda row: (row["source"], row["webindex"]))
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                inserted = _copy_new(connection, batch)
            else:
                # RETURNING lists only the rows that were inserted, not those that conflicted.
                inserted = len(connection.execute(self._statement, batch).all())
        self.counts.imported += inserted
        self.counts.already_present += len(batch) - inserted


def _insert_new(dialect_name: str) -> Insert:
    insert = dialect_insert(dialect_name, "import")
    table = Job.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=[table.c.source, table.c.webindex])
        .returning(table.c.id)
    )


def _copy_new(connection: Connection, batch: list[dict[str, Any]]) -> int:
    """PostgreSQL: COPY the batch into a temporary table, then INSERT ... SELECT it.

    The same ON CONFLICT DO NOTHING, in input order, so a repeated key keeps its
    first row. Why not executemany: psycopg parses the SQL of SQLAlchemy's
    multi-row INSERT (31 parameters a row) in Python for every batch, since it
    caches only short statements: 100,000 Adzuna rows took 174 s under cProfile,
    90 s of it in that parsing (see docs/large-databases.md for the rows/s).
    """
    columns = list(batch[0])
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    staged = sql.Identifier(_BATCH_TABLE)
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        # Composed by psycopg.sql: the column names are quoted as identifiers.
        cursor.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS "
                               "SELECT 0::bigint AS n, {} FROM jobs WITH NO DATA"
                               ).format(staged, names))
        with cursor.copy(sql.SQL("COPY {} (n, {}) FROM STDIN").format(staged, names)) as copy:
            for n, row in enumerate(batch):
                copy.write_row((n, *(row[name] for name in columns)))
        cursor.execute(sql.SQL("INSERT INTO jobs ({}) SELECT {} FROM {} ORDER BY n "
                               "ON CONFLICT (source, webindex) DO NOTHING RETURNING id"
                               ).format(names, names, staged))
        return len(cursor.fetchall())
