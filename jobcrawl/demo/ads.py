"""Generated demo job ads and their ground truth, deterministic for a seed."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Generic, TypeVar

from jobcrawl.demo.data import phrases

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")

MARKUPS = ("jsonld", "jsonld-array", "jsonld-graph", "jsonld-two-blocks", "microdata", "none")
CLOSING_MODES = ("structured", "text", "unparseable", "none")
IDENTIFIER_SHAPES = ("string", "property-value", "int", "missing")
EMPLOYMENT_TYPES = ("FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", None)

# Every ad is posted in this window; it closes 7..60 days later. Fixed dates, never
# today's: the truth must not change with the day the tests run.
FIRST_POSTED = date(2026, 10, 1)
LAST_POSTED = date(2026, 11, 20)

# Month names without strftime, whose names follow the locale.
MONTHS = phrases.MONTHS
WEEKDAYS = phrases.WEEKDAYS
PERIOD_WORDS = {"YEAR": "per annum", "HOUR": "per hour", "DAY": "per day"}

UNPARSEABLE_PHRASES = (
    "Closing date: ASAP",
    "Closing Date: until the position is filled",
    "Closing date: ongoing",
    "Deadline: TBC",
    "Closing Date: 31st February 2027",  # impossible: must stay None, not be guessed
)


@dataclass(frozen=True)
class DemoAd:
    """One generated ad: what the board shows, and what a correct crawl must store.

    - ``employment_type``: a schema.org value (EMPLOYMENT_TYPES) or None.
    - ``salary_*``: the truth (period "YEAR", "HOUR" or "DAY"; currency "GBP") or all
      None. ``salary_text`` is set only when the salary is written in the description
      and not in the markup.
    - ``closing_mode``: "structured" (validThrough), "text" (a phrase in the
      description), "unparseable" (a phrase, truth None) or "none".
      ``closing_raw`` is the exact validThrough string or the phrase.
    - ``markup``: MARKUPS; "none" pages carry no JobPosting and give no item.
    - ``identifier_shape``: IDENTIFIER_SHAPES; see ``identifier`` for the webindex.
    - ``style``: picks cosmetic rendering variants that never change the truth.
    """

    ad_id: str
    title: str
    company: str | None
    location: str
    category: str
    employment_type: str | None
    description_paragraphs: tuple[str, ...]
    salary_min: float | None
    salary_max: float | None
    salary_currency: str | None
    salary_period: str | None
    salary_text: str | None
    date_posted: date
    closing_date: date | None
    closing_mode: str
    closing_raw: str | None
    markup: str
    identifier_shape: str
    style: int

    @property
    def identifier_value(self) -> str | int | None:
        """The identifier exactly as the markup carries it (inside a PropertyValue or not)."""
        if self.identifier_shape == "missing":
            return None
        if self.identifier_shape == "int":
            return int(self.ad_id.rsplit("-", 1)[1])
        return self.ad_id

    @property
    def identifier(self) -> str | None:
        """The webindex a crawl must store; None: the crawler derives it from the URL."""
        value = self.identifier_value
        return None if value is None else str(value)

    @property
    def description(self) -> str:
        return "\n\n".join(self.description_paragraphs)

    @property
    def has_job_posting(self) -> bool:
        return self.markup != "none"

    @property
    def salary_in_markup(self) -> bool:
        return self.salary_min is not None and self.salary_text is None

    @property
    def salary_label(self) -> str | None:
        """The salary as people read it, e.g. "£28,000 - £32,000 per annum"."""
        if self.salary_min is None or self.salary_max is None or self.salary_period is None:
            return None
        return salary_phrase(self.salary_min, self.salary_max, self.salary_period)


def salary_phrase(low: float, high: float, period: str) -> str:
    def money(value: float) -> str:
        return f"£{value:,.2f}" if period == "HOUR" else f"£{value:,.0f}"

    amount = money(low) if low == high else f"{money(low)} - {money(high)}"
    return f"{amount} {PERIOD_WORDS[period]}"


def long_date(day: date) -> str:
    """"5 October 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# The ways boards write a closing date in running text (DESIGN.md, closing dates).
