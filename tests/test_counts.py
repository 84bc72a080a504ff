"""count_ads and active_on_clause on SQLite and PostgreSQL: a hand-checked case, a cross-check."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, insert, select, text

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from jobcrawl.statistics.activity import JOBS, active_on_clause
from jobcrawl.statistics.counts import PeriodCount, count_ads

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def d(day: int) -> date:
    return date(2026, 3, day)


def ad(webindex: str, first_seen: datetime, last_seen: datetime, closing_date: date | None = None,
       expired_at: datetime | None = None, source: str = "greenhouse:acme") -> dict[str, Any]:
    return {
        "webindex": webindex, "source": source, "url": f"https://example.com/{webindex}",
        "title": f"Job {webindex}", "description": "About it.", "scraped_at": last_seen,
        "first_seen": first_seen, "last_seen": last_seen, "seen_count": 1,
        "content_hash": "h", "closing_date": closing_date, "expired_at": expired_at,
        "expiry_reason": None if expired_at is None else "unlisted",
    }


# March 2026: ISO week 10 is Mon 2 .. Sun 8, week 11 is 9 .. 15, week 12 is 16 .. 22.
# The last day any ad was seen (the default as-of day) is Thursday the 19th.
#
# ad  first seen    last seen    closes  expired   active on (why)
# A   2 09:00       19 06:00     -       -         2..19   (seen until the 19th)
# B   3             5            -       -         3..5    (not seen after the 5th)
# C   4             4            12      -         4..12   (closing date trusted after last seen)
# D   5             18           25      10 10:00  5..9    (expired on the 10th: not active then)
# E   8 23:59:59    9 00:00:00   -       -         8..9    (UTC day edges)
# F   9 00:00:00    19           8       -         never   (first seen after its closing date)
# G   10 08:00      10 08:00     -       10 15:00  never   (expired the day it was first seen)
# H   11            19 06:00     -       -         11..19
# I*  12            16           -       -         12..16
# J*  16            19           16      -         16      (closes on the day: active that day)
# K   17            17           30      19 09:00  17..18  (open until closing; expiry ends it)
# (* source lever:zeta, the others greenhouse:acme)
ADS = [
    ad("A", at(2, 9), at(19, 6)),
    ad("B", at(3), at(5)),
    ad("C", at(4), at(4), closing_date=d(12)),
    ad("D", at(5), at(18), closing_date=d(25), expired_at=at(10, 10)),
    ad("E", at(8, 23, 59, 59), at(9, 0, 0, 0)),
    ad("F", at(9, 0), at(19), closing_date=d(8)),
    ad("G", at(10, 8), at(10, 8), expired_at=at(10, 15)),
    ad("H", at(11), at(19, 6)),
    ad("I", at(12), at(16), source="lever:zeta"),
    ad("J", at(16), at(19), closing_date=d(16), source="lever:zeta"),
    ad("K", at(17), at(17), closing_date=d(30), expired_at=at(19, 9)),
]

# day: (new = first seen that day, active = open that day), from the table above.
DAILY = {
    2: (1, 1),   # A
    3: (1, 2),   # A B
    4: (1, 3),   # A B C
    5: (1, 4),   # A B C D
    6: (0, 3),   # A C D: B last seen on the 5th
    7: (0, 3),   # A C D
    8: (1, 4),   # A C D E
    9: (1, 4),   # A C D E; F new but never active
    10: (1, 2),  # A C: D expired; G new but never active
    11: (1, 3),  # A C H
    12: (1, 4),  # A C H I
    13: (0, 3),  # A H I: C closed on the 12th
    14: (0, 3),
    15: (0, 3),
    16: (1, 4),  # A H I J
    17: (1, 3),  # A H K: I last seen on the 16th, J closed on the 16th
    18: (0, 3),  # A H K
    19: (0, 2),  # A H: K expired
}


def insert_ads(url: str, ads: list[dict[str, Any]]) -> None:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(Job), ads)
    engine.dispose()


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
