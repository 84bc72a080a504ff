"""`scrapy db upgrade|current` in a subprocess: exit codes, output, no password shown."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from sqlalchemy.engine import make_url

from jobcrawl.db.migrate import SCHEMA_HEAD, database_revision
from tests.utils.scrapy import run_scrapy

PASSWORD = "s3cret-pw"


def with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_current_on_a_missing_database_is_behind_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "jobs.db"
    result = run_scrapy("db", "current", "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{path}")
    assert (result.returncode, result.stdout) == (1, (
        f"database  sqlite:///{path}\n"
        "current   none\n"
        f"head      {SCHEMA_HEAD}\n"
        "status    behind: run `scrapy db upgrade`\n"
    ))
    assert not path.exists()


def test_upgrade_then_current_on_sqlite(sqlite_url: str) -> None:
    upgraded = run_scrapy("db", "upgrade", "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert (upgraded.returncode, upgraded.stdout) == (0, (
        f"database  {sqlite_url}\n"
        "previous  none\n"
        f"current   {SCHEMA_HEAD}\n"
    )), upgraded.stderr
    current = run_scrapy("db", "current", "--url", sqlite_url, "--json")
    assert current.returncode == 0
    assert json.loads(current.stdout) == {
        "database": sqlite_url, "current": SCHEMA_HEAD, "head": SCHEMA_HEAD, "status": "up to date",
    }


def test_upgrade_on_postgres_never_prints_the_password(postgres_url: str) -> None:
    url = with_password(postgres_url)
    result = run_scrapy("db", "upgrade", "-s", f"JOBCRAWL_DATABASE_URL={url}")
    redacted = make_url(url).render_as_string(hide_password=True)
    assert (result.returncode, result.stdout) == (0, (
        f"database  {redacted}\n"
        "previous  none\n"
        f"current   {SCHEMA_HEAD}\n"
    )), result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert database_revision(postgres_url) == SCHEMA_HEAD


def test_unreachable_database_fails_without_the_password() -> None:
    url = f"postgresql+psycopg://jobs:{PASSWORD}@127.0.0.1:{closed_port()}/jobs"
    result = run_scrapy("db", "upgrade", "--url", url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: postgresql+psycopg://jobs:***@127.0.0.1:")
    assert PASSWORD not in result.stderr


def test_unknown_action_is_a_usage_error() -> None:
    result = run_scrapy("db", "downgrade")
    assert result.returncode == 2
    assert "give one action: upgrade or current" in result.stderr
