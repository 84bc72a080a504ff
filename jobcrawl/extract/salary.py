"""Salaries: schema.org baseSalary values and free text such as "£25k-£30k p.a."."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from price_parser import Price

from jobcrawl.extract.text import clean_line

PERIOD_WORDS = {
    "year": {"year", "years", "yr", "annum", "perannum", "annual", "annually", "yearly", "pa",
             "peryear", "ayear", "y"},
    "month": {"month", "months", "monthly", "mo", "mth", "pcm", "permonth", "amonth"},
    "week": {"week", "weeks", "weekly", "wk", "pw", "perweek", "aweek"},
    "day": {"day", "days", "daily", "perdiem", "pd", "perday", "aday"},
    "hour": {"hour", "hours", "hourly", "hr", "ph", "perhour", "anhour", "h"},
}  # fmt: skip
_PERIOD_BY_WORD = {word: period for period, words in PERIOD_WORDS.items() for word in words}
_PERIOD_PHRASES = {
    "hour": r"per\s+hour|an\s+hour|/\s*(?:hour|hr|h)\b|\bhourly\b|\bp\.?\s?h\b|pro\s+stunde"
    r"|por\s+hora",
    "day": r"per\s+day|a\s+day|/\s*day\b|\bdaily\b|per\s+diem|\bp\.?d\b|pro\s+tag\b",
    "week": r"per\s+week|a\s+week|/\s*(?:week|wk)\b|\bweekly\b|\bp\.?w\b|pro\s+woche",
    "month": r"per\s+(?:calendar\s+)?month|a\s+month|/\s*(?:month|mo|mth)\b|\bmonthly\b"
    r"|\bp\.?c\.?m\b|pro\s+monat|al\s+mes\b|\bmensual(?:es)?\b",
    "year": r"per\s+(?:annum|year)|a\s+year|/\s*(?:year|yr|annum)\b|\bannual(?:ly)?\b"
    r"|\byearly\b|\bp\.?a\b|pro\s+jahr|al\s+año|\banuales?\b",
}
_PERIOD = re.compile("|".join(f"(?P<{p}>{rx})" for p, rx in _PERIOD_PHRASES.items()), re.I)

ISO_CODES = (
    "GBP", "USD", "EUR", "AUD", "CAD", "NZD", "CHF", "JPY", "CNY", "INR", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "RON", "ZAR", "SGD", "HKD", "BRL", "MXN", "AED", "ILS", "TRY",
)  # fmt: skip
# Longest first, so "US$" is not read as "$".
SYMBOLS = {
    "US$": "USD", "AU$": "AUD", "A$": "AUD", "CA$": "CAD", "C$": "CAD", "NZ$": "NZD",
    "HK$": "HKD", "S$": "SGD", "R$": "BRL", "£": "GBP", "€": "EUR", "$": "USD", "¥": "JPY",
    "₹": "INR", "zł": "PLN",
}  # fmt: skip
CURRENCY_WORDS = {"pounds": "GBP", "sterling": "GBP", "euros": "EUR", "euro": "EUR",
                  "dollars": "USD"}  # fmt: skip
_ISO = re.compile(rf"\b({'|'.join(ISO_CODES)})\b", re.I)
_CURRENCY_WORD = re.compile(rf"\b({'|'.join(CURRENCY_WORDS)})\b", re.I)
_SYMBOL = "|".join(re.escape(s) for s in SYMBOLS)
_AMOUNT = (
    rf"(?:{_SYMBOL}|\b(?:{'|'.join(ISO_CODES)})\b)?\s?"
    r"(?:\d{1,3}(?:[,.\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)(?:\s?[kK]\b)?"
)
# A symbol may follow the amount, as in most of Europe: "18.000 € - 20.000 €".
_RANGE = re.compile(
    rf"(?P<low>{_AMOUNT})(?:\s?(?:{_SYMBOL}))?"
    rf"(?:\s*(?:-|–|—|to|and)\s*(?P<high>{_AMOUNT}))?(?P<plus>\s*\+)?", re.I
)
_ONE_AMOUNT = re.compile(_AMOUNT, re.I)
_MONEY = (
    rf"(?:{_SYMBOL}|\b(?:{'|'.join(ISO_CODES)})\b)\s?"
    r"(?:\d{1,3}(?:[,.\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)(?:\s?[kK]\b)?"
)
# In running text only money with a period after it, or after a pay word, is a salary:
# "a £2,000 joining bonus" or "£10m turnover" are not.
_TEXT_SALARY = re.compile(
    rf"(?:(?:up\s+to|from|between)\s+)?{_MONEY}(?:\s*(?:-|–|—|to|and)\s*{_AMOUNT})?(?:\s*\+)?"
    rf"(?P<period>\s*(?:{'|'.join(_PERIOD_PHRASES.values())}))?",
    re.I,
)
_DIGIT_RUN = re.compile(r"\d+")
# The money that opens every _TEXT_SALARY match, ending right before a digit.
_MONEY_BEFORE = re.compile(rf"(?:{_SYMBOL}|\b(?:{'|'.join(ISO_CODES)})\b)\s?$", re.I)
_RANGE_WORD_BEFORE = re.compile(r"(?:up\s+to|from|between)\s+$", re.I)
_PAY_WORD = re.compile(
    r"\b(?:salary|pay|paying|offering|rate|wages?|remuneration|package|ote|earn(?:ings)?)\b"
    r"[^.!?\n]{0,40}$",
    re.I,
)
_UP_TO = re.compile(r"(?:up\s+to|max(?:imum)?|to)\s*:?\s*$", re.I)
_FROM = re.compile(r"(?:from|starting\s+(?:at|from)|min(?:imum)?|at\s+least)\s*:?\s*$", re.I)


@dataclass(frozen=True)
class Salary:
    """A salary as advertised (`raw`) and as numbers; currency is ISO 4217."""

    raw: str | None = None
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    period: str | None = None


def normalize_period(unit: str | None) -> str | None:
    """"YEAR", "per annum", "p.a.", "hourly", "p/h" ... -> year/month/week/day/hour."""
    if not isinstance(unit, str):
        return None
    key = re.sub(r"[\s./_\-]", "", unit.lower())
    if key in _PERIOD_BY_WORD:
        return _PERIOD_BY_WORD[key]
    match = _PERIOD.search(unit)
    return match.lastgroup if match is not None else None


def currency_code(value: str | None) -> str | None:
    """ISO 4217 code for "gbp", "£", "US$", "euros" ...; None when none is recognisable."""
    text = clean_line(value)
    if text is None:
        return None
    if re.fullmatch(r"[A-Za-z]{3}", text):
        return text.upper()
    return _find_currency(text)


def _find_currency(text: str) -> str | None:
    code = _ISO.search(text)
    if code is not None:
        return code.group(1).upper()
    for symbol, iso in SYMBOLS.items():
        if symbol in text:
            return iso
    word = _CURRENCY_WORD.search(text)
    return CURRENCY_WORDS[word.group(1).lower()] if word is not None else None


def _amount_value(text: str) -> float | None:
    scale = 1000.0 if re.search(r"[kK]\s*$", text) else 1.0
    digits = re.sub(rf"^(?:{_SYMBOL}|[A-Za-z]{{3}})|[kK]\s*$", "", text.strip()).strip()
    amount = Price.fromstring(digits).amount_float
    if amount is None or not math.isfinite(amount * scale):
        return None  # "999...999" past float range reads as inf: no amount at all
    return amount * scale


def _is_salary_like(match: re.Match[str], has_period: bool) -> bool:
    """A currency, a "k" or a period word makes a number a salary; so does its size."""
    low = match.group("low")
    value = _amount_value(low)
    if value is None:
        return False
    marked = bool(re.match(rf"\s*(?:{_SYMBOL}|[A-Za-z]{{3}})", low) or low.rstrip()[-1] in "kK")
    return marked or has_period or value >= 1000


def _range(text: str, has_period: bool) -> tuple[float | None, float | None]:
    match = next((m for m in _RANGE.finditer(text) if _is_salary_like(m, has_period)), None)
    if match is None:
        return None, None
    low = _amount_value(match.group("low"))
    high = _amount_value(match.group("high")) if match.group("high") else None
    if high is not None and low is not None:
        if low < 1000 <= high and match.group("low").rstrip()[-1] not in "kK":
            low *= 1000  # "£25-30k": the k belongs to both ends
        return min(low, high), max(low, high)
    before = text[: match.start()]
    if _UP_TO.search(before):
        return None, low
    if _FROM.search(before) or match.group("plus"):
        return low, None
    return low, low


def parse_salary_text(text: str | None) -> Salary:
    """Best-effort numbers from salary text; the text itself is always kept as `raw`."""
    raw = clean_line(text)
    if raw is None:
        return Salary()
    period_match = _PERIOD.search(raw)
    low, high = _range(raw, has_period=period_match is not None)
    return Salary(
        raw=raw,
        min=low,
        max=high,
        currency=_find_currency(raw),
        period=period_match.lastgroup if period_match is not None else None,
    )


def to_amount(value: Any) -> float | None:
    """A JSON-LD number: int, float or a string holding one amount ("35000", "£35,000")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and _ONE_AMOUNT.fullmatch(value.strip()):
        return _amount_value(value)
    return None


