"""New and active job ads per day or ISO week: the two measures published for online job adverts."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, literal_column, select, union_all

from jobcrawl.statistics.activity import JOBS, ActiveSpan, last_active_day, utc_date

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement, CompoundSelect, Connection

FREQUENCIES = ("day", "week")
_STEP = {"day": timedelta(days=1), "week": timedelta(days=7)}
# The arms of the one compound query (see _read).
_STARTS, _ENDS, _HORIZON = 0, 1, 2


@dataclass(frozen=True)
class PeriodCount:
    """The figures of one period.

    new: ads first seen (UTC day) from `start` to `snapshot`.
    active: ads active (jobcrawl.statistics.activity) on `snapshot`, the period's last day
    unless that is after as_of, so that the current period is a snapshot of as_of.
    """

    start: date
    end: date
    snapshot: date
    new: int
    active: int


@dataclass(frozen=True)
class _DayCounts:
    """Ads per day, sorted by day, with running totals for range sums by bisection."""

    days: list[date]
    totals: list[int]  # totals[i]: ads on days[0] .. days[i-1]

    @classmethod
    def of(cls, pairs: Sequence[tuple[date, int]]) -> _DayCounts:
        merged: dict[date, int] = {}
        for day, count in pairs:
            merged[day] = merged.get(day, 0) + count
        days = sorted(merged)
        return cls(days, [0, *accumulate(merged[day] for day in days)])

    def between(self, first: date, last: date) -> int:
        """Ads on the days from `first` to `last`, both included."""
        return self.up_to(last) - self.before(first)

    def before(self, day: date) -> int:
        return self.totals[bisect_left(self.days, day)]

    def up_to(self, day: date) -> int:
        return self.totals[bisect_right(self.days, day)]


def count_ads(
    connection: Connection, *, freq: str = "week", since: date | None = None,
    until: date | None = None, sources: Sequence[str] = (), as_of: date | None = None,
) -> list[PeriodCount]:
    """New and active ads per period, from the period holding `since` to the one holding `until`.

    - freq: "day" or "week" (ISO weeks, Monday to Sunday; a week is always listed whole).
    - sources: only ads of these exact `jobs.source` values (all when empty).
    - as_of: the last day counted: no snapshot after it, no ad first seen after it.
      Default: the last UTC day any selected ad was seen (the data's horizon), so
      that a snapshot is never taken on a day no crawl has looked at yet.
    - since: default the first day any selected ad was first seen; until: default as_of.

    Every period in the range is listed, with zeros where there were no ads;
    with no ads at all and no `since`, the list is empty. Reads the table in one
    statement (one consistent snapshot) of three grouped scans, whatever the
    number of periods. Raises ValueError naming the option for bad input.
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"--freq must be one of {', '.join(FREQUENCIES)}, not {freq!r}")
    if isinstance(sources, str):
        raise TypeError("sources must be a sequence of source names, not one string")
    if since and until and since > until:
        raise ValueError(f"--since {since} is after --until {until}")
    starts, new, ends, horizon = _read(connection, tuple(sources))
    as_of = as_of or horizon or datetime.now(UTC).date()
    if since is None and not new.days:
        return []
    since, until = _range(since, until, as_of, new.days[0] if new.days else as_of)
    periods = []
    for start, end in _periods(freq, since, until):
        snapshot = min(end, as_of)
        active = starts.up_to(snapshot) - ends.before(snapshot)
        periods.append(PeriodCount(start, end, snapshot, new.between(start, snapshot), active))
    return periods


def _range(since: date | None, until: date | None, as_of: date, first_day: date
           ) -> tuple[date, date]:
    """The days to list, defaults filled in: from `first_day` (the first new ad) to as_of."""
    if until is None:
        until = as_of
    elif until > as_of:
        raise ValueError(f"--until {until} is after --as-of {as_of} (default: the last day an "
                         "ad was seen): no snapshot can be taken after it")
    if since is None:
        if first_day > until:
            raise ValueError(f"--until/--as-of {until} is before the first ad, first seen on "
                             f"{first_day}")
        since = first_day
    elif since > until:
        raise ValueError(f"--since {since} is after --until {until} (default: --as-of)")
    return since, until


def period_start(day: date, freq: str) -> date:
    """The first day of the period containing `day`: itself, or its ISO week's Monday."""
    return day - timedelta(days=day.weekday()) if freq == "week" else day


def _periods(freq: str, since: date, until: date) -> list[tuple[date, date]]:
    step = _STEP[freq]
    start, last = period_start(since, freq), period_start(until, freq)
    found = []
    while start <= last:
        found.append((start, start + step - timedelta(days=1)))
        start += step
    return found


def _read(connection: Connection, sources: tuple[str, ...]
          ) -> tuple[_DayCounts, _DayCounts, _DayCounts, date | None]:
    """(active spans starting per day, ads first seen per day, spans ending per day, horizon).

    A span that ends on day E counts in `ends` under E, its last active day, so
    the ads active on D are those started on or before D minus those ended before D.
    """
    starts: list[tuple[date, int]] = []
    new: list[tuple[date, int]] = []
    ends: list[tuple[date, int]] = []
    horizon = None
    for kind, day, flag, count, active in connection.execute(_statement(sources)):
        if kind == _HORIZON:
            horizon = day
        elif kind == _STARTS:
            new.append((day, count))
            starts.append((day, active))
        else:
            ends.append((last_active_day(day, flag), count))
    return _DayCounts.of(starts), _DayCounts.of(new), _DayCounts.of(ends), horizon


def _statement(sources: tuple[str, ...]) -> CompoundSelect[Any]:
    """One UNION ALL of the three grouped scans: one statement is one snapshot.

    SQLite (autocommit reads) and PostgreSQL (READ COMMITTED) would otherwise let
    a crawl committing between two queries make new and active disagree.
    Rows: (kind, day, ends_by_expiry, ads, ads ever active).
    """
    span = ActiveSpan()
    where: list[ColumnElement[bool]] = [JOBS.c.source.in_(sources)] if sources else []
    per_ad = select(
        span.first_day.label("first_day"),
        _flag(span.nonempty).label("ever_active"),
        span.end_day.label("end_day"),
        span.ends_by_expiry.label("ends_by_expiry"),
    ).where(*where).subquery()
    first_day, ever_active = per_ad.c.first_day, per_ad.c.ever_active
    end_day, ends_by_expiry = per_ad.c.end_day, per_ad.c.ends_by_expiry
    return union_all(
        select(_kind(_STARTS), first_day, literal_column("0"), func.count(),
               func.sum(ever_active)).group_by(first_day),
        select(_kind(_ENDS), end_day, ends_by_expiry, func.count(), func.count())
        .where(ever_active == 1).group_by(end_day, ends_by_expiry),
        select(_kind(_HORIZON), utc_date(func.max(JOBS.c.last_seen)), literal_column("0"),
               func.count(), func.count()).where(*where),
    )


def _kind(value: int) -> ColumnElement[int]:
    # A literal, not a bound parameter: PostgreSQL must see the same expression
    # in every arm's SELECT list, and bound parameters would differ.
    return literal_column(str(value)).label("kind")


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, literal_column("1")), else_=literal_column("0"))
