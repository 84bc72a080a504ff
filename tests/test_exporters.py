"""Job exporters: FEEDS exporters, value conventions, and `scrapy export`'s column writers."""

from __future__ import annotations

import csv
import io
import json
import os
import textwrap
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from scrapy.http import HtmlResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobcrawl.db.engine import make_engine
from jobcrawl.db.models import Base, Job
from jobcrawl.export.atomic import atomic_output
from jobcrawl.export.columns import finite_floats, iso_dates, iso_datetimes, neutralise_formulas
from jobcrawl.export.feeds import JobCsvItemExporter, JobJsonLinesItemExporter
from jobcrawl.export.jobposting import job_posting
from jobcrawl.export.values import EXPORT_FIELDS, as_utc, export_value, row_to_dict
from jobcrawl.export.writers import CsvWriter, JsonLinesWriter, ParquetWriter
from jobcrawl.extract.jobposting import to_item
from jobcrawl.extract.jsonld import extract_postings
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.items import JOB_FIELDS, JobItem
from tests.utils.scrapy import run_scrapy

TRICKY_DESCRIPTION = 'Say "hello", then\nmore lines,\r\nand a comma, ünïcødé €'

STORED = {
    "webindex": "72119477",
    "source": "greenhouse:acme",
    "url": "https://example.com/jobs/1?a=1,2",
    "title": 'IT Project Manager "Infrastructure"',
    "company": "Acme, Ltd",
    "location": "Zürich",
    "category": None,
    "contract_type": "permanent",
    "contract_time": "full_time",
    "description": TRICKY_DESCRIPTION,
    "salary_raw": "£30,000 - £35,500 per annum",
    "salary_min": 30000.0,
    "salary_max": 35500.5,
    "salary_currency": "GBP",
    "salary_period": "year",
    "date_posted": date(2026, 11, 1),
    "closing_date": date(2026, 12, 10),
    "closing_date_raw": "Closing Date: 10th December 2026",
    "closing_date_source": "text",
    "remote": True,
    "scraped_at": datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
    "first_seen": datetime(2026, 11, 20, 8, 30, 15, tzinfo=timezone(timedelta(hours=2))),
    "last_seen": datetime(2026, 11, 25, 10, 0, 0, 123456),  # naive: taken as UTC
    "seen_count": 3,
    "expired_at": datetime(2026, 11, 26, 1, 0, tzinfo=UTC),
    "expiry_reason": "unlisted",
}

STORED_AS_TEXT = {
    **{name: "" if value is None else str(value) for name, value in STORED.items()},
    "salary_min": "30000.0",
    "salary_max": "35500.5",
    "date_posted": "2026-11-01",
    "closing_date": "2026-12-10",
    "scraped_at": "2026-11-25T10:00:00+00:00",
    "first_seen": "2026-11-20T06:30:15+00:00",
    "last_seen": "2026-11-25T10:00:00.123456+00:00",
    "seen_count": "3",
    "expired_at": "2026-11-26T01:00:00+00:00",
}

