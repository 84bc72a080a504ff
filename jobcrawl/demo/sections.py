"""The demo board's HTML-only and JavaScript sections: the same ads, no structured data.

Boards without JSON-LD or microdata are what ``scrapy crawl site`` (a declarative
profile of CSS/XPath selectors) is for. Both sections list every listed ad of the
board, in the same order and with the same page size as ``/jobs``:

- ``/html/jobs``, ``/html/jobs?page=N``: a listing of ``a.job-link`` links to
  ``/html/jobs/<id>``, with ``a.next`` (``rel="next"``) to the next page;
- ``/js/jobs``, ``/js/jobs?page=N``: a page shell without a single ad link; an inline
  script fetches ``/js/api/jobs?page=N`` (JSON) and builds the same list and next link
  in the browser, so only a crawler that runs JavaScript finds the ads;
- ``/html/jobs/<id>`` and ``/js/jobs/<id>``: the ad in plain markup (``h1``,
  ``.company``, ``.location``, ``.salary``, ``.closing``, ``.description`` ...).

Neither section is linked from ``/`` or ``/jobs`` nor listed in the sitemaps, so a
crawl of the JSON-LD board never sees them.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from jobcrawl.demo.ads import MONTHS, WEEKDAYS, long_date
from jobcrawl.demo.markup import CLOSED_NOTICE, EMPLOYMENT_WORDS, page

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Sequence

    from jobcrawl.demo.ads import DemoAd

Response = tuple[int, str, bytes]

HTML = "text/html; charset=utf-8"
JSON = "application/json; charset=utf-8"
SECTIONS = ("html", "js")
_AD_PATH = re.compile(r"/(html|js)/jobs/([A-Za-z0-9-]+)")

# Built in the browser from the JSON API; no CDN, no framework: the page works offline.
_LISTING_SCRIPT = """
(function () {
  var page = new URLSearchParams(window.location.search).get("page") || "1";
  var list = document.getElementById("job-list");
  var results = document.getElementById("results");
  var nav = document.getElementById("pagination");
  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }
  function link(cls, href, text) {
    var a = document.createElement("a");
    a.className = cls;
    a.href = href;
    a.textContent = text;
    return a;
  }
  function render(data) {
    data.jobs.forEach(function (job) {
      var item = document.createElement("li");
      item.className = "job";
      item.appendChild(link("job-link", job.url, job.title));
      if (job.company) { item.appendChild(span("company", job.company)); }
      item.appendChild(span("location", job.location));
      list.appendChild(item);
    });
    results.textContent = "Page " + data.page + " of " + data.pages + " (" + data.total + " jobs)";
    if (data.page < data.pages) {
      var next = link("next", "/js/jobs?page=" + (data.page + 1), "Next");
      next.rel = "next";
      nav.appendChild(next);
    }
  }
  fetch("/js/api/jobs?page=" + encodeURIComponent(page), {headers: {"Accept": "application/json"}})
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(render)
    .catch(function (e) { results.textContent = "Could not load jobs: " + e.message; });
})();
"""


class Sections:
    """Renders ``/html/...`` and ``/js/...`` for a board's listed ads."""

    def __init__(self, ads: Sequence[DemoAd], per_page: int, *,
                 gone: Collection[str] = (), closed: Collection[str] = ()) -> None:
        self.ads = tuple(ads)
        self.per_page = per_page
        self._by_id = {ad.ad_id: ad for ad in self.ads}
        # As Board.change(): gone ads stay listed but answer 410; closed ads say so.
        self.gone, self.closed = frozenset(gone), frozenset(closed)

    @property
    def listing_pages(self) -> int:
        return max(1, math.ceil(len(self.ads) / self.per_page))

    def expected(self) -> dict[str, int]:
        """What a complete crawl of each section yields: every ad, once."""
        return {**{f"{name}_ads": len(self.ads) for name in SECTIONS},
                **{f"{name}_listing_pages": self.listing_pages for name in SECTIONS}}

    def render(self, path: str, query: str, origin: str) -> Response | None:
        """(status, content type, body), or None when the path is not one of ours."""
        number = _page_number(query)
        in_range = number is not None and 1 <= number <= self.listing_pages
        if path in ("/html/jobs", "/js/jobs", "/js/api/jobs"):
            if not in_range:
                return None
            assert number is not None
            if path == "/html/jobs":
                return self._html_listing(number)
            return self._js_shell(number) if path == "/js/jobs" else self._js_api(number)
        match = _AD_PATH.fullmatch(path)
        if match and match.group(2) in self._by_id:
            section, ad_id = match.groups()
            if ad_id in self.gone:
                return 410, HTML, page("Gone", "<h1>This job has been removed</h1>\n").encode()
            url = f"{origin}/{section}/jobs/{ad_id}"
            notice = CLOSED_NOTICE if ad_id in self.closed else None
            return 200, HTML, plain_ad_page(self._by_id[ad_id], url, notice).encode()
        return None

    def _chunk(self, number: int) -> tuple[DemoAd, ...]:
        return self.ads[(number - 1) * self.per_page:number * self.per_page]

    def _html_listing(self, number: int) -> Response:
        rows = "\n".join(_listing_row(ad) for ad in self._chunk(number))
        nav = ""
        if number > 1:
            nav += f'<a class="prev" rel="prev" href="{_path("html", number - 1)}">Previous</a> '
        if number < self.listing_pages:
            nav += f'<a class="next" rel="next" href="{_path("html", number + 1)}">Next</a>'
        body = (f"<h1>Latest jobs</h1>\n<ul class=\"job-list\">\n{rows}\n</ul>\n"
                f'<nav class="pagination">{nav}</nav>\n')
        title = f"Jobs (plain HTML) – page {number} of {self.listing_pages}"
        return 200, HTML, page(title, body).encode()

    def _js_shell(self, number: int) -> Response:
        body = ('<h1>Latest jobs</h1>\n<p class="results" id="results">Loading jobs…</p>\n'
                '<ul class="job-list" id="job-list"></ul>\n'
                '<nav class="pagination" id="pagination"></nav>\n'
                "<noscript>This job list needs JavaScript.</noscript>\n"
                f"<script>{_LISTING_SCRIPT}</script>\n")
        title = f"Jobs (JavaScript) – page {number} of {self.listing_pages}"
        return 200, HTML, page(title, body).encode()

    def _js_api(self, number: int) -> Response:
        jobs = [{"id": ad.ad_id, "title": ad.title, "company": ad.company,
                 "location": ad.location, "posted": ad.date_posted.isoformat(),
                 "url": f"/js/jobs/{ad.ad_id}"} for ad in self._chunk(number)]
        data: dict[str, Any] = {"page": number, "pages": self.listing_pages,
                                "per_page": self.per_page, "total": len(self.ads), "jobs": jobs}
        return 200, JSON, json.dumps(data, ensure_ascii=False).encode()


