"""The report's figures, read from the database: runs, totals, field coverage, new/active counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, or_, select, true

from jobcrawl.db.models import Job
from jobcrawl.export.values import as_utc
from jobcrawl.runs.queries import recent_runs, run_duration
from jobcrawl.statistics.counts import FREQUENCIES, count_ads

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement, Connection

    from jobcrawl.statistics.counts import PeriodCount

JOBS = Job.__table__
MAX_RUNS = 1000
# The fields whose coverage the report shows; "salary" is any salary information.
COVERAGE_FIELDS = ("description", "company", "location", "salary", "closing_date",
                   "date_posted", "category")


@dataclass(frozen=True)
class ReportOptions:
    """What the report covers; raises ValueError naming the option when a value is bad.

    - runs: the newest `runs` crawl runs (started on or after `since`, if given).
    - freq: the period of the new/active counts, "day" or "week".
    - since: runs started and count periods from this UTC day on.
    - sources: only these sources (exact names): runs of them, their ads.
    """

    runs: int = 50
    freq: str = "week"
    since: date | None = None
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= self.runs <= MAX_RUNS:
            raise ValueError(f"--runs must be from 1 to {MAX_RUNS}, not {self.runs}")
        if self.freq not in FREQUENCIES:
            raise ValueError(f"--freq must be one of {', '.join(FREQUENCIES)}, not {self.freq!r}")


@dataclass(frozen=True)
class RunRow:
    """One crawl run as the report shows it."""

    id: str
    spider: str
    source: str | None
    started: datetime
    duration: str
    status: str
    new: int
    updated: int
    unchanged: int
    touched: int
    dropped: int
    errors: int
    requests: int
    finish_reason: str | None
    failed_monitors: tuple[str, ...]
    sources: dict[str, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float | None:
        """ERROR log lines per request sent; None for a run that sent none."""
        return self.errors / self.requests if self.requests else None

    @property
    def drop_rate(self) -> float | None:
        """Items dropped per item scraped (stored or dropped); None for a run with no items."""
        items = self.new + self.updated + self.unchanged + self.dropped
        return self.dropped / items if items else None


@dataclass(frozen=True)
class Totals:
    """The ads in the database: all, not expired (live), and how many sources."""

    ads: int
    live: int
    sources: int


@dataclass(frozen=True)
class Coverage:
    """Of a source's stored ads, how many have each of COVERAGE_FIELDS."""

    source: str
    ads: int
    filled: dict[str, int]


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows; runs newest first, periods oldest first."""

    database: str
    generated_at: datetime
    version: str
    options: ReportOptions
    totals: Totals
    runs: list[RunRow]
    coverage: list[Coverage]
    periods: list[PeriodCount]

    @property
    def latest(self) -> PeriodCount | None:
        """The last period: its snapshot is the newest day with an active figure."""
        return self.periods[-1] if self.periods else None


def gather(connection: Connection, options: ReportOptions, *, database: str,
           generated_at: datetime, version: str) -> ReportData:
    """Read the report's figures; `database` is the redacted URL shown on the page."""
    # The whole range, then cut: count_ads refuses a --since after the data's last
    # day, which for a report only means "no periods to show".
    periods = count_ads(connection, freq=options.freq, sources=options.sources)
    if options.since is not None:
        periods = [period for period in periods if period.end >= options.since]
    return ReportData(
        database=database, generated_at=generated_at, version=version, options=options,
        totals=totals(connection, options.sources),
        runs=runs(connection, options),
        coverage=coverage(connection, options.sources),
        periods=periods,
    )


def runs(connection: Connection, options: ReportOptions) -> list[RunRow]:
    """The newest runs of the chosen sources, newest first."""
    if options.sources:
        rows = sorted(
            (row for source in options.sources
             for row in recent_runs(connection, last=options.runs, source=source)),
            key=lambda row: (as_utc(row["started_at"]), row["id"]), reverse=True,
        )[: options.runs]
    else:
        rows = recent_runs(connection, last=options.runs)
    if options.since is not None:
        # Newest first, so the runs started since the day are a prefix of the list.
        rows = [row for row in rows if as_utc(row["started_at"]).date() >= options.since]
    return [run_row(row, options.sources) for row in rows]


def run_row(row: dict[str, Any], only: Sequence[str] = ()) -> RunRow:
    """A crawl_runs row (every column) as a RunRow; `only` keeps those sources' counts."""
    stored = {str(name): int(count) for name, count in (row["sources"] or {}).items()
              if not only or name in only}
    failed = tuple(str(check.get("message") or check.get("name") or "failed")
                   for check in row["monitors"] or ()
                   if not check.get("ok") and not check.get("skipped"))
    return RunRow(
        id=row["id"], spider=row["spider"], source=row["source"],
        started=as_utc(row["started_at"]),
        duration=run_duration(row["started_at"], row["finished_at"]),
        status=row["status"], new=row["items_new"], updated=row["items_updated"],
        unchanged=row["items_unchanged"],
        # Absent from databases older than revision 0003: no touches recorded there.
        touched=int(row.get("items_touched") or 0),
        dropped=row["items_dropped"], errors=row["errors"], requests=row["requests"],
        finish_reason=row["finish_reason"], failed_monitors=failed, sources=stored,
    )


def totals(connection: Connection, sources: Sequence[str] = ()) -> Totals:
    """Ads stored, ads not expired, and sources."""
    live = JOBS.c.expired_at.is_(None) if "expired_at" in JOBS.c else true()
    query = select(
        func.count(),
        func.coalesce(func.sum(case((live, 1), else_=0)), 0),
        func.count(func.distinct(JOBS.c.source)),
    ).select_from(JOBS)
    if sources:
        query = query.where(JOBS.c.source.in_(sources))
    ads, live_ads, distinct = connection.execute(query).one()
    return Totals(int(ads), int(live_ads), int(distinct))


def coverage(connection: Connection, sources: Sequence[str] = ()) -> list[Coverage]:
    """Field coverage per source, in one grouped query; largest sources first."""
    present = _present()
    columns = [func.sum(case((present[name], 1), else_=0)) for name in COVERAGE_FIELDS]
    query = (select(JOBS.c.source, func.count(), *columns)
             .group_by(JOBS.c.source)
             .order_by(func.count().desc(), JOBS.c.source))
    if sources:
        query = query.where(JOBS.c.source.in_(sources))
    return [
        Coverage(source, int(ads), {name: int(value or 0)
                                    for name, value in zip(COVERAGE_FIELDS, filled, strict=True)})
        for source, ads, *filled in connection.execute(query)
    ]


def _present() -> dict[str, ColumnElement[bool]]:
    c = JOBS.c

    def text(column: Any) -> ColumnElement[bool]:
        return and_(column.is_not(None), column != "")

    return {
        "description": text(c.description),
        "company": text(c.company),
        "location": text(c.location),
        "salary": or_(text(c.salary_raw), c.salary_min.is_not(None), c.salary_max.is_not(None)),
        "closing_date": c.closing_date.is_not(None),
        "date_posted": c.date_posted.is_not(None),
        "category": text(c.category),
    }
