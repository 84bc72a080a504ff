"""Closed notices: only the visible main text counts, and a closing date ahead outweighs a
weak notice (jobcrawl.extract.closed), from saved pages in tests/fixtures/closed/."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from jobcrawl.extract.closed import (
    ClosedNotice,
    ClosedVerdict,
    closed_verdict,
    page_closed_notice,
    visible_closed_notice,
)
from jobcrawl.extract.jobposting import source_for, to_item
from jobcrawl.extract.jsonld import extract_postings

PAGES = Path(__file__).parent / "fixtures" / "closed"
TODAY = date(2026, 3, 10)  # the fixtures' "today"


def page(name: str) -> HtmlResponse:
    return HtmlResponse(url=f"https://jobs.example/{name}", body=(PAGES / name).read_bytes(),
                        encoding="utf-8")


def verdict_of(name: str) -> ClosedVerdict:
    """What the spider decides for the page's one posting."""
    response = page(name)
    [posting] = extract_postings(response).postings
    item = to_item(posting, response, source=source_for(response.url),
                   scraped_at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    return closed_verdict(page_closed_notice(response).notice, item.closing_date_raw,
                          today=TODAY)


def test_indeed_translation_table_in_a_script_is_no_notice_and_the_ad_stays_live() -> None:
    response = page("indeed_live.html")

    found = page_closed_notice(response)

    assert found.in_source  # the words are in the page's source ...
    assert found.notice is None  # ... but nowhere a reader sees them
    assert verdict_of("indeed_live.html") == ClosedVerdict(closed=False)


def test_notices_in_hidden_parts_frames_banners_and_json_are_not_read() -> None:
    found = page_closed_notice(page("hidden_notices.html"))

    assert (found.in_source, found.notice) == (True, None)


def test_a_visible_heading_without_valid_through_closes_the_ad() -> None:
    assert page_closed_notice(page("closed_visible.html")).notice == ClosedNotice(
        "This job has expired", strong=True)
    assert verdict_of("closed_visible.html") == ClosedVerdict(
        closed=True, evidence="page says: 'This job has expired'")


def test_a_visible_notice_with_a_past_valid_through_closes_the_ad_and_says_so() -> None:
    assert verdict_of("closed_past.html") == ClosedVerdict(
        closed=True, evidence="page says: 'Applications for this position have closed'; "
                              "closing date 2026-02-28 passed")


def test_a_strong_notice_wins_over_a_valid_through_ahead() -> None:
    assert verdict_of("closed_early.html") == ClosedVerdict(
        closed=True, evidence="page says: 'This vacancy has now closed', "
                              "over closing date 2026-04-30")


def test_a_weak_notice_in_running_text_is_overruled_by_a_valid_through_ahead() -> None:
    found = page_closed_notice(page("weak_notice.html"))

    assert found.notice == ClosedNotice("No longer accepting applications", strong=False)
    # 2026-03-31T17:00:00-05:00 closes on the 31st in its own zone (the 31st, 22:00 UTC).
    assert verdict_of("weak_notice.html") == ClosedVerdict(closed=False, overruled=True)


def test_a_weak_notice_without_a_closing_date_still_closes() -> None:
    weak = ClosedNotice("No longer accepting applications", strong=False)

    assert closed_verdict(weak, None, today=TODAY).closed
    assert closed_verdict(weak, "ASAP", today=TODAY).closed  # unreadable: the notice wins
    assert closed_verdict(weak, "2026-03-09", today=TODAY).closed
    assert not closed_verdict(weak, "2026-03-10", today=TODAY).closed  # open all of today
    assert closed_verdict(None, "2026-03-09", today=TODAY) == ClosedVerdict(closed=False)


@pytest.mark.parametrize(("html", "expected"), [
    ("<main><p>This vacancy has <b>now</b> closed</p></main>",
     ClosedNotice("This vacancy has now closed", strong=True)),
    ("<div role='alert'>Sorry! We regret to tell you that this job is no longer available, "
     "but there are many more on our site for you.</div>",
     ClosedNotice("This job is no longer available", strong=True)),
    ("<body><header><p>This job has expired</p></header><p>Live ad</p></body>", None),
    ("<article><footer><p>This job has expired</p></footer></article>",
     ClosedNotice("This job has expired", strong=True)),
    ("<div style='visibility: hidden'>This job has expired</div>", None),
    ("<div class='sr-only'>This job has expired</div>", None),
    ("<p>Apply <script>x = 'This job has expired'</script>now</p>", None),
    ("<p>Text <span hidden>This job has expired</span> and more</p>", None),
    ("<nav role='navigation'>This job has expired</nav>", None),
    ("<div role='contentinfo'>This job has expired</div>", None),
])
def test_visible_notice_of_small_pages(html: str, expected: ClosedNotice | None) -> None:
    assert visible_closed_notice(lxml.html.fromstring(html)) == expected


def test_page_without_any_notice_words_is_not_walked() -> None:
    response = HtmlResponse(url="https://x.example/", body=b"<p>Nurse wanted</p>",
                            encoding="utf-8")

    found = page_closed_notice(response)

    assert (found.in_source, found.notice) == (False, None)
