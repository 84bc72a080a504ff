"""Pagination and ad links found on listing pages."""

from __future__ import annotations

from scrapy.http import HtmlResponse

from jobcrawl.extract.links import listing_links

LISTING = """<html><head><link rel="next" href="/jobs?page=2"></head><body>
<nav><a href="/">Home</a> <a href="/jobs?page=1">1</a> <a href="/jobs?page=2">2</a>
<a href="/jobs?page=3">3</a> <a href="/jobs?page=2">Next</a></nav>
<ul><li><a href="/jobs/DJ-1">Nurse</a></li><li><a href="/jobs/DJ-2#apply">Chef</a></li>
<li><a href="https://elsewhere.example.org/jobs/9">Offsite</a></li>
<li><a href="/files/brochure.pdf">Brochure</a></li><li><a href="mailto:hr@example.com">HR</a></li>
</ul></body></html>"""


def response(body: str, url: str = "http://127.0.0.1:8000/jobs?page=1") -> HtmlResponse:
    return HtmlResponse(url=url, body=body.encode(), encoding="utf-8")


def test_listing_links_split_pagination_from_ads() -> None:
    links = listing_links(response(LISTING))
    assert links.pagination == [
        "http://127.0.0.1:8000/jobs?page=2",
        "http://127.0.0.1:8000/jobs?page=3",
    ]
    assert links.other == [
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/jobs/DJ-1",
        "http://127.0.0.1:8000/jobs/DJ-2",
    ]


def test_listing_links_allow_pattern_limits_ad_links() -> None:
    links = listing_links(response(LISTING), allow=r"/jobs/DJ-")
    assert links.other == ["http://127.0.0.1:8000/jobs/DJ-1", "http://127.0.0.1:8000/jobs/DJ-2"]


def test_page_path_numbers_are_pagination() -> None:
    body = '<a href="/careers/page/2/">2</a><a href="/careers/role-7">7 roles</a>'
    links = listing_links(response(body, url="https://example.com/careers/"))
    assert links.pagination == ["https://example.com/careers/page/2/"]
    assert links.other == ["https://example.com/careers/role-7"]
