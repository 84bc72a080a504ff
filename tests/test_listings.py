"""Listings: the expiry rule in SQL on SQLite and PostgreSQL, spiders' listing names and
their -a source= argument."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import upgrade
from jobcrawl.db.models import Job, JobListing, Listing
from jobcrawl.db.upsert import upsert_jobs
from jobcrawl.items import JobItem
from jobcrawl.recrawl.listings import expire_unlisted, listing_id, record_listed
from jobcrawl.recrawl.queries import touch_ads
from tests.utils.crawlers import jobcrawl_crawler
from tests.utils.paths import ROOT

SOURCE = "feed:x.example"
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
FEED_A, FEED_B = "feed https://x.example/a.xml", "feed https://x.example/b.xml"


@pytest.fixture
def db_url(database_url: str) -> str:
    upgrade(database_url)
    return database_url


class Store:
    """Crawls of listings of one source, straight in SQL, as the crawl's components do."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runs = 0

    def sql(self, work: Any) -> Any:
        engine = make_engine(self.url)
        try:
            with engine.begin() as connection:
                return work(connection)
        finally:
            engine.dispose()

    def crawl(self, listing: str, webindexes: list[str], *, complete: bool = True,
              spared: set[str] | None = None, source: str = SOURCE) -> int:
        """Store `webindexes` through `listing`; the ads newly expired (0 if incomplete)."""
        self.runs += 1
        run, now = f"r{self.runs}", T0 + timedelta(hours=self.runs)

        def work(connection: Any) -> int:
            items = [JobItem(webindex=w, source=source, url=f"https://x.example/{w}",
                             title=w, description="d", scraped_at=now) for w in webindexes]
            upsert_jobs(connection, items, run_id=run)
            listing = listing_id(connection, source, listing_name, now=now)
            record_listed(connection, source, listing, run_id=run, now=now)
            if not complete:
                return 0
            return expire_unlisted(connection, source, listing, run_id=run, now=now,
                                   evidence=f"by {run}", spared_webindexes=spared or ())

        listing_name = listing
        return int(self.sql(work))

    def expired(self) -> dict[str, str]:
        query = select(Job.webindex, Job.expiry_evidence).where(Job.expired_at.is_not(None))
        return dict(self.sql(lambda c: c.execute(query).all()))

    def listings(self) -> dict[str, list[str]]:
        query = (select(Job.webindex, Listing.name)
                 .join(JobListing, JobListing.job_id == Job.id)
                 .join(Listing, Listing.id == JobListing.listing_id)
                 .order_by(Job.webindex, Listing.name))
        found: dict[str, list[str]] = {}
        for webindex, name in self.sql(lambda c: c.execute(query).all()):
            found.setdefault(webindex, []).append(name)
        return found


def test_a_complete_crawl_of_one_feed_never_expires_another_feeds_ads(db_url: str) -> None:
    store = Store(db_url)
    assert store.crawl(FEED_A, ["a1", "a2"]) == 0
    assert store.crawl(FEED_B, ["b1"]) == 0
    assert store.expired() == {}
    assert store.listings() == {"a1": [FEED_A], "a2": [FEED_A], "b1": [FEED_B]}
    # The ad that truly left its only feed expires with that feed's next complete crawl.
    assert store.crawl(FEED_A, ["a1"]) == 1
    assert store.expired() == {"a2": "by r3"}


def test_an_ad_of_two_feeds_expires_only_when_both_were_read_completely_without_it(
        db_url: str) -> None:
    store = Store(db_url)
    store.crawl(FEED_A, ["x", "a"])
    store.crawl(FEED_B, ["x", "b"])
    assert store.crawl(FEED_A, ["a"]) == 0  # B still lists x
    assert store.crawl(FEED_B, ["b"], complete=False) == 0  # not read completely
    assert store.crawl(FEED_A, ["a"]) == 0
    assert store.expired() == {}
    assert store.crawl(FEED_B, ["b"]) == 1
    assert store.expired() == {"x": "by r6"}
    # Listed again by one of them: live again, by that listing.
    run_sql = store.sql
    ids = run_sql(lambda c: dict(c.execute(select(Job.webindex, Job.id)).all()))
    revived = run_sql(lambda c: touch_ads(c, [ids["x"]], run_id="r7", now=T0 + timedelta(7)))
    assert (revived.touched, revived.reactivated) == (1, 1)
    assert store.expired() == {}