def plain_ad_page(ad: DemoAd, url: str, notice: str | None = None) -> str:
    """The ad's page in plain markup only: no JSON-LD, no microdata.

    ``notice`` (e.g. "This vacancy has now closed") is shown above the ad.
    """
    esc = _escaper(ad)
    parts = ['<article class="vacancy">', f"<h1>{esc(ad.title)}</h1>"]
    if notice:
        parts.insert(0, f'<p class="notice">{html.escape(notice)}</p>')
    if ad.identifier is not None:
        parts.append(f'<p class="ref">Reference: {esc(ad.identifier)}</p>')
    if ad.company:
        parts.append(f'<p class="company">{esc(ad.company)}</p>')
    parts.append(f'<p class="location">{esc(ad.location)}</p>')
    if ad.salary_in_markup and ad.salary_label:
        parts.append(f'<p class="salary">{esc(ad.salary_label)}</p>')
    if ad.employment_type:
        parts.append(f'<p class="type">{EMPLOYMENT_WORDS[ad.employment_type]}</p>')
    parts.append(f'<p class="category">Category: <span>{esc(ad.category)}</span></p>')
    parts.append(f'<p class="posted">Posted <time datetime="{ad.date_posted.isoformat()}">'
                 f"{long_date(ad.date_posted)}</time></p>")
    if ad.closing_mode == "structured" and ad.closing_date is not None:
        parts.append(f'<p class="closing">Closing date: {closing_words(ad)}</p>')
    paragraphs = "\n".join(f"<p>{esc(p)}</p>" for p in ad.description_paragraphs)
    parts.append(f'<div class="description">\n{paragraphs}\n</div>')
    parts.append("</article>\n")
    head = f'<link rel="canonical" href="{html.escape(url)}">\n'
    title = f"{ad.title} – {ad.company}" if ad.company else ad.title
    return page(title, "\n".join(parts), head)


def closing_words(ad: DemoAd) -> str:
    """The closing date as a plain board writes it; numeric dates are day first."""
    day = ad.closing_date
    assert day is not None
    if ad.style % 3 == 0:
        return long_date(day)
    if ad.style % 3 == 1:
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _escaper(ad: DemoAd) -> Callable[[str], str]:
    if ad.style % 3 == 1:  # non-ASCII as character references: "Caf&#233;"
        return lambda text: html.escape(text).encode("ascii", "xmlcharrefreplace").decode()
    return html.escape


def _listing_row(ad: DemoAd) -> str:
    company = f' <span class="company">{html.escape(ad.company)}</span>' if ad.company else ""
    return (f'<li class="job"><a class="job-link" href="/html/jobs/{ad.ad_id}">'
            f"{html.escape(ad.title)}</a>{company} "
            f'<span class="location">{html.escape(ad.location)}</span></li>')


def _path(section: str, number: int) -> str:
    return f"/{section}/jobs" if number == 1 else f"/{section}/jobs?page={number}"


def _page_number(query: str) -> int | None:
    values = parse_qs(query).get("page", ["1"])
    if len(values) != 1 or not values[0].isdigit():
        return None
    return int(values[0])
