"""One feed entry (RSS <item>, Atom <entry>, Indeed-style <job>) -> one JobItem."""

# Child elements are matched by local name, lower-cased, without "-", "_" and ".", so that
# <referencenumber>, <reference-number> and <job_listing:job_type> all match. The job
# fields that RSS and Atom lack (company, location, salary, job type, closing date) come
# from extension elements such as WP Job Manager's <job_listing:company>, in any
# namespace; dc:creator names whoever posted the item, not the employer, and is never
# read as the company.

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from w3lib.html import replace_entities

from jobcrawl.extract.builder import build_item
from jobcrawl.extract.dates import parse_date
from jobcrawl.extract.feedreader import RDF_NS
from jobcrawl.extract.ids import webindex_from_url
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.salary import Salary
from jobcrawl.extract.text import clean_line, html_to_text, tidy_paragraphs
from jobcrawl.extract.urls import canonical_url
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime

COMPANY = ("company", "companyname", "employer", "hiringorganization")
LOCATION = ("location", "joblocation")
CITY = ("city",)
REGION = ("state", "region", "province")
COUNTRY = ("country",)
POSTCODE = ("postalcode", "postcode", "zip", "zipcode")
SALARY = ("salary", "salaryrange")
JOB_TYPE = ("jobtype", "employmenttype", "contracttype", "fullpart")
CATEGORY = ("jobcategory", "category", "industry")
CLOSING = ("expirationdate", "expirydate", "expiredate", "expires", "closingdate",
           "closedate", "deadline", "applicationdeadline", "validthrough")
# Indeed-style <job> elements (ZipRecruiter, Talroo, Jooble and other aggregators' variants).
JOB_ID = ("referencenumber", "reference", "referenceid", "jobreference", "jobid", "id",
          "guid")
JOB_URL = ("url", "link", "joburl")
JOB_TITLE = ("title", "jobtitle")
JOB_DESCRIPTION = ("description", "jobdescription", "body")
JOB_POSTED = ("date", "dateposted", "posteddate", "pubdate", "publishdate", "publisheddate")

_NAME_NOISE = re.compile(r"[-_.]")
_RDF_ABOUT = f"{{{RDF_NS}}}about"


@dataclass(frozen=True)
class FeedContext:
    """What every entry of one feed shares: where it came from and when it was read."""

    feed_url: str  # the feed's own URL: relative links resolve against it
    source: str
    scraped_at: datetime


def source_for(feed_url: str) -> str:
    """The source name of a feed's ads: "feed:<host of the feed URL>"."""
    return f"feed:{(urlsplit(feed_url).hostname or '').rstrip('.')}"


def to_item(entry: etree._Element, dialect: str, context: FeedContext) -> JobItem:
    """The JobItem of one entry of a feed of `dialect` ("rss", "atom" or "jobs").

    Never raises on missing or odd fields: what cannot be read stays None / "".
    closing_date_raw holds the structured expiry as written (the normalize pipeline
    parses it, day-first or not); a posting date that reads the same day-first and
    month-first becomes a date, any other stays a string for the normalize pipeline.
    """
    return _MAPPERS[dialect](entry, context)


class _Children:
    """An entry's child elements by normalised local name: its own namespace, and others."""

    def __init__(self, entry: etree._Element) -> None:
        own = etree.QName(entry).namespace
        self.own: dict[str, list[etree._Element]] = {}
        self.extension: dict[str, list[etree._Element]] = {}
        for child in entry:
            if not isinstance(child.tag, str):  # an unexpanded entity reference
                continue
            name = etree.QName(child)
            table = self.own if name.namespace == own else self.extension
            table.setdefault(_NAME_NOISE.sub("", name.localname.lower()), []).append(child)

    def elements(self, names: tuple[str, ...], *, own: bool = True,
                 extension: bool = True) -> list[etree._Element]:
        found: list[etree._Element] = []
        for name in names:
            found += self.own.get(name, []) if own else []
            found += self.extension.get(name, []) if extension else []
        return found

    def line(self, names: tuple[str, ...], **where: bool) -> str | None:
        """The first non-empty one-line text among `names`, HTML and entities decoded."""
        return next(filter(None, map(_line, self.elements(names, **where))), None)

    def value(self, names: tuple[str, ...], **where: bool) -> str | None:
        """The first non-empty value (id, URL, date) among `names`, exactly as the XML says."""
        return next(filter(None, map(_value, self.elements(names, **where))), None)

    def lines(self, names: tuple[str, ...], **where: bool) -> list[str]:
        """Every distinct non-empty one-line text among `names`, in order."""
        return list(dict.fromkeys(filter(None, map(_line, self.elements(names, **where)))))


def _markup(element: etree._Element) -> str:
    """The element's content as written: text, or HTML/XHTML children serialised."""
    if len(element) == 0:
        return "".join(element.itertext())
    inner = "".join(etree.tostring(child, encoding="unicode") for child in element)
    return (element.text or "") + inner


def _line(element: etree._Element) -> str | None:
    # HTML inside CDATA and entities escaped twice (&amp;amp;) are common in feeds.
    return clean_line(html_to_text(_markup(element)))