def _text(value: Any) -> str | None:
    return clean_line(value) if isinstance(value, str) else None


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _describe(
    currency: str | None, low: float | None, high: float | None, unit: str | None
) -> str | None:
    """A compact text for a structured salary: "GBP 30000-35000 per YEAR"."""
    if low is not None and high is not None:
        amount = _format_number(low)
        if high != low:
            amount += f"-{_format_number(high)}"
    elif low is not None:
        amount = f"from {_format_number(low)}"
    elif high is not None:
        amount = f"up to {_format_number(high)}"
    else:
        return None
    parts = [currency, amount, f"per {unit}" if unit else None]
    return " ".join(part for part in parts if part)


def _from_monetary_amount(amount: dict[str, Any]) -> Salary:
    """schema.org MonetaryAmount, its value a number, a string or a QuantitativeValue."""
    inner = amount.get("value")
    quantity = inner if isinstance(inner, dict) else amount
    currency = _text(amount.get("currency")) or _text(quantity.get("currency"))
    unit = _text(quantity.get("unitText")) or _text(amount.get("unitText"))
    low = to_amount(quantity.get("minValue"))
    high = to_amount(quantity.get("maxValue"))
    if low is None and high is None:
        single = to_amount(quantity.get("value") if quantity is not amount else inner)
        low = high = single
    if low is None and high is None and isinstance(inner, str):
        parsed = parse_salary_text(inner)
        period = normalize_period(unit) or parsed.period
        return Salary(parsed.raw, parsed.min, parsed.max,
                      currency_code(currency) or parsed.currency, period)
    if low is not None and high is not None and low > high:
        low, high = high, low
    # "Pounds", "£", "usd": the same ISO code the text would give (the column holds three).
    currency = currency_code(currency)
    return Salary(_describe(currency, low, high, unit), low, high, currency, normalize_period(unit))


