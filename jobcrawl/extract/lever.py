"""One posting of the Lever Postings API (``/v0/postings/{company}?mode=json``) -> JobItem."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from typing import Any

from jobcrawl.extract.builder import LOCATION_SEPARATOR, build_item
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import json_text, web_url
from jobcrawl.extract.salary import Salary, normalize_period, salary_from_jsonld
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem


def postings(page: Any) -> list[dict[str, Any]]:
    """The postings of one list response: a plain JSON array ([] past the last page)."""
    if not isinstance(page, list):
        return []
    return [posting for posting in page if isinstance(posting, dict)]


def _categories(posting: dict[str, Any]) -> dict[str, Any]:
    found = posting.get("categories")
    return found if isinstance(found, dict) else {}


def location(posting: dict[str, Any]) -> str | None:
    """Every location of the posting (``allLocations``) joined "; ", else ``location``."""
    categories = _categories(posting)
    places: list[str] = []
    every = categories.get("allLocations")
    for entry in every if isinstance(every, list) else []:
        place = json_text(entry)
        if place and place not in places:
            places.append(place)
    return LOCATION_SEPARATOR.join(places) or json_text(categories.get("location"))


def category(posting: dict[str, Any]) -> str | None:
    """The department; postings of companies without departments have only a team."""
    categories = _categories(posting)
    return json_text(categories.get("department")) or json_text(categories.get("team"))


def description(posting: dict[str, Any]) -> str:
    """The whole ad as Lever's page shows it: description, each titled list, closing text."""
    parts: list[str] = []
    if isinstance(posting.get("description"), str):
        parts.append(posting["description"])
    lists = posting.get("lists")
    for entry in lists if isinstance(lists, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("content"), str):
            continue
        heading = json_text(entry.get("text"))
        if heading:
            parts.append(f"<h3>{html.escape(heading)}</h3>")
        parts.append(f"<ul>{entry['content']}</ul>")
    if isinstance(posting.get("additional"), str):
        parts.append(posting["additional"])
    text = html_to_text("\n".join(parts))
    plain = posting.get("descriptionPlain")
    return text or (html_to_text(plain) if isinstance(plain, str) else "")


def salary(posting: dict[str, Any]) -> Salary:
    """``salaryRange`` ({currency, interval: "per-year-salary", min, max}); the company's
    own ``salaryDescriptionPlain`` is the raw text when it wrote one."""
    found = Salary()
    pay = posting.get("salaryRange")
    if isinstance(pay, dict):
        interval = json_text(pay.get("interval"))
        # "per-year-salary", "per-hour-wage": the words, not the hyphens, name the period.
        period = normalize_period(interval.replace("-", " ")) if interval else None
        found = salary_from_jsonld(
            {"currency": pay.get("currency"),
             "value": {"minValue": pay.get("min"), "maxValue": pay.get("max"),
                       "unitText": period}}
        )
    own_words = json_text(posting.get("salaryDescriptionPlain"))
    if own_words:
        return Salary(own_words, found.min, found.max, found.currency, found.period)
    return found


def date_posted(posting: dict[str, Any]) -> date | None:
    """``createdAt`` (epoch milliseconds) as a UTC calendar date."""
    millis = posting.get("createdAt")
    if isinstance(millis, bool) or not isinstance(millis, int | float):
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


# Lever's workplaceType: "remote", "on-site", "hybrid", "unspecified".
_WORKPLACES = {"remote": True, "on-site": False, "onsite": False}


def remote(posting: dict[str, Any]) -> bool | None:
    """``workplaceType`` remote -> True, on-site -> False; hybrid or unspecified: None."""
    kind = posting.get("workplaceType")
    return _WORKPLACES.get(kind.strip().lower()) if isinstance(kind, str) else None


def to_item(
    posting: dict[str, Any], *, source: str, scraped_at: datetime, fallback_url: str = ""
) -> JobItem:
    """A JobItem from one Lever posting; never raises on a missing or oddly typed field.

    `fallback_url` (the posting's API URL) stands in when there is no ``hostedUrl``.
    Lever has no closing-date field and no company name: the normalize pipeline looks
    for a closing date in the description.
    """
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=json_text(posting.get("id")) or "",
        url=web_url(posting.get("hostedUrl")) or fallback_url,
        title=json_text(posting.get("text")) or "",
        location=location(posting),
        category=category(posting),
        terms=employment_terms(_categories(posting).get("commitment")),
        description=description(posting),
        salary=salary(posting),
        date_posted=date_posted(posting),
        remote=remote(posting),
    )
