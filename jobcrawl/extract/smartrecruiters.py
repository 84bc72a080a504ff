"""One SmartRecruiters posting (Posting API list entry + its detail) -> JobItem."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from jobcrawl.extract.builder import build_item
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import count, date_or_text, json_text, records, web_url
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

# The job ad's sections in the order the public posting page shows them.
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")


def postings(page: Any) -> list[dict[str, Any]]:
    """The postings of one list page (``{"offset", "limit", "totalFound", "content": [...]}``)."""
    return records(page, "content")


def total_found(page: Any) -> int | None:
    """``totalFound`` of a list page: how many postings all pages hold together."""
    return count(page, "totalFound")


def posting_id(posting: dict[str, Any]) -> str | None:
    return json_text(posting.get("id"))


def _label(value: Any) -> str | None:
    return json_text(value.get("label")) if isinstance(value, dict) else None


def location(posting: dict[str, Any]) -> str | None:
    """``fullLocation`` ("Berlin, Berlin, Germany"), else city, region, country code;
    a remote posting says so first ("Remote, GB") unless its place already does."""
    place = posting.get("location")
    if not isinstance(place, dict):
        return None
    found = json_text(place.get("fullLocation"))
    if found is None:
        parts = [json_text(place.get("city")), json_text(place.get("region")),
                 (json_text(place.get("country")) or "").upper() or None]
        found = ", ".join(part for part in parts if part) or None
    if place.get("remote") is True and "remote" not in (found or "").lower():
        return f"Remote, {found}" if found else "Remote"
    return found


def category(posting: dict[str, Any]) -> str | None:
    """The department; postings without one still name their job ``function``."""
    return _label(posting.get("department")) or _label(posting.get("function"))


def contract_terms(posting: dict[str, Any]) -> tuple[str | None, str | None]:
    """``typeOfEmployment``: its label ("Full-time") and its id ("permanent") both count."""
    kind = posting.get("typeOfEmployment")
    if not isinstance(kind, dict):
        return None, None
    return employment_terms([kind.get("label"), kind.get("id")])


def description(posting: dict[str, Any]) -> str:
    """The detail's ``jobAd.sections``, each under its own title, as one text."""
    job_ad = posting.get("jobAd")
    sections = job_ad.get("sections") if isinstance(job_ad, dict) else None
    if not isinstance(sections, dict):
        return ""
    parts: list[str] = []
    for key in SECTIONS:
        section = sections.get(key)
        body = section.get("text") if isinstance(section, dict) else None
        if not isinstance(body, str) or not body.strip():
            continue
        title = json_text(section.get("title"))
        if title:
            parts.append(f"<h2>{html.escape(title)}</h2>")
        parts.append(body)
    return html_to_text("\n".join(parts))


def date_posted(posting: dict[str, Any]) -> date | str | None:
    return date_or_text(json_text(posting.get("releasedDate")))


def remote(posting: dict[str, Any]) -> bool | None:
    """``location.remote`` (True/False), None without one."""
    place = posting.get("location")
    flag = place.get("remote") if isinstance(place, dict) else None
    return flag if isinstance(flag, bool) else None


def to_item(
    posting: dict[str, Any], *, source: str, scraped_at: datetime, fallback_url: str = ""
) -> JobItem:
    """A JobItem from one posting's detail; never raises on a missing or oddly typed field.

    `fallback_url` (the posting's API URL) stands in when there is no ``postingUrl``.
    The Posting API gives neither salary nor closing date: the normalize pipeline looks
    for both in the description.
    """
    company = posting.get("company")
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=posting_id(posting) or "",
        url=web_url(posting.get("postingUrl")) or fallback_url,
        title=json_text(posting.get("name")) or "",
        company=json_text(company.get("name")) if isinstance(company, dict) else None,
        location=location(posting),
        category=category(posting),
        terms=contract_terms(posting),
        description=description(posting),
        date_posted=date_posted(posting),
        remote=remote(posting),
    )
