"""One job of Workable's public job widget API (``/api/v1/widget/accounts/{slug}``) -> JobItem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobcrawl.extract.builder import LOCATION_SEPARATOR, build_item
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import date_or_text, json_text, records, web_url
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

# With ?details=true each job carries its ad in up to three HTML parts; Workable's own
# job page shows the second and third under these headings.
_PARTS = (("description", None), ("requirements", "Requirements"), ("benefits", "Benefits"))


def jobs(page: Any) -> list[dict[str, Any]]:
    """The job records of an account response (``{"name": ..., "jobs": [...]}``)."""
    return records(page, "jobs")


def account_name(page: Any) -> str | None:
    """The account's ``name``: the employer of every job on the board."""
    return json_text(page.get("name")) if isinstance(page, dict) else None


def _place(city: Any, region: Any, country: Any) -> str | None:
    parts: list[str] = []
    for value in (city, region, country):
        part = json_text(value)
        if part and part not in parts:
            parts.append(part)
    return ", ".join(parts) or None


def location(job: dict[str, Any]) -> str | None:
    """Every visible entry of ``locations`` joined "; " (else city, state, country);
    "Remote" for a telecommuting job without any place."""
    places: list[str] = []
    entries = job.get("locations")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and not entry.get("hidden"):
            place = _place(entry.get("city"), entry.get("region"), entry.get("country"))
            if place and place not in places:
                places.append(place)
    found = (LOCATION_SEPARATOR.join(places)
             or _place(job.get("city"), job.get("state"), job.get("country")))
    if found is None and job.get("telecommuting") is True:
        return "Remote"
    return found


def remote(job: dict[str, Any]) -> bool | None:
    """Workable's ``telecommuting`` flag (True/False), None without one."""
    flag = job.get("telecommuting")
    return flag if isinstance(flag, bool) else None


def category(job: dict[str, Any]) -> str | None:
    """The department; accounts without departments still give the job ``function``."""
    return json_text(job.get("department")) or json_text(job.get("function"))


def description(job: dict[str, Any]) -> str:
    parts: list[str] = []
    for key, heading in _PARTS:
        value = job.get(key)
        if isinstance(value, str) and value.strip():
            if heading:
                parts.append(f"<h3>{heading}</h3>")
            parts.append(value)
    return html_to_text("\n".join(parts))


def date_posted(job: dict[str, Any]) -> date | str | None:
    raw = json_text(job.get("published_on")) or json_text(job.get("created_at"))
    return date_or_text(raw)


def to_item(
    job: dict[str, Any],
    *,
    company: str | None,
    source: str,
    scraped_at: datetime,
    fallback_url: str = "",
) -> JobItem:
    """A JobItem from one Workable job; never raises on a missing or oddly typed field.

    `company` is the account's name (see :func:`account_name`); `fallback_url` stands in when
    the job has neither ``url`` nor ``shortlink``. The widget API gives no salary and no
    closing date: the normalize pipeline looks for both in the description.
    """
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=json_text(job.get("shortcode")) or "",
        url=web_url(job.get("url")) or web_url(job.get("shortlink")) or fallback_url,
        title=json_text(job.get("title")) or "",
        company=company,
        location=location(job),
        category=category(job),
        terms=employment_terms(job.get("employment_type")),
        description=description(job),
        date_posted=date_posted(job),
        remote=remote(job),
    )