def test_an_incomplete_crawl_that_listed_an_ad_keeps_it_until_that_listing_is_read_whole(
        db_url: str) -> None:
    store = Store(db_url)
    store.crawl(FEED_A, ["x"])
    store.crawl(FEED_B, ["x"], complete=False)
    assert store.crawl(FEED_A, []) == 0
    assert store.listings() == {"x": [FEED_A, FEED_B]}
    assert store.crawl(FEED_B, []) == 1


def test_a_spared_ad_counts_as_listed_by_the_crawl_that_dropped_its_item(db_url: str) -> None:
    store = Store(db_url)
    store.crawl(FEED_A, ["s"])
    store.crawl(FEED_B, ["s"])
    # A lists s, but its item is dropped (validation): spared, and still listed by A.
    assert store.crawl(FEED_A, [], spared={"s"}) == 0
    assert store.crawl(FEED_B, []) == 0
    assert store.expired() == {}
    assert store.crawl(FEED_A, []) == 1


def test_ads_without_listing_rows_expire_once_every_listing_is_complete_after_them(
        db_url: str) -> None:
    store = Store(db_url)
    old = [JobItem(webindex=w, source=SOURCE, url=f"https://x.example/{w}", title=w,
                   description="d", scraped_at=T0) for w in ("old1", "old2")]
    store.sql(lambda c: upsert_jobs(c, old, run_id="before"))  # stored before 0005
    assert store.crawl(FEED_B, ["old2"], complete=False) == 0  # B: never read whole yet
    assert store.crawl(FEED_A, ["a"]) == 0
    assert store.expired() == {}
    # B read completely: old1 was listed by neither (taken as listed by both), expires.
    assert store.crawl(FEED_B, ["b"]) == 2
    assert store.expired() == {"old1": "by r3", "old2": "by r3"}


def test_sources_are_kept_apart(db_url: str) -> None:
    store = Store(db_url)
    store.crawl(FEED_A, ["a"], source="feed:other.example")
    assert store.crawl(FEED_A, []) == 0
    assert store.expired() == {}


# --- spiders: listing names and the source argument ----------------------------

def spider(cls_path: str, **kwargs: str) -> Any:
    module, name = cls_path.rsplit(".", 1)
    cls = getattr(__import__(module, fromlist=[name]), name)
    keys = {"JOBCRAWL_ADZUNA_APP_ID": "id", "JOBCRAWL_ADZUNA_APP_KEY": "key",
            "JOBCRAWL_REED_API_KEY": "key"}
    return cls.from_crawler(jobcrawl_crawler(cls, keys), **kwargs)


@pytest.mark.parametrize(("path", "kwargs", "source", "listing"), [
    ("jobcrawl.spiders.greenhouse.GreenhouseSpider", {"board": "acme"},
     "greenhouse:acme", "greenhouse:acme"),
    ("jobcrawl.spiders.greenhouse.GreenhouseSpider", {"board": "acme", "source": "corpus"},
     "corpus", "greenhouse:acme"),
    ("jobcrawl.spiders.lever.LeverSpider", {"company": "acme", "source": "corpus"},
     "corpus", "lever:acme"),
    ("jobcrawl.spiders.reed.ReedSpider", {"keywords": "nurse", "location": "Leeds"},
     "reed", "reed keywords=nurse location=Leeds"),
    ("jobcrawl.spiders.adzuna.AdzunaSpider", {"country": "gb"}, "adzuna:gb", "adzuna:gb"),
    ("jobcrawl.spiders.adzuna.AdzunaSpider", {"country": "gb", "what": "python"},
     "adzuna:gb", "adzuna:gb what=python"),
    ("jobcrawl.spiders.feed.FeedSpider",
     {"url": "https://x.example/b.xml,https://x.example/a.xml", "source": "council"},
     "council", "feed https://x.example/a.xml https://x.example/b.xml"),
    ("jobcrawl.spiders.feed.FeedSpider", {"url": "https://x.example/a.xml"},
     None, "feed https://x.example/a.xml"),
    ("jobcrawl.spiders.jobposting.JobPostingSpider",
     {"url": "https://x.example/jobs", "allow": "/it/", "depth": "2"},
     None, "jobposting https://x.example/jobs allow=/it/ depth=2"),
    ("jobcrawl.spiders.jobposting.JobPostingSpider",
     {"url": "https://x.example/jobs/it", "source": "jobposting:x.example"},
     "jobposting:x.example", "jobposting https://x.example/jobs/it"),
    ("jobcrawl.spiders.site.SiteSpider",
     {"profile": str(ROOT / "profiles" / "demo-html.yaml"), "source": "demo"},
     "demo", "site http://127.0.0.1:8765/html/jobs"),
])
def test_spiders_name_their_source_and_listing(path: str, kwargs: dict[str, str],
                                               source: str | None, listing: str) -> None:
    built = spider(path, **kwargs)
    assert (built.source, built.listing) == (source, listing)


