"""Option values shared by several commands, checked the same way (UsageError names them)."""

from __future__ import annotations

from datetime import date

from scrapy.exceptions import UsageError


def date_option(value: str | None, option: str) -> date | None:
    """An ISO date option (`--since 2026-03-01`); None when it was not given."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None
