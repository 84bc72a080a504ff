"""normalize_item: one JobItem tidied in place - storable text, whitespace, vocabulary,
salary, dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from jobcrawl.extract.dates import parse_date, resolve_closing_date
from jobcrawl.extract.salary import (
    ESTIMATED_PREFIX,
    Salary,
    currency_code,
    find_salary_in_text,
    normalize_period,
    parse_salary_text,
    to_amount,
)
from jobcrawl.extract.storable import clean_fields, storable_text
from jobcrawl.extract.text import clean_line, clean_line_markup, html_to_text

if TYPE_CHECKING:
    from jobcrawl.items import JobItem

CONTRACT_TYPES = {
    "permanent": "permanent", "perm": "permanent", "regular": "permanent",
    "contract": "contract", "contractor": "contract", "fixed_term": "contract",
    "fixed_term_contract": "contract", "freelance": "contract",
    "temporary": "temporary", "temp": "temporary", "per_diem": "temporary",
    "seasonal": "temporary", "casual": "temporary",
    "intern": "internship", "internship": "internship",
    "volunteer": "volunteer", "voluntary": "volunteer", "volunteering": "volunteer",
    # Spanish, as Jobatus and other Spanish aggregators write it.
    "indefinido": "permanent", "temporal": "temporary", "practicas": "internship",
}  # fmt: skip
CONTRACT_TIMES = {
    "full_time": "full_time", "fulltime": "full_time", "ft": "full_time",
    "part_time": "part_time", "parttime": "part_time", "pt": "part_time",
    "jornada_completa": "full_time", "jornada_parcial": "part_time", "media_jornada": "part_time",
}  # fmt: skip
# No pay is negative, and none reaches a hundred billion in any currency (a billion
# rupiah a year is a real salary): such numbers are typing errors or junk.
MAX_SALARY = 1e11
IGNORED_TERMS = {"other", "none", "n_a", "unknown", "not_specified"}
# The contract_type / contract_time columns hold 64 characters: a longer unknown term
# is no vocabulary word but a sentence (or junk), and would fail its whole batch.
MAX_TERM_LENGTH = 64
# jobs.category holds 255 characters; a longer one is a list of many categories
# ("a, b, c, ..."): cut at the last whole one that fits, not a reason to lose the ad.
MAX_CATEGORY_LENGTH = 255
_SEPARATORS = re.compile(r"\s*[,;/|&]\s*|\s+and\s+", re.IGNORECASE)
_VOCAB_WORD = re.compile(
    rf"(?:^|_)({'|'.join(sorted([*CONTRACT_TYPES, *CONTRACT_TIMES], key=len, reverse=True))})"
    r"(?=_|$)"
)


def _snake(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def _terms(value: Any) -> tuple[list[str], list[str], list[str]]:
    """(contract types, contract times, unknown terms) named in a value or list of values."""
    types: list[str] = []
    times: list[str] = []
    unknown: list[str] = []
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        if not isinstance(entry, str):
            continue
        for token in filter(None, map(_snake, _SEPARATORS.split(entry))):
            # "permanent_full_time": every vocabulary word inside counts, in reading order.
            words = [m.group(1) for m in _VOCAB_WORD.finditer(token)]
            types += [CONTRACT_TYPES[w] for w in words if w in CONTRACT_TYPES]
            times += [CONTRACT_TIMES[w] for w in words if w in CONTRACT_TIMES]
            if not words and token not in IGNORED_TERMS and len(token) <= MAX_TERM_LENGTH:
                unknown.append(token)
    return types, times, unknown


def employment_terms(value: Any) -> tuple[str | None, str | None]:
    """(contract_type, contract_time) from schema.org employmentType or a board's words.

    FULL_TIME/PART_TIME set the time; CONTRACTOR, TEMPORARY, INTERN, PER_DIEM, VOLUNTEER,
    "Permanent", "Fixed term" ... set the type; other words become a lower_snake type.
    """
    types, times, unknown = _terms(value)
    contract_type = types[0] if types else (unknown[0] if unknown else None)
    return contract_type, times[0] if times else None


def _contract_fields(item: JobItem) -> None:
    # Boards put "Full-time" in the type field and "Permanent" in the time field too.
    types, times_in_type, unknown_type = _terms(item.contract_type)
    types_in_time, times, unknown_time = _terms(item.contract_time)
    all_types, all_times = types + types_in_time, times + times_in_type
    item.contract_type = all_types[0] if all_types else next(iter(unknown_type), None)
    item.contract_time = all_times[0] if all_times else next(iter(unknown_time), None)


def _text_fields(item: JobItem) -> bool:
    """Tidy the text fields; True when the description's entities spelled unstorable text."""
    for name in ("webindex", "source", "url"):
        setattr(item, name, clean_line(_as_text(getattr(item, name))) or "")
    item.title = clean_line_markup(_as_text(item.title)) or ""
    for name in ("company", "location", "category"):
        setattr(item, name, clean_line_markup(_as_text(getattr(item, name))))
    for name in ("salary_raw", "closing_date_raw"):
        setattr(item, name, clean_line(_as_text(getattr(item, name))))
    # Entities decode to any character ("&#1;", "&#x7f;"): clean the text they made.
    description = html_to_text(_as_text(item.description))
    item.description = storable_text(description)
    return len(item.description) != len(description)


