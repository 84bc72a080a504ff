"""Salaries from free text and from schema.org baseSalary."""

from __future__ import annotations

from typing import Any

import pytest

from jobcrawl.extract.salary import (
    Salary,
    currency_code,
    find_salary_in_text,
    normalize_period,
    parse_salary_text,
    salary_from_jsonld,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "£30,000 - £35,000 per annum",
            Salary("£30,000 - £35,000 per annum", 30000.0, 35000.0, "GBP", "year"),
        ),
        ("£25k-£30k", Salary("£25k-£30k", 25000.0, 30000.0, "GBP", None)),
        ("£25-30k", Salary("£25-30k", 25000.0, 30000.0, "GBP", None)),
        ("$45 per hour", Salary("$45 per hour", 45.0, 45.0, "USD", "hour")),
        ("€3.500 pro Monat", Salary("€3.500 pro Monat", 3500.0, 3500.0, "EUR", "month")),
        ("Competitive", Salary("Competitive", None, None, None, None)),
        ("Up to £40,000 p.a.", Salary("Up to £40,000 p.a.", None, 40000.0, "GBP", "year")),
        ("From £30,000", Salary("From £30,000", 30000.0, None, "GBP", None)),
        ("£30,000+ benefits", Salary("£30,000+ benefits", 30000.0, None, "GBP", None)),
        ("£12.50 ph", Salary("£12.50 ph", 12.5, 12.5, "GBP", "hour")),
        (
            "£100 a day, 5 days a week",
            Salary("£100 a day, 5 days a week", 100.0, 100.0, "GBP", "day"),
        ),
        (
            "between $50,000 and $60,000 a year",
            Salary("between $50,000 and $60,000 a year", 50000.0, 60000.0, "USD", "year"),
        ),
        ("US$90k", Salary("US$90k", 90000.0, 90000.0, "USD", None)),
        ("A$95,000 pa", Salary("A$95,000 pa", 95000.0, 95000.0, "AUD", "year")),
        ("$70,000 CAD", Salary("$70,000 CAD", 70000.0, 70000.0, "CAD", None)),
        (
            "£28,000 - £32,000 pa + 25 days holiday",
            Salary("£28,000 - £32,000 pa + 25 days holiday", 28000.0, 32000.0, "GBP", "year"),
        ),
        ("Salary: 25 days holiday", Salary("Salary: 25 days holiday", None, None, None, None)),
        ("45000", Salary("45000", 45000.0, 45000.0, None, None)),
        ("  £500   per week ", Salary("£500 per week", 500.0, 500.0, "GBP", "week")),
        ("£2,000 pcm", Salary("£2,000 pcm", 2000.0, 2000.0, "GBP", "month")),
        ("", Salary()),
        (None, Salary()),
    ],
)
def test_parse_salary_text(text: str | None, expected: Salary) -> None:
    assert parse_salary_text(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            {
                "@type": "MonetaryAmount",
                "currency": "GBP",
                "value": {
                    "@type": "QuantitativeValue",
                    "minValue": 30000,
                    "maxValue": 35000,
                    "unitText": "YEAR",
                },
            },
            Salary("GBP 30000-35000 per YEAR", 30000.0, 35000.0, "GBP", "year"),
        ),
        (
            {"currency": "usd", "value": {"value": "45", "unitText": "HOUR"}},
            Salary("USD 45 per HOUR", 45.0, 45.0, "USD", "hour"),
        ),
        (
            {"value": {"value": "2500.50", "currency": "EUR", "unitText": "MONTH"}},
            Salary("EUR 2500.5 per MONTH", 2500.5, 2500.5, "EUR", "month"),
        ),
        (
            {"currency": "GBP", "value": 28000, "unitText": "YEAR"},
            Salary("GBP 28000 per YEAR", 28000.0, 28000.0, "GBP", "year"),
        ),
        (
            {"currency": "GBP", "value": {"maxValue": "24,000", "unitText": "YEAR"}},
            Salary("GBP up to 24000 per YEAR", None, 24000.0, "GBP", "year"),
        ),
        (
            {"currency": "GBP", "value": {"minValue": 35000, "maxValue": 30000}},
            Salary("GBP 30000-35000", 30000.0, 35000.0, "GBP", None),
        ),
        (
            {"currency": "GBP", "value": "£30k-£35k", "unitText": "YEAR"},
            Salary("£30k-£35k", 30000.0, 35000.0, "GBP", "year"),
        ),
        (
            "£30,000 - £35,000 per annum",
            Salary("£30,000 - £35,000 per annum", 30000.0, 35000.0, "GBP", "year"),
        ),
        (42000, Salary("42000", 42000.0, 42000.0, None, None)),
        (12.75, Salary("12.75", 12.75, 12.75, None, None)),
        ([None, "Competitive"], Salary("Competitive", None, None, None, None)),
        ({"currency": "GBP", "value": {"minValue": "n/a"}}, Salary(None, None, None, "GBP", None)),
        (None, Salary()),
        (True, Salary()),
        ([], Salary()),
        (float("nan"), Salary()),
    ],
)
def test_salary_from_jsonld(value: Any, expected: Salary) -> None:
    assert salary_from_jsonld(value) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("YEAR", "year"),
        ("annum", "year"),
        ("annual", "year"),
        ("p.a.", "year"),
        ("pa", "year"),
        ("yearly", "year"),
        ("per annum", "year"),
        ("MONTH", "month"),
        ("pcm", "month"),
        ("WEEK", "week"),
        ("weekly", "week"),
        ("DAY", "day"),
        ("daily", "day"),
        ("per diem", "day"),
        ("HOUR", "hour"),
        ("hourly", "hour"),
        ("ph", "hour"),
        ("p/h", "hour"),
        ("per calendar month", "month"),
        ("fortnight", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_period(unit: str | None, expected: str | None) -> None:
    assert normalize_period(unit) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("gbp", "GBP"), ("£", "GBP"), ("US$", "USD"), ("euros", "EUR"), ("??", None), (None, None)],
)
def test_currency_code(value: str | None, expected: str | None) -> None:
    assert currency_code(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Great team.\n\nSalary: £28,000 - £32,000 per annum. Apply now",
            Salary("£28,000 - £32,000 per annum", 28000.0, 32000.0, "GBP", "year"),
        ),
        (
            "We are offering £14.00 per hour, depending on experience.",
            Salary("£14.00 per hour", 14.0, 14.0, "GBP", "hour"),
        ),
        ("Pay: £475 per day plus benefits.", Salary("£475 per day", 475.0, 475.0, "GBP", "day")),
        ("Salary: up to £40k", Salary("up to £40k", None, 40000.0, "GBP", None)),
        # Money that is not pay: no period after it and no pay word before it.
        ("A £2,000 joining bonus; £10m turnover.", Salary()),
        ("Competitive salary. Our £5,000 bonus scheme is generous.", Salary()),
        ("No money mentioned", Salary()),
        (None, Salary()),
    ],
)
def test_find_salary_in_text(text: str | None, expected: Salary) -> None:
    assert find_salary_in_text(text) == expected
