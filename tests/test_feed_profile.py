"""Feed profiles: any other XML dialect mapped to JobItem fields by a YAML file."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from jobcrawl.config.feedprofiles import ProfileError, load_feed_profile, parse_feed_profile
from jobcrawl.extract.feed import FeedContext, source_for
from jobcrawl.extract.feedprofile import profile_item
from jobcrawl.extract.feedreader import FeedReader
from jobcrawl.items import JOB_FIELDS
from tests.test_feed_extract import SCRAPED_AT, as_json
from tests.utils.paths import FIXTURES
from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import row_fields, stored_rows
from tests.utils.scrapy import crawl_api, run_scrapy

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from jobcrawl.config.feedprofiles import FeedProfile
    from jobcrawl.items import JobItem

PROFILES = FIXTURES / "feeds" / "profile"
FEED_URL = "https://werkportaal.example/export/vacatures.xml"


def read(document: bytes, profile: FeedProfile, feed_url: str = FEED_URL) -> list[JobItem]:
    reader = FeedReader(io.BytesIO(document), item=profile.item)
    context = FeedContext(feed_url, source_for(feed_url), SCRAPED_AT)
    items = [profile_item(entry, profile, context) for entry in reader.entries()]
    assert (reader.dialect, reader.truncated) == ("profile", False)
    return items


def test_a_profile_reads_every_item_of_its_dialect_whole() -> None:
    profile = load_feed_profile(PROFILES / "werkportaal.yaml")
    items = read((PROFILES / "werkportaal.xml").read_bytes(), profile)
    assert [as_json(item) for item in items] == json.loads(
        (PROFILES / "werkportaal.json").read_text())


def test_a_bare_item_name_matches_in_a_default_namespace() -> None:
    profile = parse_feed_profile({
        "item": "vacature",
        "fields": {"title": "*[local-name()='functie']", "url": "concat('/v/', @id)",
                   "description": "string(*[local-name()='omschrijving'])"},
    })
    items = read((PROFILES / "werkportaal.xml").read_bytes(), profile)
    assert [(item.title, item.url, item.description[:20]) for item in items] == [
        ("Verpleegkundige & praktijkopleider", "https://werkportaal.example/v/WP-7781",
         "Werk in een team van"),
        ("Magazijnmedewerker (avond)", "https://werkportaal.example/v/WP-7790",
         "Orders verzamelen in"),
        ("Docent Nederlands", "https://werkportaal.example/v/WP-7795", "Lesgeven in de boven"),
    ]


def test_every_error_of_a_profile_is_named_by_its_key() -> None:
    with pytest.raises(ProfileError) as caught:
        load_feed_profile(PROFILES / "bad.yaml")
    assert caught.value.errors == [
        "colour: unknown key; known: namespaces, item, fields, dayfirst",
        "item: prefix 'x' is not defined in namespaces",
        "fields.title: invalid XPath 'w:functie[': Invalid expression",
        "fields.url: invalid XPath 'z:links/z:link/@href': Undefined namespace prefix",
        "fields.salery: unknown field; known: webindex, url, title, description, company, "
        "location, category, contract_type, contract_time, salary, salary_min, salary_max, "
        "salary_currency, salary_period, date_posted, closing_date",
        "fields.location[1]: must be an XPath (a non-empty string), got 42",
        "fields.description: required",
    ]


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        ("item: [", ["(yaml): line 1, column 8: expected the node content, but found "
                     "'<stream end>'"]),
        ("- item", ["(profile): must be a YAML mapping of keys such as item, namespaces, "
                    "fields"]),
        ("item: job\ndayfirst: maybe\nfields: {title: t, url: u, description: d}",
         ["dayfirst: must be true or false, got 'maybe'"]),
        ("namespaces: {j: ''}\nitem: 'j:'\nfields: {}",
         ["namespaces.j: must be a namespace URI, got ''",
          "item: 'j:' is not an element name (name or prefix:name)",
          "fields.title: required", "fields.url: required", "fields.description: required"]),
        ("fields: {title: t, url: u, description: d}",
         ["item: required: the name of the element that holds one ad"]),
    ],
)
def test_a_profile_that_cannot_be_used_says_why(tmp_path: Path, text: str,
                                                errors: list[str]) -> None:
    path = tmp_path / "feed.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load_feed_profile(path)
    assert caught.value.errors == errors


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedServer]:
    routes = {"/export/vacatures.xml": Recorded.file(PROFILES / "werkportaal.xml",
                                                     content_type="application/xml")}
    with RecordedServer(routes) as recorded:
        yield recorded


def test_a_crawl_with_a_profile_stores_its_ads(
    server: RecordedServer, sqlite_url: str, tmp_path: Path
) -> None:
    code, stats, stderr = crawl_api(
        "feed", "-a", f"url={FEED_URL}", "-a", f"base_url={server.url}",
        "-a", f"profile={PROFILES / 'werkportaal.yaml'}", db_url=sqlite_url, tmp_path=tmp_path)
    assert code == 0, stderr[-3000:]
    assert stats["jobcrawl/feed/dialect/profile"] == 1
    assert stats["jobcrawl/feed/entries"] == 3
    assert stats["item_dropped_reasons_count/MissingRequiredField"] == 1  # no URL
    assert stats["jobcrawl/store/new"] == 2
    rows = [row_fields(row) for row in stored_rows(sqlite_url)]
    assert rows == [expected_row(**fields) for fields in (
        {"webindex": "WP-7781",
         "url": "https://werkportaal.example/vacature/7781-verpleegkundige?bron=feed",
         "title": "Verpleegkundige & praktijkopleider", "company": "Zorggroep Oost",
         "location": "Enschede, Overijssel", "category": "Zorg, Onderwijs",
         "contract_type": "vast", "contract_time": "part_time",
         "description": "Werk in een team van twaalf collega's.\n\n"
                        "32-36 uur per week\nOpleidingsbudget",
         "salary_raw": "€ 3.200 - € 4.100 per maand", "salary_min": 3200.0,
         "salary_max": 4100.0, "salary_currency": "EUR", "salary_period": "month",
         "date_posted": "2024-03-01",  # 01-03-2024: the profile says day first
         "closing_date": "2024-03-29",
         "closing_date_raw": "29-03-2024", "closing_date_source": "structured"},
        {"webindex": "WP-7790", "url": "https://werkportaal.example/vacature/7790",
         "title": "Magazijnmedewerker (avond)", "company": "Twente Logistiek B.V.",
         "location": "Hengelo", "contract_time": "full_time",
         "description": "Orders verzamelen in de avond.", "date_posted": "2024-03-04"},
    )]


def expected_row(**fields: Any) -> dict[str, Any]:
    """A stored row's JobItem columns: the fields given, every other one empty."""
    empty = {name: None for name in JOB_FIELDS if name != "scraped_at"}
    return {**empty, "source": "feed:werkportaal.example", **fields}


def test_a_bad_profile_fails_the_crawl_at_start_naming_each_key(sqlite_url: str) -> None:
    result = run_scrapy("crawl", "feed", "-a", f"url={FEED_URL}",
                        "-a", f"profile={PROFILES / 'bad.yaml'}",
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 1
    assert "argument profile: " in result.stderr and "bad.yaml has 7 error(s)" in result.stderr
    assert "fields.title: invalid XPath 'w:functie['" in result.stderr
    assert "item: prefix 'x' is not defined in namespaces" in result.stderr


def test_a_missing_profile_file_fails_the_crawl_at_start(sqlite_url: str, tmp_path: Path) -> None:
    result = run_scrapy("crawl", "feed", "-a", f"url={FEED_URL}",
                        "-a", f"profile={tmp_path / 'none.yaml'}",
                        "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}")
    assert result.returncode == 1
    assert "(file): cannot read" in result.stderr