CRAWLED = JobItem(
    webindex="abc", source="jobposting:careers.example.com", url="https://careers.example.com/1",
    title="Nurse", description="Night shifts.", date_posted=date(2026, 1, 31),
    scraped_at=datetime(2026, 2, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
)

CRAWLED_AS_JSON = {
    **{name: None for name in EXPORT_FIELDS},
    "webindex": "abc", "source": "jobposting:careers.example.com",
    "url": "https://careers.example.com/1", "title": "Nurse", "description": "Night shifts.",
    "date_posted": "2026-01-31", "scraped_at": "2026-02-02T04:59:59+00:00",
}


def export_to_bytes(exporter_cls: type, items: list, **kwargs) -> bytes:
    out = io.BytesIO()
    exporter = exporter_cls(out, **kwargs)
    exporter.start_exporting()
    for item in items:
        exporter.export_item(item)
    exporter.finish_exporting()
    return out.getvalue()


def read_csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_export_fields_are_job_fields_then_bookkeeping() -> None:
    exported = EXPORT_FIELDS

    assert exported == (
        "webindex", "source", "url", "title", "company", "location", "category",
        "contract_type", "contract_time", "description", "salary_raw", "salary_min",
        "salary_max", "salary_currency", "salary_period", "date_posted", "closing_date",
        "closing_date_raw", "closing_date_source", "remote", "scraped_at",
        "first_seen", "last_seen", "seen_count", "expired_at", "expiry_reason",
    )
    assert exported[: len(JOB_FIELDS)] == JOB_FIELDS


def test_csv_round_trips_quotes_commas_newlines_unicode_and_none() -> None:
    crawled_as_text = {k: "" if v is None else str(v) for k, v in CRAWLED_AS_JSON.items()}

    header, rows = read_csv(export_to_bytes(JobCsvItemExporter, [STORED, CRAWLED]))

    assert header == list(EXPORT_FIELDS)
    assert rows == [STORED_AS_TEXT, crawled_as_text]


def test_csv_is_rfc4180_crlf_with_doubled_quotes() -> None:
    item = {**dict.fromkeys(EXPORT_FIELDS), "webindex": "1", "title": 'a "b", c'}

    data = export_to_bytes(JobCsvItemExporter, [item])

    header_line, row_line = data.decode("utf-8").split("\r\n")[:2]
    assert header_line == ",".join(EXPORT_FIELDS)
    assert row_line == '1,,,"a ""b"", c"' + "," * (len(EXPORT_FIELDS) - 4)


def test_csv_with_no_items_still_has_the_header() -> None:
    data = export_to_bytes(JobCsvItemExporter, [])

    assert data == (",".join(EXPORT_FIELDS) + "\r\n").encode()


def test_jsonl_round_trips_with_nulls_iso_dates_and_every_key() -> None:
    data = export_to_bytes(JobJsonLinesItemExporter, [STORED, CRAWLED])

    lines = data.decode("utf-8").split("\n")
    assert lines[2:] == [""]
    stored_as_json = {**STORED_AS_TEXT, "category": None, "salary_min": 30000.0,
                      "salary_max": 35500.5, "seen_count": 3, "remote": True}
    assert [json.loads(line) for line in lines[:2]] == [stored_as_json, CRAWLED_AS_JSON]
    assert list(json.loads(lines[0])) == list(EXPORT_FIELDS)


def test_jsonl_writes_utf8_text_not_ascii_escapes() -> None:
    data = export_to_bytes(JobJsonLinesItemExporter, [STORED])

    assert "Zürich".encode() in data
    assert b"\\u" not in data


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2035, 11, 6, 0, 0, tzinfo=timezone(timedelta(hours=1))),
         "2035-11-05T23:00:00+00:00"),
        (datetime(2026, 11, 25, 10, 0), "2026-11-25T10:00:00+00:00"),
        (date(2026, 2, 3), "2026-02-03"),
        (1234.5, 1234.5),
        (float("nan"), None),
        (float("inf"), None),
        (None, None),
        ("text", "text"),
        (7, 7),
    ],
)
def test_export_value(value: object, expected: object) -> None:
    assert export_value(value) == expected


def test_exporter_respects_explicit_fields_to_export() -> None:
    data = export_to_bytes(JobJsonLinesItemExporter, [STORED], fields_to_export=["title", "url"])

    assert json.loads(data) == {"title": STORED["title"], "url": STORED["url"]}


