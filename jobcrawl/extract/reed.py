"""Reed.co.uk Jobseeker API: search results and job details -> JobItems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobcrawl.extract.builder import build_item
from jobcrawl.extract.ids import webindex_from_identifier
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import count, date_or_text, json_text, records
from jobcrawl.extract.salary import Salary, currency_code, normalize_period, to_amount
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

SOURCE = "reed"
API_ROOT = "https://www.reed.co.uk/api/1.0"


def search_results(payload: Any) -> tuple[list[dict[str, Any]], int | None]:
    """(results, totalResults) of a ``/search`` response; ([], None) for any other shape."""
    return records(payload, "results"), count(payload, "totalResults")


def job_id(record: dict[str, Any]) -> str | None:
    return webindex_from_identifier(record.get("jobId"))


def detail_url(job: str) -> str:
    """The API URL of one job's details."""
    return f"{API_ROOT}/jobs/{job}"


def _line(record: dict[str, Any], key: str) -> str | None:
    return json_text(record.get(key))


def contract_terms(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """contractType ("Permanent", "Contract", "Temporary") and the fullTime/partTime flags.

    An ad that is both full and part time names no single contract time.
    """
    contract_type, _ = employment_terms(record.get("contractType"))
    full, part = record.get("fullTime") is True, record.get("partTime") is True
    if full != part:
        return contract_type, "full_time" if full else "part_time"
    return contract_type, None


def salary(record: dict[str, Any]) -> Salary:
    """The salary as advertised: its text, the amounts in the ad's own period.

    Reed also gives yearlyMinimumSalary/yearlyMaximumSalary; the advertised figures
    are kept instead so that salary_min/max, salary_period and salary_raw agree.
    """
    low, high = to_amount(record.get("minimumSalary")), to_amount(record.get("maximumSalary"))
    raw = _line(record, "salary")
    if low is None and high is None and raw is None:
        return Salary()
    return Salary(
        raw=raw,
        min=low,
        max=high,
        currency=currency_code(_line(record, "currency")),
        period=normalize_period(_line(record, "salaryType")),
    )


def _date(raw: str | None) -> date | str | None:
    # Reed writes dates day first: 05/03/2024 is 5 March.
    return date_or_text(raw, dayfirst=True)


def to_item(detail: dict[str, Any], *, scraped_at: datetime,
            summary: dict[str, Any] | None = None) -> JobItem:
    """A JobItem from a ``/jobs/{id}`` detail; the search `summary` fills what it lacks.

    expirationDate is the structured closing date (dd/mm/yyyy). Never raises on a
    missing or oddly typed field.
    """
    record = {**(summary or {}), **{k: v for k, v in detail.items() if v is not None}}
    job = job_id(record) or ""
    html = record.get("jobDescription")
    posted = _line(record, "datePosted") or _line(record, "date")
    return build_item(
        source=SOURCE,
        scraped_at=scraped_at,
        webindex=job,
        url=_line(record, "jobUrl") or detail_url(job),
        title=_line(record, "jobTitle") or "",
        company=_line(record, "employerName"),
        location=_line(record, "locationName"),
        terms=contract_terms(record),
        description=html_to_text(html) if isinstance(html, str) else "",
        salary=salary(record),
        date_posted=_date(posted),
        closing_date_raw=_line(record, "expirationDate"),
    )
