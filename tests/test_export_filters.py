"""`scrapy export` filters on SQLite and PostgreSQL: sources, categories, dates, fields, sample."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from jobcrawl.export.query import ExportQuery, Sampler, sample_key
from tests.utils.exports import as_json, export, fill, job, read_jsonl


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, micro, tzinfo=UTC)


# (webindex, first_seen, last_seen, closing_date): the edges of every date filter.
DATED = [
    ("before-midnight", at(19, 23, 59, 59, 999999), at(19, 23, 59, 59, 999999), None),
    ("midnight", at(20, 0), at(20, 0), None),
    ("late", at(20, 23, 59, 59), at(24, 23, 59, 59), None),  # last seen the day before
    ("next-day", at(21, 0), at(25, 0), None),  # last seen at the start of the day
    ("closes-on-the-day", at(20), at(20), date(2026, 11, 25)),
    ("closed-the-day-before", at(20), at(26), date(2026, 11, 24)),
    ("first-seen-on-the-day", at(25, 23, 59), at(25, 23, 59), date(2026, 12, 1)),
    ("first-seen-after", at(26, 0), at(27), date(2026, 12, 1)),
]
CATEGORIES = {"before-midnight": "IT Jobs", "midnight": "Sales Jobs", "late": None,
              "next-day": "IT Jobs", "closes-on-the-day": "Admin Jobs"}


def dated_jobs() -> list[dict[str, Any]]:
    return [
        job("greenhouse:acme" if index % 2 else "lever:zeta", webindex, first_seen=first,
            last_seen=last, scraped_at=last, closing_date=closes,
            category=CATEGORIES.get(webindex))
        for index, (webindex, first, last, closes) in enumerate(DATED)
    ]


@pytest.fixture
def dated(database_url: str) -> str:
    fill(database_url, dated_jobs())
    return database_url


def webindexes(url: str, tmp_path: Path, *args: str) -> list[str]:
    path = tmp_path / "out.jsonl"
    result = export(url, "--format", "jsonl", "-o", str(path), *args)
    assert result.returncode == 0, result.stderr
    return [row["webindex"] for row in read_jsonl(path)]


def sorted_keys(webindexes_: list[str]) -> list[str]:
    by_webindex = {j["webindex"]: (j["source"], j["webindex"]) for j in dated_jobs()}
    return sorted(webindexes_, key=by_webindex.__getitem__)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "2026-11-20"], [w for w, *_ in DATED if w != "before-midnight"]),
        (["--until", "2026-11-20"],
         ["before-midnight", "midnight", "late", "closes-on-the-day", "closed-the-day-before"]),
        (["--since", "2026-11-20", "--until", "2026-11-20"],
         ["midnight", "late", "closes-on-the-day", "closed-the-day-before"]),
        (["--active-on", "2026-11-25"],
         ["next-day", "closes-on-the-day", "first-seen-on-the-day"]),
        (["--category", "IT Jobs"], ["before-midnight", "next-day"]),
        (["--category", "IT Jobs", "--category", "Admin Jobs"],
         ["before-midnight", "next-day", "closes-on-the-day"]),
        (["--source", "greenhouse:acme"], [w for i, (w, *_) in enumerate(DATED) if i % 2]),
        (["--source", "greenhouse:acme", "--source", "lever:zeta"], [w for w, *_ in DATED]),
        (["--source", "lever:zeta", "--category", "IT Jobs", "--since", "2026-11-19"],
         ["before-midnight"]),
        (["--source", "nobody:here"], []),
    ],
    ids=["since", "until", "one-day", "active-on", "category", "categories", "source",
         "sources", "combined", "nothing"],
)
def test_filters_keep_exactly_the_matching_jobs(
    dated: str, tmp_path: Path, args: list[str], expected: list[str]
) -> None:
    assert webindexes(dated, tmp_path, *args) == sorted_keys(expected)


def test_limit_takes_the_first_jobs_in_order_after_filtering(dated: str, tmp_path: Path) -> None:
    everything = webindexes(dated, tmp_path, "--since", "2026-11-20")

    assert webindexes(dated, tmp_path, "--since", "2026-11-20", "--limit", "3") == everything[:3]


def test_active_on_leaves_out_ads_expired_on_or_before_the_day(
    database_url: str, tmp_path: Path
) -> None:
    # The rule of `scrapy counts` (jobcrawl.statistics.activity): an ad expired during the day
    # was not open that day; one expired the day after still was.
    expired = [
        job("lever:zeta", "expired-on-the-day", first_seen=at(20), last_seen=at(25, 1),
            scraped_at=at(25, 1), expired_at=at(25, 3), expiry_reason="unlisted"),
        job("lever:zeta", "expired-the-day-after", first_seen=at(20), last_seen=at(25, 1),
            scraped_at=at(25, 1), expired_at=at(26, 0), expiry_reason="gone"),
    ]
    fill(database_url, dated_jobs() + expired)

    keys = {row["webindex"]: (row["source"], row["webindex"]) for row in dated_jobs() + expired}
    assert webindexes(database_url, tmp_path, "--active-on", "2026-11-25") == sorted(
        ["next-day", "closes-on-the-day", "first-seen-on-the-day", "expired-the-day-after"],
        key=keys.__getitem__)


def test_active_on_rows_are_whole(dated: str, tmp_path: Path) -> None:
    path = tmp_path / "active.jsonl"

    result = export(dated, "-o", str(path), "--active-on", "2026-11-25")

    assert result.returncode == 0, result.stderr
    by_webindex = {j["webindex"]: j for j in dated_jobs()}
    assert read_jsonl(path) == [as_json(by_webindex[w]) for w in sorted_keys(
        ["next-day", "closes-on-the-day", "first-seen-on-the-day"])]


def many_jobs(count: int) -> list[dict[str, Any]]:
    return [job(f"greenhouse:board{i % 3}", f"{i:04d}", category=f"Cat {i % 4}")
            for i in range(count)]


def expected_sample(jobs: list[dict[str, Any]], size: int, seed: int) -> list[str]:
    """The definition: the `size` smallest keys, exported in (source, webindex) order."""
    keyed = sorted(jobs, key=lambda j: (sample_key(seed, j["source"], j["webindex"]),
                                        j["source"], j["webindex"]))
    return [j["webindex"] for j in sorted(keyed[:size], key=lambda j: (j["source"],
                                                                        j["webindex"]))]


def test_sample_is_reproducible_and_independent_of_row_order(
    database_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    jobs = many_jobs(120)
    fill(database_url, jobs)
    shuffled_url = f"sqlite:///{tmp_path / 'shuffled.db'}"
    fill(shuffled_url, jobs[::-1])

    first = webindexes(database_url, tmp_path, "--sample", "25", "--seed", "7")
    again = webindexes(database_url, tmp_path, "--sample", "25", "--seed", "7")
    other_order = webindexes(shuffled_url, tmp_path, "--sample", "25", "--seed", "7")
    other_seed = webindexes(database_url, tmp_path, "--sample", "25", "--seed", "8")

    assert first == again == other_order == expected_sample(jobs, 25, 7)
    assert len(first) == 25
    assert other_seed == expected_sample(jobs, 25, 8) != first


def test_larger_sample_of_a_seed_contains_the_smaller(database_url: str, tmp_path: Path) -> None:
    fill(database_url, many_jobs(80))

    small = webindexes(database_url, tmp_path, "--sample", "10", "--seed", "3")
    large = webindexes(database_url, tmp_path, "--sample", "40", "--seed", "3")

    assert len(small) == 10
    assert len(large) == 40
    assert set(small) < set(large)


def test_sample_is_drawn_after_filters_and_before_limit(
    database_url: str, tmp_path: Path
) -> None:
    jobs = many_jobs(90)
    fill(database_url, jobs)
    in_cat_1 = [j for j in jobs if j["category"] == "Cat 1"]

    sampled = webindexes(database_url, tmp_path, "--category", "Cat 1", "--sample", "8",
                         "--seed", "11")
    limited = webindexes(database_url, tmp_path, "--category", "Cat 1", "--sample", "8",
                         "--seed", "11", "--limit", "3")
    everything = webindexes(database_url, tmp_path, "--category", "Cat 1", "--sample", "500",
                            "--seed", "11")

    assert sampled == expected_sample(in_cat_1, 8, 11)
    assert limited == sampled[:3]
    # Fewer ads than N: all of them.
    assert everything == [j["webindex"] for j in sorted(in_cat_1, key=lambda j: (
        j["source"], j["webindex"]))]


def test_sampler_breaks_ties_on_the_cut_off_key_in_row_order(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jobcrawl.export.query.sample_key", lambda *_: 42)  # every key ties
    rows = [("s", "a"), ("s", "b"), ("s", "c"), ("t", "a")]

    sampler = Sampler.draw(seed=0, size=2, keys=rows)
    kept = [key for key in rows if sampler.keep(*key)]

    assert kept == [("s", "a"), ("s", "b")]


def test_sample_key_is_stable() -> None:
    # Fixed forever: a sample drawn today must be drawn again by every later version.
    assert sample_key(7, "greenhouse:acme", "123") == sample_key(7, "greenhouse:acme", "123")
    assert sample_key(7, "greenhouse:acme", "123") == 0x846E4B15066A7DA1
    assert sample_key(8, "greenhouse:acme", "123") != sample_key(7, "greenhouse:acme", "123")


def test_query_describes_its_filters_for_the_manifest() -> None:
    query = ExportQuery(sources=("a", "b"), categories=("IT Jobs",), since=date(2026, 1, 2),
                        active_on=date(2026, 3, 4), sample=5, seed=9, limit=2)

    assert query.describe() == {
        "sources": ["a", "b"], "categories": ["IT Jobs"], "since": "2026-01-02",
        "until": None, "active_on": "2026-03-04", "sample": 5, "seed": 9, "limit": 2,
    }
