"""Ordinals split by markup ("19<sup>th</sup> March") read whole, so closing dates are found."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from scrapy.http import HtmlResponse

from jobcrawl.config.profiles import parse_profile
from jobcrawl.extract.jobposting import source_for
from jobcrawl.extract.jobposting import to_item as posting_item
from jobcrawl.extract.jsonld import extract_postings
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.site import to_item as site_item
from jobcrawl.extract.text import html_to_text

SCRAPED_AT = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Closing date: 19<sup>th</sup> March 2027</p>", "Closing date: 19th March 2027"),
        ("<p>1<sup>st</sup>, 2<SUP>ND</SUP>, 3<sup>rd</sup> and 4<sup>th</sup>.</p>",
         "1st, 2ND, 3rd and 4th."),
        ("<p>Apply by <b>3</b>rd May</p>", "Apply by 3rd May"),
        ("<p>Apply by 22<span class='sup'>nd</span>June</p>", "Apply by 22nd June"),
        # Not an ordinal, or the source has a space: as html-text reads it.
        ("<p>E=mc<sup>2</sup> and 4<sup>there</sup></p>", "E=mc 2 and 4 there"),
        ("<p>19 <sup>th</sup> March</p>", "19 th March"),
        # A table cell is not part of a word.
        ("<table><tr><td>1</td><td>st</td></tr></table>", "1 st"),
        ("<p>19</p><p>th</p>", "19\n\nth"),
    ],
)
def test_html_to_text_keeps_ordinals_whole(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


AD_PAGE = """<html><body><article>
<h1>Ward Clerk</h1>
<p class="closing">Closing date: Friday 19<sup>th</sup> March 2027</p>
<div class="description"><p>Join the ward team.</p></div>
</article></body></html>"""


def test_site_profile_field_reads_the_ordinal_and_its_date() -> None:
    profile = parse_profile({
        "name": "wards", "start_urls": ["https://jobs.wards.example/"],
        "listing": {"links": "css:a"},
        "fields": {"title": "css:h1", "description": "css:.description",
                   "closing_date": {"css": ".closing", "regex": r"Closing date:\s*(.+)"}},
    })
    page = HtmlResponse("https://jobs.wards.example/ads/7", body=AD_PAGE, encoding="utf-8")
    item = site_item(page, profile, scraped_at=SCRAPED_AT).item
    assert item.closing_date_raw == "Friday 19th March 2027"
    normalize_item(item)
    assert (item.closing_date, item.closing_date_source) == (date(2027, 3, 19), "structured")


def test_jobposting_description_closing_date_with_a_superscript_ordinal() -> None:
    posting = {
        "@context": "https://schema.org", "@type": "JobPosting", "title": "Ward Clerk",
        "datePosted": "2027-03-01",
        "description": "<p>Join the ward team.</p><p>Applications close on the "
                       "19<sup>th</sup> March.</p>",
    }
    body = (f'<html><head><script type="application/ld+json">{json.dumps(posting)}'
            "</script></head><body></body></html>")
    page = HtmlResponse("https://careers.wards.example/jobs/7", body=body, encoding="utf-8")
    [found] = extract_postings(page).postings
    item = posting_item(found, page, source=source_for(page.url), scraped_at=SCRAPED_AT)
    assert item.description == "Join the ward team.\n\nApplications close on the 19th March."
    normalize_item(item)
    assert (item.closing_date, item.closing_date_raw, item.closing_date_source) == (
        date(2027, 3, 19), "Applications close on the 19th March", "text")
