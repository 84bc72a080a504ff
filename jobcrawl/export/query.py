"""Which stored jobs an export takes: filters as SQL, a canonical order, a reproducible sample."""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, null, select

from jobcrawl.db.models import Job
from jobcrawl.statistics.activity import active_on_clause, day_start

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence

    from sqlalchemy import ColumnElement, Select

JOBS = Job.__table__
SEED_LIMIT = 2**64


def sample_key(seed: int, source: str, webindex: str) -> int:
    """The ad's place in the sample of `seed`: a keyed BLAKE2b of (source, webindex), 64 bits.

    Stable in every process and on every database, unlike Python's salted hash().
    """
    digest = hashlib.blake2b(
        f"{source}\x1f{webindex}".encode("utf-8", "surrogatepass"),
        digest_size=8, key=seed.to_bytes(8, "big"),
    ).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True)
class ExportQuery:
    """Which stored jobs to export, always in (source, webindex) order.

    - sources, categories: exact stored values; several of one kind are OR-ed.
    - since, until: `first_seen` on or after / on or before these UTC days.
    - active_on: active that day, by jobcrawl.statistics.activity's rule (the one `scrapy
      counts` uses): first seen on or before it, not expired on or before it,
      closing on or after it (ads without a closing date: last seen on or after it).
    - sample, seed: the `sample` filtered ads with the smallest sample_key(seed, ...).
      The same database and seed give the same ads whatever order the rows are
      stored in, and a larger sample of the same seed contains the smaller one.
    - limit: at most this many ads, the first in order (after sampling).

    Raises ValueError naming the option when values do not fit together.
    """

    sources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    active_on: date | None = None
    sample: int | None = None
    seed: int | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if (self.sample is None) != (self.seed is None):
            raise ValueError("--sample N and --seed K go together: the seed makes the "
                             "sample reproducible")
        if self.sample is not None and self.sample < 1:
            raise ValueError(f"--sample must be a positive number of jobs, not {self.sample}")
        if self.seed is not None and not 0 <= self.seed < SEED_LIMIT:
            raise ValueError(f"--seed must be a whole number from 0 to 2**64-1, not {self.seed}")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"--limit must be a positive number of jobs, not {self.limit}")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"--since {self.since} is after --until {self.until}")

    def conditions(self, present: Collection[str] | None = None) -> list[ColumnElement[bool]]:
        """The filters as SQL; `present` as in statement()."""
        c = JOBS.c
        found: list[ColumnElement[bool]] = []
        if self.sources:
            found.append(c.source.in_(self.sources))
        if self.categories:
            found.append(c.category.in_(self.categories))
        if self.since:
            found.append(c.first_seen >= day_start(self.since))
        if self.until:
            found.append(c.first_seen < day_start(self.until + timedelta(days=1)))
        if self.active_on:
            # Before revision 0003 no ad can have expired.
            expiry = present is None or "expired_at" in present
            found.append(active_on_clause(self.active_on, with_expiry=expiry))
        return found

    def statement(self, columns: Sequence[str], dialect: str,
                  present: Collection[str] | None = None) -> Select[Any]:
        """SELECT `columns` of the matching jobs in (source, webindex) order.

        Columns not in `present` (a database whose schema predates them, e.g.
        the expiry columns before revision 0003) are selected as NULL.
        """
        c = JOBS.c
        order = [c.source, c.webindex]
        if dialect == "postgresql":
            # Byte order, as SQLite's BINARY collation: the same export from both
            # databases, whatever locale the PostgreSQL cluster was created with.
            order = [column.collate("C") for column in order]
        selected = [_selected(name) if present is None or name in present
                    else null().label(name) for name in columns]
        stmt = select(*selected).where(*self.conditions(present)).order_by(*order)
        if self.limit is not None and self.sample is None:
            stmt = stmt.limit(self.limit)
        return stmt

    def keys_statement(self, present: Collection[str] | None = None) -> Select[Any]:
        """(source, webindex) of every matching job, for drawing the sample."""
        return select(JOBS.c.source, JOBS.c.webindex).where(*self.conditions(present))

    def count_statement(self, present: Collection[str] | None = None) -> Select[Any]:
        return select(func.count()).select_from(JOBS).where(*self.conditions(present))

    def describe(self) -> dict[str, Any]:
        """The filters as the manifest records them (ISO dates, null when unset)."""
        return {
            "sources": list(self.sources), "categories": list(self.categories),
            "since": _iso(self.since), "until": _iso(self.until),
            "active_on": _iso(self.active_on),
            "sample": self.sample, "seed": self.seed, "limit": self.limit,
        }


def _selected(name: str) -> ColumnElement[Any]:
    # An ad without a URL is stored with NULL since revision 0007 and was "" before:
    # exports carry "" as they always did.
    if name == "url":
        return func.coalesce(JOBS.c.url, "").label("url")
    return JOBS.c[name]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class Sampler:
    """Keeps exactly the ads of a drawn sample as the ordered rows stream past.

    draw() reads every matching key once, keeping only the `size` smallest
    sample keys (a bounded heap of integers: ~40 bytes per sampled ad).
    Ties on the cut-off key, which 64-bit keys make all but impossible, go to
    the first ads in (source, webindex) order, so the result is still exact.
    """

    def __init__(self, seed: int, cutoff: int | None, quota_at_cutoff: int) -> None:
        self.seed = seed
        self._cutoff = cutoff
        self._quota = quota_at_cutoff

    @classmethod
    def draw(cls, seed: int, size: int, keys: Iterable[tuple[str, str]]) -> Sampler:
        heap: list[int] = []  # negated keys: heapq is a min-heap, this keeps the smallest
        for source, webindex in keys:
            key = -sample_key(seed, source, webindex)
            if len(heap) < size:
                heapq.heappush(heap, key)
            elif key > heap[0]:
                heapq.heapreplace(heap, key)
        if len(heap) < size:
            return cls(seed, None, 0)  # fewer ads than the sample: every one is in it
        cutoff = -heap[0]
        return cls(seed, cutoff, sum(1 for key in heap if -key == cutoff))

    def keep(self, source: str, webindex: str) -> bool:
        if self._cutoff is None:
            return True
        key = sample_key(self.seed, source, webindex)
        if key < self._cutoff:
            return True
        if key == self._cutoff and self._quota > 0:
            self._quota -= 1
            return True
        return False
