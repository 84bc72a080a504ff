"""One job of the Greenhouse Job Board API (``/v1/boards/{board}/jobs?content=true``) -> JobItem."""

from __future__ import annotations

import html
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

# Custom fields ("metadata") are named by each company; these names are the usual ones.
_EMPLOYMENT_FIELD = re.compile(
    r"(?:employment|job|contract|position)\s*type|type\s+of\s+employment|employment\s+status",
    re.IGNORECASE,
)
_PAY_PERIOD_FIELD = re.compile(r"(?:pay|salary|wage).*(?:frequency|period|interval|basis)",
                               re.IGNORECASE)


def jobs(page: Any) -> list[dict[str, Any]]:
    """The job records of a list response (``{"jobs": [...], "meta": {"total": N}}``)."""
    return records(page, "jobs")


def _names(entries: Any, key: str = "name") -> list[str]:
    """The distinct `key` texts of a list of dicts, in order."""
    names: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        name = json_text(entry.get(key)) if isinstance(entry, dict) else None
        if name and name not in names:
            names.append(name)
    return names


def location(job: dict[str, Any]) -> str | None:
    """``location.name``; without one, the job's offices (their location, else name)."""
    place = job.get("location")
    name = json_text(place.get("name")) if isinstance(place, dict) else None
    if name:
        return name
    offices = job.get("offices") if isinstance(job.get("offices"), list) else []
    places: list[str] = []
    for office in offices:
        if isinstance(office, dict):
            found = json_text(office.get("location")) or json_text(office.get("name"))
            if found and found not in places:
                places.append(found)
    return LOCATION_SEPARATOR.join(places) or None


def category(job: dict[str, Any]) -> str | None:
    """The job's departments, joined ", "."""
    return ", ".join(_names(job.get("departments"))) or None


def _metadata(job: dict[str, Any]) -> list[dict[str, Any]]:
    entries = job.get("metadata")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _field_value(job: dict[str, Any], name_pattern: re.Pattern[str]) -> Any:
    """The value of the first non-empty text/select custom field whose name matches."""
    for entry in _metadata(job):
        value = entry.get("value")
        if value and not isinstance(value, dict) and name_pattern.search(str(entry.get("name"))):
            return value
    return None


def contract_terms(job: dict[str, Any]) -> tuple[str | None, str | None]:
    """(contract_type, contract_time) from an "Employment Type"-like custom field."""
    return employment_terms(_field_value(job, _EMPLOYMENT_FIELD))


def salary(job: dict[str, Any]) -> Salary:
    """The first pay range custom field (``currency_range``, else ``currency``).

    Greenhouse gives amounts as strings ("65000.0"); the period comes from the field's
    own name ("Annual Salary") or from a "Pay Frequency"-like field.
    """
    for entry in _metadata(job):
        value = entry.get("value")
        if entry.get("value_type") not in ("currency_range", "currency"):
            continue
        if not isinstance(value, dict):
            continue
        low = value.get("min_value", value.get("amount"))
        high = value.get("max_value", value.get("amount"))
        period = normalize_period(json_text(entry.get("name"))) or normalize_period(
            json_text(_field_value(job, _PAY_PERIOD_FIELD))
        )
        found = salary_from_jsonld(
            {"currency": value.get("unit"),
             "value": {"minValue": low, "maxValue": high, "unitText": period}}
        )
        if found.min is not None or found.max is not None:
            return found
    return Salary()


def date_posted(job: dict[str, Any]) -> date | str | None:
    """``first_published``; boards that lack it give only ``updated_at``, the next best."""
    raw = json_text(job.get("first_published")) or json_text(job.get("updated_at"))
    return date_or_text(raw)


def description(job: dict[str, Any]) -> str:
    """``content`` as text: Greenhouse escapes its HTML once ("&lt;p&gt;"), so unescape first."""
    content = job.get("content")
    return html_to_text(html.unescape(content)) if isinstance(content, str) else ""


def to_item(
    job: dict[str, Any], *, source: str, scraped_at: datetime, fallback_url: str = ""
) -> JobItem:
    """A JobItem from one Greenhouse job; never raises on a missing or oddly typed field.

    `fallback_url` (the job's API URL) stands in when the job has no ``absolute_url``.
    A structured ``application_deadline`` is the closing date when a board sends one;
    otherwise the normalize pipeline looks for one in the description.
    """
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=json_text(job.get("id")) or "",
        url=web_url(job.get("absolute_url")) or fallback_url,
        title=json_text(job.get("title")) or "",
        company=json_text(job.get("company_name")),
        location=location(job),
        category=category(job),
        terms=contract_terms(job),
        description=description(job),
        salary=salary(job),
        date_posted=date_posted(job),
        closing_date_raw=json_text(job.get("application_deadline")),
    )
