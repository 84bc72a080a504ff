"""Property-based tests: the extraction helpers never raise on any input and keep their types.

Hypothesis generates the strings (any Unicode, control characters and lone surrogates
included) and JSON-like values; the examples are few (settings below) to keep the suite
fast. No database, no network.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from jobcrawl.extract.dates import ClosingDate, find_closing_date, parse_date, resolve_closing_date
from jobcrawl.extract.ids import webindex_from_identifier, webindex_from_url
from jobcrawl.extract.normalize import MAX_TERM_LENGTH, employment_terms, normalize_item
from jobcrawl.extract.salary import (
    Salary,
    currency_code,
    find_salary_in_text,
    normalize_period,
    parse_salary_text,
    salary_from_jsonld,
    to_amount,
)
from jobcrawl.extract.storable import clean_fields, has_unstorable, storable_text
from jobcrawl.extract.text import clean_line, html_to_text, tidy_paragraphs
from jobcrawl.extract.urls import canonical_url, same_host
from jobcrawl.items import JobItem

# No example database, and hypothesis's caches (Unicode tables, constants) in a
# temporary folder: a test run leaves no .hypothesis/ folder in the checkout.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="jobcrawl-hypothesis-"))
FEW = settings(max_examples=200, deadline=None, database=None)
RECEIVED = datetime(2025, 2, 15, 12, 0, tzinfo=UTC)
PERIODS = {None, "year", "month", "week", "day", "hour"}

# Any code point, surrogates included (the JSON "\ud800" a board may send).
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=80)
# Text shaped like the things the helpers look for, so that their deeper branches run.
DATE_TEXT = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\A\d{1,5}[-/. ]\d{1,3}[-/. ]\d{1,5}(T\d\d:\d\d(:\d\d)?)?\Z"),
    st.from_regex(r"\A(closing date|apply by|closes|deadline)[: ]+"
                  r"(\d{1,2}(st|nd|rd|th)? (feb|march|sept?) \d{0,5}|in \d{1,9} days)\Z"),
)
SALARY_TEXT = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\A(salary:? )?[£$€]?-?\d{1,12}([.,]\d{1,3})*[kK]?"
                  r"( ?- ?[£$€]?\d{1,12}[kK]?)?( (per|an|a) (annum|hour|year|day))?\Z"),
)
URL_TEXT = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\A(https?|javascript|ftp)://[a-zA-Z0-9.\-\[\]:@%]{0,30}(:\d{0,7})?"
                  r"(/[^\s#?]{0,20})*(\?[^\s#]{0,20})?(#.{0,5})?\Z"),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["value", "@value", "identifier", "properties", "name",
                                       "minValue", "maxValue", "currency", "unitText"]),
                      children, max_size=4),
    max_leaves=8,
)


# --- dates ---------------------------------------------------------------------------------


@FEW
@given(DATE_TEXT, st.booleans())
@example("31/02/2024", True)
@example("0001-01-01", True)
@example("9999-12-31T23:59:59+14:00", True)
@example("10000-01-01", True)
@example("99999999999999999999-01-01", True)
def test_parse_date_gives_a_date_or_none(text: str, dayfirst: bool) -> None:
    parsed = parse_date(text, dayfirst=dayfirst)
    assert parsed is None or type(parsed) is date


@FEW
@given(st.one_of(st.none(), DATE_TEXT), DATE_TEXT, st.booleans(),
       st.one_of(st.none(), st.dates()))
@example(None, "Closes in 999999999999 days", True, None)
@example(None, "Closing date: 29th February", True, date(9999, 3, 1))
@example("31/02/2024", "Apply by 31 February 2024", True, None)
def test_closing_date_resolution_never_raises(
    structured: str | None, text: str, dayfirst: bool, posted: date | None
) -> None:
    found = resolve_closing_date(structured, text, posted=posted, received=RECEIVED,
                                 dayfirst=dayfirst)
    assert isinstance(found, ClosingDate)
    assert found.date is None or type(found.date) is date
    assert found.raw is None or isinstance(found.raw, str)
    assert found.source in (None, "structured", "text", "relative")
    direct = find_closing_date(text, reference=posted or RECEIVED.date(), received=RECEIVED,
                               dayfirst=dayfirst)
    assert direct is None or isinstance(direct, ClosingDate)


# --- salary ---------------------------------------------------------------------------------


def _is_salary(found: Salary) -> bool:
    numbers = [n for n in (found.min, found.max) if n is not None]
    return (
        isinstance(found, Salary)
        and (found.raw is None or isinstance(found.raw, str))
        and all(type(n) is float and n == n and abs(n) != float("inf") for n in numbers)
        and (found.currency is None or re.fullmatch(r"[A-Z]{3}", found.currency) is not None)
        and found.period in PERIODS
    )


@FEW
@given(SALARY_TEXT)
@example("-£30,000")
@example("£99999999999999999999999999999999999999 per annum")
@example("salary: " + "9" * 400 + " per year")
@example("£1e308 - £1e309 per hour")
@example("competitive")
def test_salary_text_helpers_keep_their_types(text: str) -> None:
    assert _is_salary(parse_salary_text(text))
    assert _is_salary(find_salary_in_text(text))
    amount = to_amount(text)
    assert amount is None or (type(amount) is float and abs(amount) != float("inf"))
    code = currency_code(text)
    assert code is None or re.fullmatch(r"[A-Z]{3}", code)
    assert normalize_period(text) in PERIODS


@FEW
@given(JSON)
@example({"currency": "Pounds", "value": {"minValue": "-5", "maxValue": "1e400"}})
@example({"value": {"value": "NaN"}})
@example([{"value": float("inf")}, 1e308])
def test_salary_from_jsonld_keeps_its_types(value: Any) -> None:
    assert _is_salary(salary_from_jsonld(value))


# --- text -----------------------------------------------------------------------------------


@FEW
@given(ANY_TEXT)
@example("<p>a&#0;b&#1;c&#xd800;d&#x7f;</p>")
@example("a&#0;b&#xd800;")
@example("<script>alert(1)</script><p>Engineer</p>")
@example("\x00<p>\x00</p>\ud800")
@example("<!--")
def test_text_helpers_give_text(text: str) -> None:
    line = clean_line(text)
    assert line is None or (isinstance(line, str) and line == line.strip() and "\n" not in line)
    assert isinstance(html_to_text(text), str)
    assert isinstance(tidy_paragraphs(text), str)
    cleaned = storable_text(text)
    assert not has_unstorable(cleaned)
    cleaned.encode("utf-8")  # storable text always encodes
    assert storable_text(cleaned) == cleaned
    assert not has_unstorable(storable_text(html_to_text(text)))


# --- URLs and ids -----------------------------------------------------------------------------


@FEW
@given(URL_TEXT, URL_TEXT)
@example("http://[::1", "http://a")
@example("https://a.example:99999999/x", "http://a.example")
@example("javascript:alert(1)", "javascript:alert(2)")
@example("http://\ud800.example/\x00", "http://x")
def test_url_helpers_keep_their_types(url: str, other: str) -> None:
    assert isinstance(canonical_url(url), str)
    assert isinstance(same_host(url, other), bool)
    assert re.fullmatch(r"u[0-9a-f]{16}", webindex_from_url(url))


@FEW
@given(JSON)
@example("../../etc/passwd")
@example("a/b c")
@example("x" * 2000)
@example({"properties": {"value": [None, " 17 "]}})
@example(1e300)
@example(float("nan"))
def test_webindex_from_identifier_is_a_stripped_id_or_none(identifier: Any) -> None:
    found = webindex_from_identifier(identifier)
    assert found is None or (isinstance(found, str) and found and found == found.strip())


@FEW
@given(ANY_TEXT)
def test_employment_terms_fit_their_columns(text: str) -> None:
    for term in employment_terms(text):
        assert term is None or (isinstance(term, str) and len(term) <= MAX_TERM_LENGTH)


# --- a whole item ------------------------------------------------------------------------------

OPTIONAL_TEXT = st.one_of(st.none(), ANY_TEXT)


@FEW
@given(
    st.fixed_dictionaries({
        "webindex": ANY_TEXT, "url": URL_TEXT, "title": ANY_TEXT, "description": ANY_TEXT,
        "company": OPTIONAL_TEXT, "location": OPTIONAL_TEXT, "category": OPTIONAL_TEXT,
        "contract_type": OPTIONAL_TEXT, "contract_time": OPTIONAL_TEXT,
        "salary_raw": st.one_of(st.none(), SALARY_TEXT),
        "salary_currency": OPTIONAL_TEXT, "salary_period": OPTIONAL_TEXT,
        "date_posted": st.one_of(st.none(), DATE_TEXT),
        "closing_date_raw": st.one_of(st.none(), DATE_TEXT),
    }),
    st.booleans(),
)
def test_normalized_items_hold_only_storable_text(values: dict[str, Any], dayfirst: bool) -> None:
    item = JobItem(source="test", scraped_at=RECEIVED, **values)
    events = normalize_item(item, dayfirst=dayfirst)
    assert all(isinstance(event, str) for event in events)
    for name, value in vars(item).items():
        if isinstance(value, str):
            assert not has_unstorable(value), name
            value.encode("utf-8")
    assert item.category is None or len(item.category) <= 255
    assert item.date_posted is None or type(item.date_posted) is date
    assert item.closing_date is None or type(item.closing_date) is date
    assert _is_salary(Salary(item.salary_raw, item.salary_min, item.salary_max,
                             item.salary_currency, item.salary_period))
    assert clean_fields(vars(item)) == []


# --- regressions: the bugs these properties found ------------------------------------------------


def test_regressions_found_by_the_properties() -> None:
    # A salary past float range read as inf (and PostgreSQL stored Infinity).
    assert parse_salary_text("salary: " + "9" * 400 + " per year").min is None
    # A JSON-LD currency word was upper-cased into a value the 3-character column rejects.
    assert salary_from_jsonld({"currency": "Pounds", "value": 30000}).currency == "GBP"
    assert salary_from_jsonld({"currency": "Monopoly money", "value": 5}).currency is None
    # A lone surrogate in HTML made html_to_text raise UnicodeEncodeError.
    assert html_to_text("<p>Chef \ud800</p>") == "Chef"
    # A broken IPv6 literal or a surrogate in the host made canonical_url raise ValueError;
    # same_host raised on the first too (a spider exception for a posting's "url").
    assert canonical_url("http://[::1") == "http://[::1"
    assert canonical_url("http://\ud800.example/\x00") == "http://.example/"
    assert same_host("http://[::1", "http://[::1") is False
    assert re.fullmatch(r"u[0-9a-f]{16}", webindex_from_url("http://\ud800/"))


def test_implausible_salary_figures_are_dropped_and_the_text_kept() -> None:
    item = JobItem(source="s", webindex="1", salary_raw="GBP -5-10", salary_min=-5.0,
                   salary_max=10.0, scraped_at=RECEIVED)
    assert "salary/implausible" in normalize_item(item)
    assert (item.salary_raw, item.salary_min, item.salary_max) == ("GBP -5-10", None, None)
    absurd = JobItem(source="s", webindex="2", salary_min=1e15, scraped_at=RECEIVED)
    assert "salary/implausible" in normalize_item(absurd)
    assert absurd.salary_min is None
    fine = JobItem(source="s", webindex="3", salary_min=0.0, salary_max=1e9, scraped_at=RECEIVED)
    assert "salary/implausible" not in normalize_item(fine)
    assert (fine.salary_min, fine.salary_max) == (0.0, 1e9)


def test_a_long_category_is_cut_after_a_whole_one() -> None:
    names = [f"Category number {n}" for n in range(40)]
    item = JobItem(source="s", webindex="1", category=", ".join(names), scraped_at=RECEIVED)
    assert "text/truncated/category" in normalize_item(item)
    assert item.category is not None and len(item.category) <= 255
    assert item.category.split(", ") == names[: len(item.category.split(", "))]
    one = JobItem(source="s", webindex="2", category="x" * 300, scraped_at=RECEIVED)
    normalize_item(one)
    assert one.category == "x" * 255
