"""One Recruitee careers-site offer (``GET {company}.recruitee.com/api/offers``) -> one JobItem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobcrawl.extract.builder import build_item
from jobcrawl.extract.ids import webindex_from_identifier
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import date_or_text, json_text, records
from jobcrawl.extract.salary import (
    Salary,
    normalize_period,
    parse_salary_text,
    salary_from_jsonld,
)
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime


def offers(payload: Any) -> list[dict[str, Any]]:
    """The offer objects of an ``/api/offers`` response; [] for any other shape."""
    return records(payload, "offers")


def is_published(offer: dict[str, Any]) -> bool:
    """False only when the offer says it is not published (drafts, closed, internal)."""
    status = offer.get("status")
    return status is None or status == "published"


def offer_url(offer: dict[str, Any], company: str) -> str:
    """careers_url (the public ad page), else the API URL of this one offer."""
    public = json_text(offer.get("careers_url"))
    if public:
        return public
    key = json_text(offer.get("slug")) or json_text(offer.get("id")) or ""
    return f"https://{company}.recruitee.com/api/offers/{key}"


def location(offer: dict[str, Any]) -> str | None:
    """The offer's own location line, else "city, country"; "Remote" for a remote offer."""
    written = json_text(offer.get("location"))
    if written:
        return written
    parts = [part for part in map(json_text, (offer.get("city"), offer.get("country"))) if part]
    if parts:
        return ", ".join(dict.fromkeys(parts))
    return "Remote" if offer.get("remote") is True else None


def description(offer: dict[str, Any]) -> str:
    """The description and the requirements, as plain-text paragraphs."""
    parts = [html_to_text(offer.get(key)) for key in ("description", "requirements")
             if isinstance(offer.get(key), str)]
    return "\n\n".join(part for part in parts if part)


def salary(offer: dict[str, Any]) -> Salary:
    """The ``salary`` object ({min, max, currency, period}; amounts may be strings)."""
    value = offer.get("salary")
    if isinstance(value, str):
        return parse_salary_text(value)
    if not isinstance(value, dict):
        return Salary()
    period = normalize_period(value.get("period"))
    # The same fields as a schema.org MonetaryAmount: one reader, one readable text.
    found = salary_from_jsonld({
        "currency": value.get("currency"),
        "value": {"minValue": value.get("min"), "maxValue": value.get("max"), "unitText": period},
    })
    return found if found.min is not None or found.max is not None else Salary()


def date_posted(offer: dict[str, Any]) -> date | str | None:
    """published_at ("2024-03-05 09:12:44 UTC"), else created_at; unreadable stays a string."""
    raw = json_text(offer.get("published_at")) or json_text(offer.get("created_at"))
    return date_or_text(raw)


def remote(offer: dict[str, Any]) -> bool | None:
    """The offer's ``remote`` flag (True/False), None without one."""
    flag = offer.get("remote")
    return flag if isinstance(flag, bool) else None


def to_item(offer: dict[str, Any], *, source: str, scraped_at: datetime,
            company: str) -> JobItem:
    """A JobItem from one offer; `company` is the careers-site name (for the fallback URL).

    close_at is the structured closing date (resolved by the normalize pipeline).
    Never raises on a missing or oddly typed field.
    """
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=webindex_from_identifier(offer.get("id")) or "",
        url=offer_url(offer, company),
        title=json_text(offer.get("title")) or "",
        company=json_text(offer.get("company_name")),
        location=location(offer),
        category=json_text(offer.get("department")),
        terms=employment_terms(offer.get("employment_type_code")),
        description=description(offer),
        salary=salary(offer),
        date_posted=date_posted(offer),
        closing_date_raw=json_text(offer.get("close_at")),
        remote=remote(offer),
    )
