"""The demo board's pages: routing, listings, ad pages, robots.txt, sitemaps, expected counts.

Routes (links inside pages are root-relative; canonical links, JSON-LD ``url``,
robots.txt and sitemaps carry the absolute origin the client used):

- ``/`` home, linking to ``/jobs``, ``/about`` and the ``/private/`` ads;
- ``/jobs`` and ``/jobs?page=N`` listings with ``rel="next"``/``rel="prev"``;
- ``/jobs/<ad_id>`` ad pages; ``/featured/<ad_id>`` the same page again (see below);
- ``/private/jobs/<ad_id>`` ads that robots.txt disallows;
- ``/robots.txt``, ``/sitemap.xml`` (an index), ``/sitemaps/jobs-<k>.xml``;
- ``/about`` (no JobPosting);
- ``/html/...`` and ``/js/...``: the same ads without structured data, as plain HTML and
  as a listing built by JavaScript (see ``sections.py``; not linked, not in sitemaps);
- anything else is 404.

Featured duplicates: every ``featured_every``-th ad is listed twice, under
``/jobs/<id>`` and ``/featured/<id>``, with identical content and a canonical link
to ``/jobs/<id>``, so a crawl must drop the second sighting by webindex. Only ads
that carry a JobPosting and an identifier are featured: for the others a dropped
duplicate would depend on how the crawler derives a webindex from the URL.
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from jobcrawl.demo.ads import CLOSING_MODES, IDENTIFIER_SHAPES, MARKUPS, generate_ads, long_date
from jobcrawl.demo.markup import CLOSED_NOTICE, ad_page, page
from jobcrawl.demo.sections import Sections

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from jobcrawl.demo.ads import DemoAd

Response = tuple[int, str, bytes]

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
XML = "application/xml; charset=utf-8"
SITEMAP_SIZE = 1000
DEFAULT_ORIGIN = "http://127.0.0.1"
_AD_PATH = re.compile(r"/(jobs|featured|private/jobs)/([A-Za-z0-9-]+)")
_SITEMAP_PATH = re.compile(r"/sitemaps/jobs-([1-9][0-9]*)\.xml")


class Board:
    """A job board built from generated ads; ``render`` answers any request path.

    Rendered responses are cached per (path, origin), so repeated requests cost a
    dictionary look-up; ad pages are rendered on first request.
    """

    def __init__(self, ads: Sequence[DemoAd], per_page: int = 20, *, featured_every: int = 40,
                 n_private: int = 3, cache_size: int = 4096) -> None:
        if per_page < 1 or featured_every < 1 or n_private < 0:
            raise ValueError("per_page and featured_every must be >= 1, n_private >= 0")
        self.ads: tuple[DemoAd, ...] = tuple(ads)
        self.per_page = per_page
        self.featured: tuple[DemoAd, ...] = tuple(
            ad for index, ad in enumerate(self.ads)
            if index % featured_every == featured_every - 1
            and ad.has_job_posting and ad.identifier is not None)
        self.private: tuple[DemoAd, ...] = tuple(
            _private_copy(ad, number) for number, ad in enumerate(self.ads[:n_private], 1))
        self._by_id = {ad.ad_id: ad for ad in (*self.ads, *self.private)}
        if len(self._by_id) != len(self.ads) + len(self.private):
            raise ValueError("ad ids must be unique")
        self._featured_ids = {ad.ad_id for ad in self.featured}
        self._private_ids = {ad.ad_id for ad in self.private}
        self.sections = Sections(self.ads, per_page)
        self._cached = lru_cache(maxsize=cache_size)(self._render)
        self.removed: frozenset[str] = frozenset()
        self.gone: frozenset[str] = frozenset()
        self.closed: frozenset[str] = frozenset()
        self.untitled: frozenset[str] = frozenset()
        self._listed = self.ads

    def change(self, *, removed: Iterable[str] = (), gone: Iterable[str] = (),
               closed: Iterable[str] = (), untitled: Iterable[str] = ()) -> None:
        """Change the board between crawls, as boards do (empty: back to the start).

        ``removed`` ads are no longer listed (listings and sitemaps) but their pages
        stay (in the /html and /js sections they are gone altogether); ``gone`` ads
        stay listed but their pages answer 410; ``closed`` ads' pages say "This
        vacancy has now closed" above the unchanged ad; ``untitled`` ads stay listed
        but their page's posting has an empty title (the item fails validation).
        """
        self.removed, self.gone = frozenset(removed), frozenset(gone)
        self.closed, self.untitled = frozenset(closed), frozenset(untitled)
        self._listed = tuple(ad for ad in self.ads if ad.ad_id not in self.removed)
        # The /html and /js sections have no pages outside their listings: there a
        # removed ad is gone altogether.
        self.sections = Sections(self._listed, self.per_page, gone=self.gone,
                                 closed=self.closed)
        self._cached.cache_clear()

    @classmethod
    def build(cls, ads: Sequence[DemoAd], per_page: int = 20) -> Board:
        return cls(ads, per_page)

    @classmethod
    def generate(cls, n_ads: int = 300, seed: int = 2013, per_page: int = 20) -> Board:
        return cls(generate_ads(n_ads, seed), per_page)

    @property
    def listing_pages(self) -> int:
        return max(1, math.ceil(len(self._listed) / self.per_page))

    @property
    def sitemap_files(self) -> int:
        return max(1, math.ceil(len(self._listed) / SITEMAP_SIZE))

    def ad(self, ad_id: str) -> DemoAd:
        """The ad (listed or private) with this id; KeyError if there is none."""
        return self._by_id[ad_id]

    def ad_path(self, ad_id: str) -> str:
        """The canonical path of an ad: ``/jobs/<id>`` or ``/private/jobs/<id>``."""
        prefix = "/private/jobs/" if ad_id in self._private_ids else "/jobs/"
        return prefix + self.ad(ad_id).ad_id

    def render(self, target: str, origin: str = DEFAULT_ORIGIN) -> Response:
        """(status, content type, body) for a request target such as ``/jobs?page=2``."""
        return self._cached(target, origin.rstrip("/"))

    def expected(self) -> dict[str, Any]:
        """What a polite crawl of the board must produce.

        ``ads_with_jobposting`` is the number of items a crawl of ``/jobs`` (or of the
        sitemap) stores; the ``closing_*``, ``with_*``, ``salary_*``, ``identifier_*``
        and ``by_category`` counts are over those items. ``featured_duplicates``
        items are seen twice and dropped once; ``private_ads`` are never fetched.
        """
        postings = [ad for ad in self.ads if ad.has_job_posting]
        by_mode = Counter(ad.closing_mode for ad in postings)
        by_shape = Counter(ad.identifier_shape for ad in postings)
        by_markup = Counter(ad.markup for ad in self.ads)
        return {
            "ads": len(self.ads),
            "ads_with_jobposting": len(postings),
            "ads_without_jobposting": len(self.ads) - len(postings),
            "featured_duplicates": len(self.featured),
            "private_ads": len(self.private),
            "listing_pages": self.listing_pages,
            "sitemap_files": self.sitemap_files,
            "pages_from_jobs": self.listing_pages + len(self.ads) + len(self.featured),
            **{f"closing_{mode}": by_mode[mode] for mode in CLOSING_MODES},
            "with_closing_date": sum(ad.closing_date is not None for ad in postings),
            "with_company": sum(ad.company is not None for ad in postings),
            "with_employment_type": sum(ad.employment_type is not None for ad in postings),
            "with_salary": sum(ad.salary_min is not None for ad in postings),
            "salary_in_markup": sum(ad.salary_in_markup for ad in postings),
            "salary_in_text": sum(ad.salary_text is not None for ad in postings),
            "microdata": by_markup["microdata"],
            "jsonld": sum(n for markup, n in by_markup.items() if markup.startswith("jsonld")),
            "identifier_missing": by_shape["missing"],
            "by_markup": {markup: by_markup[markup] for markup in MARKUPS},
            "by_identifier_shape": {shape: by_shape[shape] for shape in IDENTIFIER_SHAPES},
            "by_category": dict(sorted(Counter(ad.category for ad in postings).items())),
        }

    def expected_sections(self) -> dict[str, int]:
        """What complete crawls of ``/html/jobs`` and ``/js/jobs`` yield (every listed ad)."""
        return self.sections.expected()

    # --- routing -------------------------------------------------------------

    def _render(self, target: str, origin: str) -> Response:
        parts = urlsplit(target)
        path = parts.path
        simple = {"/": self._home, "/about": self._about, "/robots.txt": self._robots,
                  "/sitemap.xml": self._sitemap_index}
        if path in simple:
            return simple[path](origin)
        if path == "/jobs":
            number = _page_number(parts.query)
            if number is not None and 1 <= number <= self.listing_pages:
                return self._listing(number, origin)
        elif match := _AD_PATH.fullmatch(path):
            return self._ad(match.group(1), match.group(2), origin)
        elif match := _SITEMAP_PATH.fullmatch(path):
            return self._sitemap(int(match.group(1)), origin)
        elif path.startswith(("/html/", "/js/")):
            found = self.sections.render(path, parts.query, origin)
            if found is not None:
                return found
        return _not_found()

    def _ad(self, section: str, ad_id: str, origin: str) -> Response:
        ad = self._by_id.get(ad_id)
        listed = {"jobs": ad_id not in self._private_ids, "featured": ad_id in self._featured_ids,
                  "private/jobs": ad_id in self._private_ids}
        if ad is None or not listed[section]:
            return _not_found()
        if ad_id in self.gone:
            return 410, HTML, page("Gone", "<h1>This job has been removed</h1>\n").encode()
        notice = CLOSED_NOTICE if ad_id in self.closed else None
        if ad_id in self.untitled:
            ad = replace(ad, title="")
        return 200, HTML, ad_page(ad, origin + self.ad_path(ad_id), origin, notice).encode()

    # --- pages ---------------------------------------------------------------

    def _home(self, origin: str) -> Response:
        staff = "\n".join(f'<li><a href="{self.ad_path(ad.ad_id)}">{html.escape(ad.title)}</a></li>'
                          for ad in self.private)
        body = (f'<h1>Find your next job</h1>\n<p><a class="all-jobs" href="/jobs">Browse all '
                f'{len(self.ads)} jobs</a> or read <a href="/about">about this board</a>.</p>\n'
                f'<section class="staff"><h2>Staff vacancies</h2><ul>{staff}</ul></section>\n')
        return 200, HTML, page("Jobs in the UK", body).encode()

    def _about(self, origin: str) -> Response:
        body = ("<h1>About this board</h1>\n<p>Every advert on this board is generated, "
                "deterministically, to test job crawlers. Nothing here is a real vacancy.</p>\n")
        return 200, HTML, page("About", body).encode()

    def _listing(self, number: int, origin: str) -> Response:
        chunk = self._listed[(number - 1) * self.per_page:number * self.per_page]
        rows = "\n".join(_listing_row(ad, "/jobs/") for ad in chunk)
        featured = "\n".join(_listing_row(ad, "/featured/")
                             for ad in chunk if ad.ad_id in self._featured_ids)
        head = f'<link rel="canonical" href="{origin}{_listing_path(number)}">\n'
        if number > 1:
            head += f'<link rel="prev" href="{_listing_path(number - 1)}">\n'
        if number < self.listing_pages:
            head += f'<link rel="next" href="{_listing_path(number + 1)}">\n'
        first = (number - 1) * self.per_page + 1
        body = (f"<h1>Latest jobs</h1>\n<p class=\"results\">Jobs {first}–{first + len(chunk) - 1}"
                f" of {len(self._listed)}</p>\n<ul class=\"job-list\">\n{rows}\n</ul>\n")
        if featured:
            body += f'<aside class="featured"><h2>Featured</h2><ul>\n{featured}\n</ul></aside>\n'
        body += self._pagination(number)
        return 200, HTML, page(f"Jobs – page {number} of {self.listing_pages}", body, head).encode()

    def _pagination(self, number: int) -> str:
        last = self.listing_pages
        # A window of numbers, not all of them: 20,000 ads make 1,000 listing pages.
        shown = sorted({1, last} | set(range(max(1, number - 3), min(last, number + 3) + 1)))
        links = []
        if number > 1:
            links.append(f'<a rel="prev" href="{_listing_path(number - 1)}">Previous</a>')
        for shown_number in shown:
            links.append(f'<span class="current">{shown_number}</span>' if shown_number == number
                         else f'<a href="{_listing_path(shown_number)}">{shown_number}</a>')
        if number < last:
            links.append(f'<a rel="next" href="{_listing_path(number + 1)}">Next</a>')
        return f'<nav class="pagination">{" ".join(links)}</nav>\n'

    def _robots(self, origin: str) -> Response:
        text = f"User-agent: *\nDisallow: /private/\n\nSitemap: {origin}/sitemap.xml\n"
        return 200, TEXT, text.encode()

    def _sitemap_index(self, origin: str) -> Response:
        entries = "".join(f"<sitemap><loc>{origin}/sitemaps/jobs-{k}.xml</loc></sitemap>\n"
                          for k in range(1, self.sitemap_files + 1))
        return 200, XML, _xml("sitemapindex", entries)

    def _sitemap(self, number: int, origin: str) -> Response:
        if number > self.sitemap_files:
            return _not_found()
        chunk = self._listed[(number - 1) * SITEMAP_SIZE:number * SITEMAP_SIZE]
        entries = "".join(f"<url><loc>{origin}/jobs/{ad.ad_id}</loc>"
                          f"<lastmod>{ad.date_posted.isoformat()}</lastmod></url>\n"
                          for ad in chunk)
        return 200, XML, _xml("urlset", entries)


def _private_copy(ad: DemoAd, number: int) -> DemoAd:
    """A disallowed ad: a full JobPosting, so a crawl that ignores robots.txt shows it."""
    return replace(ad, ad_id=f"DJ-P{number:05d}", title=f"{ad.title} (internal)",
                   markup="jsonld", identifier_shape="string")


def _page_number(query: str) -> int | None:
    values = parse_qs(query).get("page", ["1"])
    if len(values) != 1 or not values[0].isdigit():
        return None
    return int(values[0])


def _listing_path(number: int) -> str:
    return "/jobs" if number == 1 else f"/jobs?page={number}"


def _listing_row(ad: DemoAd, prefix: str) -> str:
    company = f' <span class="company">{html.escape(ad.company)}</span>' if ad.company else ""
    return (f'<li class="job"><a class="job-link" href="{prefix}{ad.ad_id}">'
            f"{html.escape(ad.title)}</a>{company} "
            f'<span class="location">{html.escape(ad.location)}</span> '
            f'<span class="posted">{long_date(ad.date_posted)}</span></li>')


def _xml(root: str, entries: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</{root}>\n").encode()


def _not_found() -> Response:
    body = '<h1>Page not found</h1>\n<p><a href="/jobs">See all jobs</a>.</p>\n'
    return 404, HTML, page("Not found", body).encode()
