"""Incremental recrawl: the TTL setting and the index of recently fetched ads.

A nightly crawl of an unchanged board should not download every ad again. Ads
fetched within JOBCRAWL_RECRAWL_TTL are known by URL (KnownAds); a link to one
is not requested but "touched" (its last_seen moves). What a crawl learns about
known ads is collected and written by recrawl.marks.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BeforeValidator, Field

from jobcrawl.config.types import Flag, SettingsModel, duration
from jobcrawl.extract.urls import canonical_url

if TYPE_CHECKING:
    from collections.abc import Iterable

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
    that this crawl saw the ad listed without fetching it. Built without a
    Python object per ad: the keys and ids go straight into arrays and are
    sorted by pyarrow (a list of (key, id) tuples sorted in Python took 150 MB
    and 0.85 s per million ads; see benchmarks/README.md#recrawls).
    """

    def __init__(self, entries: Iterable[tuple[int, str]]) -> None:
        keys, ids = array("q"), array("q")
        for job_id, url in entries:
            keys.append(url_key(url))
            ids.append(job_id)
        self._keys, self._ids = _sorted_by_key(keys, ids)
        self._touched = bytearray(len(self._keys))

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


def _sorted_by_key(keys: array[int], ids: array[int]) -> tuple[array[int], array[int]]:
    """Both arrays in the order of `keys` (ties keep their order)."""
    if len(keys) < 2:
        return keys, ids
    import pyarrow as pa  # only when there is something to sort: its import costs 0.1 s
    import pyarrow.compute as pc

    def column(values: array[int]) -> pa.Array:
        return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])

    order = pc.sort_indices(column(keys))

    def taken(values: array[int]) -> array[int]:
        result = array("q")
        # An Arrow buffer may be padded past its values: keep exactly len(values) of them.
        data = pc.take(column(values), order).buffers()[1]
        result.frombytes(memoryview(data)[:len(values) * result.itemsize])
        return result

    return taken(keys), taken(ids)
