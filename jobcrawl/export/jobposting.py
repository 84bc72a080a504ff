"""One stored job -> one schema.org JobPosting (JSON-LD), the way Google's job search reads it.

Unknown values are left out rather than written as null, as JSON-LD expects.
jobcrawl's own extractor (extract/jobposting.py) reads every field back.
"""

from __future__ import annotations

from typing import Any

JOBPOSTING_FIELDS: tuple[str, ...] = (
    "webindex", "source", "url", "title", "description", "company", "location", "category",
    "contract_type", "contract_time", "salary_min", "salary_max", "salary_currency",
    "salary_period", "date_posted", "closing_date", "remote",
)
"""The stored fields a JobPosting is built from (export values: ISO dates, finite floats)."""

# schema.org / Google employmentType values for jobcrawl's contract vocabulary
# (extract/normalize.py maps them back). "permanent" has no Google value; its
# upper-case form reads back as "permanent" all the same.
EMPLOYMENT_TYPES = {
    "full_time": "FULL_TIME", "part_time": "PART_TIME", "contract": "CONTRACTOR",
    "temporary": "TEMPORARY", "internship": "INTERN", "volunteer": "VOLUNTEER",
}
LOCATION_SEPARATOR = "; "  # how the crawler joins several jobLocations into one field


def employment_type(contract_type: str | None, contract_time: str | None) -> str | list[str] | None:
    values = [EMPLOYMENT_TYPES.get(term, term.upper())
              for term in (contract_time, contract_type) if term]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def job_locations(location: str | None) -> list[dict[str, Any]] | dict[str, Any] | None:
    if not location:
        return None
    places = [
        {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": part}}
        for part in location.split(LOCATION_SEPARATOR) if part.strip()
    ]
    return places[0] if len(places) == 1 else places or None


def base_salary(job: dict[str, Any]) -> dict[str, Any] | None:
    low, high = job["salary_min"], job["salary_max"]
    if low is None and high is None:
        return None
    value: dict[str, Any] = {"@type": "QuantitativeValue"}
    if low is not None and low == high:
        value["value"] = low
    else:
        value.update({key: amount for key, amount in (("minValue", low), ("maxValue", high))
                      if amount is not None})
    if job["salary_period"]:
        value["unitText"] = job["salary_period"].upper()
    salary: dict[str, Any] = {"@type": "MonetaryAmount"}
    if job["salary_currency"]:
        salary["currency"] = job["salary_currency"]
    salary["value"] = value
    return salary


def job_posting(job: dict[str, Any]) -> dict[str, Any]:
    """A JSON-LD JobPosting from a dict holding JOBPOSTING_FIELDS as export values."""
    posting: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": job["title"],
        "description": job["description"],
        "identifier": {"@type": "PropertyValue", "name": job["source"], "value": job["webindex"]},
    }
    optional = {
        "hiringOrganization": (
            {"@type": "Organization", "name": job["company"]} if job["company"] else None
        ),
        "jobLocation": job_locations(job["location"]),
        "jobLocationType": "TELECOMMUTE" if job["remote"] else None,
        "occupationalCategory": job["category"],
        "datePosted": job["date_posted"],
        "validThrough": job["closing_date"],
        "baseSalary": base_salary(job),
        "employmentType": employment_type(job["contract_type"], job["contract_time"]),
        "url": job["url"],
    }
    posting.update((key, value) for key, value in optional.items() if value is not None)
    return posting
