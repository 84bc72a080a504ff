"""Real feed dialects after the normalize pipeline: expiry, salary and job-type fields."""

from __future__ import annotations

import io
from datetime import date

import pytest

from jobcrawl.extract.feedreader import (
    MAX_HEADER_CHILDREN,
    FeedReader,
    UnknownDialect,
)
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.salary import Salary, salary_from_parts
from tests.test_feed_extract import FEEDS, SAVED_FEEDS, read

URLS = {name: url for name, url, _, _ in SAVED_FEEDS}


def normalized(name: str, field_names: tuple[str, ...]) -> list[tuple[object, ...]]:
    """(webindex, *fields) of every entry of a saved feed once normalized day-first."""
    _, items = read((FEEDS / f"{name}.xml").read_bytes(), URLS[name])
    rows = []
    for item in items:
        normalize_item(item, dayfirst=True)
        rows.append((item.webindex, *(getattr(item, field) for field in field_names)))
    return rows


CLOSING = ("closing_date", "closing_date_raw", "closing_date_source")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jooble", [  # <expire>, DD.MM.YYYY; an empty one is no closing date
            ("JB-20931", date(2024, 4, 1), "01.04.2024", "structured"),
            ("JB-20944", None, None, None), ("JB-20944", None, None, None)]),
        ("jobrapido", [  # <expirydate>
            ("ad3456", date(2024, 12, 19), "19/12/2024", "structured"),
            ("ad3470", None, None, None)]),
        ("jobatus", [  # <expiration_date>
            ("ES-88120", date(2024, 3, 31), "2024-03-31", "structured"),
            ("ES-88131", None, None, None)]),
        ("broadbean", [  # expiresAt keeps its own calendar date
            ("0044", date(2024, 3, 23), "2024-03-23T01:40:35+0100", "structured"),
            ("0051", None, None, None)]),
        ("neogov", [  # advertiseToDateTimeUTC without its ":0"; "Continuous" is kept, unread
            ("https://www.governmentjobs.com/careers/iowa/jobs/5376469", date(2026, 6, 27),
             "Sat, 27 Jun 2026 04:59:00", "structured"),
            ("https://www.governmentjobs.com/careers/iowa/jobs/5376470", None, "Continuous",
             "structured")]),
        ("weworkremotely", [  # <expires_at>
            ("https://weworkremotely.com/remote-jobs/lighthouse-labs-senior-ruby-on-rails-engineer",
             date(2024, 4, 4), "Thu, 04 Apr 2024 14:02:11 +0000", "structured"),
            ("https://weworkremotely.com/remote-jobs/northbeam-contract-go-developer-data-pipelines",
             date(2024, 4, 3), "Wed, 03 Apr 2024 09:30:00 +0000", "structured")]),
        ("engageats", [  # engAts:endDate, and an <endDate> that lost its prefix
            ("https://arkcareers.engageats.co.uk/Vacancies/W/1972/0/251102/19522/"
             "teacher-of-mathematics", date(2024, 3, 26), "2024-03-26T09:00:00Z", "structured"),
            ("https://arkcareers.engageats.co.uk/Vacancies/W/1972/0/247720/19522/"
             "tutor-fellow-primary-or-secondary", date(2024, 4, 2), "2024-04-02T09:00:00Z",
             "structured")]),
        ("vacancyposter", [("TEST002", date(2024, 3, 28), "2024-03-28 00:00:00", "structured")]),
        ("schoolvacancies", [  # Vacancy/Expiry_date, day first
            ("915213", date(2024, 4, 1), "01/04/2024 12:00:00", "structured"),
            ("751190", date(2024, 3, 15), "15/03/2024 12:00:00", "structured")]),
    ],
)
def test_expiry_fields_are_structured_closing_dates(
    name: str, expected: list[tuple[object, ...]]
) -> None:
    assert normalized(name, CLOSING) == expected


SALARY = ("salary_raw", "salary_min", "salary_max", "salary_currency", "salary_period")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jooble", [("JB-20931", "18 000 - 24 000 PLN per month", 18000.0, 24000.0, "PLN",
                     "month"),
                    ("JB-20944", None, None, None, None, None),
                    ("JB-20944", None, None, None, None, None)]),
        ("careerjet", [("FXGT-4312", "£30000 - 33000", 30000.0, 33000.0, "GBP", None),
                       ("C5974D08-914D-11EF-9319-81CFB46D6A02", "£350 per day", 350.0, 350.0,
                        "GBP", "day")]),
        ("jobatus", [("ES-88120", "18.000 € - 20.000 € al año", 18000.0, 20000.0, "EUR",
                      "year"),
                     ("ES-88131", None, None, None, None, None)]),
        # NEOGOV's own fields; a bi-weekly interval is none of the five periods.
        ("neogov", [("https://www.governmentjobs.com/careers/iowa/jobs/5376469",
                     "USD 22.5-33 per Hour", 22.5, 33.0, "USD", "hour"),
                    ("https://www.governmentjobs.com/careers/iowa/jobs/5376470",
                     "USD 1940.8-2849.6 per BiWeekly", 1940.8, 2849.6, "USD", None)]),
        ("engageats", [
            ("https://arkcareers.engageats.co.uk/Vacancies/W/1972/0/251102/19522/"
             "teacher-of-mathematics", "GBP 32916-49084", 32916.0, 49084.0, "GBP", None),
            ("https://arkcareers.engageats.co.uk/Vacancies/W/1972/0/247720/19522/"
             "tutor-fellow-primary-or-secondary", "GBP from 24454", 24454.0, None, "GBP", None)]),
        ("schoolvacancies", [("915213", "£21,575 - £22,369", 21575.0, 22369.0, "GBP", None),
                             ("751190", "MPS/UPS + TLR 2B", None, None, None, None)]),
    ],
)
def test_salary_fields_fill_the_five_salary_columns(
    name: str, expected: list[tuple[object, ...]]
) -> None:
    assert normalized(name, SALARY) == expected


