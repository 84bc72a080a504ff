"""Reading the JSON records of job APIs: the record list, a count, a one-line text, a web
URL, a date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobcrawl.extract.dates import parse_date
from jobcrawl.extract.text import clean_line

if TYPE_CHECKING:
    from datetime import date


def records(payload: Any, key: str) -> list[dict[str, Any]]:
    """The objects listed under `key` of a response object; [] for any other shape."""
    found = payload.get(key) if isinstance(payload, dict) else None
    return [entry for entry in found if isinstance(entry, dict)] if isinstance(found, list) else []


def count(payload: Any, key: str) -> int | None:
    """The whole number under `key` of a response object (a total, a page size); else None."""
    value = payload.get(key) if isinstance(payload, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def json_text(value: Any) -> str | None:
    """A JSON string or number as one line of text; None for anything else (true is no text)."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return clean_line(str(value))
    return None


def web_url(value: Any) -> str | None:
    """A JSON string that is an http(s) URL, as one line; None for "javascript:...", a
    relative path or anything else, so that the caller's fallback URL stands in."""
    text = json_text(value) if isinstance(value, str) else None
    if text is not None and text[:8].lower().startswith(("http://", "https://")):
        return text
    return None


def date_or_text(raw: str | None, *, dayfirst: bool = True) -> date | str | None:
    """The date `raw` reads as; unreadable, it stays the text for the normalize pipeline
    to read with the spider's day-first setting or to count."""
    parsed = parse_date(raw, dayfirst=dayfirst)
    return parsed if parsed is not None else raw
