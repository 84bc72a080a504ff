"""Upsert on real SQLite and PostgreSQL: exact counts, first/last seen, duplicates, the hash."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from jobcrawl.db.upsert import (
    UpsertResult,
    content_hash,
    job_row,
    prepared_row,
    upsert_jobs,
    upsert_rows,
)
from jobcrawl.items import JOB_FIELDS, JobItem
from tests.utils.paths import ROOT
from tests.utils.rows import seed_item

T1 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)
T3 = T1 + timedelta(days=2)
SEED_HASH = "22462835816e6350b5b440cbf00fe292c253f30568fec459430187f4ed48dc74"


@pytest.fixture
def db_url(database_url: str) -> str:
    upgrade(database_url)
    return database_url


def ad(webindex: str, scraped_at: datetime = T1, **fields: Any) -> JobItem:
    values = {
        "source": "greenhouse:acme",
        "url": f"https://boards.example.com/acme/jobs/{webindex}",
        "title": f"Engineer {webindex}",
        "description": "Build things.\n\nClosing Date: 10th February 2030",
        "closing_date": date(2030, 2, 10),
        "salary_min": 30000.0,
        **fields,
    }
    return JobItem(webindex=webindex, scraped_at=scraped_at, **values)


def upsert(url: str, items: list[JobItem], run_id: str) -> UpsertResult:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return upsert_jobs(connection, items, run_id=run_id)
    finally:
        engine.dispose()


def utc(value: Any) -> Any:
    # SQLite gives naive UTC datetimes, PostgreSQL aware ones in the session zone.
    if not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def rows(url: str) -> dict[str, dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            result = connection.execute(select(Job.__table__).order_by(Job.webindex)).mappings()
            return {
                row["webindex"]: {k: utc(v) for k, v in row.items() if k != "id"} for row in result
            }
    finally:
        engine.dispose()


def expected_row(item: JobItem, *, first_seen: datetime, last_seen: datetime, seen_count: int,
                 run_id: str, **expiry: Any) -> dict[str, Any]:
    row = job_row(item)
    return {
        **row,
        "first_seen": first_seen,
        "last_seen": last_seen,
        "seen_count": seen_count,
        "content_hash": content_hash(row),
        "last_run": run_id,
        # Every upserted sighting was fetched: last_fetched follows last_seen.
        "last_fetched": last_seen,
        "expired_at": None, "expiry_reason": None, "expiry_evidence": None,
        **expiry,
    }


def test_second_sighting_counts_updated_and_unchanged_and_keeps_first_seen(db_url: str) -> None:
    a1, b1 = ad("a"), ad("b")
    assert upsert(db_url, [a1, b1], "run1") == UpsertResult(new=2)

    a2 = ad("a", T2)
    b2 = ad("b", T2, title="Senior Engineer b")
    c2 = ad("c", T2, company="Acme")
    assert upsert(db_url, [a2, b2, c2], "run2") == UpsertResult(new=1, updated=1, unchanged=1)

    assert rows(db_url) == {
        "a": expected_row(a2, first_seen=T1, last_seen=T2, seen_count=2, run_id="run2"),
        "b": expected_row(b2, first_seen=T1, last_seen=T2, seen_count=2, run_id="run2"),
        "c": expected_row(c2, first_seen=T2, last_seen=T2, seen_count=1, run_id="run2"),
    }


def test_older_sighting_never_moves_last_seen_back(db_url: str) -> None:
    upsert(db_url, [ad("a", T2)], "run1")
    older = ad("a", T1)
    assert upsert(db_url, [older], "run0") == UpsertResult(unchanged=1)
    assert rows(db_url)["a"] == expected_row(
        older, first_seen=T2, last_seen=T2, seen_count=2, run_id="run0"
    )


def test_duplicate_keys_in_one_batch_count_each_sighting_and_last_content_wins(
    db_url: str,
) -> None:
    first, changed, back = ad("a", T1), ad("a", T2, title="Changed"), ad("a", T3)
    result = upsert(db_url, [first, changed, back, ad("b")], "run1")
    assert result == UpsertResult(new=2, updated=2)
    assert rows(db_url)["a"] == expected_row(
        back, first_seen=T1, last_seen=T3, seen_count=3, run_id="run1"
    )
    assert upsert(db_url, [back, back], "run2") == UpsertResult(unchanged=2)
    assert rows(db_url)["a"] == expected_row(
        back, first_seen=T1, last_seen=T3, seen_count=5, run_id="run2"
    )


def test_batches_larger_than_one_select_chunk_are_counted_exactly(db_url: str) -> None:
    items = [ad(f"{i:04d}") for i in range(900)]
    assert upsert(db_url, items, "run1") == UpsertResult(new=900)
    items[450] = ad("0450", title="Changed")
    assert upsert(db_url, items, "run2") == UpsertResult(updated=1, unchanged=899)
    assert len(rows(db_url)) == 900


def test_keys_of_several_sources_beyond_one_select_chunk_are_told_apart(db_url: str) -> None:
    # The same webindexes under three sources: each is looked up under its own source.
    items = [ad(f"{i:04d}", source=source) for source in ("s1", "s2", "s3") for i in range(450)]
    assert upsert(db_url, items[:900], "run1") == UpsertResult(new=900)
    items[10] = ad("0010", source="s1", title="Changed")
    assert upsert(db_url, items, "run2") == UpsertResult(new=450, updated=1, unchanged=899)


def test_an_ad_without_a_url_is_stored_null_and_hashed_as_before(db_url: str) -> None:
    # Stored and hashed with "" before revision 0007: the hash must not move, or every
    # imported ad would count updated when imported or replayed again.
    item = ad("a", url="")
    old_recipe = dict(job_row(item), url="")
    assert upsert(db_url, [item], "run1") == UpsertResult(new=1)
    stored = rows(db_url)["a"]
    assert (stored["url"], stored["content_hash"]) == (None, content_hash(old_recipe))
    assert upsert(db_url, [ad("a", url="")], "run2") == UpsertResult(unchanged=1)


def test_upsert_accepts_mappings_with_iso_strings(db_url: str) -> None:
    mapping = {
        "webindex": "m1", "source": "import:csv", "url": "https://example.com/m1",
        "title": "Analyst", "description": "Analyse.", "closing_date": "2030-02-10",
        "salary_min": 25000, "scraped_at": "2024-03-01T10:00:00+01:00",
    }
    assert upsert(db_url, [mapping], "run1") == UpsertResult(new=1)
    row = rows(db_url)["m1"]
    assert (row["closing_date"], row["salary_min"], row["scraped_at"]) == (
        date(2030, 2, 10), 25000.0, T1,
    )


def test_empty_batch_writes_nothing(db_url: str) -> None:
    assert upsert(db_url, [], "run1") == UpsertResult()
    assert rows(db_url) == {}


def test_content_hash_is_fixed_for_known_content() -> None:
    # Changing the hash recipe would make every stored ad look "updated" next crawl.
    assert content_hash(job_row(seed_item())) == SEED_HASH


def test_content_hash_is_the_same_in_another_process() -> None:
    code = (
        "from tests.utils.rows import seed_item\n"
        "from jobcrawl.db.upsert import content_hash, job_row\n"
        "print(content_hash(job_row(seed_item())))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == SEED_HASH


def test_content_hash_ignores_scraped_at_and_number_and_date_spelling() -> None:
    row = job_row(seed_item())
    same = {**row, "scraped_at": T3, "salary_min": 30000, "closing_date": "2013-02-10"}
    assert content_hash(same) == SEED_HASH
    assert content_hash({**row, "title": "IT Project Manager"}) != SEED_HASH


def test_job_row_converts_to_utc_dates_and_floats() -> None:
    row = job_row({
        "webindex": "x", "scraped_at": datetime(2024, 3, 1, 10, 0), "date_posted": T2,
        "salary_max": "40000",
    })
    assert row == {
        **{name: None for name in JOB_FIELDS},
        "webindex": "x", "source": "", "url": None, "title": "", "description": "",
        "scraped_at": datetime(2024, 3, 1, 10, 0, tzinfo=UTC),
        "date_posted": date(2024, 3, 2), "salary_max": 40000.0,
    }


@pytest.mark.parametrize("bad", [{"scraped_at": None}, {"closing_date": "10 Feb"},
                                 {"salary_min": "thirty"}])
def test_job_row_rejects_unconvertible_values(bad: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        job_row({"webindex": "x", **bad})


def closed_row(item: JobItem, evidence: str = "page says: 'This vacancy has now closed'"
               ) -> dict[str, Any]:
    row = prepared_row(item)
    row.update(expired_at=row["scraped_at"], expiry_reason="closed", expiry_evidence=evidence)
    return row


def upsert_prepared(url: str, rows_: list[dict[str, Any]], run_id: str) -> UpsertResult:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            return upsert_rows(connection, rows_, run_id=run_id)
    finally:
        engine.dispose()


def test_a_closed_page_stores_the_ad_expired_and_keeps_its_first_expiry(db_url: str) -> None:
    upsert(db_url, [ad("a"), ad("b")], "run1")
    result = upsert_prepared(db_url, [closed_row(ad("a", T2))], "run2")
    assert result == UpsertResult(unchanged=1, closed=1)
    evidence = "page says: 'This vacancy has now closed'"
    assert rows(db_url)["a"] == expected_row(
        ad("a", T2), first_seen=T1, last_seen=T2, seen_count=2, run_id="run2",
        expired_at=T2, expiry_reason="closed", expiry_evidence=evidence)
    # Still closed a day later: counted once, and it keeps the day it closed.
    assert upsert_prepared(db_url, [closed_row(ad("a", T3))], "run3") == UpsertResult(unchanged=1)
    assert rows(db_url)["a"]["expired_at"] == T2
    assert rows(db_url)["b"]["expired_at"] is None


def test_an_expired_ad_fetched_again_without_a_notice_is_reactivated(db_url: str) -> None:
    upsert_prepared(db_url, [closed_row(ad("a"))], "run1")
    assert upsert(db_url, [ad("a", T2), ad("b", T2)], "run2") == UpsertResult(
        new=1, unchanged=1, reactivated=1)
    assert rows(db_url)["a"] == expected_row(ad("a", T2), first_seen=T1, last_seen=T2,
                                             seen_count=2, run_id="run2")


def test_content_hash_leaves_an_unsaid_remote_out_and_counts_a_said_one() -> None:
    # Ads stored before jobs.remote existed keep their hash while remote stays None.
    row = job_row(seed_item())
    assert row["remote"] is None
    assert content_hash(row) == SEED_HASH
    assert content_hash({**row, "remote": True}) != SEED_HASH
    assert content_hash({**row, "remote": False}) not in (SEED_HASH,
                                                         content_hash({**row, "remote": True}))
    assert job_row({**row, "remote": 1})["remote"] is True  # SQLite's 1/0
