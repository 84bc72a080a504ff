"""A site profile's selectors applied to a page: ad links, next pages, one JobItem, and
what each selector found (`scrapy siteprofile try`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy.utils.response import get_base_url

from jobcrawl.extract.builder import build_item
from jobcrawl.extract.dates import parse_date
from jobcrawl.extract.ids import webindex_from_url
from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.salary import parse_salary_text
from jobcrawl.extract.text import clean_line, html_to_text
from jobcrawl.extract.urls import page_canonical_url
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

    from parsel import Selector, SelectorList
    from scrapy.http import TextResponse

    from jobcrawl.config.profiles import Profile, SelectorSpec

# The description keeps its paragraphs; several matches are paragraphs of one text.
PARAGRAPH_FIELDS = frozenset({"description"})
PARAGRAPH_JOIN = "\n\n"


@dataclass(frozen=True)
class SiteAd:
    """The item of an ad page, and the profile's fields whose selector found nothing."""

    item: JobItem
    missing: tuple[str, ...]


def _matches(selector: Selector, spec: SelectorSpec) -> SelectorList[Selector]:
    return selector.css(spec.query) if spec.kind == "css" else selector.xpath(spec.query)


def _is_element(node: Selector) -> bool:
    # ::text, ::attr(), @href, text() and string() give strings (count() a number).
    return not isinstance(node.root, str | int | float | bool)


def _raw(node: Selector, attr: str | None) -> str | None:
    if not _is_element(node):
        return str(node.root)
    if attr is not None:
        return node.attrib.get(attr)
    return node.get()


def _cleaned(raw: str | None, spec: SelectorSpec, paragraphs: bool) -> str | None:
    """Markup -> text, then the profile's regex (first group, else the whole match)."""
    text = html_to_text(raw) if raw else ""
    if spec.regex is not None:
        match = spec.regex.search(text)
        if match is None:
            return None
        text = match.group(1) if spec.regex.groups else match.group(0)
        text = text or ""
    return (text.strip() or None) if paragraphs else clean_line(text)


def select_text(selector: Selector, spec: SelectorSpec, *, paragraphs: bool = False) -> str | None:
    """The text `spec` selects: the first usable match, or every match joined by spec.join.

    An element gives its text (or its ``attr``); with `paragraphs` the text keeps its
    paragraphs and several matches are joined by a blank line unless spec.join says else.
    """
    texts = []
    for node in _matches(selector, spec):
        text = _cleaned(_raw(node, spec.attr), spec, paragraphs)
        if text:
            texts.append(text)
    if not texts:
        return None
    join = spec.join if spec.join is not None else (PARAGRAPH_JOIN if paragraphs else None)
    return texts[0] if join is None else join.join(texts)


def why_empty(selector: Selector, spec: SelectorSpec) -> str:
    """Why select_text(selector, spec) found nothing, in words (for `siteprofile try`)."""
    nodes = _matches(selector, spec)
    if not nodes:
        return "matches nothing on this page"
    count = f"{len(nodes)} match{'es' if len(nodes) > 1 else ''}"
    if spec.attr is not None and all(_raw(node, spec.attr) is None for node in nodes):
        return f"{count}, none with the attribute {spec.attr}"
    texts = [html_to_text(raw) for node in nodes if (raw := _raw(node, spec.attr))]
    texts = [text for text in texts if text.strip()]
    if not texts:
        return f"{count}, all without text"
    assert spec.regex is not None  # a match with text and no regex is never empty
    first = clean_line(texts[0]) or ""
    shown = first if len(first) <= 60 else first[:59] + "…"
    return f"{count}; the regex {spec.regex.pattern!r} gives nothing from {shown!r}"


