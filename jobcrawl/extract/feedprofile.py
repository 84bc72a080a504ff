"""One item element of a feed read through a feed profile (config.feedprofiles) -> JobItem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lxml import etree

from jobcrawl.extract import feedfields
from jobcrawl.extract.builder import build_item
from jobcrawl.extract.ids import webindex_from_url
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.salary import Salary, currency_code, normalize_period, salary_from_parts
from jobcrawl.extract.text import clean_line, html_to_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from jobcrawl.config.feedprofiles import FeedProfile
    from jobcrawl.extract.feed import FeedContext
    from jobcrawl.items import JobItem


def profile_item(entry: etree._Element, profile: FeedProfile, context: FeedContext) -> JobItem:
    """The JobItem of one item element, each field read where the profile says.

    Like the built-in dialects: never raises on missing or odd values; the closing date
    is a structured one (closing_date_raw) for the normalize pipeline to read.
    """
    read = _Reader(entry, profile)
    url = feedfields.absolute_url(read.value("url"), context.feed_url)
    salary_raw = read.line("salary")
    low, high = read.value("salary_min"), read.value("salary_max")
    currency, unit = read.line("salary_currency"), read.line("salary_period")
    if low or high:
        salary = salary_from_parts(low, high, currency, unit, salary_raw)
    else:
        salary = Salary(raw=salary_raw, currency=currency_code(currency) if salary_raw else None,
                        period=normalize_period(unit) if salary_raw else None)
    return build_item(
        source=context.source,
        scraped_at=context.scraped_at,
        webindex=read.value("webindex") or (webindex_from_url(url) if url else ""),
        url=url or "",
        title=read.line("title") or "",
        description=read.text("description"),
        company=read.line("company"),
        location=read.line("location"),
        category=read.line("category"),
        terms=employment_terms([t for t in (read.line("contract_type"),
                                            read.line("contract_time")) if t]),
        salary=salary,
        date_posted=feedfields.posted_date(read.value("date_posted")),
        closing_date_raw=feedfields.stamp(read.value("closing_date")),
    )


class _Reader:
    """The profile's paths of one field, evaluated on one item element."""

    def __init__(self, entry: etree._Element, profile: FeedProfile) -> None:
        self._entry = entry
        self._fields = profile.fields

    def _found(self, name: str, as_text: Callable[[Any], str | None]) -> Iterator[str]:
        for path in self._fields.get(name, ()):
            try:
                result = path(self._entry)
            except etree.XPathError:  # a function given a value it refuses
                continue
            for found in result if isinstance(result, list) else [result]:
                text = as_text(found)
                if text:
                    yield text

    def line(self, name: str) -> str | None:
        """Every distinct one-line text the paths find, joined with ", "."""
        return ", ".join(dict.fromkeys(self._found(name, _line))) or None

    def value(self, name: str) -> str | None:
        """The first value (id, URL, date, amount) the paths find, exactly as written."""
        return next(self._found(name, _value), None)

    def text(self, name: str) -> str:
        """Every text the paths find, as paragraphs."""
        return "\n\n".join(dict.fromkeys(self._found(name, _paragraphs)))


def _line(found: Any) -> str | None:
    if isinstance(found, etree._Element):
        return feedfields.parts_line(found)
    return clean_line(html_to_text(_scalar(found)))


def _value(found: Any) -> str | None:
    if isinstance(found, etree._Element):
        return feedfields.value(found)
    return clean_line(_scalar(found))


def _paragraphs(found: Any) -> str | None:
    if isinstance(found, etree._Element):
        return html_to_text(feedfields.markup(found)) or None
    return html_to_text(_scalar(found)) or None


def _scalar(found: Any) -> str | None:
    """An XPath string, attribute or number as text; a boolean is no field's value."""
    if isinstance(found, bool):
        return None
    if isinstance(found, float):
        return str(int(found)) if found.is_integer() else str(found)
    return str(found) if found is not None else None
