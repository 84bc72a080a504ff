"""The hand-checked ads of the count tests: when each is new and active."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job


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
