"""End to end: `scrapy crawl feed` over the real aggregator and ATS dialects, rows exact."""

from __future__ import annotations

import gzip
import json
from typing import TYPE_CHECKING, Any

import pytest

from jobcrawl.items import JOB_FIELDS
from tests.test_feed_extract import SAVED_FEEDS
from tests.utils.paths import FIXTURES
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import row_fields, stored_rows
from tests.utils.scrapy import crawl_api

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FEEDS = FIXTURES / "feeds"
DIALECTS = ("jooble", "careerjet", "jobrapido", "jobatus", "broadbean", "neogov",
            "weworkremotely", "engageats", "vacancyposter", "schoolvacancies")
URLS = {name: url for name, url, _, _ in SAVED_FEEDS if name in DIALECTS}
# Jobatus is served gzipped, as feed.xml.gz files are.
URLS["jobatus"] = URLS["jobatus"] + ".gz"


def route(url: str) -> str:
    """The path and query of a feed URL: what the local server answers."""
    return "/" + url.split("/", 3)[3]


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedServer]:
    routes = {route(URLS[name]): Recorded.file(FEEDS / f"{name}.xml",
                                               content_type="application/xml")
              for name in DIALECTS if name != "jobatus"}
    routes["/catalog.xml"] = Recorded(b"<?xml version='1.0'?><catalog><book><title>X</title>"
                                      b"</book></catalog>", content_type="application/xml")
    routes[route(URLS["jobatus"])] = Recorded(
        gzip.compress((FEEDS / "jobatus.xml").read_bytes()), content_type="application/gzip")
    with RecordedServer(routes) as recorded:
        yield recorded


def expected_items() -> list[dict[str, Any]]:
    return [item for name in DIALECTS
            for item in json.loads((FEEDS / f"{name}.json").read_text())]


def row(**fields: Any) -> dict[str, Any]:
    """A stored row's JobItem columns: the fields given, every other one empty."""
    return {**{name: None for name in JOB_FIELDS if name != "scraped_at"}, **fields}


