"""Dates: structured values, closing-date phrases in ad text, and which one wins."""

# The rules are DESIGN.md's closing-dates contract: a structured value wins, then
# the text; a date without a year is the first one on or after the reference date;
# relative phrases count from the response time; timestamps keep their own calendar
# date; an unparseable value keeps its raw text and never becomes a guess.

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.parser import parse as dateutil_parse
from dateutil.relativedelta import relativedelta

from jobcrawl.extract.text import clean_line

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|weds?|thu(?:rs?)?|fri|sat|sun)\b\.?"
)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\b\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\b"
_DATE = (
    r"(?P<iso>\d{4}-\d{1,2}-\d{1,2})(?!\d)"
    r"|(?P<ymd>\d{4}[/.]\d{1,2}[/.]\d{1,2})(?!\d)"
    r"|(?P<num>\d{1,2}(?P<sep>[/.\-])\d{1,2}(?P=sep)(?:\d{4}|\d{2}))(?!\d)"
    r"|(?P<masked>[\d*xX#?]{1,2}[/.\-][\d*xX#?]{1,2}[/.\-][\d*xX#?]{2,4})"
    rf"|(?P<dmy>(?:{_WEEKDAY},?\s+)?(?:the\s+)?{_DAY}(?:\s+of)?[\s\-]*{_MONTH}"
    r"(?:,?[\s\-]+\d{4}\b)?)"
    rf"|(?P<mdy>(?:{_WEEKDAY},?\s+)?{_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+\d{{4}}\b)?)"
)
_RELATIVE = (
    r"(?P<rel>(?:in|within)\s+(?P<rel_n>\d{1,3}|an?|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|eleven|twelve)\s+(?P<rel_unit>hour|day|week|month)s?\b"
    r"|(?P<rel_word>today|tonight|tomorrow)\b)"
)
# Wording that introduces a closing date. "Start date", "posted", "contract ends"
# are deliberately absent: they name other dates.
_LABEL_CUE = (
    r"closing\s+date(?:\s+for\s+(?:the\s+)?(?:receipt\s+of\s+)?"
    r"(?:applications|applicants|submissions|entries))?"
    r"|(?:application|submission)s?\s+deadline"
    r"|deadline(?:\s+for\s+(?:applications|submissions))?|expiry\s+date"
)
_VERB_CUE = (
    r"(?:applications?|vacancy|advert(?:isement)?|(?:job\s+)?(?:posting|listing|ad)"
    r"|this\s+(?:job|role|position|post|vacancy|advert))\s+(?:will\s+)?"
    r"(?:close|closes|closing|expires?|ends?)"
    r"|closes|closing|expires"
)
_APPLY_CUE = (
    r"apply\s+(?:by|before|no\s+later\s+than|until)"
    r"|applications?\s+(?:must\s+|should\s+)?(?:be\s+)?(?:received|submitted|in)\s+"
    r"(?:by|before|no\s+later\s+than)"
    r"|(?:valid|open|advertised)\s+until"
)
_SEP = r"[\s:\-–—=]*(?:\b(?:is|will\s+be|was|of|on|at|by|before)\b[\s:\-–—=]*)*"
_TIME = (
    r"(?:(?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|noon|midnight|hrs|h)\b|\d{1,2}[:.]\d{2}\b"
    r"|midnight|noon|close\s+of\s+business)(?:\s*(?:gmt|bst|cet|utc|uk\s+time))?"
    r"[\s,]*(?:on\s+)?(?:the\s+)?)"
)
_PHRASE = re.compile(
    rf"\b(?:{_LABEL_CUE}|{_VERB_CUE}|{_APPLY_CUE}){_SEP}{_TIME}?(?:{_DATE}|{_RELATIVE})",
    re.IGNORECASE,
)
# "Closing date: ASAP" - a labelled value that is no date at all.
_LABELLED_VALUE = re.compile(
    rf"\b(?:{_LABEL_CUE})(?:\s*:|\s+[-–—=])\s*(?P<free>[^\s][^\n]{{0,79}})", re.IGNORECASE
)
_STRUCTURED = re.compile(rf"\s*(?:{_DATE})", re.IGNORECASE)
_TRAILING_TIME = re.compile(
    r"(?:[T\s,]+(?:at\s+)?\d{1,2}(?::\d{2}){0,2}(?:[.,]\d+)?\s*(?:am|pm)?)?"
    r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?|GMT|UTC|BST|CET)?\s*",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"\d{8}")
