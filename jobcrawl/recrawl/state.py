"""Incremental recrawl: the TTL setting, the index of recently fetched ads, and what a run saw.

A nightly crawl of an unchanged board should not download every ad again. Ads
fetched within JOBCRAWL_RECRAWL_TTL are known by URL (KnownAds); a link to one
is not requested but "touched" (its last_seen moves). RecrawlState, kept on
the Crawler like jobcrawl.runs.state.RunState, collects the touches and the expiry
evidence a crawl meets (pages answering 404/410, pages saying the job is
closed) for the store pipeline to write once the items are stored.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field

from jobcrawl.config.types import Flag, SettingsModel, duration
from jobcrawl.extract.urls import canonical_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.crawler import Crawler

_STATE_ATTR = "jobcrawl_recrawl"
# Request.meta key that marks a request for an ad page: its value is the ad's source.
AD_SOURCE_META = "jobcrawl_ad_source"


def _ttl(raw: Any) -> timedelta:
    try:
        return duration(raw)
    except ValueError:
        raise ValueError("must be a duration such as 7d, 12h, 30m or 3600 (seconds), or 0 to "
                         f"always refetch; got {raw!r}") from None


def parse_ttl(raw: Any) -> timedelta:
    """ "7d", "12h", "30m", "45s", "2w", a number of seconds ("3600", 3600), or 0 (off)."""
    try:
        return _ttl(raw)
    except ValueError as exc:
        raise ValueError(f"JOBCRAWL_RECRAWL_TTL {exc}") from None


class RecrawlConfig(SettingsModel):
    """The recrawl and expiry settings, validated once (``from_settings`` names a bad one)."""

    # Zero: off, every ad page is fetched.
    ttl: Annotated[timedelta, BeforeValidator(_ttl)] = Field(timedelta(days=7),
                                                             alias="JOBCRAWL_RECRAWL_TTL")
    expire_unlisted: Flag = Field(True, alias="JOBCRAWL_EXPIRE_UNLISTED")

    @property
    def enabled(self) -> bool:
        return self.ttl > timedelta(0)


def url_key(url: str) -> int:
    """A 64-bit key of an ad URL, spelled canonically (see jobcrawl.extract.urls)."""
    digest = hashlib.blake2b(canonical_url(url).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class KnownAds:
    """The ads of one source fetched within the TTL: URL key -> jobs.id.

    Two sorted arrays (16 bytes an ad) instead of a dict, so a million known
    ads cost ~16 MB; lookups are binary searches. `touched` marks, per entry,
    that this crawl saw the ad listed without fetching it.
    """

    def __init__(self, entries: Iterable[tuple[int, str]]) -> None:
        pairs = sorted((url_key(url), job_id) for job_id, url in entries)
        self._keys = array("q", (key for key, _ in pairs))
        self._ids = array("q", (job_id for _, job_id in pairs))
        self._touched = bytearray(len(pairs))

    def __len__(self) -> int:
        return len(self._keys)

    def touch(self, url: str) -> bool | None:
        """Mark the page at `url` touched: None if it is not known, else whether it is
        the first touch of that page in this crawl."""
        if not self._keys:  # a source's first crawl: no URL to spell canonically
            return None
        key = url_key(url)
        position = bisect_left(self._keys, key)
        first: bool | None = None
        # One URL may have two entries: an ad's own, and an earlier remembered page.
        while position < len(self._keys) and self._keys[position] == key:
            first = bool(first) or not self._touched[position]
            self._touched[position] = 1
            position += 1
        return first

    def touched_ids(self) -> list[int]:
        """jobs.id of the touched ads, each once (id 0: a page without a posting)."""
        return sorted({self._ids[position] for position, flag in enumerate(self._touched)
                       if flag and self._ids[position]})


@dataclass
class RecrawlState:
    """What this crawl learnt about known ads, kept on its Crawler.

    known: KnownAds per source, loaded on first use. gone and closed: expiry
    evidence by (source, canonical URL), recorded by the spider; a closed
    mark is taken by the store pipeline when the ad's item is stored. pages:
    ad pages whose URL is not the URL of an ad they showed, (source, page URL)
    -> that ad's URL, or None for a page without a posting (recrawl_pages).
    """

    known: dict[str, KnownAds] = field(default_factory=dict)
    pages: dict[tuple[str, str], str | None] = field(default_factory=dict)
    gone: dict[tuple[str, str], str] = field(default_factory=dict)
    closed: dict[tuple[str, str], str] = field(default_factory=dict)
    # Ads touched per source, once the store pipeline has written the touches.
    touched_sources: Counter[str] = field(default_factory=Counter)

    def touches(self) -> dict[str, list[int]]:
        """jobs.id of the ads touched, per source."""
        return {source: ids for source, known in self.known.items()
                if (ids := known.touched_ids())}


def recrawl_state(crawler: Crawler) -> RecrawlState:
    """The crawl's RecrawlState, created on first use."""
    state = getattr(crawler, _STATE_ATTR, None)
    if state is None:
        state = RecrawlState()
        setattr(crawler, _STATE_ATTR, state)
    return state


def report_gone(crawler: Crawler, source: str, url: str, status: int) -> None:
    """The ad page at `url` answered 404/410: its ad, if stored, expires as `gone`."""
    canonical = canonical_url(url)
    recrawl_state(crawler).gone[(source, canonical)] = f"HTTP {status} at {canonical}"


def report_page(crawler: Crawler, source: str, url: str, ad_urls: list[str]) -> None:
    """An ad page was read: remember it if its URL is not the URL of an ad it showed.

    A page without a posting is remembered too, so that the recrawl skips it
    within the TTL. Only the first ad of a page that shows several is kept.
    """
    page = canonical_url(url)
    if page not in ad_urls:
        recrawl_state(crawler).pages[(source, page)] = ad_urls[0] if ad_urls else None


def report_closed(crawler: Crawler, source: str, url: str, notice: str) -> None:
    """The page of the ad stored under `url` says it is closed: it expires as `closed`."""
    evidence = f"page says: '{notice}'"
    recrawl_state(crawler).closed[(source, canonical_url(url))] = evidence
