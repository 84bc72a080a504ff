"""Fixtures shared by every test module; the helpers the tests share live in tests/utils/.

The guard here keeps tests away from the checkout's own data: the user's corpus in
./jobcrawl.db, their files under exports/ and the missed-URL files under missed/.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.browser import CHROMIUM_PATH, chromium_problem
from tests.utils.paths import ROOT
from tests.utils.services import POSTGRES_URL, require_port, unavailable

# jobcrawl/settings.py reads JOBCRAWL_DATABASE_URL from the environment when it is first
# imported, and every `scrapy` subprocess inherits the environment: pointing it at a trap
# file of this process, before any test module imports jobcrawl, sends a test that forgets
# to give its crawl or command a database of its own there instead of to the checkout's
# sqlite:///jobcrawl.db (or to a database the user's environment names).
if "jobcrawl.settings" in sys.modules:
    raise RuntimeError("jobcrawl.settings was imported before tests/conftest.py set its trap")
_TRAP_DIR = Path(tempfile.mkdtemp(prefix="jobcrawl-tests-"))
_TRAP_DB = _TRAP_DIR / "default-database-opened-by-a-test.db"
os.environ["JOBCRAWL_DATABASE_URL"] = f"sqlite:///{_TRAP_DB}"
_CHECKOUT_DB = [ROOT / f"jobcrawl.db{suffix}" for suffix in ("", "-journal", "-wal", "-shm")]
_EXPORTS = ROOT / "exports"
# Folders a crawl writes into by default (relative to the working folder, the checkout):
# a crawl test that misses pages or fails a batch sets JOBCRAWL_MISSED_DIR or
# JOBCRAWL_DEADLETTER_DIR under tmp_path.
_OUTPUT_FOLDERS = [_EXPORTS, ROOT / "missed", ROOT / "deadletter"]


def _footprint() -> dict[str, tuple[int, int]]:
    """(size, mtime) of the checkout's database files and of everything in its output folders
    (the folders themselves too: a test that creates missed/ wrote there)."""
    inside = [path for folder in _OUTPUT_FOLDERS if folder.is_dir() for path in folder.rglob("*")]
    paths = [*_CHECKOUT_DB, *_OUTPUT_FOLDERS, *inside]
    return {str(path): (st.st_size, st.st_mtime_ns) for path in paths
            if (st := _stat(path)) is not None}


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def pytest_sessionfinish(session: pytest.Session) -> None:
    shutil.rmtree(_TRAP_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _keep_out_of_the_checkout() -> Iterator[None]:
    """Fail a test that opens the default database or writes to ./jobcrawl.db, exports/ or
    missed/."""
    before = _footprint()
    yield
    problems = []
    if _TRAP_DB.exists():
        _TRAP_DB.unlink()
        problems.append(
            "opened the default database (JOBCRAWL_DATABASE_URL unset, in this process or a "
            "subprocess): give it one of its own, e.g. the sqlite_url fixture and "
            '"-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}"')
    after = _footprint()
    changed = sorted(path for path in before.keys() | after.keys()
                     if before.get(path) != after.get(path))
    if changed:
        problems.append(
            f"wrote into the checkout: {', '.join(changed)} (write under tmp_path instead; "
            "with pytest -n, the culprit may be a test running at the same time)")
    if problems:
        pytest.fail("this test " + "; it ".join(problems), pytrace=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema per test (dropped afterwards) on the machine's server."""
    require_port("PostgreSQL", "127.0.0.1", 5432)
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
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobs.db'}"


@pytest.fixture(params=["sqlite_url", "postgres_url"], ids=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The test runs once on a SQLite file and once on a PostgreSQL schema."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of Debian's Chromium, as JOBCRAWL_CHROMIUM_PATH (default /usr/bin/chromium)."""
    problem = chromium_problem()
    if problem is not None:
        unavailable(problem)
    return CHROMIUM_PATH
