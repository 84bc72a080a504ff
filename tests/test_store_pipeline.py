"""StorePipeline without a crawl (get_crawler + from_crawler) and in a real `scrapy runspider`."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from jobcrawl.db.config import DatabaseConfig
from jobcrawl.db.engine import make_engine
from jobcrawl.db.migrate import SCHEMA_HEAD, database_revision, upgrade
from jobcrawl.db.models import Base, Job
from jobcrawl.items import JobItem
from jobcrawl.pipelines.store import StoreConfig, StorePipeline
from tests.utils.crawlers import CORE_EXTENSIONS, jobcrawl_crawler
from tests.utils.scrapy import run_scrapy

T1 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "s3cret-pw"


@pytest.fixture
def db_url(database_url: str) -> str:
    if database_url.startswith("postgresql"):
        upgrade(database_url)  # PostgreSQL is never migrated by the pipeline
    return database_url


def ad(webindex: str, **fields: Any) -> JobItem:
    values = {"source": "lever:acme", "url": f"https://jobs.example.com/{webindex}",
              "title": f"Role {webindex}", "description": "Do things.", **fields}
    return JobItem(webindex=webindex, scraped_at=T1, **values)


# Removed when the tests end; each pipeline gets a folder of its own inside.
DEADLETTERS = tempfile.TemporaryDirectory(prefix="jobcrawl-deadletter-")


def make_pipeline(url: str, batch_size: int = 2) -> tuple[Crawler, StorePipeline]:
    crawler = jobcrawl_crawler(settings={
        "JOBCRAWL_DATABASE_URL": url, "JOBCRAWL_STORE_BATCH_SIZE": batch_size,
        "JOBCRAWL_DEADLETTER_DIR": tempfile.mkdtemp(dir=DEADLETTERS.name),
        # Items not stored are listed there (beside the test's database, never in ./missed).
        "JOBCRAWL_MISSED_DIR": str(missed_dir(url)),
    })
    return crawler, StorePipeline.from_crawler(crawler)


def missed_dir(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///")).parent / "missed"


def missed_lines(url: str) -> list[tuple[str, str, str]]:
    """(url, kind, reason) of each line of the test's one missed file."""
    [path] = missed_dir(url).iterdir()
    return [(line["url"], line["kind"], line["reason"])
            for line in map(json.loads, path.read_text().splitlines())]


async def feed(pipeline: StorePipeline, items: Iterable[Any]) -> list[Any]:
    """What Scrapy does: open, process items (concurrently), close."""
    pipeline.open_spider()
    passed = await asyncio.gather(*(pipeline.process_item(item) for item in items))
    await pipeline.close_spider()
    return list(passed)


def store_stats(crawler: Crawler) -> dict[str, Any]:
    stats = crawler.stats.get_stats()
    return {k: v for k, v in stats.items() if k.startswith(("jobcrawl/store/", "jobcrawl/failed/"))}


