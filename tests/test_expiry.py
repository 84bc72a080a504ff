"""Recrawl and expiry parts: closed notices, the TTL setting, known ads, and the SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scrapy.settings import Settings
from sqlalchemy import select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job
from jobcrawl.db.upsert import upsert_jobs
from jobcrawl.extract.closed import closed_notice
from jobcrawl.items import JobItem
from jobcrawl.recrawl.expiry import expiry_blocker
from jobcrawl.recrawl.listings import expire_unlisted, listing_id, record_listed
from jobcrawl.recrawl.marks import recrawl_state, report_page
from jobcrawl.recrawl.queries import (
    expire_by_url,
    recently_fetched,
    remember_pages,
    touch_ads,
)
from jobcrawl.recrawl.state import KnownAds, RecrawlConfig, parse_ttl
from tests.utils.crawlers import jobcrawl_crawler
from tests.utils.paths import ROOT

T1 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=1)


@pytest.mark.parametrize(("page", "notice"), [
    ('<p class="notice">This vacancy has now closed</p>', "This vacancy has now closed"),
    ("<div>THIS JOB HAS EXPIRED.</div>", "THIS JOB HAS EXPIRED"),
    ("We are no longer\n  accepting applications for this role.",
     "No longer accepting applications"),
    ("Sorry, applications for this position have closed.",
     "Applications for this position have closed"),
    ("This position has been filled.", "This position has been filled"),
    ("This job posting is no longer available", "This job posting is no longer available"),
    ("The closing date for this vacancy has passed.",
     "The closing date for this vacancy has passed"),
])
def test_closed_notices_are_found_in_common_phrasings(page: str, notice: str) -> None:
    assert closed_notice(page) == notice


@pytest.mark.parametrize("page", [
    "Closing Date: 10th February 2013",
    "This vacancy will close early if we receive enough applications.",
    "Applications close on 5 March.",
    "A skilled, closed-loop control engineer; no longer than 3 pages please.",
    "The position was filled by a passed-over candidate",
    "",
])
def test_ordinary_ad_text_is_not_a_closed_notice(page: str) -> None:
    assert closed_notice(page) is None


@pytest.mark.parametrize(("raw", "seconds"), [
    ("7d", 7 * 86400), ("12h", 12 * 3600), ("30m", 1800), ("45s", 45), ("2w", 14 * 86400),
    ("3600", 3600), (3600, 3600), ("0", 0), (0, 0), (" 1.5h ", 5400),
])
def test_ttl_accepts_durations_and_seconds(raw: object, seconds: int) -> None:
    assert parse_ttl(raw) == timedelta(seconds=seconds)


@pytest.mark.parametrize("raw", ["soon", "-1d", "7 days", "", "d", True, None])
def test_a_bad_ttl_names_the_setting(raw: object) -> None:
    with pytest.raises(ValueError, match="JOBCRAWL_RECRAWL_TTL must be a duration"):
        parse_ttl(raw)


def test_config_reads_both_settings_and_names_a_bad_flag() -> None:
    config = RecrawlConfig.from_settings(Settings({"JOBCRAWL_RECRAWL_TTL": "0",
                                                   "JOBCRAWL_EXPIRE_UNLISTED": "false"}))
    assert (config.enabled, config.expire_unlisted) == (False, False)
    assert RecrawlConfig.from_settings(Settings()) == RecrawlConfig(timedelta(days=7), True)
    with pytest.raises(ValueError, match="JOBCRAWL_EXPIRE_UNLISTED must be True or False"):
        RecrawlConfig.from_settings(Settings({"JOBCRAWL_EXPIRE_UNLISTED": "maybe"}))


def test_known_ads_match_canonical_spellings_and_count_each_page_once() -> None:
    known = KnownAds([(7, "https://jobs.example.com/a"), (9, "https://jobs.example.com/b"),
                      (0, "https://jobs.example.com/about")])
    assert len(known) == 3
    assert known.touch("https://JOBS.example.com:443/a?utm_source=x#apply") is True
    assert known.touch("https://jobs.example.com/a") is False  # the same page again
    assert known.touch("https://jobs.example.com/c") is None
    assert known.touch("https://jobs.example.com/about") is True
    # A page without a posting touches no ad.
    assert known.touched_ids() == [7]


def test_pages_are_remembered_only_when_not_an_ads_own_url() -> None:
    crawler = jobcrawl_crawler()
    report_page(crawler, "s", "https://x.example/jobs/1", ["https://x.example/jobs/1"])
    report_page(crawler, "s", "https://x.example/featured/1", ["https://x.example/jobs/1"])
    report_page(crawler, "s", "https://x.example/about", [])
    assert recrawl_state(crawler).pages == {
        ("s", "https://x.example/featured/1"): "https://x.example/jobs/1",
        ("s", "https://x.example/about"): None,
    }


class Spider:
    def __init__(self, complete: bool | None) -> None:
        if complete is not None:
            self.listing_complete = lambda: complete


@pytest.mark.parametrize(("complete", "reason", "stats", "blocker"), [
    (True, "finished", {}, None),
    (True, "closespider_itemcount", {}, "the crawl ended with 'closespider_itemcount'"),
    (True, "finished", {"jobcrawl/failed/store": "x"}, "the crawl failed (store)"),
    (False, "finished", {}, "the spider did not read its whole listing"),
    (None, "finished", {}, "the spider did not read its whole listing"),
])
def test_only_a_complete_finished_healthy_crawl_expires_by_absence(
    complete: bool | None, reason: str, stats: dict[str, Any], blocker: str | None
) -> None:
    assert expiry_blocker(Spider(complete), reason, stats) == blocker  # type: ignore[arg-type]


# --- SQL, on SQLite and PostgreSQL ------------------------------------------

@pytest.fixture
def db_url(database_url: str) -> str:
    upgrade(database_url)
    return database_url


def ad(webindex: str, source: str = "jobposting:x.example") -> JobItem:
    return JobItem(webindex=webindex, source=source, url=f"https://x.example/jobs/{webindex}",
                   title=f"Role {webindex}", description="Do things.", scraped_at=T1)


def state(url: str) -> dict[str, tuple[Any, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            query = select(Job.webindex, Job.seen_count, Job.last_run, Job.expiry_reason,
                           Job.expiry_evidence)
            return {row[0]: tuple(row[1:]) for row in conn.execute(query)}
    finally:
        engine.dispose()


def run_sql(url: str, work: Any) -> Any:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            return work(conn)
    finally:
        engine.dispose()


def test_touches_count_each_ad_once_per_run_and_revive_only_unlisted(db_url: str) -> None:
    run_sql(db_url, lambda c: upsert_jobs(c, [ad("a"), ad("b"), ad("c")], run_id="r1"))
    ids = run_sql(db_url, lambda c: dict(c.execute(select(Job.webindex, Job.id)).all()))
    run_sql(db_url, lambda c: expire_by_url(c, {
        ("jobposting:x.example", "https://x.example/jobs/a"): "not listed",
    }, reason="unlisted", now=T2))
    run_sql(db_url, lambda c: expire_by_url(c, {
        ("jobposting:x.example", "https://x.example/jobs/b"): "HTTP 410 at ...",
    }, reason="gone", now=T2))
    # c was stored by run r2 already (fetched again): its touch must not count twice.
    run_sql(db_url, lambda c: upsert_jobs(c, [ad("c")], run_id="r2"))

    result = run_sql(db_url, lambda c: touch_ads(c, [ids["a"], ids["b"], ids["c"]],
                                                  run_id="r2", now=T2))
    assert (result.touched, result.reactivated) == (2, 1)
    again = run_sql(db_url, lambda c: touch_ads(c, [ids["a"]], run_id="r2", now=T2))
    assert (again.touched, again.reactivated) == (0, 0)
    assert state(db_url) == {
        "a": (2, "r2", None, None),
        "b": (2, "r2", "gone", "HTTP 410 at ..."),
        "c": (2, "r2", None, None),
    }


def complete_crawl(connection: Any, source: str, run_id: str, **spared: Any) -> int:
    """What UnlistedExpiry does after a complete crawl whose listing is its source."""
    listing = listing_id(connection, source, source, now=T2)
    record_listed(connection, source, listing, run_id=run_id, now=T2)
    return expire_unlisted(connection, source, listing, run_id=run_id, now=T2,
                           evidence=f"not listed by {run_id}", **spared)


def test_unlisted_expiry_spares_what_the_run_saw_and_other_sources(db_url: str) -> None:
    run_sql(db_url, lambda c: upsert_jobs(
        c, [ad("a"), ad("b"), ad("z", source="jobposting:other.example")], run_id="r1"))
    run_sql(db_url, lambda c: upsert_jobs(c, [ad("a")], run_id="r2"))
    count = run_sql(db_url, lambda c: complete_crawl(c, "jobposting:x.example", "r2"))
    assert count == 1
    assert state(db_url) == {
        "a": (2, "r2", None, None),
        "b": (1, "r1", "unlisted", "not listed by r2"),
        "z": (1, "r1", None, None),
    }


def test_unlisted_expiry_spares_the_ads_whose_items_were_dropped(db_url: str) -> None:
    run_sql(db_url, lambda c: upsert_jobs(c, [ad("a"), ad("b"), ad("c"), ad("d")], run_id="r1"))
    count = run_sql(db_url, lambda c: complete_crawl(
        c, "jobposting:x.example", "r2",
        spared_webindexes={"a"}, spared_urls={"https://x.example/jobs/b"}))
    assert count == 2
    assert state(db_url) == {
        "a": (1, "r1", None, None),
        "b": (1, "r1", None, None),
        "c": (1, "r1", "unlisted", "not listed by r2"),
        "d": (1, "r1", "unlisted", "not listed by r2"),
    }


def test_recently_fetched_lists_ads_and_remembered_pages(db_url: str) -> None:
    run_sql(db_url, lambda c: upsert_jobs(c, [ad("a"), ad("b")], run_id="r1"))
    source = "jobposting:x.example"
    run_sql(db_url, lambda c: remember_pages(c, {
        (source, "https://x.example/featured/a"): "https://x.example/jobs/a",
        (source, "https://x.example/about"): None,
        (source, "https://x.example/featured/gone"): "https://x.example/jobs/never-stored",
    }, now=T2))
    ids = run_sql(db_url, lambda c: dict(c.execute(select(Job.url, Job.id)).all()))

    def listed(since: datetime) -> list[tuple[int, str]]:
        return sorted(run_sql(db_url, lambda c: list(recently_fetched(c, source, since))))

    assert listed(T1) == sorted([
        (ids["https://x.example/jobs/a"], "https://x.example/jobs/a"),
        (ids["https://x.example/jobs/b"], "https://x.example/jobs/b"),
        (ids["https://x.example/jobs/a"], "https://x.example/featured/a"),
        (0, "https://x.example/about"),
    ])
    # Only the pages were fetched after T1.
    assert listed(T1 + timedelta(hours=1)) == sorted([
        (ids["https://x.example/jobs/a"], "https://x.example/featured/a"),
        (0, "https://x.example/about")])


def failure_of(exc: Exception) -> Any:
    from twisted.python.failure import Failure

    try:
        raise exc
    except Exception:
        return Failure()


def jobposting_spider(**kwargs: str) -> Any:
    from jobcrawl.spiders.jobposting import JobPostingSpider

    crawler = jobcrawl_crawler(JobPostingSpider)
    return JobPostingSpider.from_crawler(crawler, url="https://x.example/jobs", **kwargs)


def test_a_failed_ad_download_makes_the_listing_incomplete_but_robots_does_not() -> None:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Request, Response
    from scrapy.spidermiddlewares.httperror import HttpError

    spider = jobposting_spider()
    assert spider.listing_complete() is True
    with pytest.raises(IgnoreRequest):  # re-raised, so Scrapy logs it as usual
        spider._ad_failed(failure_of(IgnoreRequest("Forbidden by robots.txt")))
    assert spider.listing_complete() is True
    response = Response("https://x.example/jobs/1", status=500,
                        request=Request("https://x.example/jobs/1"))
    with pytest.raises(HttpError):
        spider._ad_failed(failure_of(HttpError(response, "500")))
    assert spider.listing_complete() is False
    assert spider.crawler.stats.get_value("jobcrawl/jobposting/failed_ad_pages") == 1


def test_a_failed_listing_page_or_a_max_pages_cut_makes_the_listing_incomplete() -> None:
    spider = jobposting_spider()
    with pytest.raises(TimeoutError):
        spider._listing_failed(failure_of(TimeoutError("took too long")))
    assert spider.listing_complete() is False
    limited = jobposting_spider(max_pages="1")
    assert limited._listing_request("https://x.example/jobs", 0) is not None
    assert limited.listing_complete() is True  # nothing cut yet
    assert limited._listing_request("https://x.example/jobs?page=2", 0) is None
    assert limited.listing_complete() is False


def site_spider(**kwargs: str) -> Any:
    from jobcrawl.spiders.site import SiteSpider

    crawler = jobcrawl_crawler(SiteSpider)
    return SiteSpider.from_crawler(crawler, profile=str(ROOT / "profiles" / "demo-html.yaml"),
                                   **kwargs)


@pytest.mark.parametrize("trouble", ["request_failed/listing", "request_failed/ad",
                                     "listing_without_links", "not_html"])
def test_a_site_crawl_with_any_trouble_is_not_complete(trouble: str) -> None:
    spider = site_spider()
    assert spider.listing_complete() is True
    spider.crawler.stats.inc_value(f"jobcrawl/site/{trouble}")
    assert spider.listing_complete() is False


def test_a_max_pages_cut_makes_a_site_listing_incomplete() -> None:
    limited = site_spider(max_pages="1")
    assert limited._listing_request("https://x.example/jobs") is not None
    assert limited.listing_complete() is True
    assert limited._listing_request("https://x.example/jobs?page=2") is None
    assert limited.listing_complete() is False