TEXT_FORMATS: tuple[Callable[[date], str], ...] = (
    lambda d: f"Closing Date: {_ordinal(d.day)} {MONTHS[d.month - 1]} {d.year}",
    lambda d: f"Closing date for applications {d.day:02d}/{d.month:02d}/{d.year}",
    lambda d: f"Apply by {d.day} {MONTHS[d.month - 1]}",  # no year: next one after posting
    lambda d: f"Deadline: {d.isoformat()}",
    lambda d: f"Applications close on {long_date(d)}",
    lambda d: f"Closing date: {WEEKDAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1][:3]} {d.year}",
)


def _valid_through(rng: random.Random, closes: date) -> str:
    """A validThrough value whose own calendar date is ``closes``, whatever its offset."""
    roll = rng.random()
    if roll < 0.6:
        return closes.isoformat()
    if roll < 0.75:
        return f"{closes.isoformat()}T00:00:00+01:00"  # the UTC date is the day before
    if roll < 0.85:
        return f"{closes.isoformat()}T23:59:59-05:00"  # the UTC date is the day after
    return f"{closes.isoformat()}T17:00:00Z"


def _pick(rng: random.Random, items: Sequence[T], cum_weights: Sequence[int]) -> T:
    # rng.choices(k=1) does the same, several times slower (20,000 ads in the benchmark).
    return items[bisect(cum_weights, rng.random() * cum_weights[-1])]


class _Deck(Generic[T]):
    """Deals values in shuffled rounds with exact shares, so that even a small board
    (and every stretch of a big one) has the intended mix, not a lucky draw."""

    def __init__(self, rng: random.Random, counts: dict[T, int]) -> None:
        self._rng = rng
        self._round = [value for value, count in counts.items() for _ in range(count)]
        self._hand: list[T] = []

    def deal(self) -> T:
        if not self._hand:
            self._hand = self._round.copy()
            self._rng.shuffle(self._hand)
        return self._hand.pop()


# Shares per round: closing 35/30/5/30 %, identifiers 55/20/10/15 %, markup mostly
# JSON-LD, 15 % microdata, 2.5 % without a JobPosting.
_CLOSING_ROUND = {"structured": 7, "text": 6, "unparseable": 1, "none": 6}
_SHAPE_ROUND = {"string": 11, "property-value": 4, "int": 2, "missing": 3}
_MARKUP_ROUND = {"jsonld": 18, "jsonld-array": 4, "jsonld-graph": 5, "jsonld-two-blocks": 6,
                 "microdata": 6, "none": 1}
_EMPLOYMENT_CUM = tuple(accumulate((55, 15, 12, 8, 3, 7)))
_CATEGORY_NAMES = tuple(phrases.CATEGORIES)
_HOURLY_CATEGORIES = {"Hospitality & Catering Jobs", "Logistics & Warehouse Jobs",
                      "Healthcare & Nursing Jobs", "Admin Jobs"}


@dataclass(frozen=True)
class _Decks:
    closing: _Deck[str]
    markup: _Deck[str]
    shape: _Deck[str]


def _title(rng: random.Random, category: str, employment_type: str | None) -> str:
    title = rng.choice(phrases.CATEGORIES[category][0])
    if rng.random() < 0.12 and not title.startswith(("Senior", "Head", "Lead")):
        title = rng.choice(phrases.SENIORITY) + title
    if employment_type == "INTERN":
        title = f"{title} Internship"
    return title


def _company(rng: random.Random, category: str) -> str | None:
    roll = rng.random()
    if roll < 0.2:
        return None  # "our client": the agency does not say who
    return rng.choice(phrases.AGENCIES if roll < 0.35 else phrases.COMPANIES[category])


def _salary(rng: random.Random, category: str,
            employment_type: str | None) -> tuple[float, float, str] | None:
    """(min, max, period) for ~60% of ads, in bands that fit the category."""
    if rng.random() >= 0.6:
        return None
    if employment_type == "CONTRACTOR" and rng.random() < 0.6:
        low = float(rng.randrange(300, 650, 25))
        return low, low + rng.choice((0, 50, 100)), "DAY"
    hourly = employment_type in ("PART_TIME", "TEMPORARY") or (
        category in _HOURLY_CATEGORIES and rng.random() < 0.3)
    if hourly:
        low = rng.randrange(1050, 1600, 25) / 100
        return low, low + rng.choice((0.0, 0.5, 1.5)), "HOUR"
    band_low, band_high = phrases.CATEGORIES[category][2]
    low = float(rng.randrange(band_low, band_high) * 1000 + rng.choice((0, 500)))
    return low, low + rng.choice((0, 2000, 3000, 5000, 8000)), "YEAR"


