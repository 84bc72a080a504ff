"""Whole items: saved pages -> extract_postings -> to_item -> normalize_item == <case>.json."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from jobcrawl.extract.ids import webindex_from_url
from jobcrawl.extract.jobposting import source_for, to_item
from jobcrawl.extract.jsonld import extract_postings
from jobcrawl.extract.normalize import employment_terms, normalize_item
from jobcrawl.items import JOB_FIELDS, JobItem

PAGES = Path(__file__).parent / "fixtures" / "pages"
SCRAPED_AT = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
CASES = sorted(path.stem for path in PAGES.glob("*.html"))


def _response(url: str, body: bytes | str) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, encoding="utf-8")


def _as_json(item: JobItem) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in dataclasses.asdict(item).items()
    }


def _items_from_page(case: str, url: str) -> tuple[list[str], list[dict[str, Any]], list[Any]]:
    response = _response(url, (PAGES / f"{case}.html").read_bytes())
    found = extract_postings(response)
    items, events = [], []
    for posting in found.postings:
        item = to_item(posting, response, source=source_for(response.url), scraped_at=SCRAPED_AT)
        events.append(normalize_item(item))
        items.append(_as_json(item))
    return found.errors, items, events


def test_there_are_enough_saved_pages() -> None:
    assert len(CASES) >= 8
    assert all((PAGES / f"{case}.json").exists() for case in CASES)


@pytest.mark.parametrize("case", CASES)
def test_saved_page_gives_expected_items(case: str) -> None:
    expected = json.loads((PAGES / f"{case}.json").read_text(encoding="utf-8"))
    errors, items, events = _items_from_page(case, expected["page_url"])
    for item in expected["items"]:
        assert tuple(item) == JOB_FIELDS  # every field, in order
    assert items == expected["items"]
    assert events == expected["events"]
    assert errors == expected["errors"]


def test_url_derived_webindex_in_fixture_matches_the_hash() -> None:
    expected = json.loads((PAGES / "text_closing_date.json").read_text(encoding="utf-8"))
    item = expected["items"][0]
    assert item["webindex"] == webindex_from_url(item["url"])


def test_oddly_typed_fields_never_raise() -> None:
    posting = {
        "@type": "JobPosting",
        "title": ["  Odd ", "Second"],
        "description": {"text": "not a string"},
        "identifier": {"name": "no value"},
        "hiringOrganization": ["", {"legalName": "Legal Name Ltd"}],
        "jobLocation": [7, {"address": {"addressLocality": ["Leeds"], "addressCountry": 3}}, None],
        "occupationalCategory": {"codeValue": "2231"},
        "employmentType": 12,
        "baseSalary": {"value": {"minValue": True}},
        "datePosted": 20240105,
        "validThrough": 20240301,
        "url": {"not": "a url"},
    }
    response = _response("https://odd.example/jobs/1", "<html></html>")
    item = to_item(posting, response, source="jobposting:odd.example", scraped_at=SCRAPED_AT)
    assert item == JobItem(
        webindex=webindex_from_url("https://odd.example/jobs/1"),
        source="jobposting:odd.example",
        url="https://odd.example/jobs/1",
        title="Odd",
        company="Legal Name Ltd",
        location="7; Leeds, 3",
        category="2231",
        description="",
        date_posted=date(2024, 1, 5),
        closing_date_raw="20240301",
        closing_date_source="structured",
        scraped_at=SCRAPED_AT,
    )


def test_empty_posting_gives_an_item_with_blanks() -> None:
    response = _response("https://empty.example/a?utm_source=x", "<html></html>")
    item = to_item({}, response, source="jobposting:empty.example", scraped_at=SCRAPED_AT)
    assert item == JobItem(
        webindex=webindex_from_url("https://empty.example/a"),
        source="jobposting:empty.example",
        url="https://empty.example/a",
        scraped_at=SCRAPED_AT,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Careers.Example.com:8443/jobs/1", "jobposting:careers.example.com"),
        ("http://jobs.example.org/", "jobposting:jobs.example.org"),
    ],
)
def test_source_for(url: str, expected: str) -> None:
    assert source_for(url) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FULL_TIME", (None, "full_time")),
        ("PART_TIME", (None, "part_time")),
        ("CONTRACTOR", ("contract", None)),
        ("TEMPORARY", ("temporary", None)),
        ("INTERN", ("internship", None)),
        ("PER_DIEM", ("temporary", None)),
        ("VOLUNTEER", ("volunteer", None)),
        ("OTHER", (None, None)),
        ("Full-time", (None, "full_time")),
        ("full time", (None, "full_time")),
        ("Permanent, Full Time", ("permanent", "full_time")),
        ("Permanent full-time", ("permanent", "full_time")),
        ("part time or full time", (None, "part_time")),
        (["PART_TIME", "CONTRACTOR", "FULL_TIME"], ("contract", "part_time")),
        ("Fixed term", ("contract", None)),
        ("Temp", ("temporary", None)),
        ("Apprenticeship", ("apprenticeship", None)),
        (None, (None, None)),
        (42, (None, None)),
    ],
)
def test_employment_terms(value: Any, expected: tuple[str | None, str | None]) -> None:
    assert employment_terms(value) == expected


def test_normalize_item_board_fields() -> None:
    item = JobItem(
        webindex=" 81 ",
        source="reed",
        url=" https://reed.example/jobs/81 ",
        title="  Night\tNurse ",
        company="  ",
        location=" Leeds,\n West Yorkshire ",
        contract_type="Full-time",
        contract_time="Permanent",
        description="<p>Care for   patients.</p><ul><li>Nights</li></ul>",
        salary_raw=" £30k - £35k  per annum ",
        salary_currency="gbp",
        date_posted="2024-02-20",  # type: ignore[arg-type]
        closing_date_raw="ASAP",
        scraped_at=datetime(2024, 3, 1, 23, 30),
    )
    events = normalize_item(item)
    assert item == JobItem(
        webindex="81",
        source="reed",
        url="https://reed.example/jobs/81",
        title="Night Nurse",
        company=None,
        location="Leeds, West Yorkshire",
        contract_type="permanent",
        contract_time="full_time",
        description="Care for patients.\n\nNights",
        salary_raw="£30k - £35k per annum",
        salary_min=30000.0,
        salary_max=35000.0,
        salary_currency="GBP",
        salary_period="year",
        date_posted=date(2024, 2, 20),
        closing_date=None,
        closing_date_raw="ASAP",
        closing_date_source="structured",
        scraped_at=datetime(2024, 3, 1, 23, 30, tzinfo=UTC),
    )
    assert events == ["salary/parsed", "dates/closing/unparsed"]


def test_normalize_item_keeps_a_given_closing_date() -> None:
    item = JobItem(
        title="T",
        description="Closing date: 1 January 2030",
        closing_date=datetime(2024, 5, 1, 23, 0, tzinfo=timezone(timedelta(hours=-4))),  # type: ignore[arg-type]
        salary_min=100.0,
        salary_max=50.0,
        salary_period="Hourly",
        scraped_at=SCRAPED_AT,
    )
    events = normalize_item(item)
    assert (item.closing_date, item.closing_date_raw, item.closing_date_source) == (
        date(2024, 5, 1),
        None,
        "structured",
    )
    assert (item.salary_min, item.salary_max, item.salary_period) == (50.0, 100.0, "hour")
    assert events == ["dates/closing/structured"]


def test_normalize_item_text_closing_date_uses_posting_date_and_dayfirst() -> None:
    item = JobItem(
        title="T",
        description="Role details.\n\n\nClosing date: 03/04/2024\n",
        date_posted="not a date",  # type: ignore[arg-type]
        scraped_at=SCRAPED_AT,
    )
    events = normalize_item(item, dayfirst=False)
    assert (item.closing_date, item.closing_date_raw, item.closing_date_source) == (
        date(2024, 3, 4),
        "Closing date: 03/04/2024",
        "text",
    )
    assert item.description == "Role details.\n\nClosing date: 03/04/2024"
    assert item.date_posted is None
    assert events == ["dates/posted/unparsed", "dates/closing/text"]


def test_normalize_item_relative_date_counts_from_local_scraped_at() -> None:
    # 23:30 at UTC-05:00 is already the next day in UTC; the response's own date counts.
    received = datetime(2024, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    item = JobItem(title="T", description="Closes tomorrow.", scraped_at=received)
    events = normalize_item(item)
    assert (item.closing_date, item.closing_date_source) == (date(2024, 3, 2), "relative")
    assert item.scraped_at == datetime(2024, 3, 2, 4, 30, tzinfo=UTC)
    assert events == ["dates/closing/relative"]


def test_normalize_item_without_any_closing_date() -> None:
    item = JobItem(title="T", description="Nothing here.", scraped_at=SCRAPED_AT)
    assert normalize_item(item) == ["dates/closing/missing"]
    assert (item.closing_date, item.closing_date_raw, item.closing_date_source) == (
        None,
        None,
        None,
    )


@pytest.mark.parametrize("case", CASES)
def test_normalize_item_is_idempotent(case: str) -> None:
    page_url = json.loads((PAGES / f"{case}.json").read_text(encoding="utf-8"))["page_url"]
    response = _response(page_url, (PAGES / f"{case}.html").read_bytes())
    for posting in extract_postings(response).postings:
        item = to_item(posting, response, source="s", scraped_at=SCRAPED_AT)
        normalize_item(item)
        before = dataclasses.asdict(item)
        normalize_item(item)
        assert dataclasses.asdict(item) == before


def test_normalize_item_takes_salary_from_the_description() -> None:
    item = JobItem(
        title="T",
        description="<p>Busy cafe.</p><p>We are offering £11.50 per hour, plus tips.</p>",
        scraped_at=SCRAPED_AT,
    )
    events = normalize_item(item)
    salary = (
        item.salary_raw,
        item.salary_min,
        item.salary_max,
        item.salary_currency,
        item.salary_period,
    )
    assert salary == ("£11.50 per hour", 11.5, 11.5, "GBP", "hour")
    assert events == ["salary/parsed", "dates/closing/missing"]


@pytest.mark.parametrize(
    ("raw", "extracted", "dayfirst", "expected"),
    [
        ("03/04/2024", "03/04/2024", True, date(2024, 4, 3)),   # ambiguous: left to normalize
        ("03/04/2024", "03/04/2024", False, date(2024, 3, 4)),
        ("25/04/2024", date(2024, 4, 25), False, date(2024, 4, 25)),  # one reading only
        ("04/04/2024", date(2024, 4, 4), False, date(2024, 4, 4)),
        ("2024-03-04", date(2024, 3, 4), True, date(2024, 3, 4)),
        ("2024-03-04T09:00:00+01:00", date(2024, 3, 4), False, date(2024, 3, 4)),
    ],
)
def test_an_ambiguous_date_posted_is_read_with_the_spiders_dayfirst(
    raw: str, extracted: Any, dayfirst: bool, expected: date
) -> None:
    response = _response("https://jobs.example.com/jobs/1", "<html><body></body></html>")
    item = to_item({"title": "Clerk", "datePosted": raw}, response,
                   source="jobposting:jobs.example.com", scraped_at=SCRAPED_AT)
    assert item.date_posted == extracted
    normalize_item(item, dayfirst=dayfirst)
    assert item.date_posted == expected