def stored(url: str) -> dict[str, tuple[str, int, str | None]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = select(Job.webindex, Job.title, Job.seen_count, Job.last_run)
            return {w: (t, n, r) for w, t, n, r in connection.execute(query)}
    finally:
        engine.dispose()


def counters(new: int = 0, updated: int = 0, unchanged: int = 0, touched: int = 0,
             batches: int = 0, failed_batches: int = 0, failed_items: int = 0,
             deadletter_items: int = 0) -> dict[str, int]:
    values = locals()
    return {f"jobcrawl/store/{name}": value for name, value in values.items()}


def test_items_are_stored_in_batches_and_counted(db_url: str) -> None:
    crawler, pipeline = make_pipeline(db_url, batch_size=2)
    items = [ad(str(i)) for i in range(5)]
    assert asyncio.run(feed(pipeline, items)) == items
    assert store_stats(crawler) == {
        "jobcrawl/store/run_id": pipeline.run_id, **counters(new=5, batches=3),
    }
    assert stored(db_url) == {str(i): (f"Role {i}", 1, pipeline.run_id) for i in range(5)}

    crawler, second = make_pipeline(db_url, batch_size=2)
    items[3] = ad("3", title="Lead 3")
    asyncio.run(feed(second, items))
    assert store_stats(crawler) == {
        "jobcrawl/store/run_id": second.run_id, **counters(updated=1, unchanged=4, batches=3),
    }
    assert stored(db_url)["3"] == ("Lead 3", 2, second.run_id)
    assert second.run_id != pipeline.run_id


def test_a_full_batch_is_written_before_the_spider_closes(sqlite_url: str) -> None:
    crawler, pipeline = make_pipeline(sqlite_url, batch_size=2)

    async def three_items() -> dict[str, Any]:
        pipeline.open_spider()
        for item in (ad("1"), ad("2"), ad("3")):
            await pipeline.process_item(item)
        written = stored(sqlite_url)
        await pipeline.close_spider()
        return written

    assert sorted(asyncio.run(three_items())) == ["1", "2"]
    assert sorted(stored(sqlite_url)) == ["1", "2", "3"]
    assert crawler.stats.get_value("jobcrawl/store/batches") == 2


def test_a_failed_batch_is_counted_marks_the_crawl_and_later_batches_still_try(
    sqlite_url: str, caplog: pytest.LogCaptureFixture,
) -> None:
    crawler, pipeline = make_pipeline(sqlite_url, batch_size=2)
    engine = make_engine(sqlite_url)

    async def crawl() -> None:
        pipeline.open_spider()
        for item in (ad("1"), ad("2")):
            await pipeline.process_item(item)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE jobs"))
        for item in (ad("3"), ad("4")):
            await pipeline.process_item(item)
        Base.metadata.create_all(engine)
        await pipeline.process_item(ad("5"))
        await pipeline.close_spider()

    with caplog.at_level(logging.ERROR, logger="jobcrawl.pipelines.store"):
        asyncio.run(crawl())
    engine.dispose()
    assert store_stats(crawler) == {
        "jobcrawl/store/run_id": pipeline.run_id,
        **counters(new=3, batches=2, failed_batches=1, failed_items=2, deadletter_items=2),
        "jobcrawl/store/deadletter_file": str(pipeline.deadletter.path),
        "jobcrawl/failed/store": "a batch write failed: OperationalError",
    }
    assert sorted(stored(sqlite_url)) == ["5"]
    kept = [json.loads(line) for line in pipeline.deadletter.path.read_text().splitlines()]
    assert [(row["webindex"], row["run_id"]) for row in kept] == [
        ("3", pipeline.run_id), ("4", pipeline.run_id)]
    # The lost items are missed too: the run would be failed (and incomplete).
    assert crawler.stats.get_value("jobcrawl/missed/item") == 2
    assert sorted(missed_lines(sqlite_url)) == [
        (f"https://jobs.example.com/{n}", "item", "not stored: OperationalError") for n in "34"]
    record, where = caplog.records
    assert where.getMessage().startswith(
        f"rows that could not be stored go to {pipeline.deadletter.path}")
    assert record.getMessage().startswith(
        f"Could not store a batch of 2 items in {sqlite_url}: (sqlite3.OperationalError) "
        "no such table: jobs"
    )


def test_an_unconvertible_item_fails_alone(sqlite_url: str) -> None:
    crawler, pipeline = make_pipeline(sqlite_url, batch_size=2)
    bad = ad("2", closing_date="next Friday")
    asyncio.run(feed(pipeline, [ad("1"), bad, ad("3")]))
    assert store_stats(crawler) == {
        "jobcrawl/store/run_id": pipeline.run_id,
        **counters(new=2, batches=1, failed_items=1),
        "jobcrawl/failed/store": "an item could not be stored: ValueError",
    }
    assert sorted(stored(sqlite_url)) == ["1", "3"]
    assert crawler.stats.get_value("jobcrawl/missed/item") == 1
    [(url, kind, reason)] = missed_lines(sqlite_url)
    assert (url, kind, reason.split(":")[0]) == ("https://jobs.example.com/2", "item",
                                                 "not stored")


@pytest.mark.parametrize("value", [0, -1, "abc", 2.5, True, ""])
def test_bad_batch_size_names_the_setting(value: object, sqlite_url: str) -> None:
    crawler = jobcrawl_crawler(settings={
        "JOBCRAWL_DATABASE_URL": sqlite_url, "JOBCRAWL_STORE_BATCH_SIZE": value,
    })
    with pytest.raises(ValueError, match=r"^JOBCRAWL_STORE_BATCH_SIZE must be an integer >= 1"):
        StoreConfig.from_settings(crawler.settings)


@pytest.mark.parametrize(("url", "message"), [
    ("", "JOBCRAWL_DATABASE_URL is empty"),
    ("not a url", "JOBCRAWL_DATABASE_URL is not a database URL: <unparsable database URL>"),
])
def test_bad_database_url_names_the_setting(url: str, message: str) -> None:
    crawler = get_crawler(settings_dict={"JOBCRAWL_DATABASE_URL": url})
    with pytest.raises(ValueError, match=f"^{message}"):
        DatabaseConfig.from_settings(crawler.settings)
    # A crawl with that setting stops at start-up, before anything is fetched.
    with pytest.raises(ValueError, match=f"^{message}"):
        get_crawler(settings_dict={"JOBCRAWL_DATABASE_URL": url, "EXTENSIONS": CORE_EXTENSIONS})


def test_config_reads_settings_and_hides_the_password() -> None:
    url = f"postgresql+psycopg://jobs:{PASSWORD}@db.example.com/jobs"
    crawler = get_crawler(settings_dict={
        "JOBCRAWL_DATABASE_URL": url, "JOBCRAWL_STORE_BATCH_SIZE": "250",
    })
    config = DatabaseConfig.from_settings(crawler.settings)
    assert (config.url, StoreConfig.from_settings(crawler.settings)) == (
        url, StoreConfig(batch_size=250))
    assert PASSWORD not in repr(config)
    assert config.redacted_url == "postgresql+psycopg://jobs:***@db.example.com/jobs"


def test_fresh_sqlite_path_gets_its_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'jobs.db'}"
    _, pipeline = make_pipeline(url)
    asyncio.run(feed(pipeline, [ad("1")]))
    assert (database_revision(url), list(stored(url))) == (SCHEMA_HEAD, ["1"])


