"""Links on a listing page: which lead to the next listing page, which to ads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlparse

from scrapy.linkextractors import LinkExtractor
from w3lib.url import canonicalize_url

if TYPE_CHECKING:
    from scrapy.http import TextResponse

NEXT_WORDS = {"next", "next page", "next »", "next ›", "»", "›", ">", "more jobs", "older"}
PAGE_PARAM = re.compile(r"[?&](page|p|pg|pagenum|page_number|start|offset)=\d+", re.IGNORECASE)
PAGE_PATH = re.compile(r"/page/\d+/?$", re.IGNORECASE)


@dataclass
class ListingLinks:
    """Absolute URLs found on a page, split by what they lead to."""

    pagination: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


def listing_links(response: TextResponse, allow: str | None = None) -> ListingLinks:
    """Pagination links (rel=next, "Next", numbered pages) and other same-host links.

    `allow` is an optional regex that other links must match (e.g. "/jobs/").
    """
    host = urlparse(response.url).hostname or ""
    pagination = _unique(_pagination_hrefs(response), response)
    seen = {canonicalize_url(url) for url in pagination}
    seen.add(canonicalize_url(response.url))
    extractor = LinkExtractor(allow=allow or (), unique=True)
    other: list[str] = []
    for link in extractor.extract_links(response):
        url = urldefrag(link.url).url
        key = canonicalize_url(url)
        if key in seen or urlparse(url).hostname != host:
            continue
        seen.add(key)
        other.append(url)
    pagination = [url for url in pagination if urlparse(url).hostname == host]
    return ListingLinks(pagination=pagination, other=other)


def _pagination_hrefs(response: TextResponse) -> list[str]:
    hrefs = response.css("link[rel~=next]::attr(href), a[rel~=next]::attr(href)").getall()
    for anchor in response.css("a[href]"):
        text = " ".join(anchor.css("::text").getall()).strip().lower()
        href = anchor.attrib["href"]
        label = (anchor.attrib.get("aria-label") or "").strip().lower()
        is_next = text in NEXT_WORDS or label in {"next", "next page"}
        is_numbered = text.isdigit() and bool(PAGE_PARAM.search(href) or PAGE_PATH.search(href))
        if is_next or is_numbered:
            hrefs.append(href)
    return hrefs


def _unique(hrefs: list[str], response: TextResponse) -> list[str]:
    urls: list[str] = []
    keys = {canonicalize_url(response.url)}
    for href in hrefs:
        url = response.urljoin(href.strip())
        key = canonicalize_url(url)
        if url.startswith(("http://", "https://")) and key not in keys:
            keys.add(key)
            urls.append(url)
    return urls
