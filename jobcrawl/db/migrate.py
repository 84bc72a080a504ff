"""Alembic migrations from code: upgrade, revisions, and the start-up schema check."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from jobcrawl.db.engine import make_engine
from jobcrawl.security.secrets import redact_url

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision, known without loading Alembic: a crawl of a database that is
# already current (the nightly case) never imports it. A test keeps it equal to
# head_revision(); bump it with every new revision.
SCHEMA_HEAD = "0007"

# Alembic is imported inside the functions that migrate or read the scripts, for the
# reason above.


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config for the bundled migrations that needs neither alembic.ini nor a cwd."""
    from alembic.config import Config

    config = Config()
    # Config values go through ConfigParser interpolation, where "%" is special.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if url is not None:
        # Passed as an attribute, not sqlalchemy.url: URLs often hold %-escapes.
        config.attributes["url"] = url
    return config


# The tables the crawl's statements read, whose statistics the planners need.
ANALYZED_TABLES = ("jobs", "job_listings", "listings", "recrawl_pages", "crawl_runs")
# One statement per table, written out: SQL is never built from strings (test_security_sql).
_ANALYZE = {name: f"ANALYZE {name}" for name in ANALYZED_TABLES}


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, then analyze it (see analyze());
    a new SQLite file is created."""
    from alembic import command

    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    analyze(url)


def analyze(url: str) -> None:
    """Give the query planner fresh statistics of ANALYZED_TABLES (those there are).

    A migration adds indexes and rewrites rows; without statistics SQLite guesses and
    PostgreSQL waits for autovacuum. SQLite's are skipped while jobs is empty: the
    planner takes its statistics as they are (no autovacuum renews them), and those of
    an empty table would mislead it once the table has grown.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # An upgrade to an older revision may not have made them all yet.
                present = set(inspect(connection).get_table_names())
                for name in ANALYZED_TABLES:
                    if name in present:
                        connection.exec_driver_sql(_ANALYZE[name])
            elif connection.exec_driver_sql("SELECT 1 FROM jobs LIMIT 1").first() is not None:
                connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revisions in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's revision, None when it has never been migrated."""
    with engine.connect() as connection:
        return _revision(connection)


def database_revision(url: str) -> str | None:
    """Like current_revision, but a missing SQLite file is reported, not created."""
    if is_fresh_sqlite(url):
        return None
    return _inspect(url)[0]


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None  # URI filenames: let SQLite interpret them
    return Path(parsed.database)


def is_fresh_sqlite(url: str) -> bool:
    """A SQLite file that does not exist yet or has zero bytes."""
    path = sqlite_path(url)
    return path is not None and (not path.exists() or path.stat().st_size == 0)


def ensure_schema(url: str, *, auto_upgrade: bool) -> None:
    """Make sure the database is at head, upgrading it only when `auto_upgrade`.

    Raises RuntimeError, with the URL redacted, when the database is behind and
    auto_upgrade is False (run `scrapy db upgrade`), has a revision this code
    does not know, or has a jobs table that Alembic did not create.
    With auto_upgrade False the database is never changed, nor a SQLite file created.
    Processes that upgrade the same SQLite file at once take turns (an flock on it).
    """
    path = sqlite_path(url)
    if auto_upgrade and path is not None:
        with _upgrade_lock(path):
            _ensure_schema(url, auto_upgrade=True)
    else:
        _ensure_schema(url, auto_upgrade=auto_upgrade)


@contextmanager
def _upgrade_lock(path: Path) -> Iterator[None]:
    # Two crawls starting on a new file would both see it empty and both create the
    # tables; the second would fail. flock is independent of SQLite's own fcntl locks,
    # and an empty file still counts as fresh (is_fresh_sqlite).
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_schema(url: str, *, auto_upgrade: bool) -> None:
    head = SCHEMA_HEAD
    revision, has_jobs = (None, False) if is_fresh_sqlite(url) else _inspect(url)
    if revision == head:
        return
    where = redact_url(url)
    if revision is None and has_jobs:
        raise RuntimeError(
            f"{where} has a jobs table but no Alembic revision, so it was not created by "
            "`scrapy db upgrade`; point JOBCRAWL_DATABASE_URL at a new database"
        )
    if revision is not None and revision not in _known_revisions():
        raise RuntimeError(
            f"{where} is at revision {revision}, which this jobcrawl does not know "
            f"(its newest is {head}); upgrade jobcrawl"
        )
    if not auto_upgrade:
        raise RuntimeError(
            f"{where} is at revision {revision or 'none (empty database)'} but jobcrawl "
            f"needs {head}: run `scrapy db upgrade`"
        )
    upgrade(url)


def _inspect(url: str) -> tuple[str | None, bool]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            revision = _revision(connection)
            has_jobs = inspect(connection).has_table("jobs")
    finally:
        engine.dispose()
    return revision, has_jobs


def _revision(connection: Connection) -> str | None:
    # What Alembic's MigrationContext.get_current_revision() reads, without Alembic.
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {script_revision.revision for script_revision in script.walk_revisions()}
