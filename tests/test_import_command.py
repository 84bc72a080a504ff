"""`scrapy import` in a subprocess: stored rows, counts, idempotence, bad input, exit codes."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from jobcrawl.db.upsert import content_hash, upsert_jobs
from jobcrawl.export.corpus import render_record
from jobcrawl.items import JobItem
from tests.utils.paths import FIXTURES
from tests.utils.scrapy import run_scrapy

if TYPE_CHECKING:
    import subprocess

SEED = FIXTURES / "Job_seed.txt"
ADZUNA_CSV = FIXTURES / "import" / "adzuna_sample.csv"


def scrapy_import(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_scrapy("import", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}")


def imported(url: str, *args: str) -> dict[str, Any]:
    """Run `scrapy import --json` that must succeed; its summary."""
    result = scrapy_import(url, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def url(database_url: str) -> str:
    """A migrated database (tests on a fresh SQLite file let the command create it)."""
    upgrade(database_url)
    return database_url


def stored(url: str) -> dict[str, dict[str, Any]]:
    """webindex -> the whole stored row (without the surrogate id), datetimes in UTC."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Job.__table__)).mappings().all()
    finally:
        engine.dispose()
    out = {}
    for row in rows:
        values = {name: _utc(value) for name, value in row.items() if name != "id"}
        out[values["webindex"]] = values
    return out


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite gives back naive datetimes; they were written in UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def expected_row(summary: dict[str, Any], **values: Any) -> dict[str, Any]:
    """A whole imported row: JobItem fields as given, no URL, timestamps = import time."""
    at = datetime.fromisoformat(summary["imported_at"])
    row = asdict(JobItem(source=summary["source"], url="", scraped_at=at, **values))
    row["content_hash"] = content_hash(row)
    row["url"] = None  # stored NULL, hashed as "" (db.upsert.content_hash)
    # Imported ads were never fetched by a crawl (last_fetched None: the recrawl
    # fetches them) and are live.
    return {**row, "first_seen": at, "last_seen": at, "seen_count": 1,
            "last_run": summary["run_id"], "last_fetched": None, "expired_at": None,
            "expiry_reason": None, "expiry_evidence": None}


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


SEED_DESCRIPTION = SEED.read_text(encoding="utf-8").split("Description: ", 1)[1]


def small_corpus(root: Path) -> Path:
    write(root / "IT Jobs" / "Job_00001.txt", SEED.read_bytes())
    write(root / "Accounting & Finance Jobs" / "Job_00002.txt",
          render_record("Accountant  (Part Qualified)", "68001234", "Smith & Williamson",
                        "Para one.\n\nPara two with  double spaces. "))
    write(root / "Uncategorised" / "Job_00003.txt",
          render_record("Porter", "68001235", None, "Description: days\r\nnights"))
    write(root / "Job_00004.txt", render_record("Café Manager – Zürich", "68001236", "", "Ü"))
    write(root / "IT Jobs" / "Job_00005.txt", "Title: Broken\nWebindex: 5\nSalary: 1\n")
    write(root / "IT Jobs" / "Job_00006.txt", b"Title: Caf\xe9\nWebindex: 6\nDescription: x")
    write(root / "manifest.json", "{}")
    return root