_SENTENCE_END = re.compile(r"[.;!?](?:\s|$)|\s[-–—]\s|\s{2,}")
_MONTH_WORD = re.compile(_MONTH, re.IGNORECASE)
_DAY_NUMBER = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\b", re.IGNORECASE)
_YEAR_NUMBER = re.compile(r"\b(\d{4})\b")
# The non-ASCII letters that IGNORECASE matches to ASCII letters (the Kelvin sign lowers to k).
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f]")
# The two searches of every description, case-sensitive, for its lowered text: twice
# as fast as IGNORECASE (see _search). Their only capitals are in (?P<...>) and [xX].
_PHRASE_LOWERED = re.compile(_PHRASE.pattern)
_LABELLED_VALUE_LOWERED = re.compile(_LABELLED_VALUE.pattern)


@dataclass(frozen=True)
class ClosingDate:
    """A closing date, the text it came from, and how it was found.

    source: "structured", "text", "relative", or None when nothing was found.
    """

    date: date | None
    raw: str | None
    source: str | None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(year: str) -> int:
    # Two-digit years follow strptime's %y pivot: 00-68 -> 20xx, 69-99 -> 19xx.
    number = int(year)
    if len(year) > 2:
        return number
    return 2000 + number if number < 69 else 1900 + number


def _next_occurrence(month: int, day: int, reference: date) -> date | None:
    """The first day/month on or after `reference` (29 February may be years away)."""
    for year in range(reference.year, reference.year + 5):
        found = _make_date(year, month, day)
        if found is not None and found >= reference:
            return found
    return None


def _from_words(text: str, reference: date | None) -> date | None:
    """A date written with a month name: "Friday 15th February", "March 5, 2024"."""
    month_match = _MONTH_WORD.search(text)
    day_match = _DAY_NUMBER.search(text)
    if month_match is None or day_match is None:
        return None
    month = MONTHS[month_match.group(0).lower()[:3]]
    day = int(day_match.group(1))
    year_match = _YEAR_NUMBER.search(text)
    if year_match is not None:
        return _make_date(int(year_match.group(1)), month, day)
    return _next_occurrence(month, day, reference) if reference is not None else None


def _date_from_match(match: re.Match[str], dayfirst: bool, reference: date | None) -> date | None:
    """The date a _DATE match spells, or None when it is masked or impossible."""
    if match.group("iso") or match.group("ymd"):
        year, month, day = map(int, re.split(r"[-/.]", match.group("iso") or match.group("ymd")))
        return _make_date(year, month, day)
    if match.group("num"):
        first, second, year = re.split(r"[/.\-]", match.group("num"))
        day, month = (first, second) if dayfirst else (second, first)
        return _make_date(_full_year(year), int(month), int(day))
    if match.group("dmy") or match.group("mdy"):
        return _from_words(match.group("dmy") or match.group("mdy"), reference)
    return None