def salary_from_jsonld(value: Any) -> Salary:
    """A Salary from JSON-LD ``baseSalary``: MonetaryAmount, a number, a text or a list."""
    if isinstance(value, dict):
        return _from_monetary_amount(value)
    if isinstance(value, str):
        return parse_salary_text(value)
    if isinstance(value, list):
        for entry in value:
            found = salary_from_jsonld(entry)
            if found != Salary():
                return found
        return Salary()
    number = to_amount(value)
    if number is None:
        return Salary()
    return Salary(_describe(None, number, number, None), number, number)


def has_pay(salary: Salary) -> bool:
    """True when a salary says an amount, as figures or as text (a currency alone does not)."""
    return salary.raw is not None or salary.min is not None or salary.max is not None


def find_salary_in_text(text: str | None) -> Salary:
    """The first salary written in running text ("Salary: £28,000 - £32,000 per annum").

    Money counts when a period follows it or a pay word comes shortly before it; `raw`
    is the matched phrase, e.g. "£14.00 per hour".
    """
    text = text or ""
    for match in _text_salaries(text):
        # A pay word lies at most ~55 characters before the money: look only there.
        start = match.start()
        if match.group("period") or _PAY_WORD.search(text, max(0, start - 64), start):
            return parse_salary_text(match.group(0))
    return Salary()


