"""Feed entries -> JobItems, without a crawl: the three dialects, damage, limits."""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import asdict, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from lxml import etree

from jobcrawl.extract.feed import FeedContext, source_for, to_item
from jobcrawl.extract.feedreader import FeedError, FeedReader, UnknownDialect, unpacked
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.items import JobItem
from tests.utils.paths import FIXTURES

FEEDS = FIXTURES / "feeds"
SCRAPED_AT = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)
FEED_URL = "https://jobs.example.net/feeds/all.xml"


def read(document: bytes, feed_url: str = FEED_URL) -> tuple[FeedReader, list[JobItem]]:
    reader = FeedReader(unpacked(io.BytesIO(document)))
    context = FeedContext(feed_url, source_for(feed_url), SCRAPED_AT)
    items = [to_item(entry, reader.dialect or "", context) for entry in reader.entries()]
    return reader, items


def as_json(item: JobItem) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value
            for key, value in asdict(item).items()}


def expected(**fields: Any) -> dict[str, Any]:
    """A whole item as JSON: the fields given, every other field empty."""
    empty = as_json(JobItem(source=source_for(FEED_URL), scraped_at=SCRAPED_AT))
    return {**empty, **fields}


# Where each fixture's shape comes from: tests/fixtures/feeds/README.md.
SAVED_FEEDS = [
    ("indeed", "https://careers.northwind.example/feeds/indeed.xml", "jobs", 0),
    ("rss", "https://jobs.example.org/?feed=job_feed", "rss", 0),
    ("atom", "https://jobs.fjord.example/feed.atom", "atom", 0),
    ("jooble", "https://www.jobboard.example/export/jooble.xml", "jobs", 0),
    ("careerjet", "https://careers.example.co.uk/feeds/careerjet.xml", "jobs", 0),
    ("jobrapido", "https://jobs.saguaro-outfitters.example/feeds/jobrapido.xml", "jobs", 0),
    ("jobatus", "https://empleo.example.es/feeds/jobatus.xml", "ads", 0),
    # Its XML declaration arrives escaped (version=\"1.0\"): four recovered errors.
    ("broadbean", "https://feeds.broadbean.example/tv/items.xml", "items", 4),
    ("neogov", "https://www.governmentjobs.com/SearchEngine/JobsFeed?agency=iowa", "rss", 0),
    ("weworkremotely", "https://weworkremotely.com/categories/remote-programming-jobs.rss",
     "rss", 0),
    ("engageats", "https://arkcareers.engageats.co.uk/CustomVacanciesFeed.ashx", "rss", 0),
    ("vacancyposter",
     "https://vprs.example.co.uk/vpmain/vpxmloutput.php?jobboard=TEACHINGVACANCIES", "rss", 0),
    # One end tag misspelt (</Visa_sponsorship_available>), as in the real feed.
    ("schoolvacancies", "https://ventrus.current-vacancies.example/RSSFeeds/Vacancies/VENTRUSMUL",
     "rss", 1),
]


@pytest.mark.parametrize(("name", "feed_url", "dialect", "errors"), SAVED_FEEDS)
def test_every_entry_of_a_saved_feed_becomes_the_expected_item(
    name: str, feed_url: str, dialect: str, errors: int
) -> None:
    reader, items = read((FEEDS / f"{name}.xml").read_bytes(), feed_url)
    assert (reader.dialect, reader.finished, reader.truncated, reader.error_count) == (
        dialect, True, False, errors)
    assert [as_json(item) for item in items] == json.loads((FEEDS / f"{name}.json").read_text())


