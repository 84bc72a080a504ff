"""Incremental recrawl: the TTL setting and the index of recently fetched ads.

A nightly crawl of an unchanged board should not download every ad again. Ads
fetched within JOBCRAWL_RECRAWL_TTL are known by URL (KnownAds); a link to one
is not requested but "touched" (its last_seen moves). What a crawl learns about
known ads is collected and written by recrawl.marks.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

from jobcrawl.extract.urls import canonical_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy.settings import BaseSettings

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# Request.meta key that marks a request for an ad page: its value is the ad's source.
AD_SOURCE_META = "jobcrawl_ad_source"


def parse_ttl(raw: Any) -> timedelta:
    """ "7d", "12h", "30m", "45s", "2w", a number of seconds ("3600", 3600), or 0 (off)."""
    text = str(raw).strip().lower()
    match = _DURATION.fullmatch(text)
    if isinstance(raw, bool) or match is None:
        raise ValueError("JOBCRAWL_RECRAWL_TTL must be a duration such as 7d, 12h, 30m or "
                         f"3600 (seconds), or 0 to always refetch; got {raw!r}")
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def _flag(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be True or False, got {raw!r}")


@dataclass(frozen=True)
class RecrawlConfig:
    """The recrawl and expiry settings, validated once."""

    ttl: timedelta = timedelta(days=7)  # zero: off, every ad page is fetched
    expire_unlisted: bool = True

    @property
    def enabled(self) -> bool:
        return self.ttl > timedelta(0)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        """Read and check the settings; ValueError names the bad one."""
        return cls(
            ttl=parse_ttl(settings.get("JOBCRAWL_RECRAWL_TTL", "7d")),
            expire_unlisted=_flag("JOBCRAWL_EXPIRE_UNLISTED",
                                  settings.get("JOBCRAWL_EXPIRE_UNLISTED", True)),
        )


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
