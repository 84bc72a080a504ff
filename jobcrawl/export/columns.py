"""Stored values -> export values -> CSV cells, one column of a chunk at a time.

This is the hot path of a big export. Working a column at a time lets each
conversion be one list comprehension picked once per column (no per-value
dispatch on type), and leaves the many text columns that need no CSV quoting
untouched after a single scan. The results equal what exporters.export_value
and the csv module give value by value; the tests hold them to that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Integer

from jobcrawl.db.models import Job
from jobcrawl.export.values import EXPORT_FIELDS, as_utc

Column = Sequence[Any]


def _kind(name: str) -> str:
    column_type = Job.__table__.c[name].type
    for sql_type, kind in ((DateTime, "datetime"), (Date, "date"), (Float, "float"),
                           (Integer, "int"), (Boolean, "bool")):
        if isinstance(column_type, sql_type):
            return kind
    return "text"


FIELD_KINDS: dict[str, str] = {name: _kind(name) for name in (*EXPORT_FIELDS, "last_run")}
"""Export field -> "text", "float", "int", "bool", "date" or "datetime", from the table's
column types."""


def _iso_datetime(value: Any) -> str:
    if isinstance(value, str):  # SQLite text in another layout than SQLAlchemy's own
        value = datetime.fromisoformat(value)
    return as_utc(value).isoformat()


def iso_datetimes(values: Column) -> list[str | None]:
    """UTC ISO 8601 texts ("2026-11-20T06:30:15+00:00"); naive values are UTC already.

    SQLite hands back SQLAlchemy's own text, "2026-11-20 06:30:15.000000" in UTC:
    it is rewritten with string methods, far cheaper than parsing a datetime;
    a column of nothing else, the usual case, with a few calls for all of it.
    PostgreSQL's export cursor reads timestamptz as its ISO text in UTC
    (database.stream_chunks): "2026-11-20 06:30:15+00", or with all six digits of
    microseconds, is rewritten the same way; shorter fractions are parsed.
    """
    whole = _stored_layout_iso(values)
    if whole is not None:
        return whole
    return [
        None if v is None
        else v.replace(" ", "T", 1).removesuffix(".000000") + "+00:00"
        if type(v) is str and len(v) == _STORED_LEN and v[19] == "."
        else v.replace(" ", "T", 1) + ":00"
        if type(v) is str and v[-3:] == "+00" and (len(v) == 22 or (len(v) == 29 and v[19] == "."))
        else _iso_datetime(v)
        for v in values
    ]


_STORED_LEN = 26  # "2026-11-20 06:30:15.000000"
_SEP = "\x00"


def _stored_layout_iso(values: Column) -> list[str] | None:
    """iso_datetimes of a column of stored-layout texts, worked on as one joined string.

    None unless every value is a text of 26 characters with its one space at
    10, "." at 19 and no NUL: then each value's conversion is the per-value
    one (first space to "T", ".000000" dropped, "+00:00" added) exactly.
    """
    count = len(values)
    try:
        joined = _SEP.join(values)
    except TypeError:  # a None or a datetime among them
        return None
    stride = _STORED_LEN + 1
    if (len(joined) != stride * count - 1 or joined.count(_SEP) != count - 1
            or joined[_STORED_LEN::stride] != _SEP * (count - 1)
            or joined[19::stride] != "." * count or joined[10::stride] != " " * count
            or joined.count(" ") != count):
        return None
    # Every NUL now ends a value, so ".000000" + NUL is a whole-second value's tail.
    converted = (joined + _SEP).replace(" ", "T").replace(".000000" + _SEP, _SEP)
    return converted.replace(_SEP, "+00:00" + _SEP).split(_SEP)[:-1]


def iso_dates(values: Column) -> list[str | None]:
    """ISO dates; SQLite stores them as "2026-11-20", PostgreSQL's export cursor reads them so."""
    return [v if v is None or type(v) is str else v.isoformat() for v in values]


