"""Values of feed elements as JobItem fields: text, one-line text, URLs and dates."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from lxml import etree

from jobcrawl.extract.dates import parse_date
from jobcrawl.extract.text import clean_line, html_to_text
from jobcrawl.extract.urls import canonical_url

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

# NEOGOV writes "Wed, 22 Jul 2026 07:59:00:0": a fraction after a colon that no date
# parser reads. The stamp is kept without it.
_COLON_FRACTION = re.compile(r"(\d{1,2}:\d{2}:\d{2}):\d+\b")
# "www.example.com/jobs/1" (Vacancy Poster's advertUrl): a host without a scheme.
_BARE_HOST = re.compile(r"www\.[^/\s]+\.[a-z]{2,}(?:[/?#]|$)", re.IGNORECASE)


def markup(element: etree._Element) -> str:
    """The element's content as written: text, or HTML/XHTML children serialised."""
    if len(element) == 0:
        return "".join(element.itertext())
    inner = "".join(etree.tostring(child, encoding="unicode", with_tail=True)
                    for child in element)
    return (element.text or "") + inner


def line(element: etree._Element) -> str | None:
    """One line of text; HTML in CDATA and entities escaped twice (&amp;amp;) decoded."""
    return clean_line(html_to_text(markup(element)))


def value(element: etree._Element) -> str | None:
    """An id, URL or date exactly as the XML says: no HTML decoding ("?a=1&copy=2" stays)."""
    return clean_line("".join(element.itertext()))


def parts_line(element: etree._Element) -> str | None:
    """An element of elements (Careerjet's <location><city/><region/></location>) as
    "London, Greater London"; any other element as its one line of text."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return line(element)
    return ", ".join(dict.fromkeys(filter(None, map(line, children)))) or None


def description(elements: Iterable[etree._Element]) -> str:
    """The first non-empty text of `elements`, as plain text with paragraphs."""
    return next(filter(None, (html_to_text(markup(e)) for e in elements)), "")


def absolute_url(raw: str | None, base: str) -> str | None:
    """An http(s) URL resolved against the feed's own URL, canonical; None otherwise."""
    if not raw:
        return None
    # "&amp;" left in a CDATA section is the entity escaped twice; no URL means it.
    raw = raw.strip().replace("&amp;", "&")
    if _BARE_HOST.match(raw):
        raw = f"https://{raw}"
    absolute = urljoin(base, raw)
    return canonical_url(absolute) if urlsplit(absolute).scheme in ("http", "https") else None


def stamp(raw: str | None) -> str | None:
    """A structured date or timestamp as text the date parser reads."""
    return _COLON_FRACTION.sub(r"\1", raw) if raw else raw


def posted_date(raw: str | None) -> date | str | None:
    """A date only when day-first and month-first readings agree; otherwise the text, so
    that the normalize pipeline reads it the spider's way and counts what it cannot read."""
    raw = stamp(raw)
    parsed = parse_date(raw)
    return parsed if parsed is not None and parsed == parse_date(raw, dayfirst=False) else raw
