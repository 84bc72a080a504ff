"""`scrapy export`: every format's exact output from a real database, options and errors.

The helpers here (job, fill, export, as_json ...) are shared by the other test_export_* files.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jobcrawl.db.migrate import upgrade
from jobcrawl.export.values import EXPORT_FIELDS
from tests.utils.exports import (
    JOBS,
    ORDER,
    as_csv,
    as_json,
    export,
    exported,
    fill,
    job,
    ordered,
    read_csv,
    read_jsonl,
)


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
    assert result.stdout == (f"exported 4 jobs to {path} (csv)\n"
                             f"manifest {path}.manifest.json\n")
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert read_csv(path) == [as_csv(j) for j in ordered(JOBS)]
    assert sorted(p.name for p in path.parent.iterdir()) == ["jobs.csv", "jobs.csv.manifest.json"]


def test_csv_export_is_byte_for_byte_what_the_csv_module_writes(
    filled_sqlite: str, tmp_path: Path
) -> None:
    path = tmp_path / "jobs.csv"

    result = export(filled_sqlite, "--format", "csv", "-o", str(path))

    assert result.returncode == 0, result.stderr
    expected = tmp_path / "expected.csv"
    with expected.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(EXPORT_FIELDS)
        writer.writerows(row.values() for row in (as_json(j) for j in ordered(JOBS)))
    assert path.read_bytes() == expected.read_bytes()


def test_jsonl_export_writes_exact_objects(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"

    result = export(filled_sqlite, "--format", "jsonl", "-o", str(path))

    assert result.returncode == 0, result.stderr
    assert read_jsonl(path) == [as_json(j) for j in ordered(JOBS)]
    assert [list(obj) for obj in read_jsonl(path)] == [list(EXPORT_FIELDS)] * 4
    assert "ünïcødé".encode() in path.read_bytes()  # UTF-8, not \u escapes


def test_expiry_columns_are_null_from_a_database_older_than_them(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    upgrade(f"sqlite:///{db}", "0002")  # the schema before the expiry columns
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
            "first_seen, last_seen, seen_count, content_hash) VALUES ('7', 'reed', 'https://r/7', "
            "'Job 7', 'About.', ?, ?, ?, 1, 'h')", ["2026-11-20 09:00:00.000000"] * 3)
    path = tmp_path / "old.jsonl"

    result = export(f"sqlite:///{db}", "-o", str(path))

    assert result.returncode == 0, result.stderr
    assert read_jsonl(path) == [{
        **dict.fromkeys(EXPORT_FIELDS), "webindex": "7", "source": "reed", "url": "https://r/7",
        "title": "Job 7", "description": "About.", "scraped_at": "2026-11-20T09:00:00+00:00",
        "first_seen": "2026-11-20T09:00:00+00:00", "last_seen": "2026-11-20T09:00:00+00:00",
        "seen_count": 1,
    }]


def test_parquet_export_has_typed_columns(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "jobs.parquet"

    result = export(filled_sqlite, "-o", str(path))

    assert result.returncode == 0, result.stderr
    table = pq.read_table(path)
    types = {field.name: str(field.type) for field in table.schema}
    assert types == {
        **dict.fromkeys(EXPORT_FIELDS, "string"),
        "salary_min": "double", "salary_max": "double", "seen_count": "int64", "remote": "bool",
        "date_posted": "date32[day]", "closing_date": "date32[day]",
        "scraped_at": "timestamp[us, tz=UTC]", "first_seen": "timestamp[us, tz=UTC]",
        "last_seen": "timestamp[us, tz=UTC]", "expired_at": "timestamp[us, tz=UTC]",
    }
    assert table.to_pylist() == [exported(j) for j in ordered(JOBS)]


def test_jobposting_export_writes_schema_org_objects(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonld"

    result = export(filled_sqlite, "--format", "jobposting", "-o", str(path), "--source",
                    "lever:zeta")

    assert result.returncode == 0, result.stderr
    context = {"@context": "https://schema.org", "@type": "JobPosting"}
    assert read_jsonl(path) == [
        {
            **context,
            "title": '=HYPERLINK("http://example.com","Apply")',
            "description": "About job 10.",
            "identifier": {"@type": "PropertyValue", "name": "lever:zeta", "value": "10"},
            "validThrough": "2026-12-31",
            "url": "https://zeta/jobs/10",
        },
        {
            **context,
            "title": "Job 2",
            "description": "About job 2.",
            "identifier": {"@type": "PropertyValue", "name": "lever:zeta", "value": "2"},
            "hiringOrganization": {"@type": "Organization", "name": "Zeta"},
            "jobLocation": [
                {"@type": "Place",
                 "address": {"@type": "PostalAddress", "addressLocality": "Leeds"}},
                {"@type": "Place",
                 "address": {"@type": "PostalAddress", "addressLocality": "Remote"}},
            ],
            "jobLocationType": "TELECOMMUTE",
            "occupationalCategory": "Sales Jobs",
            "datePosted": "2026-11-02",
            "baseSalary": {"@type": "MonetaryAmount", "currency": "GBP",
                           "value": {"@type": "QuantitativeValue", "value": 25000.0,
                                     "unitText": "YEAR"}},
            "employmentType": ["FULL_TIME", "PERMANENT"],
            "url": "https://zeta/jobs/2",
        },
    ]


def test_corpus_export_writes_a_folder_per_category(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "corpus"

    result = export(filled_sqlite, "--format", "corpus", "-o", str(path))

    assert result.returncode == 0, result.stderr
    files = {p.relative_to(path).as_posix(): p.read_bytes()
             for p in sorted(path.rglob("*")) if p.is_file()}
    assert files == {
        "IT Jobs/Job_00001.txt": b"Title: Job a\nWebindex: a\nDescription: About job a.",
        "IT Jobs/Job_00002.txt": (
            b'Title: Engineer, "Platform"\nWebindex: b\nCompany: Acme, Ltd\nDescription: '
            + "Line one,\nline two — ünïcødé.\r\nCRLF kept.".encode()
        ),
        "Uncategorised/Job_00001.txt": (
            b'Title: =HYPERLINK("http://example.com","Apply")\nWebindex: 10\n'
            b"Description: About job 10."
        ),
        "Sales Jobs/Job_00001.txt": (
            b"Title: Job 2\nWebindex: 2\nCompany: Zeta\nDescription: About job 2."
        ),
    }


@pytest.mark.parametrize(("suffix", "fmt"), [("csv", "csv"), ("jsonl", "jsonl"),
                                             ("parquet", "parquet")])
def test_format_defaults_to_the_output_extension(
    filled_sqlite: str, tmp_path: Path, suffix: str, fmt: str
) -> None:
    path = tmp_path / f"jobs.{suffix}"

    result = export(filled_sqlite, "-o", str(path), "--limit", "1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"exported 1 jobs to {path} ({fmt})\n")


def test_fields_choose_and_order_the_columns(filled_sqlite: str, tmp_path: Path) -> None:
    csv_path, jsonl_path, parquet_path = (tmp_path / f"f.{ext}" for ext in
                                          ("csv", "jsonl", "parquet"))
    fields = ["title", "webindex", "salary_min", "first_seen"]

    results = [export(filled_sqlite, "-o", str(p), "--fields", " title,webindex, salary_min,"
                      "first_seen") for p in (csv_path, jsonl_path, parquet_path)]

    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    expected = [{name: as_json(j)[name] for name in fields} for j in ordered(JOBS)]
    assert read_jsonl(jsonl_path) == expected
    assert [list(obj) for obj in read_jsonl(jsonl_path)] == [fields] * 4
    assert read_csv(csv_path, fields) == [
        {k: "" if v is None else str(v) for k, v in row.items()} for row in expected]
    assert pq.read_table(parquet_path).column_names == fields


def test_excel_csv_has_a_bom_and_neutralised_formulas(filled_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"

    result = export(filled_sqlite, "-o", str(path), "--excel", "--fields", "webindex,title")

    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfwebindex,title\r\n")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1:] == [["a", "Job a"], ["b", 'Engineer, "Platform"'],
                        ["10", "'=HYPERLINK(\"http://example.com\",\"Apply\")"], ["2", "Job 2"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "csv"], "missing -o/--output PATH"),
        (["--format", "xml", "-o", "OUT/jobs.xml"],
         "--format 'xml' is not one of: csv, jsonl, parquet, jobposting, corpus"),
        (["-o", "OUT/jobs.txt"], "missing --format (csv, jsonl, parquet, jobposting, corpus)"),
        (["-o", "OUT/jobs.csv", "--limit", "0"],
         "--limit must be a positive number of jobs, not 0"),
        (["-o", "OUT/jobs.csv", "extra"], "unexpected arguments: extra"),
        (["-o", "OUT/jobs.csv", "--fields", "title,salary"],
         "--fields: unknown field 'salary' (known: webindex, source,"),
        (["-o", "OUT/jobs.csv", "--fields", "title,url,title"],
         "--fields: title given more than once"),
        (["-o", "OUT/c", "--format", "corpus", "--fields", "title"],
         "--fields applies to csv, jsonl, parquet; the corpus format has fixed fields"),
        (["-o", "OUT/jobs.jsonl", "--excel"], "--excel applies to --format csv only, not jsonl"),
        (["-o", "OUT/jobs.csv", "--sample", "2"], "--sample N and --seed K go together"),
        (["-o", "OUT/jobs.csv", "--seed", "2"], "--sample N and --seed K go together"),
        (["-o", "OUT/jobs.csv", "--sample", "0", "--seed", "1"],
         "--sample must be a positive number of jobs, not 0"),
        (["-o", "OUT/jobs.csv", "--sample", "1", "--seed", "-1"],
         "--seed must be a whole number from 0 to 2**64-1, not -1"),
        (["-o", "OUT/jobs.csv", "--since", "20/11/2026"],
         "--since '20/11/2026' is not a date (YYYY-MM-DD)"),
        (["-o", "OUT/jobs.csv", "--active-on", "tomorrow"],
         "--active-on 'tomorrow' is not a date (YYYY-MM-DD)"),
        (["-o", "OUT/jobs.csv", "--since", "2026-11-21", "--until", "2026-11-20"],
         "--since 2026-11-21 is after --until 2026-11-20"),
        (["--verify", "OUT/jobs.csv", "-o", "OUT/jobs.csv"],
         "--verify takes no other options (got --output)"),
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


def test_output_that_is_a_folder_is_an_error(filled_sqlite: str, tmp_path: Path) -> None:
    result = export(filled_sqlite, "--format", "csv", "-o", str(tmp_path))

    assert result.returncode == 1
    assert f"export failed: {tmp_path} is a folder; -o names the file to write" in result.stderr


@pytest.mark.services
def test_postgres_export_returns_utc_datetimes(postgres_url: str, tmp_path: Path) -> None:
    plus_two = timezone(timedelta(hours=2))
    jobs = [{**JOBS[0], "first_seen": datetime(2026, 11, 20, 1, 30, tzinfo=plus_two)}, *JOBS[1:]]
    fill(postgres_url, jobs)
    path = tmp_path / "pg.jsonl"

    result = export(postgres_url, "--format", "jsonl", "-o", str(path), "--source", "lever:zeta")

    assert result.returncode == 0, result.stderr
    assert read_jsonl(path) == [as_json(j) for j in ordered(jobs, ORDER[2:])]
    assert read_jsonl(path)[1]["first_seen"] == "2026-11-19T23:30:00+00:00"


@pytest.mark.services
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet", "jobposting", "corpus"])
def test_every_format_gives_the_same_bytes_from_postgresql_and_sqlite(
    sqlite_url: str, postgres_url: str, tmp_path: Path, fmt: str
) -> None:
    # Byte order decides the order on both: "B" < "a" < "é" whatever the cluster's locale.
    jobs = [*JOBS, job("greenhouse:acme", "B"), job("greenhouse:acme", "é")]
    fill(sqlite_url, jobs)
    fill(postgres_url, list(reversed(jobs)))
    outputs = []
    for url, name in ((sqlite_url, "lite"), (postgres_url, "pg")):
        path = tmp_path / name / "out"
        result = export(url, "--format", fmt, "-o", str(path))
        assert result.returncode == 0, result.stderr
        outputs.append({p.relative_to(path.parent).as_posix(): p.read_bytes()
                        for p in sorted(path.parent.rglob("*")) if p.is_file()
                        and not p.name.endswith(".manifest.json")})

    assert outputs[0] == outputs[1]
    if fmt == "jsonl":
        assert [o["webindex"] for o in map(json.loads, outputs[0]["out"].splitlines())][:4] == [
            "B", "a", "b", "é"]


def test_an_ad_stored_without_a_url_exports_an_empty_one_as_before(
        sqlite_url: str, tmp_path: Path) -> None:
    # Stored NULL since revision 0007; every export wrote "" for such ads before it.
    fill(sqlite_url, [job("import:old", "1", url=None)])
    for fmt in ("jsonl", "csv", "jobposting", "parquet"):
        assert export(sqlite_url, "--format", fmt, "-o", str(tmp_path / f"jobs.{fmt}")
                      ).returncode == 0
    assert read_jsonl(tmp_path / "jobs.jsonl")[0]["url"] == ""
    assert read_csv(tmp_path / "jobs.csv")[0]["url"] == ""
    assert read_jsonl(tmp_path / "jobs.jobposting")[0]["url"] == ""
    assert pq.read_table(tmp_path / "jobs.parquet").column("url").to_pylist() == [""]