TERMS = ("contract_type", "contract_time")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("jooble", [("JB-20931", None, "full_time"), ("JB-20944", "temporary", "part_time"),
                    ("JB-20944", "temporary", "part_time")]),
        ("careerjet", [("FXGT-4312", "permanent", "full_time"),
                       ("C5974D08-914D-11EF-9319-81CFB46D6A02", "contract", "part_time")]),
        ("jobatus", [("ES-88120", "permanent", "full_time"),
                     ("ES-88131", "temporary", "part_time")]),
        ("broadbean", [("0044", "permanent", "full_time"),
                       ("0051", "parental_leave_cover", "part_time")]),
        ("weworkremotely", [  # <type>Full-Time</type>
            ("https://weworkremotely.com/remote-jobs/lighthouse-labs-senior-ruby-on-rails-engineer",
             None, "full_time"),
            ("https://weworkremotely.com/remote-jobs/northbeam-contract-go-developer-data-pipelines",
             "contract", None)]),
        ("engageats", [  # <category domain="Contract Type"> and domain="Working Pattern"
            ("https://arkcareers.engageats.co.uk/Vacancies/W/1972/0/251102/19522/"
             "teacher-of-mathematics", "permanent", "full_time"),
            ("https://arkcareers.engageats.co.uk/Vacancies/W/1972/0/247720/19522/"
             "tutor-fellow-primary-or-secondary", "contract", "part_time")]),
    ],
)
def test_job_type_fields_become_contract_type_and_time(
    name: str, expected: list[tuple[object, ...]]
) -> None:
    assert normalized(name, TERMS) == expected


def test_separate_salary_fields_take_their_currency_from_the_amounts() -> None:
    assert salary_from_parts("£24,454", "", None, None) == Salary(
        "GBP from 24454", 24454.0, None, "GBP", None)
    assert salary_from_parts("62400", "50000", "usd", "Year") == Salary(
        "USD 50000-62400 per Year", 50000.0, 62400.0, "USD", "year")
    assert salary_from_parts(None, None, "EUR", "year", raw="90 000") == Salary(
        "90 000", None, None, "EUR", "year")


def test_salary_attributes_give_currency_and_period() -> None:
    # Jobijoba's <items>: <salary periodicity="year" currency="€">.
    document = """<items><item><title>Regional Sales Director</title>
      <link>https://jobs.example.net/offre?id=123456</link>
      <salary periodicity="year" currency="€"><![CDATA[90 000]]></salary></item></items>"""
    _, items = read(document.encode())
    normalize_item(items[0])
    assert tuple(getattr(items[0], field) for field in SALARY) == (
        "90 000", 90000.0, 90000.0, "EUR", "year")


def test_records_under_a_root_of_their_own_name_are_read() -> None:
    document = b"""<?xml version="1.0"?><trovit>
      <generated>2024-03-06</generated><count>2</count>
      <ad><id>1</id><title>Cook</title><url>https://jobs.example.net/1</url></ad>
      <ad><id>2</id><title>Porter</title><url>https://jobs.example.net/2</url></ad>
    </trovit>"""
    reader, items = read(document)
    assert reader.dialect == "ads"
    assert [(item.webindex, item.title) for item in items] == [("1", "Cook"), ("2", "Porter")]


def test_school_vacancies_under_their_own_root_are_read() -> None:
    document = b"""<Vacancies><Vacancy><Vacancy_ID>NT1</Vacancy_ID>
      <Vacancy_title>Science Technician</Vacancy_title>
      <Advert_text>Prepare practicals.</Advert_text><Expiry_date>20/03/2024 12:00:00</Expiry_date>
      <Link>https://schools.example.org/jobs/NT1</Link></Vacancy></Vacancies>"""
    reader, items = read(document)
    assert reader.dialect == "vacancies"
    item = items[0]
    assert (item.webindex, item.title, item.description, item.url, item.closing_date_raw) == (
        "NT1", "Science Technician", "Prepare practicals.", "https://schools.example.org/jobs/NT1",
        "20/03/2024 12:00:00")


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_an_unknown_root_without_records_is_refused_without_reading_it_whole() -> None:
    urls = "".join(f"<url><loc>https://example.net/{n}</loc></url>" for n in range(50_000))
    stream = CountingStream(f"<urlset>{urls}</urlset>".encode())
    with pytest.raises(UnknownDialect) as caught:
        list(FeedReader(stream).entries())
    assert caught.value.root == "urlset"
    assert stream.bytes_read < len(stream.getvalue()) / 4
    assert MAX_HEADER_CHILDREN < 50_000


def test_the_refusal_names_the_root_and_every_dialect_known() -> None:
    with pytest.raises(UnknownDialect) as caught:
        list(FeedReader(io.BytesIO(b"<catalog><book><title>X</title></book></catalog>")).entries())
    message = str(caught.value)
    assert message.startswith("root element <catalog> is none of the dialects known: RSS <rss>")
    for named in ("Atom <feed>", "Jooble", "Careerjet", "Jobrapido", "Broadbean", "Jobatus",
                  "NEOGOV", "EngageATS", "We Work Remotely", "<Vacancy>",
                  "-a profile=FILE.yaml"):
        assert named in message