def test_cdata_entities_and_html_escaped_twice_become_plain_text() -> None:
    document = """<?xml version="1.0" encoding="utf-8"?><source><job>
      <title>Caf&#233; Manager &amp; Barista</title>
      <referencenumber><![CDATA[ 77 ]]></referencenumber>
      <url>https://jobs.example.net/job?id=77&amp;copy=1</url>
      <company>M&amp;S</company>
      <description>&lt;p&gt;Caf&amp;eacute; in &lt;b&gt;K&amp;ouml;ln&lt;/b&gt;&lt;/p&gt;
        &lt;p&gt;Apply now&lt;/p&gt;</description>
      <salary><![CDATA[€14 &ndash; €16 per hour]]></salary>
    </job></source>""".encode()
    _, items = read(document)
    assert [as_json(item) for item in items] == [expected(
        webindex="77",
        url="https://jobs.example.net/job?copy=1&id=77",  # canonical order; "&copy" kept
        title="Café Manager & Barista",
        company="M&S",
        description="Café in Köln\n\nApply now",
        salary_raw="€14 – €16 per hour",
    )]


def test_an_entry_with_only_a_title_leaves_every_other_field_empty() -> None:
    _, items = read(b"<jobs><job><title>Porter</title></job></jobs>")
    assert [as_json(item) for item in items] == [expected(title="Porter")]


def test_rss_1_0_items_take_their_id_from_rdf_about_and_date_from_dc_date() -> None:
    document = b"""<?xml version="1.0"?>
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="https://jobs.example.net/"><title>Jobs</title></channel>
      <item rdf:about="https://jobs.example.net/ads/12">
        <title>Gardener</title>
        <link>https://jobs.example.net/ads/12</link>
        <description>Parks and green spaces.</description>
        <dc:date>2024-02-28T09:00:00+00:00</dc:date>
        <dc:creator>Parks Department</dc:creator>
      </item>
    </rdf:RDF>"""
    reader, items = read(document)
    assert reader.dialect == "rss"
    assert [as_json(item) for item in items] == [expected(
        webindex="https://jobs.example.net/ads/12", url="https://jobs.example.net/ads/12",
        title="Gardener", description="Parks and green spaces.", date_posted="2024-02-28",
    )]


def test_a_permalink_guid_stands_in_for_a_missing_link() -> None:
    document = b"""<rss version="2.0"><channel><item><title>Chef</title>
      <guid>https://jobs.example.net/ads/chef-9</guid><description>Kitchen.</description>
    </item></channel></rss>"""
    _, items = read(document)
    assert (items[0].webindex, items[0].url) == (
        "https://jobs.example.net/ads/chef-9", "https://jobs.example.net/ads/chef-9")


def test_ambiguous_dates_are_left_for_normalize_to_read_the_spiders_way() -> None:
    _, items = read((FEEDS / "indeed.xml").read_bytes())
    rd_engineer, driver = items[2], items[3]
    assert (rd_engineer.date_posted, rd_engineer.closing_date_raw) == ("05/03/2024", "04/05/2024")

    day_first, month_first = replace(rd_engineer), replace(rd_engineer)
    normalize_item(day_first, dayfirst=True)
    normalize_item(month_first, dayfirst=False)
    assert (day_first.date_posted, day_first.closing_date) == (date(2024, 3, 5), date(2024, 5, 4))
    assert (month_first.date_posted, month_first.closing_date) == (
        date(2024, 5, 3), date(2024, 4, 5))

    events = normalize_item(driver)
    assert (driver.date_posted, driver.closing_date, driver.closing_date_raw) == (
        None, None, "31/02/2024")
    assert events == ["dates/posted/unparsed", "dates/closing/unparsed"]


@pytest.mark.parametrize(
    ("document", "root"),
    [
        (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url/></urlset>',
         "urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"),
        (b"<html><body><h1>Jobs</h1></body></html>", "html"),
        (b"<feed><entry><title>No Atom namespace</title></entry></feed>", "feed"),
    ],
)
def test_a_document_that_is_not_a_feed_is_refused_at_its_root(document: bytes, root: str) -> None:
    reader = FeedReader(io.BytesIO(document))
    with pytest.raises(UnknownDialect) as caught:
        list(reader.entries())
    assert caught.value.root == root