def parse_date(value: str | date | None, *, dayfirst: bool = True) -> date | None:
    """A structured date value ("2024-03-05", "2035-11-06T00:00:00+01:00", "05/03/2024",
    "5 March 2024") as a date; None for garbage, masked, impossible or year-less values.

    A timestamp keeps its own calendar date: the offset is never converted to UTC.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if _COMPACT.fullmatch(text):  # 20240305: dateutil would read it day-first
        return _make_date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _STRUCTURED.match(text)
    if match is not None and _TRAILING_TIME.fullmatch(text, match.end()):
        return _date_from_match(match, dayfirst, reference=None)
    return _dateutil_date(text, dayfirst)


def _dateutil_date(text: str, dayfirst: bool) -> date | None:
    """Other spellings, via dateutil; rejected when day, month or year had to be invented."""
    if not re.search(r"\d", text):
        return None
    results = set()
    # dateutil fills missing parts from `default`; two different defaults expose that.
    for default in (datetime(2001, 1, 1), datetime(2002, 2, 2)):
        try:
            parsed = dateutil_parse(text, default=default, dayfirst=dayfirst, ignoretz=True)
        except (ValueError, OverflowError):
            return None
        results.add(parsed.date())
    return results.pop() if len(results) == 1 else None


def _relative_date(match: re.Match[str], received: datetime) -> date:
    word = (match.group("rel_word") or "").lower()
    if word:
        return received.date() + timedelta(days=1 if word == "tomorrow" else 0)
    count_text = match.group("rel_n").lower()
    count = int(count_text) if count_text.isdigit() else NUMBER_WORDS[count_text]
    unit = match.group("rel_unit").lower()
    if unit == "hour":
        return (received + timedelta(hours=count)).date()
    if unit == "month":
        return received.date() + relativedelta(months=count)
    return received.date() + timedelta(days=count * (7 if unit == "week" else 1))


def _phrase_result(
    match: re.Match[str], reference: date, received: datetime, dayfirst: bool
) -> ClosingDate:
    # A final "." is the sentence's, even after "Feb.".
    raw = clean_line(match.group(0).rstrip("."))
    if match.group("rel"):
        return ClosingDate(_relative_date(match, received), raw, "relative")
    found = _date_from_match(match, dayfirst, reference)
    return ClosingDate(found, raw, "text")


def _labelled_value(match: re.Match[str]) -> ClosingDate:
    value = match.group("free")
    end = _SENTENCE_END.search(value)
    if end is not None:
        value = value[: end.start()]
    if len(value) > 40:
        value = value[:40].rsplit(" ", 1)[0]
    raw = match.string[match.start() : match.start("free")] + value
    return ClosingDate(None, clean_line(raw), "text")


def _lowered(text: str) -> str | None:
    """text.lower(), when searching it case-sensitively finds what IGNORECASE finds in text.

    Our patterns' letters are ASCII. Under IGNORECASE they also take "İ", "ı" and "ſ"
    for i and s, which lower() keeps apart; and a letter that lowers to two characters
    would shift every position after it. With either, None: search the text itself.
    """
    if _FOLDS_TO_ASCII.search(text):
        return None
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def _search(pattern: re.Pattern[str], lowered_pattern: re.Pattern[str], text: str,
            lowered: str | None) -> re.Match[str] | None:
    """pattern.search(text), found in the lowered text and matched again in `text`
    at the same place, so that groups and spans are the text's own."""
    if lowered is None:
        return pattern.search(text)
    found = lowered_pattern.search(lowered)
    if found is None:
        return None
    return pattern.match(text, found.start()) or pattern.search(text)


def _may_hold_label(lowered: str | None) -> bool:
    """False only when no closing-date label can be in the text: most ads have none.

    Every _LABEL_CUE holds "clos", "deadline" or "expiry".
    """
    if lowered is None:
        return True
    return "clos" in lowered or "deadline" in lowered or "expiry" in lowered


def find_closing_date(
    text: str, *, reference: date, received: datetime, dayfirst: bool = True
) -> ClosingDate | None:
    """The first closing-date phrase in `text`, or None when there is none.

    `reference` completes dates without a year (first occurrence on or after it);
    relative phrases ("closes in 3 days") count from `received`. A phrase whose date
    is masked, impossible or missing gives ClosingDate(None, raw, "text").
    """
    if not text:
        return None
    lowered = _lowered(text)
    phrase = _search(_PHRASE, _PHRASE_LOWERED, text, lowered)
    labelled = (_search(_LABELLED_VALUE, _LABELLED_VALUE_LOWERED, text, lowered)
                if _may_hold_label(lowered) else None)
    if phrase is not None and (labelled is None or phrase.start() <= labelled.start()):
        return _phrase_result(phrase, reference, received, dayfirst)
    if labelled is not None:
        return _labelled_value(labelled)
    return None


def resolve_closing_date(
    structured: str | None,
    description: str,
    *,
    posted: date | None,
    received: datetime,
    dayfirst: bool = True,
) -> ClosingDate:
    """DESIGN.md's rule: a parseable structured value, else the text, else the raw value."""
    raw = clean_line(structured)
    if raw is not None:
        parsed = parse_date(raw, dayfirst=dayfirst)
        if parsed is not None:
            return ClosingDate(parsed, raw, "structured")
    reference = posted if posted is not None else received.date()
    found = find_closing_date(
        description, reference=reference, received=received, dayfirst=dayfirst
    )
    if found is not None and found.date is not None:
        return found
    if raw is not None:
        return ClosingDate(None, raw, "structured")
    return found if found is not None else ClosingDate(None, None, None)