def test_row_to_dict_makes_sqlite_naive_datetimes_utc(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    Base.metadata.create_all(engine)
    utc_stored = {**STORED, "first_seen": datetime(2026, 11, 20, 6, 30, 15, tzinfo=UTC),
                  "last_seen": STORED["last_seen"].replace(tzinfo=UTC)}
    with Session(engine) as session:
        session.add(Job(**utc_stored, content_hash="h"))
        session.commit()
        orm_dict = row_to_dict(session.scalars(select(Job)).one())
        row_dict = row_to_dict(session.execute(select(*Job.__table__.c)).one())
    engine.dispose()

    assert orm_dict == utc_stored
    assert row_dict == utc_stored
    assert list(row_dict) == list(EXPORT_FIELDS)
    assert orm_dict["last_seen"].tzinfo is UTC


SPIDER = textwrap.dedent('''
    from datetime import date, datetime, timezone

    import scrapy

    from jobcrawl.items import JobItem


    class ItemsSpider(scrapy.Spider):
        name = "items"
        custom_settings = {"ITEM_PIPELINES": {}}

        async def start(self):
            yield JobItem(webindex="abc", source="jobposting:careers.example.com",
                          url="https://careers.example.com/1", title="Nurse, \\"night\\"",
                          description="Nächte.\\nShifts.", salary_min=21000.0,
                          date_posted=date(2026, 1, 31),
                          scraped_at=datetime(2026, 2, 1, 12, 0, tzinfo=timezone.utc))
''')


def test_feeds_use_the_registered_job_exporters(tmp_path: Path) -> None:
    spider = tmp_path / "items_spider.py"
    spider.write_text(SPIDER)
    csv_path, jsonl_path = tmp_path / "out.csv", tmp_path / "out.jsonl"

    # The run is recorded: in a database of the test's own, never the checkout's.
    result = run_scrapy("runspider", str(spider), "-o", f"{csv_path}:jobcsv",
                        "-o", f"{jsonl_path}:jobjsonl", "-s", "LOG_LEVEL=WARNING",
                        "-s", f"JOBCRAWL_DATABASE_URL=sqlite:///{tmp_path / 'runs.db'}")

    assert result.returncode == 0, result.stderr
    expected = {
        **dict.fromkeys(EXPORT_FIELDS), "webindex": "abc",
        "source": "jobposting:careers.example.com", "url": "https://careers.example.com/1",
        "title": 'Nurse, "night"', "description": "Nächte.\nShifts.", "salary_min": 21000.0,
        "date_posted": "2026-01-31", "scraped_at": "2026-02-01T12:00:00+00:00",
    }
    assert [json.loads(line) for line in jsonl_path.read_text("utf-8").splitlines()] == [expected]
    header, rows = read_csv(csv_path.read_bytes())
    assert header == list(EXPORT_FIELDS)
    assert rows == [{k: "" if v is None else str(v) for k, v in expected.items()}]


def test_atomic_output_replaces_the_file_only_when_complete(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "jobs.csv"

    with atomic_output(path) as out:
        out.write(b"first")
        assert not path.exists()
        assert [p.name for p in path.parent.iterdir()] == [f".jobs.csv.partial-{os.getpid()}"]
    with atomic_output(path) as out:
        out.write(b"second")

    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["jobs.csv"]


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_atomic_output_failure_keeps_old_file_and_removes_partial(
    tmp_path: Path, error: BaseException
) -> None:
    path = tmp_path / "jobs.csv"
    path.write_bytes(b"old export")

    with pytest.raises(type(error)), atomic_output(path) as out:
        out.write(b"half of a new export")
        raise error

    assert path.read_bytes() == b"old export"
    assert [p.name for p in tmp_path.iterdir()] == ["jobs.csv"]



# --- scrapy export's column-wise hot path: the same values as export_value / csv / json ---

ODD_TEXTS = ['plain', 'a "quoted" word', "comma, inside", "new\nline", "cr\ronly", "crlf\r\n",
             "", " leading space", "tab\tinside", "ünïcødé €", "=1+1", "-3", "+44 20", "@SUM(A1)",
             "\tTab first", "\rCR first", "'already", None]


@pytest.mark.parametrize(
    "value",
    ["2026-11-20 06:30:15.000000", "2026-11-20 06:30:15.123456", "2026-11-20 06:30:15",
     "2026-11-20T06:30:15+02:00", datetime(2026, 11, 20, 6, 30, 15, tzinfo=UTC),
     datetime(2026, 11, 20, 6, 30, 15, 5),
     datetime(2035, 11, 6, tzinfo=timezone(timedelta(hours=1))), None],
)
def test_iso_datetimes_match_export_value(value: object) -> None:
    as_datetime = datetime.fromisoformat(value) if isinstance(value, str) else value

    assert iso_datetimes([value]) == [export_value(as_datetime if as_datetime is None
                                                   else as_utc(as_datetime))]


STORED_LAYOUT = ["2026-11-20 06:30:15.000000", "2026-11-20 06:30:15.123456",
                 "2026-01-01 00:00:00.000000", "2026-12-31 23:59:59.999999"]


@pytest.mark.parametrize("column", [
    STORED_LAYOUT,  # the joined-string path
    [*STORED_LAYOUT, None],  # the rest: value by value
    [*STORED_LAYOUT, "2026-11-20 06:30:15"],
    [*STORED_LAYOUT, "2026-11-20T06:30:15+02:00"],
    [*STORED_LAYOUT, datetime(2035, 11, 6, tzinfo=timezone(timedelta(hours=1)))],
])
def test_a_column_of_datetimes_matches_export_value_value_by_value(column: list) -> None:
    expected = [None if v is None
                else export_value(as_utc(datetime.fromisoformat(v) if isinstance(v, str) else v))
                for v in column]

    assert iso_datetimes(column) == expected
    assert iso_datetimes(tuple(column)) == expected


def test_datetimes_whose_lengths_only_add_up_are_not_taken_for_the_stored_layout() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat string"):
        iso_datetimes(["2026-11-20 06:30:15.000000x", "2026-11-20 06:30:15.00000"])


def test_iso_dates_and_finite_floats_match_export_value() -> None:
    assert iso_dates(["2026-11-20", date(2026, 1, 2), None]) == ["2026-11-20", "2026-01-02", None]
    floats = [1.5, 30000.0, float("nan"), float("inf"), float("-inf"), -0.0, None]
    assert finite_floats(floats) == [export_value(v) for v in floats]


def test_csv_writer_is_byte_for_byte_the_csv_module() -> None:
    fields = ("title", "salary_min", "seen_count", "date_posted", "company")
    rows = [(text, 1.5 if i % 2 else None, i, "2026-11-20" if i % 3 else None,
             ODD_TEXTS[-1 - i]) for i, text in enumerate(ODD_TEXTS)]
    out = io.BytesIO()

    writer = CsvWriter(out, fields)
    writer.write(rows)

    expected = io.StringIO(newline="")
    csv.writer(expected).writerows([fields, *rows])
    assert out.getvalue() == expected.getvalue().encode()


def test_csv_writer_quotes_a_lone_empty_cell_like_the_csv_module() -> None:
    out = io.BytesIO()

    CsvWriter(out, ("company",)).write([("",), (None,), ("x",)])

    expected = io.StringIO(newline="")
    csv.writer(expected).writerows([["company"], [""], [None], ["x"]])
    assert out.getvalue() == expected.getvalue().encode()


def test_excel_csv_neutralises_formula_cells_but_not_numbers() -> None:
    out = io.BytesIO()

    CsvWriter(out, ("title", "salary_min"), excel=True).write(
        [(text, -5.0) for text in ODD_TEXTS])

    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    neutralised = {"=1+1", "-3", "+44 20", "@SUM(A1)", "\tTab first", "\rCR first"}
    assert rows[1:] == [["'" + t if t in neutralised else ("" if t is None else t), "-5.0"]
                        for t in ODD_TEXTS]
    assert neutralise_formulas(["=x", "x=", "'=x"]) == ["'=x", "x=", "'=x"]


def test_jsonl_writer_equals_json_of_export_values() -> None:
    fields = ("title", "salary_min", "seen_count", "first_seen", "closing_date")
    rows = [(text, float("nan") if i == 3 else i / 4, i, "2026-11-20 06:30:15.000000",
             "2026-12-01" if i % 2 else None) for i, text in enumerate(ODD_TEXTS)]
    out = io.BytesIO()

    JsonLinesWriter(out, fields).write(rows)

    lines = out.getvalue().decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == [
        {"title": text, "salary_min": None if i == 3 else i / 4, "seen_count": i,
         "first_seen": "2026-11-20T06:30:15+00:00",
         "closing_date": "2026-12-01" if i % 2 else None}
        for i, text in enumerate(ODD_TEXTS)]
    assert "ünïcødé €".encode() in out.getvalue()


def test_jsonl_writer_is_byte_for_byte_orjson_of_export_values() -> None:
    fields = ("title", "salary_min", "first_seen", "closing_date", "seen_count", "last_seen")
    rows = [(text, [float("nan"), float("inf"), -0.0, 1e16, 30000.0, None][i % 6],
             ["2026-11-20 06:30:15.000000", datetime(2026, 11, 20, 7, 30, tzinfo=timezone(
                 timedelta(hours=1)))][i % 2],
             [date(2026, 12, 1), "2026-12-01", None][i % 3], i,
             "2026-11-20 06:30:15.123456", "bookkeeping", i)  # extra values: ignored
            for i, text in enumerate(ODD_TEXTS)]
    out = io.BytesIO()

    JsonLinesWriter(out, fields).write(rows)

    assert out.getvalue() == b"".join(
        orjson.dumps({name: export_value(as_utc(datetime.fromisoformat(value))
                                         if name.endswith("_seen") and isinstance(value, str)
                                         else value)
                      for name, value in zip(fields, row, strict=False)}) + b"\n"
        for row in rows)


def test_jsonl_writer_of_fields_without_dates_is_orjson_of_the_stored_values() -> None:
    rows = [(text, i / 3, "extra") for i, text in enumerate(ODD_TEXTS)]
    out = io.BytesIO()

    JsonLinesWriter(out, ("title", "salary_max")).write(rows)

    assert out.getvalue() == b"".join(
        orjson.dumps({"title": text, "salary_max": number}) + b"\n" for text, number, _ in rows)


def test_parquet_writer_writes_row_groups_of_the_set_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("jobcrawl.export.writers.ROW_GROUP_ROWS", 4)
    path = tmp_path / "t.parquet"

    with path.open("wb") as out:
        writer = ParquetWriter(out, ("webindex", "date_posted", "last_seen", "salary_max"))
        for start in range(0, 10, 3):
            ids = [str(i) for i in range(start, min(start + 3, 10))]
            writer.write([(i, "2026-11-20", datetime(2026, 11, 20, 6, 30, tzinfo=UTC), None)
                          for i in ids])
        writer.close()

    parquet = pq.ParquetFile(path)
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [
        6, 4]  # a group is written once 4 rows are buffered; the rest at the end
    assert parquet.read().to_pylist()[9] == {
        "webindex": "9", "date_posted": date(2026, 11, 20),
        "last_seen": datetime(2026, 11, 20, 6, 30, tzinfo=UTC), "salary_max": None}


FULL_JOB = {
    "webindex": "72119477", "source": "jobposting:careers.example.com",
    "url": "https://careers.example.com/jobs/72119477", "title": "IT Project Manager",
    "description": "Our team.\n\nClosing Date: 10th February 2013", "company": "Acme & Söhne",
    "location": "Zürich; Leeds", "category": "IT Jobs", "contract_type": "contract",
    "contract_time": "full_time", "salary_min": 450.0, "salary_max": 550.0,
    "salary_currency": "CHF", "salary_period": "day", "date_posted": "2013-01-28",
    "closing_date": "2013-02-10", "remote": True,
}


def test_job_posting_of_a_full_job() -> None:
    assert job_posting(FULL_JOB) == {
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": "IT Project Manager",
        "description": "Our team.\n\nClosing Date: 10th February 2013",
        "identifier": {"@type": "PropertyValue", "name": "jobposting:careers.example.com",
                       "value": "72119477"},
        "hiringOrganization": {"@type": "Organization", "name": "Acme & Söhne"},
        "jobLocation": [
            {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Zürich"}},
            {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Leeds"}},
        ],
        "jobLocationType": "TELECOMMUTE",
        "occupationalCategory": "IT Jobs", "datePosted": "2013-01-28", "validThrough": "2013-02-10",
        "baseSalary": {"@type": "MonetaryAmount", "currency": "CHF",
                       "value": {"@type": "QuantitativeValue", "minValue": 450.0,
                                 "maxValue": 550.0, "unitText": "DAY"}},
        "employmentType": ["FULL_TIME", "CONTRACTOR"],
        "url": "https://careers.example.com/jobs/72119477",
    }


def test_job_posting_leaves_unknown_values_out() -> None:
    bare = {**dict.fromkeys(FULL_JOB), "webindex": "1", "source": "reed", "url": "https://r/1",
            "title": "T", "description": "D", "salary_max": 30000.0}

    assert job_posting(bare) == {
        "@context": "https://schema.org", "@type": "JobPosting", "title": "T", "description": "D",
        "identifier": {"@type": "PropertyValue", "name": "reed", "value": "1"},
        "baseSalary": {"@type": "MonetaryAmount",
                       "value": {"@type": "QuantitativeValue", "maxValue": 30000.0}},
        "url": "https://r/1",
    }


def test_job_posting_reads_back_through_jobcrawls_own_extractor() -> None:
    posting = job_posting(FULL_JOB)
    page = (f'<html><script type="application/ld+json">{json.dumps(posting)}</script></html>')
    response = HtmlResponse(url=FULL_JOB["url"], body=page.encode(), encoding="utf-8")

    [found] = extract_postings(response).postings
    item = to_item(found, response, source=FULL_JOB["source"], scraped_at=datetime.now(UTC))
    normalize_item(item)

    read_back = {name: getattr(item, name) for name in FULL_JOB if name != "source"}
    assert read_back == {**{k: v for k, v in FULL_JOB.items() if k != "source"},
                         "date_posted": date(2013, 1, 28), "closing_date": date(2013, 2, 10)}
