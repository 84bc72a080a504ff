"""Read Adzuna-style CSV files (the Kaggle "Job Salary Prediction" layout), streaming row by row.

Header: Id,Title,FullDescription,LocationRaw,LocationNormalized,ContractType,
ContractTime,Company,Category,SalaryRaw,SalaryNormalized,SourceName. Only Id
and Title are required; a missing column reads as empty (the competition's
test file has no salary columns). In that data ContractType holds
full_time/part_time and ContractTime permanent/contract, so both go through
the shared employment vocabulary. SourceName has no JobItem field and is not kept.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import sys
from typing import TYPE_CHECKING

from jobcrawl.extract.normalize import employment_terms
from jobcrawl.extract.salary import parse_salary_text, to_amount
from jobcrawl.importers import Ad, Problem
from jobcrawl.items import JobItem

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from datetime import datetime
    from pathlib import Path

ADZUNA_COLUMNS: tuple[str, ...] = (
    "Id", "Title", "FullDescription", "LocationRaw", "LocationNormalized", "ContractType",
    "ContractTime", "Company", "Category", "SalaryRaw", "SalaryNormalized", "SourceName",
)  # fmt: skip
REQUIRED_COLUMNS = ("Id", "Title")
# SalaryNormalized is the advertised salary annualised, in pounds sterling.
NORMALIZED_CURRENCY = "GBP"
NORMALIZED_PERIOD = "year"
# A description of a few hundred kB is rare but real; csv's default limit is 128 kB.
FIELD_SIZE_LIMIT = 64 * 1024 * 1024
# salary_raw, salary_min, salary_max, salary_currency, salary_period
SalaryFields = tuple[str | None, float | None, float | None, str | None, str | None]


def row_to_item(
    row: Mapping[str, str], *, source: str, scraped_at: datetime, category: str | None = None
) -> JobItem:
    """The JobItem of one CSV row (column name -> cell); text is kept exactly as written.

    Empty cells become None; `category`, when given, replaces the Category column.
    """
    contract_type, contract_time = _contract(row.get("ContractType"), row.get("ContractTime"))
    salary_raw, salary_min, salary_max, currency, period = _salary(
        _cell(row, "SalaryRaw"), _cell(row, "SalaryNormalized")
    )
    return JobItem(
        webindex=row.get("Id") or "",
        source=source,
        url="",  # no URL in the CSV: stored as NULL (db.upsert.job_row)
        title=row.get("Title") or "",
        company=_cell(row, "Company"),
        location=_cell(row, "LocationRaw") or _cell(row, "LocationNormalized"),
        category=category if category is not None else _cell(row, "Category"),
        contract_type=contract_type,
        contract_time=contract_time,
        description=row.get("FullDescription") or "",
        salary_raw=salary_raw,
        salary_min=salary_min,
        salary_max=salary_max,
        salary_currency=currency,
        salary_period=period,
        scraped_at=scraped_at,
    )


def _cell(row: Mapping[str, str], name: str) -> str | None:
    value = row.get(name)
    return value if value and value.strip() else None


# Boards repeat the same few words and salary texts across millions of rows: parsing
# each distinct value once makes the import several times faster.
@functools.lru_cache(maxsize=1024)
def _contract(contract_type: str | None, contract_time: str | None) -> tuple[str | None, ...]:
    return employment_terms([contract_type or "", contract_time or ""])


@functools.lru_cache(maxsize=65536)
def _salary(raw: str | None, normalized: str | None) -> SalaryFields:
    """Numbers from SalaryRaw; when it has none, SalaryNormalized as an annual GBP figure."""
    parsed = parse_salary_text(raw)
    annual = to_amount(normalized.strip()) if normalized is not None else None
    low, high, period = parsed.min, parsed.max, parsed.period
    if low is None and high is None and annual is not None:
        low = high = annual
        period = NORMALIZED_PERIOD
    # A normalised figure says the row's pay is in pounds, whatever SalaryRaw spells out.
    currency = parsed.currency or (NORMALIZED_CURRENCY if annual is not None else None)
    if low is None and high is None:
        currency = period = None
    return raw, low, high, currency, period


def read_adzuna_csv(
    path: Path, *, source: str, scraped_at: datetime, category: str | None = None
) -> Iterator[Ad | Problem]:
    """Every row of one CSV file as an Ad or a Problem, with the line the row starts on.

    The file is read as a stream (memory stays flat for millions of rows).
    Bytes that are not UTF-8 are kept as surrogates, so one bad row is
    reported (undecodable) and the rest of the file is still read.
    """
    shown = os.fsdecode(path)
    try:
        binary = path.open("rb")
    except OSError as exc:
        yield Problem(shown, None, "unreadable", exc.strerror or str(exc))
        return
    # utf-8-sig: spreadsheet programs start their CSV files with a byte-order mark.
    with io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        reader = csv.reader(f, strict=False)
        _raise_field_size_limit()
        header = next(reader, None)
        missing = [name for name in REQUIRED_COLUMNS if name not in (header or [])]
        if header is None or missing:
            detail = "empty file" if header is None else f"no {', '.join(missing)} column in header"
            yield Problem(shown, 1, "not_adzuna_csv", detail)
            return
        yield from _rows(reader, header, shown, source=source, scraped_at=scraped_at,
                         category=category)


def _raise_field_size_limit() -> None:
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(min(FIELD_SIZE_LIMIT, sys.maxsize))


def _rows(
    reader: Iterator[list[str]],
    header: list[str],
    shown: str,
    *,
    source: str,
    scraped_at: datetime,
    category: str | None,
) -> Iterator[Ad | Problem]:
    while True:
        line = reader.line_num + 1  # type: ignore[attr-defined]
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Problem(shown, line, "csv_error", str(exc))
            if reader.line_num < line:  # type: ignore[attr-defined]
                return  # nothing more could be read: never loop on the same line
            continue
        if not cells:
            continue  # a blank line between rows
        if len(cells) != len(header):
            yield Problem(shown, line, "wrong_field_count",
                          f"{len(cells)} fields, the header has {len(header)}")
            continue
        row = dict(zip(header, cells, strict=True))
        if not (row.get("Id") or "").strip():
            yield Problem(shown, line, "missing_id", "the Id cell is empty")
        elif not (row.get("Title") or "").strip():
            yield Problem(shown, line, "missing_title", f"Id {row['Id']}: the Title cell is empty")
        else:
            item = row_to_item(row, source=source, scraped_at=scraped_at, category=category)
            yield Ad(item, shown, line)