def test_the_given_source_is_what_the_spiders_report_and_store() -> None:
    jobposting = spider("jobcrawl.spiders.jobposting.JobPostingSpider",
                        url="https://x.example/jobs", source="mine")
    assert jobposting.source_for("https://y.example/jobs/1") == "mine"
    request = jobposting._ad_request("https://y.example/jobs/1")
    assert request.meta["jobcrawl_ad_source"] == "mine"
    default = spider("jobcrawl.spiders.jobposting.JobPostingSpider",
                     url="https://x.example/jobs")
    assert default.source_for("https://y.example/jobs/1") == "jobposting:y.example"
    site = spider("jobcrawl.spiders.site.SiteSpider",
                  profile=str(ROOT / "profiles" / "demo-html.yaml"), source="mine")
    assert site._request("https://x.example/1", "ad", site.parse_ad).meta[
        "jobcrawl_ad_source"] == "mine"


@pytest.mark.parametrize(("raw", "message"), [
    ("a b", "argument source must not contain whitespace or control characters, got 'a b'"),
    ("a\tb", "argument source must not contain whitespace or control characters"),
    ("a\x00b", "argument source must not contain whitespace or control characters"),
    ("x" * 256, "argument source must be at most 255 characters, got 256"),
])
@pytest.mark.parametrize("path", [
    "jobcrawl.spiders.greenhouse.GreenhouseSpider", "jobcrawl.spiders.feed.FeedSpider",
    "jobcrawl.spiders.jobposting.JobPostingSpider", "jobcrawl.spiders.site.SiteSpider"])
def test_a_bad_source_fails_at_start_up_naming_the_argument(path: str, raw: str,
                                                            message: str) -> None:
    required = {"board": "acme", "url": "https://x.example/jobs",
                "profile": str(ROOT / "profiles" / "demo-html.yaml")}
    with pytest.raises(ValueError) as error:
        spider(path, **required, source=raw)
    assert str(error.value).startswith(message)


def test_a_blank_source_is_not_given() -> None:
    built = spider("jobcrawl.spiders.greenhouse.GreenhouseSpider", board="acme", source="  ")
    assert built.source == "greenhouse:acme"
    assert spider("jobcrawl.spiders.greenhouse.GreenhouseSpider", board="acme",
                  source="x" * 255).source == "x" * 255


def test_an_ad_of_a_forgotten_listing_expires_as_one_without_listing_rows(db_url: str) -> None:
    from sqlalchemy import delete

    store = Store(db_url)
    store.crawl("feed https://x.example/old.xml", ["moved", "left"])
    store.crawl(FEED_A, ["moved"])  # the feed moved; "left" is in neither any more
    assert store.crawl(FEED_A, ["moved"]) == 0  # the old listing still holds it
    store.sql(lambda c: c.execute(delete(Listing).where(
        Listing.name == "feed https://x.example/old.xml")))
    assert store.listings() == {"moved": [FEED_A]}
    assert store.crawl(FEED_A, ["moved"]) == 1
    assert store.expired() == {"left": "by r4"}