def test_corpus_folder_is_stored_byte_for_byte(url: str, tmp_path: Path) -> None:
    root = small_corpus(tmp_path / "corpus")
    result = scrapy_import(url, str(root), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary == {
        "path": str(root), "format": "corpus", "source": "import:corpus",
        "database": summary["database"], "run_id": summary["run_id"],
        "imported_at": summary["imported_at"],
        "files_read": 6, "files_ignored": 1, "imported": 4, "already_present": 0,
        "skipped": 2, "skipped_by_reason": {"malformed": 1, "undecodable": 1},
        "cleaned_fields": 0, "cleaned_by_field": {},
    }  # fmt: skip
    assert result.stderr.splitlines() == [
        f"skipped {root}/IT Jobs/Job_00005.txt:3: malformed: "
        "expected 'Company: ' or 'Description: ', found 'Salary: 1'",
        f"skipped {root}/IT Jobs/Job_00006.txt:1: undecodable: "
        "byte 0xe9 at offset 10 is not UTF-8",
    ]
    assert stored(url) == {
        "72119477": expected_row(summary, webindex="72119477",
                                 title="IT Project Manager  Infrastructure", category="IT Jobs",
                                 description=SEED_DESCRIPTION),
        "68001234": expected_row(summary, webindex="68001234",
                                 title="Accountant  (Part Qualified)",
                                 company="Smith & Williamson", category="Accounting & Finance Jobs",
                                 description="Para one.\n\nPara two with  double spaces. "),
        "68001235": expected_row(summary, webindex="68001235", title="Porter",
                                 description="Description: days\r\nnights"),
        "68001236": expected_row(summary, webindex="68001236", title="Café Manager – Zürich",
                                 company="", description="Ü"),
    }


def test_importing_twice_changes_nothing(tmp_path: Path, sqlite_url: str) -> None:
    root = small_corpus(tmp_path / "corpus")
    # Batches of two: a key repeated in a later batch is found in the table.
    write(root / "Other" / "Job_00007.txt", SEED.read_bytes())
    first = imported(sqlite_url, str(root), "-s", "JOBCRAWL_STORE_BATCH_SIZE=2")
    before = stored(sqlite_url)
    second = imported(sqlite_url, str(root))
    assert (first["imported"], first["already_present"]) == (4, 1)
    assert (second["imported"], second["already_present"]) == (0, 5)
    assert second["skipped_by_reason"] == {"malformed": 1, "undecodable": 1}
    assert stored(sqlite_url) == before
    assert before["72119477"]["category"] == "IT Jobs"  # the first file read wins


def test_import_never_overwrites_a_crawled_ad(url: str, tmp_path: Path) -> None:
    crawled = JobItem(source="greenhouse:acme", webindex="4012", url="https://acme/jobs/4012",
                      title="Data Engineer", description="Current text.",
                      scraped_at=datetime(2026, 11, 1, tzinfo=UTC))
    engine = make_engine(url)
    with engine.begin() as connection:
        upsert_jobs(connection, [crawled], run_id="crawl-1")
    engine.dispose()
    before = stored(url)
    write(tmp_path / "old" / "IT Jobs" / "Job_1.txt",
          render_record("Data Engineer (old)", "4012", None, "Old text."))
    write(tmp_path / "old" / "IT Jobs" / "Job_2.txt",
          render_record("Analyst", "4013", None, "New."))
    summary = imported(url, str(tmp_path / "old"), "--source", "greenhouse:acme")
    assert (summary["imported"], summary["already_present"]) == (1, 1)
    after = stored(url)
    assert after["4012"] == before["4012"]
    assert after["4013"] == expected_row(summary, webindex="4013", title="Analyst",
                                         category="IT Jobs", description="New.")


def test_adzuna_csv_rows_are_stored_and_bad_rows_counted(url: str) -> None:
    result = scrapy_import(url, str(ADZUNA_CSV), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {key: summary[key] for key in
            ("format", "source", "files_read", "imported", "already_present", "skipped",
             "skipped_by_reason")} == {
        "format": "adzuna-csv", "source": "import:adzuna_sample.csv", "files_read": 1,
        "imported": 6, "already_present": 1, "skipped": 4,
        "skipped_by_reason": {"missing_id": 1, "missing_title": 1, "undecodable": 1,
                              "wrong_field_count": 1},
    }  # fmt: skip
    assert result.stderr.splitlines() == [
        f"skipped {ADZUNA_CSV}:13: wrong_field_count: 4 fields, the header has 12",
        f"skipped {ADZUNA_CSV}:14: missing_id: the Id cell is empty",
        f"skipped {ADZUNA_CSV}:15: missing_title: Id 70000005: the Title cell is empty",
        f"skipped {ADZUNA_CSV}:16: undecodable: description is not valid UTF-8",
    ]
    rows = stored(url)
    assert sorted(rows) == ["12612628", "68694520", "70000001", "70000002", "70000007",
                            "71234567"]
    assert rows["68694520"] == expected_row(
        summary, webindex="68694520", title='Chef de Partie "Fresh Pasta" Section',
        company='The Savoy, "Fairmont" Hotels', location="Mayfair London",
        category="Hospitality & Catering Jobs", contract_type="permanent",
        contract_time="full_time",
        description=(
            'Our client, a  ****  hotel in Mayfair, is looking for a "hands-on" Chef de Partie.'
            "\n\nDuties:\n- fresh pasta &amp; sauces\n- training commis chefs\n\n"
            "Closing Date: 10th February 2013 "
        ),
        salary_raw="£8.50 per hour", salary_min=8.5, salary_max=8.5, salary_currency="GBP",
        salary_period="hour",
    )
    assert rows["70000001"] == expected_row(
        summary, webindex="70000001", title="Graduate Trainee Accountant",
        company="Smith & Williamson", location="UK", category="Accounting & Finance Jobs",
        description="Join our graduate scheme: ACA training and full study support.",
        salary_raw="Competitive", salary_min=27500.0, salary_max=27500.0,
        salary_currency="GBP", salary_period="year",
    )
    # The first of two rows with the same Id is kept.
    assert rows["70000007"]["title"] == "Développeur Python – München"


HOSTILE_FOLDERS = ["a\\b", "line\nbreak", " spaced ", "CON", "x\x01y", "...dots", "..a",
                   "Café & Bar – Jobs", "%2e%2e"]


def test_hostile_category_folder_names_are_stored_exactly(sqlite_url: str, tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    for number, name in enumerate(HOSTILE_FOLDERS, start=1):
        write(root / name / "Job_1.txt", render_record(f"Job {number}", str(number), None, "x"))
    # A folder name that is not UTF-8 cannot be a category; the file is skipped.
    os.makedirs(os.fsencode(root) + b"/caf\xe9")
    write(Path(os.fsdecode(os.fsencode(root) + b"/caf\xe9/Job_1.txt")),
          render_record("Latin-1 folder", "99", None, "x"))
    summary = imported(sqlite_url, str(root))
    assert (summary["imported"], summary["skipped_by_reason"]) == (
        len(HOSTILE_FOLDERS), {"undecodable": 1})
    # Control characters are removed from every imported text (reliability.md).
    assert summary["cleaned_by_field"] == {"category": 1}
    categories = {row["webindex"]: row["category"] for row in stored(sqlite_url).values()}
    assert categories == {str(n): name.replace("\x01", "")
                          for n, name in enumerate(HOSTILE_FOLDERS, start=1)}


def test_category_option_and_default_source(sqlite_url: str, tmp_path: Path) -> None:
    write(tmp_path / "IT Jobs" / "Job_1.txt", render_record("Dev", "1", None, "x"))
    summary = imported(sqlite_url, str(tmp_path / "IT Jobs" / "Job_1.txt"),
                       "--category", "Engineering")
    assert summary["source"] == "import:Job_1.txt"
    assert stored(sqlite_url)["1"]["category"] == "Engineering"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give one PATH"),
        (["a", "b"], "give one PATH"),
        (["{tmp}/missing corpus"], "PATH not found: {tmp}/missing corpus"),
        (["{tmp}", "--source", " "], "--source must not be empty"),
        (["{tmp}", "--category", "a\nb"], "--category must be one line"),
        (["{tmp}", "--source", "x" * 256], "--source has 256 characters; at most 255"),
        (["{tmp}/data.bin"], "cannot tell the format of {tmp}/data.bin"),
        (["{tmp}", "--format", "xml"], "invalid choice: 'xml'"),
    ],
)
def test_usage_errors_exit_2_and_say_why(
    sqlite_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    write(tmp_path / "data.bin", b"\x00\x01")
    result = scrapy_import(sqlite_url, *(arg.format(tmp=tmp_path) for arg in args))
    assert result.returncode == 2
    assert message.format(tmp=tmp_path) in result.stderr
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()


def test_nothing_readable_exits_1(sqlite_url: str, tmp_path: Path) -> None:
    write(tmp_path / "c" / "Job_1.txt", "not a record")
    write(tmp_path / "c" / "notes.md", "ignored")
    result = scrapy_import(sqlite_url, str(tmp_path / "c"), "--json")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["skipped_by_reason"]) == (0, {"malformed": 1})
    assert result.stderr.splitlines()[-1] == f"error: nothing could be read from {tmp_path}/c"


def test_empty_folder_and_foreign_csv_exit_1(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert scrapy_import(sqlite_url, str(tmp_path / "empty")).returncode == 1
    csv_path = write(tmp_path / "jobs.csv", "job_id,name\n1,a\n")
    result = scrapy_import(sqlite_url, str(csv_path))
    assert result.returncode == 1
    assert f"skipped {csv_path}:1: not_adzuna_csv: no Id, Title column in header" in result.stderr


def test_database_behind_the_schema_exits_1(postgres_url: str, tmp_path: Path) -> None:
    write(tmp_path / "Job_1.txt", render_record("Dev", "1", None, "x"))
    result = scrapy_import(postgres_url, str(tmp_path))
    assert result.returncode == 1
    assert "run `scrapy db upgrade`" in result.stderr


def test_failed_batch_exits_1_and_keeps_earlier_batches(sqlite_url: str, tmp_path: Path) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    with engine.begin() as connection:
        # A real database refusal, half way through the input.
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON jobs WHEN NEW.webindex = '3' "
            "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
        )
    engine.dispose()
    for number in range(1, 6):
        write(tmp_path / "c" / f"Job_{number}.txt", render_record("T", str(number), None, "x"))
    result = scrapy_import(sqlite_url, str(tmp_path / "c"), "--json",
                           "-s", "JOBCRAWL_STORE_BATCH_SIZE=2")
    assert result.returncode == 1
    assert "could not write a batch to sqlite:///" in result.stderr
    assert "refused by trigger" in result.stderr
    assert "Earlier batches are stored; importing again is safe." in result.stderr
    assert json.loads(result.stdout)["imported"] == 2
    assert sorted(stored(sqlite_url)) == ["1", "2"]
