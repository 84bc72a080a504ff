"""The pure JobPosting readers: salary shapes, remote work, every location, text sections,
twice-escaped text, title fallback, time zones, RDFa detection."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from jobcrawl.extract.jobposting import location, remote, salary, to_item
from jobcrawl.extract.jsonld import decode_escapes, extract_postings
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.rdfa import may_hold_rdfa_posting
from jobcrawl.extract.salary import Salary, estimated_salary
from jobcrawl.extract.sections import description

SCRAPED_AT = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
QUANTITY = {"@type": "QuantitativeValue", "minValue": 30000, "maxValue": 35000,
            "unitText": "YEAR"}


@pytest.mark.parametrize(("posting", "expected"), [
    ({"baseSalary": {"@type": "MonetaryAmount", "currency": "USD", "value": QUANTITY}},
     Salary("USD 30000-35000 per YEAR", 30000.0, 35000.0, "USD", "year")),
    ({"baseSalary": {"@type": "MonetaryAmount", "currency": "USD",
                     "value": {"@type": "QuantitativeValue", "value": 40.0,
                               "unitText": "HOUR"}}},
     Salary("USD 40 per HOUR", 40.0, 40.0, "USD", "hour")),
    ({"baseSalary": {"@type": "MonetaryAmount", "currency": "EUR", "value": 52000}},
     Salary("EUR 52000", 52000.0, 52000.0, "EUR", None)),
    ({"baseSalary": 42000, "salaryCurrency": "GBP"},
     Salary("42000", 42000.0, 42000.0, "GBP", None)),
    ({"baseSalary": {"@type": "MonetaryAmount", "value": QUANTITY}, "salaryCurrency": "chf"},
     Salary("30000-35000 per YEAR", 30000.0, 35000.0, "CHF", "year")),
    ({"baseSalary": "£28,000 - £32,000 per annum"},
     Salary("£28,000 - £32,000 per annum", 28000.0, 32000.0, "GBP", "year")),
    ({"baseSalary": [{"@type": "MonetaryAmount"}, {"@type": "MonetaryAmount",
                                                   "currency": "GBP", "value": 25000}]},
     Salary("GBP 25000", 25000.0, 25000.0, "GBP", None)),
    ({"baseSalary": {"@type": "MonetaryAmount", "currency": "USD", "value": QUANTITY},
      "salaryCurrency": "EUR"},  # the amount's own currency wins
     Salary("USD 30000-35000 per YEAR", 30000.0, 35000.0, "USD", "year")),
    ({"salaryCurrency": "GBP"}, Salary()),  # a currency is no salary
])
def test_base_salary_in_every_shape_schema_org_allows(posting: dict[str, Any],
                                                      expected: Salary) -> None:
    assert salary(posting) == expected


def test_estimated_salary_is_only_a_flagged_fallback() -> None:
    offered = {"@type": "MonetaryAmount", "currency": "GBP", "value": 30000}
    estimate = {"@type": "MonetaryAmount", "currency": "GBP",
                "value": {"@type": "QuantitativeValue", "minValue": 28000, "maxValue": 34000}}

    assert salary({"baseSalary": offered, "estimatedSalary": estimate}).raw == "GBP 30000"
    assert salary({"estimatedSalary": estimate}) == Salary(
        "Estimated: GBP 28000-34000", 28000.0, 34000.0, "GBP", None)
    assert estimated_salary({"@type": "MonetaryAmountDistribution", "currency": "USD",
                             "duration": "P1M", "median": 3100}) == Salary(
        "Estimated: USD 3100 per month", 3100.0, 3100.0, "USD", "month")
    assert estimated_salary({"@type": "MonetaryAmountDistribution", "currency": "USD"}) == Salary()


def test_an_estimated_salary_is_counted_by_normalize() -> None:
    page = _page({"@type": "JobPosting", "title": "T", "description": "D",
                  "estimatedSalary": 31000})
    item = _item(page)

    assert "salary/estimated" in normalize_item(item)
    assert (item.salary_raw, item.salary_min) == ("Estimated: 31000", 31000.0)


@pytest.mark.parametrize(("posting", "expected"), [
    ({"jobLocationType": "TELECOMMUTE"}, True),
    ({"jobLocationType": ["telecommute"]}, True),
    ({"jobLocationType": "https://schema.org/TELECOMMUTE"}, True),
    ({"applicantLocationRequirements": {"@type": "Country", "name": "USA"}}, True),
    ({"jobLocationType": "On-site", "jobLocation": "Leeds"}, False),
    ({"jobLocation": {"@type": "Place", "address": "Leeds"}}, None),
    ({"jobLocationType": "HYBRID"}, None),  # not a schema.org value: not said
    ({}, None),
])
def test_remote_work_from_job_location_type_and_applicant_requirements(
        posting: dict[str, Any], expected: bool | None) -> None:
    assert remote(posting) is expected


def test_every_job_location_is_kept_in_order_once() -> None:
    places = [{"@type": "Place", "address": {"addressLocality": city, "addressCountry": "GB"}}
              for city in ("York", "Hull", "York", "Leeds")]

    assert location({"jobLocation": places}) == "York, GB; Hull, GB; Leeds, GB"
    assert location({"jobLocation": ["Leeds", {"name": "Head office"}]}) == "Leeds; Head office"
    assert location({"jobLocationType": "TELECOMMUTE"}) == "Remote"
    assert location({"jobLocationType": "TELECOMMUTE", "applicantLocationRequirements": [
        {"@type": "Country", "name": "United Kingdom"}, {"@type": "State", "name": "Ohio"}],
    }) == "Remote (United Kingdom; Ohio)"


def test_text_sections_follow_the_description_labelled_and_without_repeats() -> None:
    posting = {
        "description": "<p>We use Python daily.</p><p>You will own the data warehouse models "
                       "across the whole business.</p>",
        "responsibilities": "<ul><li>Own the data warehouse models across the whole "
                            "business</li><li>Mentor two juniors</li></ul>",
        "skills": ["Python", "SQL", "Python"],
        "qualifications": "We use Python daily.",  # a whole line already there
        "jobBenefits": ["Pension", "Pension"],
    }

    assert description(posting) == (
        "We use Python daily.\n\nYou will own the data warehouse models across the whole "
        "business.\n\nResponsibilities:\nMentor two juniors\n\nSkills:\nPython\nSQL\n\n"
        "Benefits:\nPension")
    assert description({"description": "<p>Only this.</p>"}) == "Only this."
    assert description({"responsibilities": "Drive the van"}) == (
        "Responsibilities:\nDrive the van")


@pytest.mark.parametrize(("text", "expected"), [
    ("Line one\\nLine two", "Line one\nLine two"),
    ("Caf\\u00e9\\tbar", "Café\tbar"),
    ("Rocket \\ud83d\\ude80 team", "Rocket 🚀 team"),
    ('Say \\"hi\\"\\n', 'Say "hi"\n'),
    ("C:\\Users\\Public", "C:\\Users\\Public"),  # no escape sequence: left as written
    ("plain text", "plain text"),
])
def test_twice_escaped_text_is_decoded(text: str, expected: str) -> None:
    assert decode_escapes(text) == expected


def test_name_is_the_title_fallback_and_a_plain_organisation_is_the_company() -> None:
    item = _item(_page({"@type": "JobPosting", "name": "Barista", "hiringOrganization":
                        "Bean There Ltd", "employmentType": ["PART_TIME", "TEMPORARY"],
                        "description": "D"}))

    assert (item.title, item.company, item.contract_type, item.contract_time) == (
        "Barista", "Bean There Ltd", "temporary", "part_time")
    titled = _item(_page({"@type": "JobPosting", "title": "Head Barista", "name": "Barista"}))
    assert titled.title == "Head Barista"


@pytest.mark.parametrize(("valid_through", "closing"), [
    ("2024-03-31", date(2024, 3, 31)),
    ("2024-03-31T23:59:59-07:00", date(2024, 3, 31)),  # 1 April in UTC
    ("2024-04-01T01:00:00+02:00", date(2024, 4, 1)),  # 31 March in UTC
    ("2024-03-31T12:00:00Z", date(2024, 3, 31)),
    ("2024-03-31T12:00:00", date(2024, 3, 31)),
])
def test_valid_through_closes_on_its_own_calendar_date(valid_through: str,
                                                       closing: date) -> None:
    item = _item(_page({"@type": "JobPosting", "title": "T", "description": "D",
                        "datePosted": "2024-02-29T23:30:00-05:00",
                        "validThrough": valid_through}))
    normalize_item(item)

    assert (item.date_posted, item.closing_date, item.closing_date_raw) == (
        date(2024, 2, 29), closing, valid_through)


def test_rdfa_is_parsed_only_when_a_typeof_names_a_job_posting() -> None:
    assert may_hold_rdfa_posting(b'<div vocab="https://schema.org/" typeof="jobposting">')
    assert may_hold_rdfa_posting(b"<div typeof='schema:jobposting'>")
    assert not may_hold_rdfa_posting(b'<meta property="og:title" content="jobposting">')
    assert not may_hold_rdfa_posting(b'<div typeof="breadcrumblist">jobposting</div>')


def test_rdfa_posting_that_repeats_a_json_ld_one_is_left_out() -> None:
    jsonld = ('<script type="application/ld+json">{"@context": "https://schema.org", '
              '"@type": "JobPosting", "title": "Curator"}</script>')
    rdfa = ('<div vocab="https://schema.org/" typeof="JobPosting"><h1 property="title">'
            'Curator</h1></div><div vocab="https://schema.org/" typeof="JobPosting">'
            '<h1 property="title">Archivist</h1></div>')
    response = HtmlResponse(url="https://m.example/j", body=f"<html><head>{jsonld}</head>"
                            f"<body>{rdfa}</body></html>".encode(), encoding="utf-8")

    titles = [posting["title"] for posting in extract_postings(response).postings]

    assert titles == ["Curator", "Archivist"]


def _page(posting: dict[str, Any]) -> HtmlResponse:
    body = f'<script type="application/ld+json">{json.dumps(posting)}</script>'
    return HtmlResponse(url="https://jobs.example/1", body=body.encode(), encoding="utf-8")


def _item(response: HtmlResponse) -> Any:
    [posting] = extract_postings(response).postings
    return to_item(posting, response, source="jobposting:jobs.example", scraped_at=SCRAPED_AT)


def test_rdfa_that_extruct_cannot_read_is_reported_not_raised(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(response: HtmlResponse) -> list[dict[str, Any]]:
        raise ValueError("bad prefix")

    monkeypatch.setattr("jobcrawl.extract.jsonld.rdfa_postings", broken)
    response = HtmlResponse(url="https://m.example/j", encoding="utf-8", body=(
        b'<div vocab="https://schema.org/" typeof="JobPosting"><h1 property="title">X</h1>'
        b'</div>'))

    found = extract_postings(response)

    assert (found.postings, found.errors) == ([], ["RDFa: ValueError: bad prefix"])
