"""A stored corpus for the `scrapy export` tests, and how to read what the command writes."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from jobcrawl.db.engine import make_engine
from jobcrawl.db.models import Base, Job
from jobcrawl.export.values import EXPORT_FIELDS
from tests.utils.scrapy import run_scrapy

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def job(source: str, webindex: str, **values: Any) -> dict[str, Any]:
    """A stored job: every export field, plus the crawl run that stored it (last_run)."""
    return {
        **dict.fromkeys(EXPORT_FIELDS),
        "source": source, "webindex": webindex,
        "url": f"https://{source.split(':')[1]}/jobs/{webindex}",
        "title": f"Job {webindex}", "description": f"About job {webindex}.",
        "scraped_at": T0, "first_seen": T0, "last_seen": T0, "seen_count": 1,
        "last_run": "run-2026-11-20",
        **values,
    }


# Inserted out of order: every export comes out sorted by (source, webindex).
JOBS = [
    job("lever:zeta", "2", company="Zeta", location="Leeds; Remote", category="Sales Jobs",
        contract_type="permanent", contract_time="full_time", remote=True,
        salary_raw="£25,000 per annum", salary_min=25000.0, salary_max=25000.0,
        salary_currency="GBP", salary_period="year", date_posted=date(2026, 11, 2),
        seen_count=2, last_seen=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        last_run="run-2026-11-25"),
    job("greenhouse:acme", "b", title='Engineer, "Platform"', company="Acme, Ltd",
        category="IT Jobs", description="Line one,\nline two — ünïcødé.\r\nCRLF kept.",
        remote=False),
    job("lever:zeta", "10", title='=HYPERLINK("http://example.com","Apply")',
        closing_date=date(2026, 12, 31), closing_date_raw="Apply by 31/12",
        closing_date_source="text", last_run="run-2026-11-25",
        expired_at=datetime(2026, 11, 26, 3, 0, 0, 250000, tzinfo=UTC), expiry_reason="closed"),
    job("greenhouse:acme", "a", company=None, location="Zürich", category="IT Jobs",
        contract_time="part_time", salary_min=14.5, salary_max=16.0, salary_currency="CHF",
        salary_period="hour", first_seen=datetime(2026, 11, 20, 9, 0, 0, 123456, tzinfo=UTC),
        last_run=None),
]
ORDER = [("greenhouse:acme", "a"), ("greenhouse:acme", "b"), ("lever:zeta", "10"),
         ("lever:zeta", "2")]


def exported(values: dict[str, Any]) -> dict[str, Any]:
    """The export fields of a stored job (no last_run)."""
    return {name: values[name] for name in EXPORT_FIELDS}


def as_json(values: dict[str, Any]) -> dict[str, Any]:
    """What a JSONL line holds for a stored job: ISO dates, UTC datetimes, nulls."""
    out = {}
    for name, value in exported(values).items():
        if isinstance(value, datetime):
            out[name] = value.astimezone(UTC).isoformat()
        elif isinstance(value, date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def as_csv(values: dict[str, Any]) -> dict[str, str]:
    return {k: "" if v is None else str(v) for k, v in as_json(values).items()}


def ordered(jobs: list[dict[str, Any]], keys: list[tuple[str, str]] = ORDER
            ) -> list[dict[str, Any]]:
    by_key = {(j["source"], j["webindex"]): j for j in jobs}
    return [by_key[key] for key in keys]


def fill(url: str, jobs: list[dict[str, Any]]) -> None:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(Job(**values, content_hash="h") for values in jobs)
        session.commit()
    engine.dispose()


def read_csv(path: Path, fields: list[str] | tuple[str, ...] = EXPORT_FIELDS
             ) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(fields)
        return list(reader)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def export(url: str, *args: str, **kwargs: Any):
    return run_scrapy("export", *args, "-s", f"JOBCRAWL_DATABASE_URL={url}", **kwargs)
