"""`scrapy export`: exact output from a real database, filters, errors, atomic writes."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from scrapy.exporters import BaseItemExporter
from sqlalchemy.orm import Session

from jobcrawl.commands.export import ExportQuery, export_jobs
from jobcrawl.db.engine import make_engine
from jobcrawl.db.models import Base, Job
from jobcrawl.exporters import EXPORT_FIELDS, JobCsvItemExporter
from tests.conftest import run_scrapy

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def job(source: str, webindex: str, **values: Any) -> dict[str, Any]:
    """A stored job's exportable values; anything not given is None / a fixed default."""
    return {
        **dict.fromkeys(EXPORT_FIELDS),
        "source": source, "webindex": webindex,
        "url": f"https://{source.split(':')[1]}/jobs/{webindex}",
        "title": f"Job {webindex}", "description": f"About job {webindex}.",
        "scraped_at": T0, "first_seen": T0, "last_seen": T0, "seen_count": 1,
        **values,
    }


# Inserted out of order: the export must come out sorted by (source, webindex).
JOBS = [
    job("lever:zeta", "2", company="Zeta", salary_min=25000.0, salary_currency="GBP",
        date_posted=date(2026, 11, 2), seen_count=2,
        last_seen=datetime(2026, 11, 25, 10, 0, tzinfo=UTC)),
    job("greenhouse:acme", "b", title='Engineer, "Platform"',
        description="Line one,\nline two — ünïcødé."),
    job("lever:zeta", "10", closing_date=date(2026, 12, 31), closing_date_raw="Apply by 31/12",
        closing_date_source="text"),
    job("greenhouse:acme", "a", location="Zürich", contract_time="full_time"),
]
ORDER = [("greenhouse:acme", "a"), ("greenhouse:acme", "b"), ("lever:zeta", "10"),
         ("lever:zeta", "2")]


def as_json(values: dict[str, Any]) -> dict[str, Any]:
    """What a JSONL line holds for a stored job: ISO dates, UTC datetimes, nulls."""
    out = {}
    for name, value in values.items():
        if isinstance(value, datetime):
            out[name] = value.astimezone(UTC).isoformat()
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def as_csv(values: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in as_json(values).items()}


def expected(keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
    by_key = {(j["source"], j["webindex"]): j for j in JOBS}
    return [by_key[key] for key in keys]


def fill(url: str, jobs: list[dict[str, Any]]) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Job(**values, content_hash="h") for values in jobs)
        session.commit()
    engine.dispose()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(EXPORT_FIELDS)
        return list(reader)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def export(url: str, *args: str):
    return run_scrapy("export", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}")


@pytest.fixture
def filled_sqlite(sqlite_url: str) -> str:
    fill(sqlite_url, JOBS)
    return sqlite_url


