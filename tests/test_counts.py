"""count_ads and active_on_clause on SQLite and PostgreSQL: a hand-checked case, a cross-check."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select, text

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.statistics.activity import JOBS, active_on_clause
from jobcrawl.statistics.counts import PeriodCount, count_ads
from tests.utils.counts import ADS, DAILY, ad, d, insert_ads

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection


def connect(url: str) -> Iterator[Connection]:
    engine = make_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Far from UTC, so that a day taken in the session's time zone shows.
            connection.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
        yield connection
    engine.dispose()


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    insert_ads(database_url, ADS)
    yield from connect(database_url)


@pytest.fixture
def empty(database_url: str) -> Iterator[Connection]:
    upgrade(database_url)
    yield from connect(database_url)


def test_daily_counts_of_the_hand_checked_case(connection: Connection) -> None:
    expected = [PeriodCount(d(day), d(day), d(day), new, active)
                for day, (new, active) in DAILY.items()]
    assert count_ads(connection, freq="day") == expected


def test_weekly_counts_take_the_last_week_on_the_as_of_day(connection: Connection) -> None:
    assert count_ads(connection) == [
        # new: A B C D E; active on Sunday the 8th: A C D E
        PeriodCount(d(2), d(8), d(8), new=5, active=4),
        # new: F G H I; active on Sunday the 15th: A H I
        PeriodCount(d(9), d(15), d(15), new=4, active=3),
        # new: J K; active on Thursday the 19th, the last day an ad was seen: A H
        PeriodCount(d(16), d(22), d(19), new=2, active=2),
    ]


def test_as_of_stops_new_and_active_counts_on_that_day(connection: Connection) -> None:
    assert count_ads(connection, as_of=d(16), since=d(10)) == [
        PeriodCount(d(9), d(15), d(15), new=4, active=3),
        # new: J (K comes on the 17th); active on the 16th: A H I J
        PeriodCount(d(16), d(22), d(16), new=1, active=4),
    ]


def test_since_and_until_select_whole_periods_and_list_empty_ones(
    connection: Connection,
) -> None:
    assert count_ads(connection, since=date(2026, 2, 25), until=d(4)) == [
        PeriodCount(date(2026, 2, 23), date(2026, 3, 1), date(2026, 3, 1), new=0, active=0),
        PeriodCount(d(2), d(8), d(8), new=5, active=4),
    ]
    assert count_ads(connection, freq="day", since=d(13), until=d(15)) == [
        PeriodCount(d(day), d(day), d(day), 0, 3) for day in (13, 14, 15)
    ]


def test_sources_filter_and_their_own_as_of_day(connection: Connection) -> None:
    # lever:zeta alone: I and J; first seen on the 12th, last seen on the 19th.
    assert count_ads(connection, sources=["lever:zeta"]) == [
        PeriodCount(d(9), d(15), d(15), new=1, active=1),
        PeriodCount(d(16), d(22), d(19), new=1, active=0),
    ]
    both = count_ads(connection, sources=("lever:zeta", "greenhouse:acme"))
    assert both == count_ads(connection)
    assert count_ads(connection, sources=["nobody:here"]) == []


def test_active_on_clause_agrees_with_the_hand_checked_case(connection: Connection) -> None:
    for day, (_, active) in DAILY.items():
        query = select(func.count()).select_from(JOBS).where(active_on_clause(d(day)))
        assert (day, connection.execute(query).scalar()) == (day, active)


def test_empty_database(empty: Connection) -> None:
    assert count_ads(empty) == []
    assert count_ads(empty, freq="day", since=d(1), until=d(2), as_of=d(2)) == [
        PeriodCount(d(1), d(1), d(1), 0, 0), PeriodCount(d(2), d(2), d(2), 0, 0),
    ]


@pytest.mark.parametrize(("options", "message"), [
    ({"freq": "month"}, "--freq must be one of day, week, not 'month'"),
    ({"since": d(5), "until": d(4)}, "--since 2026-03-05 is after --until 2026-03-04"),
    ({"until": d(20)}, "--until 2026-03-20 is after --as-of 2026-03-19"),
    ({"since": d(20)}, "--since 2026-03-20 is after --until 2026-03-19 (default: --as-of)"),
    ({"until": d(10), "as_of": d(9)}, "--until 2026-03-10 is after --as-of 2026-03-09"),
    ({"as_of": d(1)},
     "--until/--as-of 2026-03-01 is before the first ad, first seen on 2026-03-02"),
])
def test_bad_options_name_the_option(connection: Connection, options: dict[str, Any],
                                     message: str) -> None:
    with pytest.raises(ValueError, match=r"^--") as raised:
        count_ads(connection, **options)
    assert str(raised.value).startswith(message)


def random_ads(count: int, seed: int) -> list[dict[str, Any]]:
    """Ads with every mix of closing date, expiry and sighting, on and around day edges."""
    rng = random.Random(seed)
    base = datetime(2026, 2, 1, tzinfo=UTC)

    def moment(days: int) -> datetime:
        edge = rng.choice([0, 1, 86399, rng.randrange(86400)])  # midnight, 1 s, 23:59:59
        return base + timedelta(days=days, seconds=edge)

    ads = []
    for number in range(count):
        first = rng.randrange(40)
        last = first + rng.randrange(15)
        closing = (base + timedelta(days=first + rng.randrange(-3, 20))).date()
        expiry = moment(first + rng.randrange(20))
        first_seen = moment(first)
        ads.append(ad(f"r{number}", first_seen, max(moment(last), first_seen),
                      closing_date=rng.choice([None, closing]),
                      expired_at=rng.choice([None, expiry]),
                      source=rng.choice(["a:x", "b:y"])))
    return ads


def test_active_counts_match_the_per_day_clause_on_random_ads(database_url: str) -> None:
    insert_ads(database_url, random_ads(300, seed=5))
    for connection in connect(database_url):
        days = count_ads(connection, freq="day", since=date(2026, 1, 30),
                         until=date(2026, 4, 10), as_of=date(2026, 4, 10))
        assert len(days) == 71
        for period in days:
            clause = active_on_clause(period.snapshot)
            count = select(func.count()).select_from(JOBS).where(clause)
            first_seen = select(func.count()).select_from(JOBS).where(
                JOBS.c.first_seen >= datetime.combine(period.start, datetime.min.time(), UTC),
                JOBS.c.first_seen < datetime.combine(period.end + timedelta(days=1),
                                                     datetime.min.time(), UTC))
            assert (period.snapshot, period.active, period.new) == (
                period.snapshot, connection.execute(count).scalar(),
                connection.execute(first_seen).scalar())
        assert sum(period.new for period in days) == 300
