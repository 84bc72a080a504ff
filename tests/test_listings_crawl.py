"""End to end: a complete crawl expires only what its own listing stopped listing.

Real `scrapy crawl` runs (feed, jobposting) against a local server whose feeds and
pages change between crawls of one database. The feeds are RSS 2.0 in the shape WP
Job Manager writes (as tests/fixtures/feeds/rss.xml); the ad pages carry schema.org
JobPosting JSON-LD (https://schema.org/JobPosting, as Google's job posting guide shows).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jobcrawl.db.engine import make_engine
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import expired_ads, stored_rows
from tests.utils.scrapy import crawl_api

QUIET = ["-s", "JOBCRAWL_MONITOR_MIN_HISTORY_RATIO=0", "-s", "JOBCRAWL_MONITOR_MIN_ITEMS=0"]


def rss(origin: str, *ids: str) -> Recorded:
    items = "".join(
        f"<item><title>Care Worker {n}</title><link>{origin}/job/{n}/</link>"
        f'<guid isPermaLink="false">{origin}/?post_type=job_listing&amp;p={n}</guid>'
        f"<pubDate>Wed, 06 Mar 2024 09:00:00 +0000</pubDate>"
        f"<description><![CDATA[<p>Support adults in their homes (role {n}).</p>]]>"
        f"</description></item>" for n in ids)
    return Recorded.text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Jobs</title><link>{origin}</link><description>Care jobs</description>"
        f"{items}</channel></rss>", content_type="application/rss+xml; charset=UTF-8")


def guid(origin: str, n: str) -> str:
    return f"{origin}/?post_type=job_listing&p={n}"


def listing_page(*ids: str) -> Recorded:
    links = "".join(f'<li><a href="/jobs/{n}">Engineer {n}</a></li>' for n in ids)
    return Recorded.text(f"<!DOCTYPE html><html><body><h1>Jobs</h1><ul>{links}</ul>"
                         "</body></html>", content_type="text/html; charset=utf-8")


def ad_page(n: str) -> Recorded:
    posting = {"@context": "https://schema.org/", "@type": "JobPosting",
               "title": f"Engineer {n}", "description": f"<p>Build things ({n}).</p>",
               "identifier": {"@type": "PropertyValue", "name": "Acme", "value": f"E{n}"},
               "datePosted": "2026-11-20",
               "hiringOrganization": {"@type": "Organization", "name": "Acme"}}
    return Recorded.text(
        "<!DOCTYPE html><html><head><script type=\"application/ld+json\">"
        f"{json.dumps(posting)}</script></head><body><h1>Engineer {n}</h1></body></html>",
        content_type="text/html; charset=utf-8")


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    with RecordedServer({}) as recorded:
        yield recorded


class Crawls:
    """Crawls into one database; each asserts its exit code and returns its stats."""

    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.db_url, self.tmp_path = db_url, tmp_path

    def __call__(self, spider: str, *args: str, code: int = 0) -> dict[str, Any]:
        exit_code, stats, stderr = crawl_api(spider, *args, *QUIET, db_url=self.db_url,
                                             tmp_path=self.tmp_path)
        assert exit_code == code, stderr[-3000:]
        return stats

    def live(self) -> list[tuple[str, str]]:
        return sorted((row["source"], row["webindex"]) for row in stored_rows(self.db_url)
                      if row["expired_at"] is None)

    def listings(self) -> dict[str, list[str]]:
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as connection:
                found = connection.execute(text(
                    "SELECT jobs.webindex, listings.name FROM job_listings "
                    "JOIN jobs ON jobs.id = job_listings.job_id "
                    "JOIN listings ON listings.id = job_listings.listing_id "
                    "ORDER BY jobs.webindex, listings.name")).all()
        finally:
            engine.dispose()
        named: dict[str, list[str]] = {}
        for webindex, name in found:
            named.setdefault(webindex, []).append(name)
        return named


def test_two_feeds_of_one_host_never_expire_each_others_ads(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    origin = server.url
    server.answer("/a.xml", rss(origin, "1", "2"))
    server.answer("/b.xml", rss(origin, "3", "4"))
    crawl = Crawls(sqlite_url, tmp_path)
    crawl("feed", "-a", f"url={origin}/a.xml")
    second = crawl("feed", "-a", f"url={origin}/b.xml")
    assert second["jobcrawl/feed/listing_complete"] is True
    assert second["jobcrawl/expiry/unlisted"] == 0
    source = "feed:127.0.0.1"
    assert crawl.live() == [(source, guid(origin, n)) for n in "1234"]
    assert crawl.listings() == {guid(origin, n): [f"feed {origin}/{feed}.xml"]
                                for n, feed in zip("1234", "aabb", strict=True)}

    # Ad 2 truly leaves its only feed: the next complete crawl of that feed expires it.
    server.answer("/a.xml", rss(origin, "1"))
    third = crawl("feed", "-a", f"url={origin}/a.xml")
    assert third["jobcrawl/expiry/unlisted"] == 1
    assert expired_ads(sqlite_url) == {guid(origin, "2"): (
        "unlisted", f"not listed by complete crawl {third['jobcrawl/store/run_id']} of "
                    f"{source} (feed {origin}/a.xml)")}


def test_an_ad_of_two_feeds_expires_only_after_both_were_read_completely_without_it(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    origin = server.url
    server.answer("/a.xml", rss(origin, "1", "9"))
    server.answer("/b.xml", rss(origin, "2", "9"))
    crawl = Crawls(sqlite_url, tmp_path)
    crawl("feed", "-a", f"url={origin}/a.xml")
    crawl("feed", "-a", f"url={origin}/b.xml")
    assert crawl.listings()[guid(origin, "9")] == [f"feed {origin}/a.xml",
                                                    f"feed {origin}/b.xml"]
    server.answer("/a.xml", rss(origin, "1"))
    server.answer("/b.xml", rss(origin, "2"))
    assert crawl("feed", "-a", f"url={origin}/a.xml")["jobcrawl/expiry/unlisted"] == 0
    assert expired_ads(sqlite_url) == {}
    last = crawl("feed", "-a", f"url={origin}/b.xml")
    assert last["jobcrawl/expiry/unlisted"] == 1
    assert list(expired_ads(sqlite_url)) == [guid(origin, "9")]

    # Listed again by one feed: live again.
    server.answer("/b.xml", rss(origin, "2", "9"))
    again = crawl("feed", "-a", f"url={origin}/b.xml")
    assert again["jobcrawl/expiry/reactivated"] == 1
    assert expired_ads(sqlite_url) == {}


def test_a_sub_listing_of_a_site_expires_nothing_of_the_main_listing(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    origin = server.url
    server.answer("/jobs", listing_page("1", "2", "3"))
    server.answer("/jobs/it", listing_page("1"))
    for n in "123":
        server.answer(f"/jobs/{n}", ad_page(n))
    crawl = Crawls(sqlite_url, tmp_path)
    source = "jobposting:127.0.0.1"
    crawl("jobposting", "-a", f"url={origin}/jobs")
    sub = crawl("jobposting", "-a", f"url={origin}/jobs/it")
    assert sub["jobcrawl/expiry/unlisted"] == 0
    assert crawl.live() == [(source, "E1"), (source, "E2"), (source, "E3")]
    assert crawl.listings() == {"E1": [f"jobposting {origin}/jobs",
                                       f"jobposting {origin}/jobs/it"],
                                "E2": [f"jobposting {origin}/jobs"],
                                "E3": [f"jobposting {origin}/jobs"]}

    # The converse: ad 3 leaves the main listing (its only one), ad 1 the sub-listing.
    server.answer("/jobs", listing_page("1", "2"))
    server.answer("/jobs/it", listing_page())
    main = crawl("jobposting", "-a", f"url={origin}/jobs")
    assert main["jobcrawl/expiry/unlisted"] == 1
    assert list(expired_ads(sqlite_url)) == ["E3"]
    # The sub-listing, empty now, is read completely: ad 1 is still on the main listing.
    crawl("jobposting", "-a", f"url={origin}/jobs/it")
    assert crawl.live() == [(source, "E1"), (source, "E2")]


def test_a_named_source_is_stored_recrawled_reported_and_recorded(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    origin = server.url
    server.answer("/jobs", listing_page("1", "2"))
    for n in "12":
        server.answer(f"/jobs/{n}", ad_page(n))
    server.answer("/a.xml", rss(origin, "7"))
    crawl = Crawls(sqlite_url, tmp_path)
    # Two crawls that form one corpus: the same name.
    crawl("jobposting", "-a", f"url={origin}/jobs", "-a", "source=acme")
    crawl("feed", "-a", f"url={origin}/a.xml", "-a", "source=acme")
    assert crawl.live() == [("acme", "E1"), ("acme", "E2"), ("acme", guid(origin, "7"))]
    # The recrawl finds the named source's ads (request meta), touches them, and expires
    # nothing of the feed's.
    again = crawl("jobposting", "-a", f"url={origin}/jobs", "-a", "source=acme")
    assert (again["jobcrawl/recrawl/skipped"], again["jobcrawl/store/touched"]) == (2, 2)
    assert again["jobcrawl/expiry/unlisted"] == 0
    # An ad page that answers 410 expires as gone, under the named source.
    server.answer("/jobs/2", Recorded.text("gone", status=410, content_type="text/html"))
    gone = crawl("jobposting", "-a", f"url={origin}/jobs", "-a", "source=acme",
                 "-s", "JOBCRAWL_RECRAWL_TTL=0")
    assert gone["jobcrawl/expiry/gone"] == 1
    assert expired_ads(sqlite_url) == {"E2": ("gone", f"HTTP 410 at {origin}/jobs/2")}
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            runs = connection.execute(text(
                "SELECT spider, source FROM crawl_runs ORDER BY started_at")).all()
    finally:
        engine.dispose()
    assert [tuple(run) for run in runs] == [("jobposting", "acme"), ("feed", "acme"),
                                            ("jobposting", "acme"), ("jobposting", "acme")]


def test_a_bad_source_stops_the_crawl_before_any_request(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    crawl = Crawls(sqlite_url, tmp_path)
    crawl("feed", "-a", f"url={server.url}/a.xml", "-a", "source=two words", code=1)
    assert server.requests == []


def test_a_database_from_before_listings_is_upgraded_and_expires_as_before(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    from jobcrawl.db.migrate import SCHEMA_HEAD, database_revision, upgrade

    origin = server.url
    upgrade(sqlite_url, "0004")
    engine = make_engine(sqlite_url)
    try:
        with engine.begin() as connection:
            for n in ("1", "5"):
                connection.execute(text(
                    "INSERT INTO jobs (webindex, source, url, title, description, scraped_at, "
                    "first_seen, last_seen, seen_count, content_hash, last_run, last_fetched) "
                    "VALUES (:webindex, 'feed:127.0.0.1', :url, 't', 'd', :at, :at, :at, 1, "
                    "'h', 'old', :at)"),
                    {"webindex": guid(origin, n), "url": f"{origin}/job/{n}/",
                     "at": "2026-11-01 09:00:00.000000"})
    finally:
        engine.dispose()
    server.answer("/a.xml", rss(origin, "1", "2"))
    crawl = Crawls(sqlite_url, tmp_path)
    stats = crawl("feed", "-a", f"url={origin}/a.xml")  # upgrades the file first
    assert database_revision(sqlite_url) == SCHEMA_HEAD
    # Ad 5, stored before listings were recorded and not in the feed, expires as it did.
    assert stats["jobcrawl/expiry/unlisted"] == 1
    assert list(expired_ads(sqlite_url)) == [guid(origin, "5")]
    assert crawl.listings() == {guid(origin, n): [f"feed {origin}/a.xml"] for n in "12"}