def _text_salaries(text: str) -> Iterator[re.Match[str]]:
    """What ``_TEXT_SALARY.finditer(text)`` finds, at a fraction of the cost.

    Scanning the whole pattern at every position of a long description is slow; every
    salary starts with money (a symbol or code right before a digit), so the pattern is
    only tried where a run of digits has a currency just before it.
    """
    end = 0
    for digits in _DIGIT_RUN.finditer(text):
        position = digits.start()
        if position < end:
            continue  # inside the previous salary ("£28,000 - £32,000")
        money = _money_start(text, position)
        if money is None:
            continue
        prefix = _RANGE_WORD_BEFORE.search(text, max(end, money - 24), money)
        match = _TEXT_SALARY.match(text, prefix.start() if prefix else money)
        if match is None and prefix is not None:
            match = _TEXT_SALARY.match(text, money)
        if match is not None and match.end() > position:
            end = match.end()
            yield match


def _money_start(text: str, digit: int) -> int | None:
    """Where the currency right before the digit at `digit` starts, or None without one."""
    found = _MONEY_BEFORE.search(text, max(0, digit - 5), digit)
    return found.start() if found is not None else None


# "Bi-Weekly", "Semi-Monthly": no period of the five, though "weekly" is part of the word.
_MULTIPLE_PERIOD = re.compile(r"\b(?:bi|semi)\W?(?:weekly|monthly|annual(?:ly)?)", re.I)


def salary_from_parts(low: Any = None, high: Any = None, currency: str | None = None,
                      unit: str | None = None, raw: str | None = None) -> Salary:
    """A Salary from separate fields, as feeds write them (NEOGOV's minimumSalary,
    maximumSalary, salaryCurrency, salaryInterval; EngageATS's salaryRangeFrom/To).

    Amounts may carry their currency ("£24,454"). `raw` is the feed's own salary text,
    kept as written; without it a compact text is made ("USD 22.5-33 per Hour").
    A period that is none of the five (bi-weekly) stays None.
    """
    low_value, high_value = to_amount(low), to_amount(high)
    if low_value is not None and high_value is not None and low_value > high_value:
        low_value, high_value = high_value, low_value
    amounts = " ".join(text for text in (low, high) if isinstance(text, str))
    code = currency_code(currency) or (_find_currency(amounts) if amounts else None)
    multiple = isinstance(unit, str) and _MULTIPLE_PERIOD.search(unit) is not None
    period = None if multiple else normalize_period(unit)
    # "Bi-Weekly" written as "BiWeekly", so that reading the text later finds no "weekly".
    shown = re.sub(r"\W", "", unit) if multiple and unit else unit
    text = clean_line(raw) or _describe(code, low_value, high_value, shown)
    return Salary(text, low_value, high_value, code, period)


# estimatedSalary is a guess (often the board's own model), not what the employer
# offers: read only without a baseSalary, and marked so in salary_raw (the normalize
# step counts it: jobcrawl/salary/estimated).
ESTIMATED_PREFIX = "Estimated: "
_DURATION_PERIODS = {"PT1H": "hour", "P1D": "day", "P1W": "week", "P1M": "month", "P1Y": "year"}


def estimated_salary(value: Any) -> Salary:
    """A Salary from JSON-LD ``estimatedSalary``, its raw text starting "Estimated: ".

    A MonetaryAmount, number or text reads as baseSalary does; a
    MonetaryAmountDistribution gives its 25th-75th percentile range (else its
    median), its period from ``duration`` ("P1Y") when it has no unitText.
    """
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        found = salary_from_jsonld(entry)
        if not has_pay(found) and isinstance(entry, dict):
            found = _from_distribution(entry)
        if has_pay(found):
            raw = found.raw or ""
            return Salary(ESTIMATED_PREFIX + raw, found.min, found.max, found.currency,
                          found.period)
    return Salary()


def _from_distribution(distribution: dict[str, Any]) -> Salary:
    low, high = to_amount(distribution.get("percentile25")), to_amount(
        distribution.get("percentile75"))
    if low is None or high is None:
        low = high = to_amount(distribution.get("median"))
    if low is None:
        return Salary()
    low, high = min(low, high), max(low, high)  # type: ignore[type-var]
    currency = currency_code(_text(distribution.get("currency")))
    duration = _text(distribution.get("duration"))
    unit = _text(distribution.get("unitText"))
    period = normalize_period(unit) or _DURATION_PERIODS.get((duration or "").upper())
    return Salary(_describe(currency, low, high, unit or period), low, high, currency, period)
