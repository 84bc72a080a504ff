"""Text a database can store: no NUL, no other C0 control, no lone surrogate.

PostgreSQL rejects a NUL in text (and with it the whole batch); a lone surrogate
(JSON's "\\ud800", or an HTML entity "&#xd800;") cannot be encoded as UTF-8 at
all; the other C0 controls (form feed aside, "\\x01".."\\x1f" but tab, line feed and
carriage return) are invisible noise that breaks exports and terminals. Both the
normalize step of a crawl (jobcrawl.extract.normalize) and `scrapy import`
(jobcrawl.importers) clean text here, so the two agree on what is kept.

Pure functions: no settings, no stats (callers count what `clean_fields` reports).
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except \t \n \r, DEL, and every surrogate code point: none of them is
# text a reader can see, and the surrogates cannot be encoded.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def has_unstorable(value: str) -> bool:
    """True when `value` holds a character storable_text would remove."""
    return _UNSTORABLE.search(value) is not None


def storable_text(value: str) -> str:
    """`value` without NUL, the other C0 controls (tab, LF, CR kept), DEL and surrogates."""
    # One search at C speed for the common case of clean text; sub only when needed.
    if _UNSTORABLE.search(value) is None:
        return value
    return _UNSTORABLE.sub("", value)


def clean_fields(fields: dict[str, Any]) -> list[str]:
    """Make every str value in `fields` storable, in place; the names that changed, in order.

    `fields` is a mapping of field name to value, such as ``vars(job_item)``.
    """
    changed: list[str] = []
    for name, value in fields.items():
        if isinstance(value, str) and _UNSTORABLE.search(value) is not None:
            fields[name] = _UNSTORABLE.sub("", value)
            changed.append(name)
    return changed
