"""Webindex values: the board's own id, or a stable hash of the ad's URL."""

from __future__ import annotations

import hashlib
from typing import Any

from jobcrawl.extract.urls import canonical_url

# Keys that hold the id itself in schema.org PropertyValue / JSON-LD value objects.
_VALUE_KEYS = ("value", "@value", "identifier")


def webindex_from_identifier(identifier: Any) -> str | None:
    """The id in a JSON-LD / microdata ``identifier``, or None when there is none.

    Accepts a string, a whole number, a PropertyValue dict ({"name": ..., "value": ...}),
    a microdata-shaped dict ({"properties": {...}}) or a list (the first usable entry).
    """
    if isinstance(identifier, bool) or identifier is None:
        return None
    if isinstance(identifier, str):
        return identifier.strip() or None
    if isinstance(identifier, int):
        return str(identifier)
    if isinstance(identifier, float):
        # 12345.0 is how some encoders write an integer id; 1.5 is no id at all.
        return str(int(identifier)) if identifier.is_integer() else None
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if isinstance(identifier, list | tuple):
        for entry in identifier:
            found = webindex_from_identifier(entry)
            if found:
                return found
    return None


def _from_dict(identifier: dict[str, Any]) -> str | None:
    properties = identifier.get("properties")
    if isinstance(properties, dict):
        return _from_dict(properties)
    for key in _VALUE_KEYS:
        found = webindex_from_identifier(identifier.get(key))
        if found:
            return found
    return None


def webindex_from_url(url: str) -> str:
    """"u" + the first 16 hex digits of sha256(canonical URL): equal in every process.

    The "u" prefix keeps derived values apart from boards' own (mostly numeric) ids.
    """
    digest = hashlib.sha256(canonical_url(url).encode("utf-8")).hexdigest()
    return f"u{digest[:16]}"
