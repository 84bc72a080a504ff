"""One job of the Ashby job posting API (``/posting-api/job-board/{board}``) -> JobItem."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from jobcrawl.extract.builder import LOCATION_SEPARATOR, build_item
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import date_or_text, json_text, records, web_url
from jobcrawl.extract.salary import Salary, normalize_period, salary_from_jsonld
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

# Ashby writes pay intervals as "1 YEAR", "1 HOUR"; "NONE" is a one-off (equity, bonus).
_ONE_UNIT = re.compile(r"1\s+([A-Za-z]+)")


def jobs(page: Any) -> list[dict[str, Any]]:
    """The job records of a board response (``{"apiVersion": "1", "jobs": [...]}``)."""
    return records(page, "jobs")


def is_listed(job: dict[str, Any]) -> bool:
    """False for a job the company keeps off its public board (``isListed: false``)."""
    return job.get("isListed") is not False


def location(job: dict[str, Any]) -> str | None:
    """The primary ``location`` and every secondary one, joined "; "."""
    entries = [job.get("location")]
    secondary = job.get("secondaryLocations")
    if isinstance(secondary, list):
        entries += [entry.get("location") for entry in secondary if isinstance(entry, dict)]
    places: list[str] = []
    for entry in entries:
        place = json_text(entry)
        if place and place not in places:
            places.append(place)
    return LOCATION_SEPARATOR.join(places) or None


def category(job: dict[str, Any]) -> str | None:
    return json_text(job.get("department")) or json_text(job.get("team"))


def description(job: dict[str, Any]) -> str:
    html = job.get("descriptionHtml")
    text = html_to_text(html) if isinstance(html, str) else ""
    plain = job.get("descriptionPlain")
    return text or (html_to_text(plain) if isinstance(plain, str) else "")


def _period(interval: Any) -> str | None:
    match = _ONE_UNIT.fullmatch(interval.strip()) if isinstance(interval, str) else None
    return normalize_period(match.group(1)) if match is not None else None


def salary(job: dict[str, Any]) -> Salary:
    """The "Salary" component of ``compensation.summaryComponents`` (asked for with
    ``includeCompensation=true``); Ashby's own salary summary is the raw text."""
    compensation = job.get("compensation")
    if not isinstance(compensation, dict):
        return Salary()
    found = Salary()
    components = compensation.get("summaryComponents")
    for component in components if isinstance(components, list) else []:
        if isinstance(component, dict) and component.get("compensationType") == "Salary":
            found = salary_from_jsonld(
                {"currency": component.get("currencyCode"),
                 "value": {"minValue": component.get("minValue"),
                           "maxValue": component.get("maxValue"),
                           "unitText": _period(component.get("interval"))}}
            )
            break
    summary = json_text(compensation.get("scrapeableCompensationSalarySummary"))
    if summary:
        return Salary(summary, found.min, found.max, found.currency, found.period)
    return found


def date_posted(job: dict[str, Any]) -> date | str | None:
    return date_or_text(json_text(job.get("publishedAt")))


# Ashby's workplaceType: "Remote", "OnSite", "Hybrid".
_WORKPLACES = {"remote": True, "onsite": False}


def remote(job: dict[str, Any]) -> bool | None:
    """``isRemote`` true, or ``workplaceType`` Remote -> True; OnSite -> False; Hybrid or
    nothing said: None."""
    if job.get("isRemote") is True:
        return True
    kind = job.get("workplaceType")
    return _WORKPLACES.get(kind.strip().lower()) if isinstance(kind, str) else None


def to_item(
    job: dict[str, Any], *, source: str, scraped_at: datetime, fallback_url: str = ""
) -> JobItem:
    """A JobItem from one Ashby job; never raises on a missing or oddly typed field.

    `fallback_url` stands in when the job has no ``jobUrl``. Ashby gives no closing
    date and no company name: the normalize pipeline looks for a closing date in the text.
    """
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=json_text(job.get("id")) or "",
        url=web_url(job.get("jobUrl")) or fallback_url,
        title=json_text(job.get("title")) or "",
        location=location(job),
        category=category(job),
        terms=employment_terms(job.get("employmentType")),
        description=description(job),
        salary=salary(job),
        date_posted=date_posted(job),
        remote=remote(job),
    )
