"""`scrapy counts` in a subprocess: table and CSV of the hand-checked case, bad input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from jobcrawl.db.migrate import upgrade
from tests.utils.counts import ADS, insert_ads
from tests.utils.scrapy import run_scrapy

if TYPE_CHECKING:
    from pathlib import Path

# The weeks of tests/test_counts.py (its comment table explains every figure).
WEEKLY_TABLE = (
    "period start  period end  new  active\n"
    "2026-03-02    2026-03-08    5       4\n"
    "2026-03-09    2026-03-15    4       3\n"
    "2026-03-16    2026-03-22    2       2\n"
    "the last period is counted up to 2026-03-19 (the --as-of day)\n"
)


def counts(url: str, *args: str) -> Any:
    return run_scrapy("counts", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}")


@pytest.fixture
def filled(sqlite_url: str) -> str:
    insert_ads(sqlite_url, ADS)
    return sqlite_url


def test_weekly_table(database_url: str) -> None:
    insert_ads(database_url, ADS)
    result = counts(database_url)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == WEEKLY_TABLE


def test_daily_csv_of_some_days(filled: str) -> None:
    result = counts(filled, "--freq", "day", "--since", "2026-03-08", "--until", "2026-03-10",
                    "--format", "csv")
    assert (result.returncode, result.stderr) == (0, "")
    # run_scrapy reads in text mode, which turns csv's "\r\n" into "\n"; the
    # file test below checks the bytes.
    assert result.stdout == (
        "period_start,period_end,snapshot,new,active\n"
        "2026-03-08,2026-03-08,2026-03-08,1,4\n"
        "2026-03-09,2026-03-09,2026-03-09,1,4\n"
        "2026-03-10,2026-03-10,2026-03-10,1,2\n"
    )


def test_weekly_csv_to_a_file_with_as_of_and_sources(filled: str, tmp_path: Path) -> None:
    path = tmp_path / "out" / "counts.csv"
    result = counts(filled, "--as-of", "2026-03-16", "--source", "lever:zeta,greenhouse:acme",
                    "--source", "other:x", "-o", str(path))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"wrote 3 periods to {path}\n"
    assert path.read_bytes() == (
        b"period_start,period_end,snapshot,new,active\r\n"
        b"2026-03-02,2026-03-08,2026-03-08,5,4\r\n"
        b"2026-03-09,2026-03-15,2026-03-15,4,3\r\n"
        b"2026-03-16,2026-03-22,2026-03-16,1,4\r\n"
    )


def test_one_source_table(filled: str) -> None:
    result = counts(filled, "--source", "lever:zeta", "--freq", "week")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        "period start  period end  new  active\n"
        "2026-03-09    2026-03-15    1       1\n"
        "2026-03-16    2026-03-22    1       0\n"
        "the last period is counted up to 2026-03-19 (the --as-of day)\n"
    )


def test_no_ads(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    assert counts(sqlite_url).stdout == "no ads stored\n"
    assert counts(sqlite_url, "--source", "a:b").stdout == "no ads stored for these sources\n"
    result = counts(sqlite_url, "--format", "csv")
    assert (result.returncode, result.stdout) == (
        0, "period_start,period_end,snapshot,new,active\n"
    )


@pytest.mark.parametrize(("args", "message"), [
    (["--freq", "month"], "argument --freq: invalid choice: 'month'"),
    (["--format", "xlsx"], "argument --format: invalid choice: 'xlsx'"),
    (["--since", "2026-13-01"], "--since '2026-13-01' is not a date (YYYY-MM-DD)"),
    (["--as-of", "yesterday"], "--as-of 'yesterday' is not a date (YYYY-MM-DD)"),
    (["--since", "2026-03-10", "--until", "2026-03-09"],
     "--since 2026-03-10 is after --until 2026-03-09"),
    (["--until", "2026-03-31"], "--until 2026-03-31 is after --as-of 2026-03-19"),
    (["--source", "a:b,"], "--source: empty source name"),
    (["extra"], "unexpected arguments: extra"),
])
def test_bad_options_are_usage_errors(filled: str, args: list[str], message: str) -> None:
    result = counts(filled, *args)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.db"
    result = counts(f"sqlite:///{path}")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"counts failed: database file not found: sqlite:///{path}\n"
    assert not path.exists()


def test_an_old_schema_asks_for_an_upgrade(sqlite_url: str) -> None:
    upgrade(sqlite_url, "0002")
    result = counts(sqlite_url)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"counts failed: {sqlite_url} is at revision 0002")
    assert result.stderr.endswith("run `scrapy db upgrade`\n")


def test_an_unreachable_database_is_an_error_without_the_password() -> None:
    result = counts("postgresql+psycopg://user:secret@127.0.0.1:1/nothing")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith("counts failed: cannot read "
                                    "postgresql+psycopg://user:***@127.0.0.1:1/nothing: ")
    assert "secret" not in result.stderr
