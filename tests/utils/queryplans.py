"""The query plans of the statements code runs: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
EXPLAIN (FORMAT JSON), recorded while the statements run as usual."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect

if TYPE_CHECKING:
    from sqlalchemy import Connection

_SQLITE_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\w+)")


@dataclass(frozen=True)
class Plan:
    """One statement and how the database plans to run it."""

    statement: str
    dialect: str
    plan: Any  # SQLite: (id, parent, notused, detail) rows; PostgreSQL: the JSON document
    aliases: dict[str, str]  # SQLite's own index names -> the unique constraint's name

    def full_scans(self) -> set[str]:
        """The tables read whole: SQLite's `SCAN t` (also through an index), a Seq Scan."""
        if self.dialect == "sqlite":
            return {match.group(1) for row in self.plan
                    if (match := re.match(r"SCAN (\w+)", row[3]))}
        return {node["Relation Name"] for node in self._nodes()
                if node["Node Type"] == "Seq Scan"}

    def indexes(self) -> set[str]:
        """The indexes searched (the primary key counts as `pk_<table>`)."""
        if self.dialect == "sqlite":
            found = {self.aliases.get(match.group(1), match.group(1)) for row in self.plan
                     if (match := _SQLITE_INDEX.search(row[3]))}
            found |= {f"pk_{match.group(1)}" for row in self.plan
                      if (match := re.match(r"SEARCH (\w+) USING INTEGER PRIMARY KEY", row[3]))}
            return found
        return {node["Index Name"] for node in self._nodes() if "Index Name" in node}

    def _nodes(self) -> Iterator[dict[str, Any]]:
        pending = [document["Plan"] for document in self.plan]
        while pending:
            node = pending.pop()
            yield node
            pending.extend(node.get("Plans", ()))

    def __str__(self) -> str:
        if self.dialect == "sqlite":
            return "\n".join(row[3] for row in self.plan)
        return repr(self.plan)


@contextmanager
def recorded_plans(connection: Connection) -> Iterator[list[Plan]]:
    """The plans of the statements executed on `connection` inside the block, in order.

    Each statement is explained just before it runs, with its own parameters, and then
    runs as it would have; executemany() statements are left out.
    """
    dialect = connection.dialect.name
    aliases = _sqlite_unique_indexes(connection) if dialect == "sqlite" else {}
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN (FORMAT JSON) "
    plans: list[Plan] = []

    def explain(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
        if executemany:
            return
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
        plans.append(Plan(statement, dialect,
                          [tuple(row) for row in rows] if dialect == "sqlite" else rows[0][0],
                          aliases))

    event.listen(connection, "before_cursor_execute", explain)
    try:
        yield plans
    finally:
        event.remove(connection, "before_cursor_execute", explain)


def _sqlite_unique_indexes(connection: Connection) -> dict[str, str]:
    """sqlite_autoindex_<table>_<n> -> the name of the UNIQUE constraint it enforces."""
    aliases = {}
    inspector = inspect(connection)
    for table in inspector.get_table_names():
        names = {tuple(unique["column_names"]): unique["name"]
                 for unique in inspector.get_unique_constraints(table)}
        for row in connection.exec_driver_sql(f'PRAGMA index_list("{table}")'):
            if row[3] != "u":  # origin: made for a UNIQUE constraint
                continue
            columns = tuple(info[2] for info in
                            connection.exec_driver_sql(f'PRAGMA index_info("{row[1]}")'))
            if columns in names:
                aliases[row[1]] = names[columns]
    return aliases


def statement_plan(connection: Connection, statement: Any) -> Plan:
    """The plan of one SQLAlchemy statement (run on `connection`, its rows read)."""
    with recorded_plans(connection) as plans:
        result = connection.execute(statement)
        if result.returns_rows:
            result.all()
    (plan,) = plans
    return plan