def _value(element: etree._Element) -> str | None:
    # No HTML decoding: "?a=1&copy=2" in a URL must not become "?a=1©=2".
    return clean_line("".join(element.itertext()))


def _description(elements: list[etree._Element]) -> str:
    """The first non-empty text of `elements`, as plain text with paragraphs."""
    return next(filter(None, (html_to_text(_markup(e)) for e in elements)), "")


def _url(raw: str | None, context: FeedContext) -> str | None:
    if not raw:
        return None
    absolute = urljoin(context.feed_url, raw.strip())
    return canonical_url(absolute) if urlsplit(absolute).scheme in ("http", "https") else None


def _date(raw: str | None) -> date | str | None:
    """A date only when day-first and month-first readings agree; otherwise the text, so
    that the normalize pipeline reads it the spider's way and counts what it cannot read."""
    parsed = parse_date(raw)
    return parsed if parsed is not None and parsed == parse_date(raw, dayfirst=False) else raw


def _location(children: _Children) -> str | None:
    """"City, Region, Country"; the postcode only stands in for a missing city."""
    parts: list[str] = []
    place = children.line(CITY) or children.line(POSTCODE)
    for part in (place, children.line(REGION), children.line(COUNTRY)):
        if part and part not in parts:
            parts.append(part)
    return ", ".join(parts) or children.line(LOCATION)


def _item(children: _Children, context: FeedContext, **fields: Any) -> JobItem:
    """A JobItem with `fields` plus the job fields that every dialect reads alike."""
    return build_item(
        source=context.source,
        scraped_at=context.scraped_at,
        company=children.line(COMPANY),
        location=_location(children),
        category=", ".join(children.lines(CATEGORY)) or None,
        terms=employment_terms(children.lines(JOB_TYPE)),
        salary=Salary(raw=children.line(SALARY)),
        closing_date_raw=children.value(CLOSING),
        **fields,
    )


def job_item(entry: etree._Element, context: FeedContext) -> JobItem:
    """An Indeed-style <job>."""
    children = _Children(entry)
    url = _url(children.value(JOB_URL), context) or ""
    webindex = children.value(JOB_ID) or clean_line(entry.get("id"))
    return _item(
        children, context,
        webindex=webindex or (webindex_from_url(url) if url else ""),
        url=url,
        title=children.line(JOB_TITLE) or "",
        description=_description(children.elements(JOB_DESCRIPTION)),
        date_posted=_date(children.value(JOB_POSTED)),
    )


def rss_item(entry: etree._Element, context: FeedContext) -> JobItem:
    """An RSS 2.0 (or 1.0) <item>; job fields from extension elements."""
    children = _Children(entry)
    guid = children.value(("guid",), extension=False)
    url = _url(children.value(("link",), extension=False), context)
    if url is None and _is_permalink(children):
        url = _url(guid, context)
    webindex = guid or clean_line(entry.get(_RDF_ABOUT))
    # content:encoded holds the whole ad where <description> often holds an excerpt.
    body = children.elements(("encoded",), own=False) + children.elements(
        ("description",), extension=False)
    return _item(
        children, context,
        webindex=webindex or (webindex_from_url(url) if url else ""),
        url=url or "",
        title=children.line(("title",), extension=False) or "",
        description=_description(body),
        date_posted=_date(children.value(("pubdate",), extension=False)
                          or children.value(("date",), own=False)),
    )


def _is_permalink(children: _Children) -> bool:
    guid = children.elements(("guid",), extension=False)
    return bool(guid) and guid[0].get("isPermaLink", "true").strip().lower() != "false"


def atom_entry(entry: etree._Element, context: FeedContext) -> JobItem:
    """An Atom <entry>; job fields from extension elements."""
    children = _Children(entry)
    url = _atom_link(children, context)
    webindex = children.value(("id",), extension=False)
    item = _item(
        children, context,
        webindex=webindex or (webindex_from_url(url) if url else ""),
        url=url or "",
        title=clean_line(_atom_text(children, "title")) or "",
        description=_atom_text(children, "content") or _atom_text(children, "summary"),
        date_posted=_date(children.value(("published",), extension=False)
                          or children.value(("updated",), extension=False)),
    )
    terms = [clean_line(c.get("term") or c.get("label")) for c in children.elements(
        ("category",), extension=False)]
    item.category = item.category or ", ".join(dict.fromkeys(filter(None, terms))) or None
    return item


def _atom_link(children: _Children, context: FeedContext) -> str | None:
    for link in children.elements(("link",), extension=False):
        if link.get("rel", "alternate") == "alternate":
            return _url(link.get("href"), context)
    return None


def _atom_text(children: _Children, name: str) -> str:
    """An Atom text construct as plain text: type "text" (default), "html" or "xhtml"."""
    for element in children.elements((name,), extension=False):
        if element.get("src"):  # out-of-line content: nothing to read here
            continue
        if element.get("type", "text") == "text":
            text = tidy_paragraphs(replace_entities("".join(element.itertext())))
        else:
            text = html_to_text(_markup(element))
        if text:
            return text
    return ""


_MAPPERS: dict[str, Callable[[etree._Element, FeedContext], JobItem]] = {
    "jobs": job_item,
    "rss": rss_item,
    "atom": atom_entry,
}
