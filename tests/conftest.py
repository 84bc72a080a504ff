"""Shared fixtures: real services (PostgreSQL, Redis), the demo board, subprocess crawls."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
POSTGRES_URL = os.environ.get(
    "JOBCRAWL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("JOBCRAWL_REQUIRE_SERVICES") == "1"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _service_missing(name: str, host: str, port: int) -> None:
    reason = f"{name} is not reachable on {host}:{port}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} and JOBCRAWL_REQUIRE_SERVICES=1")
    pytest.skip(reason)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema per test (dropped afterwards) on the machine's server."""
    if not _port_open("127.0.0.1", 5432):
        _service_missing("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # libpq "options" sets the search_path for every connection of the URL.
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def redis_url() -> str:
    if not _port_open("127.0.0.1", 6379):
        _service_missing("Redis", "127.0.0.1", 6379)
    return "redis://127.0.0.1:6379/0"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture(params=["sqlite_url", "postgres_url"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The test runs once on a SQLite file and once on a PostgreSQL schema."""
    return request.getfixturevalue(request.param)


def run_scrapy(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `scrapy` command line in a subprocess from the project folder."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout,
    )