def select_links(response: TextResponse, spec: SelectorSpec) -> list[str]:
    """Absolute http(s) URLs, in page order, without fragments or repeats.

    An element gives its ``href`` (or spec.attr); a string match is the link itself.
    A regex picks the URL out of the value (e.g. from an onclick handler).
    """
    base = get_base_url(response)
    found: list[str] = []
    for node in _matches(response.selector, spec):
        raw = _raw(node, spec.attr or "href")
        if raw and spec.regex is not None:
            match = spec.regex.search(raw)
            raw = (match.group(1) if spec.regex.groups else match.group(0)) if match else None
        if not raw or not raw.strip():
            continue
        url = urldefrag(urljoin(base, raw.strip())).url
        if urlsplit(url).scheme in ("http", "https") and url not in found:
            found.append(url)
    return found


def ad_links(response: TextResponse, profile: Profile) -> list[str]:
    """The ad pages a listing page links to."""
    return select_links(response, profile.links)


def next_pages(response: TextResponse, profile: Profile) -> list[str]:
    """The next listing page(s); [] without a ``listing.next`` selector."""
    return select_links(response, profile.next_page) if profile.next_page else []


def _date_posted(raw: str | None, dayfirst: bool | None) -> date | str | None:
    """A date when the profile says how to read it; else the text, which the normalize
    pipeline reads with JOBCRAWL_DATES_DAYFIRST (and counts when it cannot)."""
    if raw is None or dayfirst is None:
        return raw
    parsed = parse_date(raw, dayfirst=dayfirst)
    return parsed if parsed is not None else raw


def to_item(response: TextResponse, profile: Profile, *, scraped_at: datetime) -> SiteAd:
    """The JobItem of an ad page, read with the profile's field selectors.

    A closing date selector is a structured field of the page (closing_date_source
    "structured"); without one the normalize pipeline looks in the description. The
    webindex is the page's own reference when the profile selects one, else a hash of
    the canonical URL. What a selector does not find stays None / "".
    """
    values: dict[str, str | None] = {
        name: select_text(response.selector, spec, paragraphs=name in PARAGRAPH_FIELDS)
        for name, spec in profile.fields.items()
    }
    missing = tuple(name for name, value in values.items() if value is None)
    url = page_canonical_url(response)
    item = build_item(
        source=profile.source,
        scraped_at=scraped_at,
        webindex=values.get("webindex") or webindex_from_url(url),
        url=url,
        title=values.get("title") or "",
        company=values.get("company"),
        location=values.get("location"),
        category=values.get("category"),
        terms=employment_terms(
            [text for text in (values.get("contract_type"), values.get("contract_time")) if text]),
        description=values.get("description") or "",
        salary=parse_salary_text(values.get("salary")),
        date_posted=_date_posted(values.get("date_posted"), profile.dayfirst),
        closing_date_raw=values.get("closing_date"),
    )
    return SiteAd(item, missing)


@dataclass(frozen=True)
class FieldFound:
    """What one field's selector found on a page: its text, or why there is none."""

    name: str
    value: str | None
    why_empty: str | None = None


@dataclass(frozen=True)
class PageFound:
    """What a profile's selectors found on one page, read as a listing or an ad page.

    Both kinds get the ad links and next pages (on an ad page: a hint that it may be
    a listing); only an ad page gets its fields, in the profile's order.
    """

    kind: str
    links: tuple[str, ...]
    next_pages: tuple[str, ...]
    fields: tuple[FieldFound, ...] = ()

    @property
    def empty(self) -> tuple[FieldFound, ...]:
        return tuple(found for found in self.fields if found.value is None)


def read_page(response: TextResponse, profile: Profile, kind: str) -> PageFound:
    """Every selector of `profile` that applies to a page of `kind` ("listing" or "ad"),
    read exactly as the site spider reads it."""
    links = tuple(ad_links(response, profile))
    pages = tuple(next_pages(response, profile))
    if kind == "listing":
        return PageFound(kind, links, pages)
    fields = []
    for name, spec in profile.fields.items():
        value = select_text(response.selector, spec, paragraphs=name in PARAGRAPH_FIELDS)
        why = None if value is not None else why_empty(response.selector, spec)
        fields.append(FieldFound(name, value, why))
    return PageFound(kind, links, pages, tuple(fields))
