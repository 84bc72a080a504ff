"""Normalize, validate and dedupe pipelines without a crawl."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from scrapy.utils.test import get_crawler

from jobcrawl.drops import DuplicateInCrawl, MissingRequiredField
from jobcrawl.items import JobItem
from jobcrawl.pipelines.dedupe import DedupePipeline
from jobcrawl.pipelines.normalize import NormalizePipeline
from jobcrawl.pipelines.validate import ValidatePipeline

RECEIVED = datetime(2024, 1, 10, 9, 30, tzinfo=UTC)


def make_item(**overrides: object) -> JobItem:
    fields: dict[str, object] = {
        "webindex": "72119477",
        "source": "jobposting:jobs.example.com",
        "url": "https://jobs.example.com/jobs/72119477",
        "title": "IT Project Manager  Infrastructure",
        "description": "Lead projects.\n\nClosing Date: 10th February 2024",
        "scraped_at": RECEIVED,
    }
    fields.update(overrides)
    return JobItem(**fields)  # type: ignore[arg-type]


def crawler_stats(settings: dict[str, object] | None = None):
    crawler = get_crawler(settings_dict=settings or {})
    crawler.stats.open_spider()
    return crawler


def test_normalize_resolves_text_closing_date_and_counts_it() -> None:
    crawler = crawler_stats()
    item = NormalizePipeline.from_crawler(crawler).process_item(make_item())
    assert item.closing_date == date(2024, 2, 10)
    assert item.closing_date_source == "text"
    assert crawler.stats.get_value("jobcrawl/dates/closing/text") == 1


def test_normalize_counts_unparsed_closing_date_and_keeps_raw() -> None:
    crawler = crawler_stats()
    item = make_item(description="Great role.\n\nClosing date: ASAP")
    NormalizePipeline.from_crawler(crawler).process_item(item)
    assert item.closing_date is None
    assert item.closing_date_raw is not None and "ASAP" in item.closing_date_raw
    assert crawler.stats.get_value("jobcrawl/dates/closing/unparsed") == 1


def test_normalize_reads_month_first_when_setting_says_so() -> None:
    crawler = crawler_stats({"JOBCRAWL_DATES_DAYFIRST": False})
    item = make_item(closing_date_raw="03/04/2024", closing_date_source="structured")
    NormalizePipeline.from_crawler(crawler).process_item(item)
    assert item.closing_date == date(2024, 3, 4)
    assert crawler.stats.get_value("jobcrawl/dates/closing/structured") == 1


@pytest.mark.parametrize("field", ["webindex", "source", "url", "title", "description"])
def test_validate_drops_item_missing_a_required_field(field: str) -> None:
    crawler = crawler_stats()
    pipeline = ValidatePipeline.from_crawler(crawler)
    with pytest.raises(MissingRequiredField, match=field):
        pipeline.process_item(make_item(**{field: "  "}))
    assert crawler.stats.get_value(f"jobcrawl/validate/missing/{field}") == 1


def test_validate_keeps_a_complete_item() -> None:
    crawler = crawler_stats()
    item = make_item()
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
    assert crawler.stats.get_stats() == {}


def test_dedupe_drops_second_sighting_per_source_and_webindex() -> None:
    crawler = crawler_stats()
    pipeline = DedupePipeline.from_crawler(crawler)
    pipeline.process_item(make_item())
    pipeline.process_item(make_item(source="greenhouse:acme"))  # same id, other source
    with pytest.raises(DuplicateInCrawl) as excinfo:
        pipeline.process_item(make_item(url="https://jobs.example.com/featured/72119477"))
    assert excinfo.value.log_level == "INFO"
    assert crawler.stats.get_value("jobcrawl/dedupe/unique") == 2
    assert crawler.stats.get_value("jobcrawl/dedupe/duplicates") == 1


def test_validate_and_dedupe_read_dict_items_too() -> None:
    crawler = crawler_stats()
    validate, dedupe = ValidatePipeline.from_crawler(crawler), DedupePipeline.from_crawler(crawler)
    item = vars(make_item()).copy()
    assert dedupe.process_item(validate.process_item(item)) is item
    with pytest.raises(MissingRequiredField) as missing:
        validate.process_item({**item, "title": "", "description": None})
    assert str(missing.value) == (
        "missing title, description in ad from https://jobs.example.com/jobs/72119477"
    )
    with pytest.raises(DuplicateInCrawl) as duplicate:
        dedupe.process_item(dict(item))
    assert str(duplicate.value) == (
        "duplicate jobposting:jobs.example.com webindex 72119477"
        " at https://jobs.example.com/jobs/72119477"
    )
    assert crawler.stats.get_stats() == {
        "jobcrawl/dedupe/unique": 1,
        "jobcrawl/dedupe/duplicates": 1,
        "jobcrawl/validate/missing/title": 1,
        "jobcrawl/validate/missing/description": 1,
    }
