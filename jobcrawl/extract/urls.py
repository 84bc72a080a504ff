"""Canonical URLs for ads: one spelling per ad, without tracking noise."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from jobcrawl.extract.page import xpath_strings
from jobcrawl.extract.storable import storable_text

if TYPE_CHECKING:
    from scrapy.http import TextResponse

# Only parameters that never select content: ad networks and analytics click ids.
# Generic names such as "ref" or "source" are left alone because boards use them for ids.
TRACKING_PARAMS = frozenset(
    {
        "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl",
        "_hsenc", "_hsmi", "mkt_tok",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = unquote_plus(name).lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


# A crawl spells one ad's URL canonically several times within moments (its link on the
# listing, its page, the posting's own url, the recrawl check); w3lib's canonicalize_url
# costs ~25 us a call. Bounded: a few hundred kB.
_CACHED_URLS = 2048


# A URL that is canonical already, but for a default port: http(s), a lower-case ASCII
# host, a port without leading zeros, a path of characters canonicalize_url never
# escapes, without ";" parameters or "." segments, no query, no fragment. Most ad URLs
# are; they skip w3lib (tests compare the two on generated URLs).
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::([1-9][0-9]{0,4}))?(/[A-Za-z0-9\-._~!$&'()*+,=:@/]*)"
)


@lru_cache(maxsize=_CACHED_URLS)
def canonical_url(url: str) -> str:
    """w3lib's canonical form, minus fragment, tracking parameters and default port.

    The scheme and host are lower-cased; the path and the remaining query keep
    their case because servers may treat them case-sensitively.
    """
    plain = _PLAIN_URL.fullmatch(url)
    if plain is not None and "/." not in url:
        scheme, host, port, path = plain.groups()
        if port is None or int(port) == DEFAULT_PORTS[scheme]:
            return f"{scheme}://{host}{path}"
        if int(port) <= 65535:
            return f"{scheme}://{host}:{port}{path}"
    try:
        return _w3lib_canonical(url)
    except ValueError:
        # "http://[::1" (urlsplit), a lone surrogate in the host (idna) or the path
        # (UTF-8): no canonical form; the URL as written, in text a database can store.
        return storable_text(url.strip())


def _w3lib_canonical(url: str) -> str:
    """canonical_url for any URL, by way of w3lib's canonicalize_url."""
    parts = urlsplit(url.strip())
    # Filter the raw pairs so that the kept ones reach canonicalize_url byte for byte.
    query = "&".join(
        pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=")[0])
    )
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    try:
        port = parts.port
    except ValueError:  # a junk port: keep the URL recognisable rather than fail
        port = None
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += f":{parts.password}"
        netloc = f"{userinfo}@{netloc}"
    rebuilt = urlunsplit((scheme, netloc, parts.path, query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def same_host(url: str, other: str) -> bool:
    """True when both URLs name the same host (scheme and port may differ)."""
    host = _host(url)
    return bool(host) and host == _host(other)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:  # "http://[::1": a broken IPv6 literal names no host
        return ""


def page_canonical_url(response: TextResponse) -> str:
    """The page's <link rel="canonical"> when it stays on the same host, else its URL."""
    hrefs = xpath_strings(
        response,
        "//link[contains(concat(' ', normalize-space(translate(@rel,"
        " 'CANONIAL', 'canonial')), ' '), ' canonical ')]/@href",
    )
    for href in hrefs:
        href = href.strip()
        if not href:
            continue
        # Most pages give an absolute URL; resolving it against the page costs a <base> scan.
        candidate = href if href.startswith(("http://", "https://")) else response.urljoin(href)
        if candidate.startswith(("http://", "https://")) and same_host(candidate, response.url):
            return canonical_url(candidate)
    return canonical_url(response.url)