@pytest.mark.parametrize("document", [b"", b"   \n", b"<"])
def test_a_document_without_an_element_cannot_be_read(document: bytes) -> None:
    with pytest.raises((FeedError, etree.XMLSyntaxError)):
        list(FeedReader(io.BytesIO(document)).entries())


@pytest.mark.parametrize(
    ("cut_after", "complete"),
    [
        ("<title><![CDATA[Delivery", 3),  # inside the fourth ad
        ("04/05/2024</expirationdate>\n  </job>\n  <job>", 3),  # the fourth has begun
        # Right after the third ad's end tag nothing proves that the data was not cut
        # inside it, so the last entry read is left out.
        ("04/05/2024</expirationdate>\n  </job>", 2),
    ],
)
def test_a_feed_cut_short_yields_only_entries_known_to_be_complete(
    cut_after: str, complete: int
) -> None:
    document = (FEEDS / "indeed.xml").read_text()
    cut = document[: document.index(cut_after) + len(cut_after)]
    reader, items = read(cut.encode())
    assert reader.truncated
    assert [item.title for item in items] == [
        "Warehouse Operative", "Buchhalter (m/w/d)", "R&D Engineer – Battery Systems"][:complete]


def test_a_whole_feed_with_trailing_comments_is_not_truncated() -> None:
    reader, items = read(b"<jobs><job><title>A</title></job></jobs>\n<!-- built 09:00 -->\n")
    assert (reader.truncated, [item.title for item in items]) == (False, ["A"])


def test_bare_ampersands_and_html_entities_are_recovered_and_counted() -> None:
    document = b"""<rss version="2.0"><channel>
      <item><title>Fish & Chips Cook</title><link>https://jobs.example.net/a?x=1&y=2</link>
        <description>Caf&eacute; work&nbsp;on weekends</description></item>
      <item><title>Waiter</title><link>https://jobs.example.net/b</link></item>
    </channel></rss>"""
    reader, items = read(document)
    assert [(item.title, item.description) for item in items] == [
        ("Fish Chips Cook", "Café work on weekends"),
        ("Waiter", ""),
    ]
    assert reader.error_count >= 3 and not reader.truncated
    assert "xmlParseEntityRef" in reader.errors[0]


def test_entities_declared_in_a_dtd_are_never_expanded_or_fetched(tmp_path: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    document = f"""<?xml version="1.0"?>
    <!DOCTYPE source [
      <!ENTITY big "EXPANDED EXPANDED EXPANDED">
      <!ENTITY file SYSTEM "file://{secret}">
    ]>
    <source><job><title>Clerk &big;</title><description>&file;</description></job></source>"""
    _, items = read(document.encode())
    assert "EXPANDED" not in items[0].title
    assert "TOP SECRET" not in items[0].description


def test_a_gzipped_feed_file_is_unpacked_while_read() -> None:
    plain = (FEEDS / "atom.xml").read_bytes()
    reader, items = read(gzip.compress(plain), "https://jobs.fjord.example/feed.atom")
    assert reader.dialect == "atom"
    assert [as_json(item) for item in items] == json.loads((FEEDS / "atom.json").read_text())


def test_entries_are_released_as_the_reader_moves_on() -> None:
    jobs = "".join(f"<job><title>Job {n}</title><description>{'x' * 200}</description></job>"
                   for n in range(2000))
    reader = FeedReader(io.BytesIO(f"<source>{jobs}</source>".encode()))
    # The parser builds a little ahead of the consumer; what lies behind it is gone.
    kept_before = [entry.getparent().index(entry) for entry in reader.entries()]
    assert len(kept_before) == 2000
    assert max(kept_before) <= 1  # at most the previous entry, already cleared


def test_an_entry_inside_an_entry_is_part_of_the_outer_one() -> None:
    document = b"""<jobs><job><title>Outer</title>
      <related><job><title>Inner</title></job></related></job></jobs>"""
    _, items = read(document)
    assert [item.title for item in items] == ["Outer"]
