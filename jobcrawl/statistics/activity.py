"""When a stored ad counts as active: the rule as SQL, shared by counts, reports and exports.

An ad is active on day D (all days are UTC calendar days) when

- it was first seen on or before D,
- it had not expired on or before D (``expired_at`` is NULL or falls after D),
- it had not closed before D (``closing_date`` is NULL or on or after D), and
- when it has no closing date, it was last seen on or after D: an ad that is
  never seen again must not stay active for ever. An ad with a closing date
  is taken at its word until it closes; if it disappears earlier, the recrawl
  marks it expired and the expiry rule ends it.

``active_on_clause`` states the rule for one day. ``active_span`` states the same
rule as an interval of days, so that the active counts of many days come from
one grouped query instead of one scan of the table per day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, and_, case, or_, true, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from jobcrawl.db.models import Job

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.sql.compiler import SQLCompiler

JOBS = Job.__table__


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`: stored datetimes are UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class utc_date(FunctionElement[date]):
    """The UTC calendar date of a stored datetime column, as a SQL DATE.

    SQLite stores datetimes as UTC text ("2026-03-02 23:59:59.000000"), whose
    date() is the UTC day. PostgreSQL's timestamptz must be converted to UTC
    first: a plain cast to date would use the session's TimeZone.
    """

    type = Date()
    name = "utc_date"
    inherit_cache = True


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


def active_on_clause(day: date, *, with_expiry: bool = True) -> ColumnElement[bool]:
    """SQL predicate on the jobs table: the ad is active on `day` (see the module docstring).

    Compares stored datetimes with UTC midnights, so the indexes on the
    datetime columns stay usable and SQLite's text storage compares correctly.
    with_expiry=False leaves out the expiry rule, for a database older than
    revision 0003 (no expired_at column, so no ad has expired).
    """
    c = JOBS.c
    next_day = day_start(day + timedelta(days=1))
    not_expired = or_(c.expired_at.is_(None), c.expired_at >= next_day)
    return and_(
        c.first_seen < next_day,
        not_expired if with_expiry else true(),
        or_(
            c.closing_date >= day,
            and_(c.closing_date.is_(None), c.last_seen >= day_start(day)),
        ),
    )


class ActiveSpan:
    """The active rule as a span of days per ad, as SQL expressions on the jobs table.

    An ad is active on every day D with ``first_day <= D <= open_until`` and
    ``D < expiry_day`` (when it has expired). ``end_day`` and ``ends_by_expiry``
    give the end of that span without date arithmetic in SQL: the last active
    day is ``end_day`` itself, or the day before it when ``ends_by_expiry`` is 1.
    ``nonempty`` is false for ads that were never active on any day (seen only
    after their closing date, or expired on the day they were first seen).
    """

    def __init__(self) -> None:
        c = JOBS.c
        self.first_day: ColumnElement[date] = utc_date(c.first_seen)
        # The last day the ad's own evidence keeps it open: its closing date, or,
        # without one, the last day a crawl saw it.
        self.open_until: ColumnElement[date] = type_coerce(
            case((c.closing_date.is_(None), utc_date(c.last_seen)), else_=c.closing_date),
            Date(),
        )
        self.expiry_day: ColumnElement[date] = utc_date(c.expired_at)
        expiry_first = and_(c.expired_at.is_not(None), self.expiry_day <= self.open_until)
        self.end_day: ColumnElement[date] = type_coerce(
            case((expiry_first, self.expiry_day), else_=self.open_until), Date()
        )
        self.ends_by_expiry: ColumnElement[int] = case((expiry_first, 1), else_=0)
        self.nonempty: ColumnElement[bool] = and_(
            self.first_day <= self.open_until,
            or_(c.expired_at.is_(None), self.first_day < self.expiry_day),
        )


def last_active_day(end_day: date, ends_by_expiry: int) -> date:
    """The last day of an ad's active span from ActiveSpan's end_day and ends_by_expiry."""
    return end_day - timedelta(days=1) if ends_by_expiry else end_day