def test_every_dialect_in_one_crawl_stores_each_ad_once_with_its_fields(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl_api(
        "feed", "-a", f"url={','.join(URLS[name] for name in DIALECTS)}",
        "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 0, stderr[-3000:]

    items = expected_items()
    assert stats["jobcrawl/feed/entries"] == len(items) == 20
    dialects = {name: stats[f"jobcrawl/feed/dialect/{name}"] for name in ("jobs", "ads", "items",
                                                                          "rss")}
    assert dialects == {"jobs": 3, "ads": 1, "items": 1, "rss": 5}
    assert stats["jobcrawl/feed/xml_errors"] == 5  # Broadbean's declaration, a school end tag
    assert stats["item_dropped_reasons_count/DuplicateInCrawl"] == 1  # Jooble's repeated id
    assert stats["jobcrawl/store/new"] == 19
    assert stats["jobcrawl/dates/closing/structured"] == 12
    assert stats["jobcrawl/dates/closing/unparsed"] == 1  # NEOGOV's "Continuous"
    assert "log_count/ERROR" not in stats

    rows = {(r["source"], r["webindex"]): row_fields(r) for r in stored_rows(sqlite_url)}
    assert rows.keys() == {(item["source"], item["webindex"]) for item in items}
    assert rows["feed:www.jobboard.example", "JB-20931"] == row(
        webindex="JB-20931", source="feed:www.jobboard.example",
        url="https://www.jobboard.example/jobs/20931", title="Java Developer (Spring Boot)",
        company="Vistula Payments sp. z o.o.", location="Kraków, Lesser Poland",
        contract_time="full_time",
        description="Build payment services in Java 21.\n\nSpring Boot\nKafka\n\n"
                    "Hybrid: two days a week in the office.",
        salary_raw="18 000 - 24 000 PLN per month", salary_min=18000.0, salary_max=24000.0,
        salary_currency="PLN", salary_period="month", date_posted="2024-03-02",
        closing_date="2024-04-01", closing_date_raw="01.04.2024",
        closing_date_source="structured")
    # The first of the two entries with one id is kept.
    assert rows["feed:www.jobboard.example", "JB-20944"]["url"] == (
        "https://www.jobboard.example/jobs/20944")
    assert rows["feed:www.governmentjobs.com",
                "https://www.governmentjobs.com/careers/iowa/jobs/5376469"] == row(
        webindex="https://www.governmentjobs.com/careers/iowa/jobs/5376469",
        source="feed:www.governmentjobs.com",
        url="https://www.governmentjobs.com/careers/iowa/jobs/5376469/administrative-assistant-2",
        title="Administrative Assistant 2", location="Des Moines - 50319 - Polk County, Iowa",
        category="Administrative Support, Licensing", contract_time="full_time",
        description="Provide administrative support to the Bureau of Licensing.",
        salary_raw="USD 22.5-33 per Hour", salary_min=22.5, salary_max=33.0,
        salary_currency="USD", salary_period="hour", date_posted="2026-06-12",
        closing_date="2026-06-27", closing_date_raw="Sat, 27 Jun 2026 04:59:00",
        closing_date_source="structured")
    assert rows["feed:empleo.example.es", "ES-88120"] == row(
        webindex="ES-88120", source="feed:empleo.example.es",
        url="https://empleo.example.es/oferta/88120-camarero-a", title="Camarero/a de sala",
        company="Casa Triana S.L.", location="Sevilla, Andalucía", category="Hostelería",
        contract_type="permanent", contract_time="full_time",
        description="Restaurante en el centro de Sevilla busca camarero/a.\n\n"
                    "Jornada completa, contrato indefinido.",
        salary_raw="18.000 € - 20.000 € al año", salary_min=18000.0, salary_max=20000.0,
        salary_currency="EUR", salary_period="year", date_posted="2024-03-01",
        closing_date="2024-03-31", closing_date_raw="2024-03-31",
        closing_date_source="structured")
    assert rows["feed:vprs.example.co.uk", "TEST002"] == row(
        webindex="TEST002", source="feed:vprs.example.co.uk",
        url="https://www.castlewood.example/jobs/12345?c=vacancyposter"
            "&jobboard=Teaching+Vacancies",
        title="Deputy Headteacher", contract_type="permanent", contract_time="full_time",
        description="What is the job role? Castle Wood is an outstanding special school.",
        salary_raw="£80000", salary_min=80000.0, salary_max=80000.0, salary_currency="GBP",
        date_posted="2024-03-01", closing_date="2024-03-28",
        closing_date_raw="2024-03-28 00:00:00", closing_date_source="structured")
    assert rows["feed:ventrus.current-vacancies.example", "915213"] == row(
        webindex="915213", source="feed:ventrus.current-vacancies.example",
        url="https://ventrus.current-vacancies.example/Jobs/FeedLink/3191462",
        title="Teaching Assistant", location="Barnstaple,_Devon",
        contract_type="permanent", contract_time="part_time",
        description="Join our friendly team\nsupporting pupils in Key Stage 2.",
        salary_raw="£21,575 - £22,369", salary_min=21575.0, salary_max=22369.0,
        salary_currency="GBP", date_posted="2024-03-04", closing_date="2024-04-01",
        closing_date_raw="01/04/2024 12:00:00", closing_date_source="structured")
    assert rows["feed:weworkremotely.com",
                "https://weworkremotely.com/remote-jobs/northbeam-contract-go-developer-"
                "data-pipelines"] == row(
        webindex="https://weworkremotely.com/remote-jobs/northbeam-contract-go-developer-"
                 "data-pipelines",
        source="feed:weworkremotely.com",
        url="https://weworkremotely.com/remote-jobs/northbeam-contract-go-developer-"
            "data-pipelines",
        title="Contract Go Developer: Data Pipelines", company="Northbeam",
        location="California, United States", category="Back-End Programming",
        contract_type="contract", description="Six-month contract.",
        date_posted="2024-03-04", closing_date="2024-04-03",
        closing_date_raw="Wed, 03 Apr 2024 09:30:00 +0000", closing_date_source="structured",
        remote=True)


def test_a_feed_of_no_known_dialect_fails_naming_its_root_and_the_dialects_known(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, _ = crawl_api(
        "feed", "-a", f"url=https://books.example.net/catalog.xml,{URLS['jooble']}",
        "-a", f"base_url={server.url}", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 1
    assert stats["jobcrawl/feed/unknown_dialect"] == 1
    message = stats["jobcrawl/failed/feed"]
    assert message.startswith(f"{server.url}/catalog.xml is not a job feed: "
                              "root element <catalog> is none of the dialects known: ")
    assert "Jooble" in message and "feed profile (-a profile=FILE.yaml)" in message
    assert stats["jobcrawl/store/new"] == 2  # the other feed is still read
