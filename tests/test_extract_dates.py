"""parse_date, find_closing_date and resolve_closing_date (DESIGN.md closing-dates contract)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from jobcrawl.extract.dates import ClosingDate, find_closing_date, parse_date, resolve_closing_date

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = date(2024, 1, 15)
RECEIVED = datetime(2024, 3, 1, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2035-11-06T00:00:00+01:00", date(2035, 11, 6)),
        ("2035-11-06T23:30:00-05:00", date(2035, 11, 6)),
        ("2024-03-05T23:30:00.000Z", date(2024, 3, 5)),
        ("2024-03-31T23:59", date(2024, 3, 31)),
        ("2024-03-05 10:00:00", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        ("2024/03/05", date(2024, 3, 5)),
        ("05/03/2024", date(2024, 3, 5)),
        ("05.03.2024", date(2024, 3, 5)),
        ("31/01/24", date(2024, 1, 31)),
        ("5 March 2024", date(2024, 3, 5)),
        ("10th February 2013", date(2013, 2, 10)),
        ("Friday 15th February 2013", date(2013, 2, 15)),
        ("March 5, 2024", date(2024, 3, 5)),
        ("Tue, 05 Mar 2024 10:00:00 GMT", date(2024, 3, 5)),
        ("  2024-03-05  ", date(2024, 3, 5)),
        ("31/02/2024", None),
        ("2024-02-30", None),
        ("01/31/2024", None),  # day-first: month 31 does not exist, and we do not swap
        ("ASAP", None),
        ("**/**/2024", None),
        ("March 2024", None),
        ("2024", None),
        ("5 March", None),  # a structured value without a year is not guessed
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value: str | None, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_month_first() -> None:
    assert parse_date("03/04/2024", dayfirst=False) == date(2024, 3, 4)
    assert parse_date("03/04/2024", dayfirst=True) == date(2024, 4, 3)


def test_parse_date_accepts_date_objects() -> None:
    assert parse_date(date(2024, 1, 2)) == date(2024, 1, 2)  # type: ignore[arg-type]
    stamp = datetime(2024, 1, 2, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_date(stamp) == date(2024, 1, 2)  # type: ignore[arg-type]


def _text(raw: str, found: date | None) -> ClosingDate:
    return ClosingDate(found, raw, "text")


def _relative(raw: str, found: date) -> ClosingDate:
    return ClosingDate(found, raw, "relative")


CLOSING_CASES = [
    (
        "Closing Date: 10th February 2013",
        _text("Closing Date: 10th February 2013", date(2013, 2, 10)),
    ),
    (
        "Closing date: Friday 15th February",
        _text("Closing date: Friday 15th February", date(2024, 2, 15)),
    ),
    (
        "Closing date for applications 31/01/2024",
        _text("Closing date for applications 31/01/2024", date(2024, 1, 31)),
    ),
    (
        "The closing date for applications is 31/01/2024.",
        _text("closing date for applications is 31/01/2024", date(2024, 1, 31)),
    ),
    ("Apply by 5 March", _text("Apply by 5 March", date(2024, 3, 5))),
    ("Please apply by 5 March.", _text("apply by 5 March", date(2024, 3, 5))),
    (
        "Applications close on 12 April 2024",
        _text("Applications close on 12 April 2024", date(2024, 4, 12)),
    ),
    ("Deadline: 2024-03-05", _text("Deadline: 2024-03-05", date(2024, 3, 5))),
    (
        "Application deadline: 5th March 2024",
        _text("Application deadline: 5th March 2024", date(2024, 3, 5)),
    ),
    (
        "Closing date: 10th of February 2013",
        _text("Closing date: 10th of February 2013", date(2013, 2, 10)),
    ),
    ("Closing date: 1st Feb", _text("Closing date: 1st Feb", date(2024, 2, 1))),
    ("Closing date: 2nd Sept 2024", _text("Closing date: 2nd Sept 2024", date(2024, 9, 2))),
    ("Closing date: 3rd Sep, 2024", _text("Closing date: 3rd Sep, 2024", date(2024, 9, 3))),
    ("Closing date: 4th Feb. 2024", _text("Closing date: 4th Feb. 2024", date(2024, 2, 4))),
    (
        "Closing date: Sunday, 21 April 2024",
        _text("Closing date: Sunday, 21 April 2024", date(2024, 4, 21)),
    ),
    ("Closing date: March 5th, 2024", _text("Closing date: March 5th, 2024", date(2024, 3, 5))),
    ("Closing date: Tues March 5", _text("Closing date: Tues March 5", date(2024, 3, 5))),
    ("Closing date - 10-Feb-2024", _text("Closing date - 10-Feb-2024", date(2024, 2, 10))),
    ("Closing date: 10.02.2024", _text("Closing date: 10.02.2024", date(2024, 2, 10))),
    ("closing date 31/01/24", _text("closing date 31/01/24", date(2024, 1, 31))),
    (
        "Closing date: 5pm on Friday 15th March 2024",
        _text("Closing date: 5pm on Friday 15th March 2024", date(2024, 3, 15)),
    ),
    (
        "Closing date: 12 noon, 15 March 2024 (interviews the week after)",
        _text("Closing date: 12 noon, 15 March 2024", date(2024, 3, 15)),
    ),
    (
        "This vacancy closes at midnight on 30 June 2024.",
        _text("This vacancy closes at midnight on 30 June 2024", date(2024, 6, 30)),
    ),
    ("The advert expires on 2024-05-01", _text("advert expires on 2024-05-01", date(2024, 5, 1))),
    (
        "Applications must be received by 8 May 2024",
        _text("Applications must be received by 8 May 2024", date(2024, 5, 8)),
    ),
    ("Open until 30 April", _text("Open until 30 April", date(2024, 4, 30))),
    ("Closes in 3 days", _relative("Closes in 3 days", date(2024, 3, 4))),
    ("This job is closing in 2 weeks!", _relative("closing in 2 weeks", date(2024, 3, 15))),
    (
        "Applications close in one month",
        _relative("Applications close in one month", date(2024, 4, 1)),
    ),
    ("closes tomorrow", _relative("closes tomorrow", date(2024, 3, 2))),
    ("Hurry, this advert closes today", _relative("this advert closes today", date(2024, 3, 1))),
    # 22:30 UTC + 3 hours is already the next calendar day.
    ("Closing in 3 hours", _relative("Closing in 3 hours", date(2024, 3, 2))),
    ("Closing date: ASAP", _text("Closing date: ASAP", None)),
    ("Expiry date: rolling basis", _text("Expiry date: rolling basis", None)),
    ("Application deadline - when filled", _text("Application deadline - when filled", None)),
    # IGNORECASE reads the long s and the dotted capital I as s and i; so must the shortcut.
    ("Clo\u017fing date: ASAP", _text("Clo\u017fing date: ASAP", None)),
    ("Deadl\u0130ne: ongoing", _text("Deadl\u0130ne: ongoing", None)),
    # The search runs on the lowered text; what it finds is read from the text itself.
    ("CLOSING DATE: 5 MARCH 2024", _text("CLOSING DATE: 5 MARCH 2024", date(2024, 3, 5))),
    # "İ" lowers to two characters: positions after it would shift.
    ("\u0130stanbul office. Apply by 5 March 2024",
     _text("Apply by 5 March 2024", date(2024, 3, 5))),
    ("Stra\u00dfe 5, \u212aiel. Deadline: 2024-03-05",
     _text("Deadline: 2024-03-05", date(2024, 3, 5))),
    ("Closing date: ongoing. Apply now", _text("Closing date: ongoing", None)),
    ("Closing date: 31/02/2024", _text("Closing date: 31/02/2024", None)),
    ("Closing date: **/**/2024", _text("Closing date: **/**/2024", None)),
    ("Closing date: XX/XX/XXXX", _text("Closing date: XX/XX/XXXX", None)),
    ("Apply by 31 April", _text("Apply by 31 April", None)),
    ("Closing date: March 2024", _text("Closing date: March 2024", None)),
    # The first phrase wins, even when it cannot be read.
    (
        "Closing date: 1 March 2024. Deadline for references: 9 March 2024",
        _text("Closing date: 1 March 2024", date(2024, 3, 1)),
    ),
    ("Closing date: TBC. Apply by 5 March", _text("Closing date: TBC", None)),
    (
        "Start date: 1 May 2024. Closing date: 5 April 2024",
        _text("Closing date: 5 April 2024", date(2024, 4, 5)),
    ),
]


@pytest.mark.parametrize(("text", "expected"), CLOSING_CASES)
def test_find_closing_date(text: str, expected: ClosingDate) -> None:
    assert find_closing_date(text, reference=REFERENCE, received=RECEIVED) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Start date: 1 May 2024",
        "Posted 3 days ago",
        "Contract ends 31 March 2025",
        "You will work to tight deadlines in a deadline-driven team.",
        "The closing date has not been set yet",
        "Apply today!",
        "We are closing 5 offices",
        "Apply by clicking the button below",
        "",
    ],
)
def test_text_without_a_closing_date(text: str) -> None:
    assert find_closing_date(text, reference=REFERENCE, received=RECEIVED) is None


def test_month_first_numeric_date() -> None:
    found = find_closing_date(
        "Closing date: 03/04/2024", reference=REFERENCE, received=RECEIVED, dayfirst=False
    )
    assert found == ClosingDate(date(2024, 3, 4), "Closing date: 03/04/2024", "text")


def test_undated_closing_date_takes_next_occurrence_across_new_year() -> None:
    found = find_closing_date(
        "Closing date: 5th January", reference=date(2024, 12, 20), received=RECEIVED
    )
    assert found == ClosingDate(date(2025, 1, 5), "Closing date: 5th January", "text")


def test_undated_closing_date_on_the_reference_day_is_that_day() -> None:
    found = find_closing_date(
        "Apply by 20 December", reference=date(2024, 12, 20), received=RECEIVED
    )
    assert found == ClosingDate(date(2024, 12, 20), "Apply by 20 December", "text")


def test_undated_29_february_waits_for_a_leap_year() -> None:
    found = find_closing_date("Apply by 29 February", reference=date(2025, 3, 1), received=RECEIVED)
    assert found == ClosingDate(date(2028, 2, 29), "Apply by 29 February", "text")


def test_relative_phrase_counts_from_received_not_from_now() -> None:
    received = datetime(2013, 1, 30, 9, 0, tzinfo=UTC)
    found = find_closing_date("Closes in 3 days", reference=date(2013, 1, 1), received=received)
    assert found == ClosingDate(date(2013, 2, 2), "Closes in 3 days", "relative")


def test_seed_record_closing_date() -> None:
    lines = (FIXTURES / "Job_seed.txt").read_text(encoding="utf-8").split("\n")
    assert [line.split(":", 1)[0] for line in lines] == ["Title", "Webindex", "Description"]
    description = lines[2].removeprefix("Description: ")
    found = find_closing_date(
        description,
        reference=date(2013, 1, 15),
        received=datetime(2013, 1, 15, 12, 0, tzinfo=UTC),
    )
    assert found == ClosingDate(date(2013, 2, 10), "Closing Date: 10th February 2013", "text")


@pytest.mark.parametrize(
    ("structured", "description", "posted", "expected"),
    [
        # A parseable structured value wins over the text.
        (
            "2024-03-31",
            "Closing date: 1 March 2024",
            None,
            ClosingDate(date(2024, 3, 31), "2024-03-31", "structured"),
        ),
        # A timestamp keeps its own calendar date.
        (
            "2035-11-06T00:00:00+01:00",
            "",
            None,
            ClosingDate(date(2035, 11, 6), "2035-11-06T00:00:00+01:00", "structured"),
        ),
        # Unparseable structured value: the text decides.
        (
            "ASAP",
            "Closing date: 1 March 2024",
            None,
            ClosingDate(date(2024, 3, 1), "Closing date: 1 March 2024", "text"),
        ),
        # Unparseable structured value and nothing usable in the text: keep the raw value.
        ("ASAP", "No dates here", None, ClosingDate(None, "ASAP", "structured")),
        ("ASAP", "Closing date: TBC", None, ClosingDate(None, "ASAP", "structured")),
        # No structured value: the text, even when it cannot be read.
        (None, "Closing date: TBC", None, ClosingDate(None, "Closing date: TBC", "text")),
        ("  ", "Nothing", None, ClosingDate(None, None, None)),
        (None, "", None, ClosingDate(None, None, None)),
        # A year-less date counts from the posting date when there is one ...
        (
            None,
            "Apply by 5 January",
            date(2023, 12, 1),
            ClosingDate(date(2024, 1, 5), "Apply by 5 January", "text"),
        ),
        # ... and from the response date otherwise (received 2024-03-01).
        (
            None,
            "Apply by 5 January",
            None,
            ClosingDate(date(2025, 1, 5), "Apply by 5 January", "text"),
        ),
        # Relative phrases always count from the response time, not the posting date.
        (
            None,
            "Closes in 3 days",
            date(2023, 12, 1),
            ClosingDate(date(2024, 3, 4), "Closes in 3 days", "relative"),
        ),
    ],
)
def test_resolve_closing_date(
    structured: str | None, description: str, posted: date | None, expected: ClosingDate
) -> None:
    found = resolve_closing_date(structured, description, posted=posted, received=RECEIVED)
    assert found == expected


def test_resolve_closing_date_month_first_structured() -> None:
    found = resolve_closing_date("03/04/2024", "", posted=None, received=RECEIVED, dayfirst=False)
    assert found == ClosingDate(date(2024, 3, 4), "03/04/2024", "structured")