def test_csv_export_writes_every_job_in_source_webindex_order(
    filled_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "out" / "jobs.csv"

    result = export(filled_sqlite, "--format", "csv", "-o", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exported 4 jobs to {path} (csv)\n"
    assert read_csv(path) == [as_csv(j) for j in expected(ORDER)]
    assert [p.name for p in path.parent.iterdir()] == ["jobs.csv"]


def test_jsonl_export_writes_exact_objects(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"

    result = export(filled_sqlite, "--format", "jsonl", "-o", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exported 4 jobs to {path} (jsonl)\n"
    assert read_jsonl(path) == [as_json(j) for j in expected(ORDER)]


def test_format_defaults_to_the_output_extension(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"

    result = export(filled_sqlite, "-o", str(path), "--limit", "1")

    assert result.returncode == 0, result.stderr
    assert read_jsonl(path) == [as_json(j) for j in expected(ORDER[:1])]


def test_source_filter_is_repeatable(filled_sqlite: str, tmp_path: Path) -> None:
    one, both = tmp_path / "one.jsonl", tmp_path / "both.jsonl"

    first = export(filled_sqlite, "--format", "jsonl", "-o", str(one), "--source", "lever:zeta")
    second = export(filled_sqlite, "--format", "jsonl", "-o", str(both),
                    "--source", "lever:zeta", "--source", "greenhouse:acme")

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert read_jsonl(one) == [as_json(j) for j in expected(ORDER[2:])]
    assert read_jsonl(both) == [as_json(j) for j in expected(ORDER)]


def test_limit_takes_the_first_jobs_in_order(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "jobs.csv"

    result = export(filled_sqlite, "--format", "csv", "-o", str(path), "--limit", "3",
                    "--source", "lever:zeta", "--source", "greenhouse:acme")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exported 3 jobs to {path} (csv)\n"
    assert read_csv(path) == [as_csv(j) for j in expected(ORDER[:3])]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "missing -o/--output PATH"),
        (["--format", "xml", "-o", "OUT/jobs.xml"], "--format 'xml' is not one of: csv, jsonl"),
        (["-o", "OUT/jobs.txt"], "missing --format (csv, jsonl)"),
        (["--format", "csv", "-o", "OUT/jobs.csv", "--limit", "0"],
         "--limit must be a positive number of jobs, not 0"),
        (["--format", "csv", "-o", "OUT/jobs.csv", "extra"], "unexpected arguments: extra"),
    ],
)
def test_bad_options_are_usage_errors(
    filled_sqlite: str, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "OUT"
    args = [a.replace("OUT", str(out)) for a in args]

    result = export(filled_sqlite, *args)

    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_database_never_crawled_is_an_error_and_keeps_the_old_file(
    sqlite_url: str, tmp_path: Path
) -> None:
    db_file = Path(sqlite_url.removeprefix("sqlite:///"))
    sqlite3.connect(db_file).close()
    path = tmp_path / "jobs.csv"
    path.write_text("old export")

    result = export(sqlite_url, "--format", "csv", "-o", str(path))

    assert result.returncode == 1
    assert f"export failed: no jobs table in {sqlite_url}" in result.stderr
    assert path.read_text() == "old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.csv", "jobs.db"]


def test_missing_sqlite_file_is_an_error_and_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"

    result = export(url, "--format", "csv", "-o", str(tmp_path / "jobs.csv"))

    assert result.returncode == 1
    assert f"export failed: database file not found: {url}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_database_password_is_never_printed(tmp_path: Path) -> None:
    url = "postgresql+psycopg://user:s3cret@127.0.0.1:1/nowhere"

    result = export(url, "--format", "csv", "-o", str(tmp_path / "jobs.csv"))

    assert result.returncode == 1
    assert "export failed: cannot read database postgresql+psycopg://user:***@" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


class FailingExporter(JobCsvItemExporter):
    """Fails on the second row, as a full disk or a lost connection would."""

    rows = 0

    def export_item(self, item: Any) -> None:
        FailingExporter.rows += 1
        if FailingExporter.rows == 2:
            raise OSError("disk full")
        super().export_item(item)


def test_export_failing_midway_leaves_no_partial_file(filled_sqlite: str, tmp_path: Path) -> None:
    FailingExporter.rows = 0
    path = tmp_path / "jobs.csv"
    path.write_text("old export")
    engine = make_engine(filled_sqlite)
    exporter_cls: type[BaseItemExporter] = FailingExporter

    with pytest.raises(OSError, match="disk full"):
        export_jobs(engine, exporter_cls, path, ExportQuery())
    engine.dispose()

    assert FailingExporter.rows == 2
    assert path.read_text() == "old export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.csv", "jobs.db"]


def test_export_jobs_streams_in_batches_larger_than_yield_per(
    sqlite_url: str, tmp_path: Path
) -> None:
    many = [job("greenhouse:bulk", f"{i:05d}") for i in range(2500)]
    fill(sqlite_url, many)
    engine = make_engine(sqlite_url)

    count = export_jobs(engine, JobCsvItemExporter, tmp_path / "bulk.csv", ExportQuery())
    engine.dispose()

    assert count == 2500
    assert read_csv(tmp_path / "bulk.csv") == [as_csv(j) for j in many]


@pytest.mark.services
def test_postgres_export_returns_utc_datetimes(postgres_url: str, tmp_path: Path) -> None:
    plus_two = timezone(timedelta(hours=2))
    jobs = [
        {**JOBS[0], "first_seen": datetime(2026, 11, 20, 1, 30, tzinfo=plus_two)},
        *JOBS[1:],
    ]
    fill(postgres_url, jobs)
    path = tmp_path / "pg.jsonl"

    result = export(postgres_url, "--format", "jsonl", "-o", str(path), "--source", "lever:zeta")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exported 2 jobs to {path} (jsonl)\n"
    zeta_10, zeta_2 = jobs[2], jobs[0]
    assert read_jsonl(path) == [as_json(zeta_10), as_json(zeta_2)]
    assert read_jsonl(path)[1]["first_seen"] == "2026-11-19T23:30:00+00:00"