def flags(values: Column) -> list[bool | None]:
    """True/False/None: SQLite's driver hands a BOOLEAN column back as 1/0."""
    return [v if v is None or v is True or v is False else bool(v) for v in values]


def finite_floats(values: Column) -> list[float | None]:
    """NaN and infinities become None: they are not JSON and mean "no number" in a salary."""
    # v - v is 0.0 for every finite float and NaN for NaN and the infinities.
    return [v if v is None or v - v == 0 else None for v in values]


EXPORT_VALUES: dict[str, Callable[[Column], Sequence[Any]]] = {
    "text": lambda values: values,
    "int": lambda values: values,
    "bool": flags,
    "float": finite_floats,
    "date": iso_dates,
    "datetime": iso_datetimes,
}
"""Kind -> column converter giving the values every export carries (exporters.export_value)."""


def export_values(columns: Sequence[Column], kinds: Sequence[str]) -> list[Sequence[Any]]:
    return [EXPORT_VALUES[kind](column) for column, kind in zip(columns, kinds, strict=True)]


def csv_columns(columns: Sequence[Column], kinds: Sequence[str], *,
                excel: bool = False) -> list[Sequence[str]]:
    """Stored columns as CSV cells: dates converted first, other kinds straight from storage."""
    return [csv_cells(EXPORT_VALUES[kind](column) if kind in ("date", "datetime", "bool")
                      else column, kind, excel=excel)
            for column, kind in zip(columns, kinds, strict=True)]


_QUOTE, _QUOTE_QUOTE = '"', '""'
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets."""


def neutralise_formulas(cells: list[str]) -> list[str]:
    """A leading apostrophe on cells a spreadsheet would run as formulas (OWASP's advice).

    Spreadsheets show such a cell as the text after the apostrophe.
    """
    return ["'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell for cell in cells]


def csv_quoted(cells: Sequence[str], probe: str | None = None) -> Sequence[str]:
    """RFC 4180 quoting exactly as csv.writer's QUOTE_MINIMAL: only cells that need it.

    Earns its place: csv.writer over the same export values took 87% more CPU per row
    (22.60 against 12.11 us, whole `scrapy export` process, median of 5 alternating
    rounds over 500,000 rows; 16,772 against 34,892 rows/s) in benchmarks/export.py's
    setting, the csv.writer variant patched in by a scratch script.

    `probe` is "\x00".join(cells) when the caller has it already.
    """
    if probe is None:
        probe = "\x00".join(cells)
    if not ("\n" in probe or "," in probe or '"' in probe or "\r" in probe):
        return cells  # the common case for short columns: one scan, no per-cell work
    return [
        f'"{cell.replace(_QUOTE, _QUOTE_QUOTE)}"'
        if "\n" in cell or "," in cell or _QUOTE in cell or "\r" in cell else cell
        for cell in cells
    ]


def csv_cells(values: Sequence[Any], kind: str, *, excel: bool = False) -> Sequence[str]:
    """One column of export values as CSV cells (None as an empty cell).

    Text, number and int columns may equally be given as stored: their export
    values only turn NaN and the infinities into None, which this does too.
    """
    if kind == "text":
        if excel:
            return csv_quoted(neutralise_formulas(["" if v is None else v for v in values]))
        try:
            # Joins only texts: a column without None (most are NOT NULL) needs no copy.
            return csv_quoted(values, "\x00".join(values))
        except TypeError:
            return csv_quoted(["" if v is None else v for v in values])
    if kind == "float":
        # finite_floats and repr in one pass: v - v is NaN for NaN and the infinities.
        return ["" if v is None or v - v != 0 else repr(v) for v in values]
    if kind in ("int", "bool"):  # a bool as the csv module writes it: True / False
        return ["" if v is None else repr(v) for v in values]
    return ["" if v is None else v for v in values]  # ISO dates: nothing to quote

