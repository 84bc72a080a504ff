"""Links on a listing page: which lead to the next listing page, which to ads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urljoin, urlsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS
from scrapy.utils.response import get_base_url

from jobcrawl.extract.page import page_tree, xpath_strings

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

NEXT_WORDS = {"next", "next page", "next »", "next ›", "»", "›", ">", "more jobs", "older"}
PAGE_PARAM = re.compile(r"[?&](page|p|pg|pagenum|page_number|start|offset)=\d+", re.IGNORECASE)
PAGE_PATH = re.compile(r"/page/\d+/?$", re.IGNORECASE)
_IGNORED_SUFFIXES = tuple(f".{ext}" for ext in IGNORED_EXTENSIONS)
_LINK_NEXT = "//link[contains(concat(' ', normalize-space(@rel), ' '), ' next ')]/@href"


@dataclass
class ListingLinks:
    """Absolute URLs (fragments dropped) found on a page, split by what they lead to."""

    pagination: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def listing_links(response: TextResponse, allow: str | None = None) -> ListingLinks:
    """Pagination links (rel=next, "Next", numbered pages) and other same-host links.

    `allow` is an optional regex that other links must match (e.g. "/jobs/").
    Links to other hosts, to files (pdf, images ...) and to the page itself are left out.
    """
    base = get_base_url(response)
    host = urlsplit(response.url).hostname
    allowed = re.compile(allow) if allow else None
    seen = {urldefrag(response.url).url}
    found = ListingLinks()

    def add(href: str, pagination: bool) -> None:
        try:
            url = urldefrag(urljoin(base, href.strip())).url
            parts = urlsplit(url)
        except ValueError:
            return  # "http://[::1/x": a broken IPv6 literal is no link (and no reason to stop)
        if url in seen or parts.scheme not in ("http", "https") or parts.hostname != host:
            return
        if parts.path.lower().endswith(_IGNORED_SUFFIXES):
            return
        if not pagination and allowed is not None and not allowed.search(url):
            return
        seen.add(url)
        (found.pagination if pagination else found.other).append(url)

    for href in xpath_strings(response, _LINK_NEXT):
        add(href, pagination=True)
    anchors = [a for a in page_tree(response).iter("a") if a.get("href")]
    # Pagination first, so that a "2" link is not taken for an ad before its rel=next twin.
    others: list[str] = []
    for anchor in anchors:
        if _is_pagination(anchor):
            add(anchor.get("href"), pagination=True)
        else:
            others.append(anchor.get("href"))
    for href in others:
        add(href, pagination=False)
    return found


def _is_pagination(anchor: HtmlElement) -> bool:
    href = anchor.get("href")
    if "next" in (anchor.get("rel") or "").lower().split():
        return True
    text = " ".join(anchor.text_content().split()).lower()
    label = (anchor.get("aria-label") or "").strip().lower()
    if text in NEXT_WORDS or label in {"next", "next page"}:
        return True
    return text.isdigit() and bool(PAGE_PARAM.search(href) or PAGE_PATH.search(href))