def test_postgres_behind_head_fails_at_start_up(postgres_url: str) -> None:
    with pytest.raises(RuntimeError) as raised:
        make_pipeline(postgres_url)
    redacted = make_url(postgres_url).render_as_string(hide_password=True)
    assert str(raised.value) == (
        f"JOBCRAWL_DATABASE_URL={redacted}: {redacted} is at revision none (empty database) "
        f"but jobcrawl needs {SCHEMA_HEAD}: run `scrapy db upgrade`"
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_database_fails_at_start_up_without_the_password() -> None:
    url = f"postgresql+psycopg://jobs:{PASSWORD}@127.0.0.1:{closed_port()}/jobs"
    with pytest.raises(RuntimeError) as raised:
        make_pipeline(url)
    message = str(raised.value)
    assert message.startswith(
        "JOBCRAWL_DATABASE_URL=postgresql+psycopg://jobs:***@127.0.0.1:"
    )
    assert "cannot use the database" in message
    assert PASSWORD not in message


SPIDER = '''
import scrapy
from datetime import datetime, timezone
from jobcrawl.items import JobItem


class ItemsSpider(scrapy.Spider):
    name = "items"

    async def start(self):
        for i in range(5):
            yield JobItem(webindex=str(i), source="test:items", url=f"https://x.test/{i}",
                          title=f"Role {i}", description="Do things.",
                          scraped_at=datetime(2024, 3, 1, tzinfo=timezone.utc))
'''


def run_items_spider(tmp_path: Path, url: str) -> Any:
    spider = tmp_path / "items_spider.py"
    spider.write_text(SPIDER)
    settings = {
        "JOBCRAWL_DATABASE_URL": url,
        "JOBCRAWL_STORE_BATCH_SIZE": "2",
        "ITEM_PIPELINES": json.dumps({"jobcrawl.pipelines.store.StorePipeline": 400}),
    }
    args = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    return run_scrapy("runspider", str(spider), *args)


def test_runspider_stores_items_through_the_reactor(tmp_path: Path, sqlite_url: str) -> None:
    result = run_items_spider(tmp_path, sqlite_url)
    assert result.returncode == 0, result.stderr
    assert sorted(stored(sqlite_url)) == ["0", "1", "2", "3", "4"]
    assert "'jobcrawl/store/new': 5" in result.stderr
    assert "'jobcrawl/store/batches': 3" in result.stderr


def test_runspider_exits_non_zero_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://jobs:{PASSWORD}@127.0.0.1:{closed_port()}/jobs"
    result = run_items_spider(tmp_path, url)
    assert result.returncode == 1
    assert "JOBCRAWL_DATABASE_URL=postgresql+psycopg://jobs:***@127.0.0.1:" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
