"""DropItem subclasses: the class name is the reason Scrapy counts in its stats.

Scrapy records ``item_dropped_reasons_count/<ClassName>`` for every drop.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem


class MissingRequiredField(DropItem):
    """A required JobItem field (webindex, source, url, title, description) is empty."""


class FieldTooLong(DropItem):
    """A field is longer than its database column (a 2,000-character id, say).

    PostgreSQL would reject the whole batch, and the ads stored with it; SQLite would
    keep a value no other database could.
    """


class DuplicateInCrawl(DropItem):
    """The same (source, webindex) was already seen earlier in this crawl."""

    def __init__(self, message: str) -> None:
        # Duplicates are expected on real boards: keep WARNING for real problems.
        super().__init__(message, log_level="INFO")