def _cut_category(category: str) -> str:
    head = category[:MAX_CATEGORY_LENGTH]
    cut = head.rfind(", ", 0, MAX_CATEGORY_LENGTH - 1)
    return (head[:cut] if cut > 0 else head).rstrip()


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _date_posted(item: JobItem, dayfirst: bool) -> list[str]:
    value: Any = item.date_posted
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return []
    readable = value if isinstance(value, date) else _as_text(value)
    item.date_posted = parse_date(readable, dayfirst=dayfirst)
    return [] if item.date_posted is not None else ["dates/posted/unparsed"]


def _salary(item: JobItem) -> list[str]:
    item.salary_min = to_amount(item.salary_min)
    item.salary_max = to_amount(item.salary_max)
    events: list[str] = []
    no_numbers = item.salary_min is None and item.salary_max is None
    if item.salary_raw is None and no_numbers:
        # Many boards write the salary only in the ad: "Salary: £28,000 - £32,000 per annum".
        item.salary_raw = find_salary_in_text(item.description).raw
    # Structured salaries come with their figures; the text is read only for what is missing.
    needs_text = no_numbers or item.salary_currency is None or item.salary_period is None
    parsed = parse_salary_text(item.salary_raw) if needs_text else Salary()
    if item.salary_raw and item.salary_raw.startswith(ESTIMATED_PREFIX):
        events.append("salary/estimated")
    if item.salary_raw and no_numbers:
        item.salary_min, item.salary_max = parsed.min, parsed.max
        has_numbers = parsed.min is not None or parsed.max is not None
        events.append("salary/parsed" if has_numbers else "salary/unparsed")
    item.salary_currency = currency_code(item.salary_currency) or parsed.currency
    item.salary_period = normalize_period(item.salary_period) or parsed.period
    low, high = item.salary_min, item.salary_max
    if any(n is not None and not 0 <= n <= MAX_SALARY for n in (low, high)):
        # The text stays in salary_raw: only numbers nobody could be paid are dropped.
        item.salary_min = item.salary_max = None
        events.append("salary/implausible")
    elif low is not None and high is not None and low > high:
        item.salary_min, item.salary_max = high, low
    return events


def _scraped_at_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _closing_date(item: JobItem, dayfirst: bool) -> list[str]:
    value: Any = item.closing_date
    if isinstance(value, date):
        item.closing_date = value.date() if isinstance(value, datetime) else value
        item.closing_date_source = item.closing_date_source or "structured"
        return [f"dates/closing/{item.closing_date_source}"]
    if isinstance(value, str) and item.closing_date_raw is None:
        item.closing_date_raw, item.closing_date_source = clean_line(value), "structured"
    structured = item.closing_date_raw if item.closing_date_source in (None, "structured") else None
    found = resolve_closing_date(
        structured,
        item.description,
        posted=item.date_posted,
        received=item.scraped_at,
        dayfirst=dayfirst,
    )
    item.closing_date, item.closing_date_raw = found.date, found.raw
    item.closing_date_source = found.source
    if found.date is not None:
        return [f"dates/closing/{found.source}"]
    return ["dates/closing/unparsed" if found.raw else "dates/closing/missing"]


def normalize_item(item: JobItem, *, dayfirst: bool = True) -> list[str]:
    """Tidy `item` in place and return the stats events it produced.

    Events are stats keys without the "jobcrawl/" prefix (the normalize pipeline adds it):
    exactly one of dates/closing/{structured,text,relative,unparsed,missing}, plus
    dates/posted/unparsed, salary/parsed or salary/unparsed and salary/estimated (an
    estimatedSalary, not an offered one) when they apply. Without
    any salary field, a salary written in the description is used (salary/parsed).
    `dayfirst` decides how 03/04/2024 reads, in datePosted, closing dates and text.
    """
    # Before whitespace is tidied, so that "a \x00 b" becomes "a b", not "a  b".
    events = [f"text/cleaned/{name}" for name in clean_fields(vars(item))]
    if _text_fields(item) and "text/cleaned/description" not in events:
        events.append("text/cleaned/description")
    if item.category is not None and len(item.category) > MAX_CATEGORY_LENGTH:
        item.category = _cut_category(item.category)
        events.append("text/truncated/category")
    if item.url and not item.url[:8].lower().startswith(("http://", "https://")):
        # "javascript:alert(1)" or "data:..." is no ad's address, and no link to show;
        # without a URL the validate pipeline drops the ad (validate/missing/url).
        item.url = ""
        events.append("url/rejected")
    _contract_fields(item)
    events += _date_posted(item, dayfirst)
    events += _salary(item)
    # Relative phrases count from the response time as the spider recorded it.
    events += _closing_date(item, dayfirst)
    item.scraped_at = _scraped_at_utc(item.scraped_at)
    return events
