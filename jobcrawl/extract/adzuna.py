"""Adzuna search API (``/v1/api/jobs/{country}/search/{page}``) results -> JobItems."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobcrawl.extract.builder import build_item
from jobcrawl.extract.ids import webindex_from_identifier
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.records import count, date_or_text, json_text, records
from jobcrawl.extract.salary import Salary, salary_from_jsonld
from jobcrawl.extract.text import html_to_text
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

API_ROOT = "https://api.adzuna.com/v1/api/jobs"
# Adzuna's country sites and the currency their salaries are in (the API names none).
CURRENCIES = {
    "at": "EUR", "au": "AUD", "be": "EUR", "br": "BRL", "ca": "CAD", "ch": "CHF",
    "de": "EUR", "es": "EUR", "fr": "EUR", "gb": "GBP", "in": "INR", "it": "EUR",
    "mx": "MXN", "nl": "EUR", "nz": "NZD", "pl": "PLN", "sg": "SGD", "us": "USD",
    "za": "ZAR",
}  # fmt: skip
COUNTRIES = tuple(sorted(CURRENCIES))
# Adzuna states salary_min/salary_max as annual figures.
SALARY_PERIOD = "year"


def search_results(payload: Any) -> tuple[list[dict[str, Any]], int | None]:
    """(results, count) of a search response; ([], None) for any other shape."""
    return records(payload, "results"), count(payload, "count")


def is_predicted_salary(result: dict[str, Any]) -> bool:
    """True when the salary is Adzuna's own estimate, not the advertiser's figure."""
    return str(result.get("salary_is_predicted")) == "1"


def _name(value: Any, key: str) -> str | None:
    """company.display_name, location.display_name, category.label ..."""
    return json_text(value.get(key)) if isinstance(value, dict) else None


def salary(result: dict[str, Any], country: str) -> Salary:
    """The advertised salary; None everywhere when Adzuna predicted it."""
    if is_predicted_salary(result):
        return Salary()
    found = salary_from_jsonld({
        "currency": CURRENCIES.get(country),
        "value": {"minValue": result.get("salary_min"), "maxValue": result.get("salary_max"),
                  "unitText": SALARY_PERIOD},
    })
    return found if found.min is not None or found.max is not None else Salary()


def result_url(result: dict[str, Any]) -> str:
    """redirect_url, Adzuna's page for the ad.

    The API has no per-ad endpoint to fall back on, so an ad without one keeps an
    empty url and the validate pipeline drops and counts it.
    """
    return json_text(result.get("redirect_url")) or ""


def date_posted(result: dict[str, Any]) -> date | str | None:
    """created ("2024-03-05T09:12:44Z") as a date; unreadable stays a string."""
    raw = json_text(result.get("created"))
    return date_or_text(raw)


def to_item(result: dict[str, Any], *, source: str, scraped_at: datetime,
            country: str) -> JobItem:
    """A JobItem from one search result of `country`'s Adzuna site.

    The description is the snippet the API gives; closing dates come from its text
    (normalize pipeline). Never raises on a missing or oddly typed field.
    """
    contract_type, _ = employment_terms(result.get("contract_type"))
    _, contract_time = employment_terms(result.get("contract_time"))
    snippet = result.get("description")
    return build_item(
        source=source,
        scraped_at=scraped_at,
        webindex=webindex_from_identifier(result.get("id")) or "",
        url=result_url(result),
        title=json_text(result.get("title")) or "",
        company=_name(result.get("company"), "display_name"),
        location=_name(result.get("location"), "display_name"),
        category=_name(result.get("category"), "label"),
        terms=(contract_type, contract_time),
        description=html_to_text(snippet) if isinstance(snippet, str) else "",
        salary=salary(result, country),
        date_posted=date_posted(result),
    )
