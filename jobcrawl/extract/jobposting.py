"""One schema.org JobPosting dict (from jsonld.extract_postings) -> one JobItem."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from jobcrawl.extract.builder import LOCATION_SEPARATOR, build_item
from jobcrawl.extract.dates import parse_date
from jobcrawl.extract.ids import webindex_from_identifier, webindex_from_url
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.salary import (
    Salary,
    currency_code,
    estimated_salary,
    has_pay,
    salary_from_jsonld,
)
from jobcrawl.extract.sections import description
from jobcrawl.extract.text import clean_line
from jobcrawl.extract.urls import canonical_url, page_canonical_url, same_host
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

    from scrapy.http import TextResponse

_NAME_KEYS = ("name", "legalName", "alternateName")


def source_for(url: str) -> str:
    """The source name of a site's JobPostings: "jobposting:<host>"."""
    return f"jobposting:{(urlsplit(url).hostname or '').rstrip('.')}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    """A one-line text from a string, a number, or a dict's name (first usable of a list)."""
    for entry in _as_list(value):
        if isinstance(entry, str | int | float) and not isinstance(entry, bool):
            found = clean_line(str(entry))
        elif isinstance(entry, dict):
            found = next(filter(None, (_text(entry.get(key)) for key in _NAME_KEYS)), None)
        else:
            found = None
        if found:
            return found
    return None


def company(posting: dict[str, Any]) -> str | None:
    return _text(posting.get("hiringOrganization"))


def _place(place: Any) -> str | None:
    """"Locality, Region, Country" of a Place, its address, or a plain string."""
    if not isinstance(place, dict):
        return _text(place)
    address = place.get("address")
    if not isinstance(address, dict):
        return _text(address) or _text(place.get("name"))
    parts: list[str] = []
    for key in ("addressLocality", "addressRegion", "addressCountry"):
        part = _text(address.get(key))
        if part and part not in parts:
            parts.append(part)
    return ", ".join(parts) or _text(address.get("name")) or _text(place.get("name"))


def location(posting: dict[str, Any]) -> str | None:
    """Every jobLocation, in order and each once, joined "; "; for a remote job without
    one, "Remote" (with the applicants' locations: "Remote (United States; Canada)")."""
    places = _places(posting.get("jobLocation"))
    if places:
        return LOCATION_SEPARATOR.join(places)
    if remote(posting):
        applicants = _places(posting.get("applicantLocationRequirements"))
        return f"Remote ({LOCATION_SEPARATOR.join(applicants)})" if applicants else "Remote"
    return None


def _places(value: Any) -> list[str]:
    places: list[str] = []
    for entry in _as_list(value):
        place = _place(entry)
        if place and place not in places:
            places.append(place)
    return places


# jobLocationType words: schema.org and Google name one, TELECOMMUTE; boards write others.
_REMOTE_KINDS = frozenset({"TELECOMMUTE", "REMOTE", "FULLY_REMOTE", "WORK_FROM_HOME"})
_ON_SITE_KINDS = frozenset({"ONSITE", "ON_SITE", "IN_OFFICE", "OFFICE", "IN_PERSON"})


def remote(posting: dict[str, Any]) -> bool | None:
    """True for a remote job: jobLocationType TELECOMMUTE, or applicantLocationRequirements
    (which Google's guidelines give only for remote jobs); False when jobLocationType says
    on site; None when the posting does not say (a jobLocation alone does not)."""
    kinds = {_short_word(kind) for kind in _as_list(posting.get("jobLocationType"))}
    if kinds & _REMOTE_KINDS or posting.get("applicantLocationRequirements"):
        return True
    return False if kinds & _ON_SITE_KINDS else None


def _short_word(value: Any) -> str:
    """"https://schema.org/TELECOMMUTE", "On-site" -> "TELECOMMUTE", "ON_SITE"."""
    text = str(value).strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return "_".join(text.replace("-", " ").split())


def salary(posting: dict[str, Any]) -> Salary:
    """baseSalary (its currency, else the posting's salaryCurrency); without one, an
    estimatedSalary, flagged in salary_raw ("Estimated: ...")."""
    found = salary_from_jsonld(posting.get("baseSalary"))
    if not has_pay(found):
        estimate = estimated_salary(posting.get("estimatedSalary"))
        found = estimate if has_pay(estimate) else found
    currency = _text(posting.get("salaryCurrency"))
    if found.currency is None and currency is not None and has_pay(found):
        found = replace(found, currency=currency_code(currency))
    return found


def category(posting: dict[str, Any]) -> str | None:
    """occupationalCategory, else industry; several joined ", "; CategoryCode -> name."""
    for key in ("occupationalCategory", "industry"):
        names: list[str] = []
        for entry in _as_list(posting.get(key)):
            name = _text(entry)
            if name is None and isinstance(entry, dict):
                name = _text(entry.get("codeValue"))
            if name and name not in names:
                names.append(name)
        if names:
            return ", ".join(names)
    return None


def posting_url(posting: dict[str, Any], response: TextResponse) -> str:
    """The posting's own "url" when it stays on the page's host, else the page's URL."""
    own = _text(posting.get("url"))
    if own:
        # Most postings give an absolute URL; resolving it against the page costs a <base> scan.
        absolute = own if own.startswith(("http://", "https://")) else response.urljoin(own)
        if absolute.startswith(("http://", "https://")) and same_host(absolute, response.url):
            return canonical_url(absolute)
    return page_canonical_url(response)


def _string(value: Any) -> str | None:
    return clean_line(str(value)) if isinstance(value, str | int | float) else None


def _date_posted(posting: dict[str, Any]) -> date | str | None:
    """datePosted as a date when it reads one way only; otherwise the string.

    normalize_item reads a string with the spider's `dayfirst` (03/04/2024 is
    ambiguous) or counts it as unreadable (dates/posted/unparsed): nothing
    vanishes silently.
    """
    raw = _string(posting.get("datePosted"))
    parsed = parse_date(raw)
    if parsed is None:
        return raw
    if parsed.day <= 12 and parsed.day != parsed.month and (
            parse_date(raw, dayfirst=False) != parsed):
        return raw
    return parsed


def to_item(
    posting: dict[str, Any], response: TextResponse, *, source: str, scraped_at: datetime
) -> JobItem:
    """A JobItem with the posting's fields; the closing date is resolved by normalize_item.

    closing_date_raw holds validThrough as written; an unreadable datePosted stays a
    string for normalize_item to count. Never raises on a missing or oddly typed field:
    what cannot be read stays None / "".
    """
    url = posting_url(posting, response)
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=webindex_from_identifier(posting.get("identifier")) or webindex_from_url(url),
        url=url,
        title=_text(posting.get("title")) or _text(posting.get("name")) or "",
        company=company(posting),
        location=location(posting),
        category=category(posting),
        terms=employment_terms(posting.get("employmentType")),
        description=description(posting),
        salary=salary(posting),
        date_posted=_date_posted(posting),
        closing_date_raw=_text(posting.get("validThrough")),
        remote=remote(posting),
    )
