"""One JobItem from what a provider's record says: the fields every extractor fills alike, once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobcrawl.extract.salary import Salary
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from datetime import date, datetime

NO_SALARY = Salary()
# How several places of one ad are joined in `location` (the record's contract).
LOCATION_SEPARATOR = "; "
NO_TERMS: tuple[str | None, str | None] = (None, None)


def build_item(
    *,
    source: str,
    scraped_at: datetime,
    webindex: str = "",
    url: str = "",
    title: str = "",
    company: str | None = None,
    location: str | None = None,
    category: str | None = None,
    terms: tuple[str | None, str | None] = NO_TERMS,
    description: str = "",
    salary: Salary = NO_SALARY,
    date_posted: date | str | None = None,
    closing_date_raw: str | None = None,
    remote: bool | None = None,
) -> JobItem:
    """The JobItem of one ad from the values its extractor read.

    `terms` is (contract_type, contract_time), as :func:`employment_terms` gives them;
    `salary` is unpacked into the five salary fields. `date_posted` may stay the text
    as written and `closing_date_raw` is the record's structured closing date
    (closing_date_source "structured"): the normalize pipeline reads both, with the
    spider's day-first setting. Extractors leave closing_date itself to that pipeline.
    `remote`: True/False only when the record says so (None: not said).
    """
    # One plain constructor call: this runs once per ad on the crawl's hot path.
    return JobItem(
        webindex=webindex,
        source=source,
        url=url,
        title=title,
        company=company,
        location=location,
        category=category,
        contract_type=terms[0],
        contract_time=terms[1],
        description=description,
        salary_raw=salary.raw,
        salary_min=salary.min,
        salary_max=salary.max,
        salary_currency=salary.currency,
        salary_period=salary.period,
        date_posted=date_posted,  # type: ignore[arg-type]
        closing_date_raw=closing_date_raw,
        closing_date_source="structured" if closing_date_raw else None,
        remote=remote,
        scraped_at=scraped_at,
    )
