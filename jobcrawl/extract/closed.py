"""Closed-job notices: "This vacancy has now closed", "No longer accepting applications"."""

from __future__ import annotations

import re

_WS = r"\s+"
_THING = r"(?:vacancy|job|position|role|post|advert|listing|opportunity|job\s+posting|job\s+advert)"
# Stated as a fact about this job, in the past or present tense. "Closing date: ..."
# and "this vacancy will close early" are not notices.
_PATTERNS = (
    rf"this{_WS}{_THING}{_WS}(?:has|is){_WS}(?:now{_WS})?(?:closed|expired|been{_WS}filled"
    rf"|no{_WS}longer{_WS}(?:available|open|active|accepting{_WS}applications))",
    rf"no{_WS}longer{_WS}accepting{_WS}applications",
    rf"applications{_WS}(?:for{_WS}this{_WS}{_THING}{_WS})?(?:are|have){_WS}(?:now{_WS})?closed",
    rf"the{_WS}closing{_WS}date{_WS}for{_WS}this{_WS}{_THING}{_WS}has{_WS}passed",
)
_NOTICE = re.compile("|".join(f"(?:{pattern})" for pattern in _PATTERNS), re.IGNORECASE)
# Every notice holds one of these (in lower or upper case): plain substring tests
# skip the case-insensitive search on the ~all pages that say nothing of the kind.
_HINTS = ("losed", "LOSED", "xpired", "XPIRED", "filled", "FILLED", "longer", "LONGER",
          "passed", "PASSED")


def closed_notice(text: str) -> str | None:
    """The first closed-job notice in `text` (page HTML or text), whitespace collapsed.

    None when the page says nothing of the kind.
    """
    if not any(hint in text for hint in _HINTS):
        return None
    match = _NOTICE.search(text)
    if match is None:
        return None
    words = " ".join(match.group().split())
    return words[0].upper() + words[1:]
