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
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


def has_unstorable(value: str) -> bool:
    """True when `value` holds a character storable_text would remove."""
    # Five times faster than _UNSTORABLE.search on clean text, which nearly all text is
    # (5 us for a 3 kB ad): encoding finds the surrogates, and in UTF-8 a control
    # character is always its own single byte.
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return len(data.translate(None, _CONTROL_BYTES)) != len(data)


def storable_text(value: str) -> str:
    """`value` without NUL, the other C0 controls (tab, LF, CR kept), DEL and surrogates."""
    return _UNSTORABLE.sub("", value) if has_unstorable(value) else value


def clean_fields(fields: dict[str, Any]) -> list[str]:
    """Make every str value in `fields` storable, in place; the names that changed, in order.

    `fields` is a mapping of field name to value, such as ``vars(job_item)``.
    """
    texts = [value for value in fields.values() if isinstance(value, str)]
    # One check over all the text; the fields are looked at one by one only when needed.
    if not has_unstorable("".join(texts)):
        return []
    changed: list[str] = []
    for name, value in fields.items():
        if isinstance(value, str) and has_unstorable(value):
            fields[name] = _UNSTORABLE.sub("", value)
            changed.append(name)
    return changed