def _closing(rng: random.Random, mode: str, posted: date,
             style: int) -> tuple[str, date | None, str | None, str | None]:
    """(mode, truth, raw, phrase to put in the description)."""
    closes = posted + timedelta(days=rng.randint(7, 60))
    if mode == "structured":
        # Some boards repeat the structured date in the text; the same day, so no conflict.
        echo = TEXT_FORMATS[0](closes) if style % 4 == 0 else None
        return mode, closes, _valid_through(rng, closes), echo
    if mode == "text":
        phrase = rng.choice(TEXT_FORMATS)(closes)
        return mode, closes, phrase, phrase
    if mode == "unparseable":
        phrase = rng.choice(UNPARSEABLE_PHRASES)
        return mode, None, phrase, phrase
    return mode, None, None, None


def _with_article(title: str) -> str:
    return f"an {title}" if title[0] in "AEIOU" else f"a {title}"


def _description(rng: random.Random, fill: dict[str, str], category: str,
                 salary_sentence: str | None, closing_phrase: str | None) -> tuple[str, ...]:
    duties = rng.sample(phrases.CATEGORIES[category][1], 2)
    if rng.random() < 0.5:
        duties.append(rng.choice(phrases.ABOUT))
    paragraphs = [
        rng.choice(phrases.INTROS).format(**fill),
        " ".join(duties).format(**fill),
        " ".join(rng.sample(phrases.REQUIREMENTS, rng.randint(2, 3))),
    ]
    if rng.random() < 0.7:
        paragraphs.append(rng.choice(phrases.BENEFITS))
    if salary_sentence:
        paragraphs.append(salary_sentence)
    apply = rng.choice(phrases.APPLY)
    if closing_phrase and rng.random() < 0.5:
        paragraphs.append(f"{apply} {closing_phrase}")  # at the end, as in the seed record
    else:
        paragraphs.extend(p for p in (apply, closing_phrase) if p)
    return tuple(p[0].upper() + p[1:] for p in paragraphs)


def _make_ad(rng: random.Random, index: int, decks: _Decks) -> DemoAd:
    category = rng.choice(_CATEGORY_NAMES)
    employment_type = _pick(rng, EMPLOYMENT_TYPES, _EMPLOYMENT_CUM)
    title = _title(rng, category, employment_type)
    company = _company(rng, category)
    location = rng.choice(phrases.TOWNS)
    style = rng.randrange(1000)
    posted = FIRST_POSTED + timedelta(days=rng.randint(0, (LAST_POSTED - FIRST_POSTED).days))
    mode, closes, closing_raw, closing_phrase = _closing(rng, decks.closing.deal(), posted, style)
    salary = _salary(rng, category, employment_type)
    salary_text = salary_sentence = None
    if salary and rng.random() < 0.3:  # written only in the text, not in baseSalary
        salary_text = salary_phrase(*salary)
        template = rng.choice(("Salary: {}", "We are offering {}, depending on experience.",
                               "Pay: {} plus benefits."))
        salary_sentence = template.format(salary_text)
    fill = {"title": title, "a_title": _with_article(title), "location": location,
            "company": company or rng.choice(phrases.NO_COMPANY)}
    return DemoAd(
        ad_id=f"DJ-{index + 1:06d}", title=title, company=company, location=location,
        category=category, employment_type=employment_type,
        description_paragraphs=_description(rng, fill, category, salary_sentence, closing_phrase),
        salary_min=salary[0] if salary else None, salary_max=salary[1] if salary else None,
        salary_currency="GBP" if salary else None, salary_period=salary[2] if salary else None,
        salary_text=salary_text, date_posted=posted, closing_date=closes, closing_mode=mode,
        closing_raw=closing_raw, markup=decks.markup.deal(),
        identifier_shape=decks.shape.deal(), style=style,
    )


def generate_ads(n: int = 300, seed: int = 2013) -> list[DemoAd]:
    """``n`` ads numbered DJ-000001.., identical for the same (n, seed) in every process."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = random.Random(seed)
    decks = _Decks(_Deck(rng, _CLOSING_ROUND), _Deck(rng, _MARKUP_ROUND), _Deck(rng, _SHAPE_ROUND))
    return [_make_ad(rng, index, decks) for index in range(n)]
