"""The demo board's HTML-only and JavaScript sections, over HTTP."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator

import extruct
import pytest
from parsel import Selector

from jobcrawl.demo.server import DemoBoard
from jobcrawl.demo.site import Board


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoBoard]:
    with DemoBoard() as server:
        yield server


def get(demo: DemoBoard, target: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=10)
    connection.request("GET", target)
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()
    return response.status, response.getheader("Content-Type") or "", body


def test_sections_list_every_ad_of_the_board() -> None:
    board = Board.generate()
    assert board.expected_sections() == {"html_ads": 300, "js_ads": 300,
                                         "html_listing_pages": 15, "js_listing_pages": 15}
    small = Board.generate(n_ads=41, per_page=20)
    assert small.expected_sections()["html_listing_pages"] == 3


def test_html_listing_pages_link_every_ad_once_in_order(demo: DemoBoard) -> None:
    pages = demo.board.expected_sections()["html_listing_pages"]
    seen: list[str] = []
    for number in range(1, pages + 1):
        target = "/html/jobs" if number == 1 else f"/html/jobs?page={number}"
        status, content_type, body = get(demo, target)
        assert (status, content_type) == (200, "text/html; charset=utf-8")
        page = Selector(text=body)
        seen += page.css("ul.job-list a.job-link::attr(href)").getall()
        expected_next = [f"/html/jobs?page={number + 1}"] if number < pages else []
        assert page.css("a.next[rel=next]::attr(href)").getall() == expected_next
    assert seen == [f"/html/jobs/{ad.ad_id}" for ad in demo.board.ads]
    for bad in ("/html/jobs?page=0", f"/html/jobs?page={pages + 1}", "/html/jobs?page=x"):
        assert get(demo, bad)[0] == 404, bad


@pytest.mark.parametrize("section", ["html", "js"])
def test_ad_pages_carry_plain_markup_only(demo: DemoBoard, section: str) -> None:
    ad = demo.board.ad("DJ-000021")
    status, _, body = get(demo, f"/{section}/jobs/DJ-000021")
    assert status == 200
    url = f"{demo.url}/{section}/jobs/DJ-000021"
    data = extruct.extract(body, base_url=url, syntaxes=["json-ld", "microdata"])
    assert data == {"json-ld": [], "microdata": []}
    page = Selector(text=body)
    assert page.css("link[rel=canonical]::attr(href)").get() == url
    assert page.css("article.vacancy h1::text").get() == ad.title
    assert page.css(".company::text").get() == "Pâtisserie Valerie"  # sent as &#226;
    assert page.css(".closing::text").get() == "Closing date: 15/11/2026"
    assert page.css(".posted time::attr(datetime)").get() == ad.date_posted.isoformat()
    assert page.css(".description p::text").getall() == list(ad.description_paragraphs)


def test_unknown_and_private_ads_are_404_in_the_sections(demo: DemoBoard) -> None:
    for target in ("/html/jobs/DJ-999999", "/js/jobs/DJ-P00001", "/html/", "/js/jobs/",
                   "/js/api/jobs?page=0", "/js/api/jobs?page=16", "/js/api/other"):
        status, content_type, body = get(demo, target)
        assert (status, content_type) == (404, "text/html; charset=utf-8"), target
        assert "Page not found" in body


def test_js_listing_html_has_no_ad_links_only_a_self_contained_script(demo: DemoBoard) -> None:
    status, _, body = get(demo, "/js/jobs?page=2")
    assert status == 200
    page = Selector(text=body)
    assert page.css("a.job-link").getall() == []
    assert not re.search(r"/js/jobs/DJ-", body)
    assert page.css("script[src]").getall() == []  # no CDN: the page works offline
    assert "/js/api/jobs?page=" in page.css("script::text").get("")
    assert page.css("#job-list").get() == '<ul class="job-list" id="job-list"></ul>'


def test_js_api_pages_through_every_ad(demo: DemoBoard) -> None:
    status, content_type, body = get(demo, "/js/api/jobs?page=1")
    assert (status, content_type) == (200, "application/json; charset=utf-8")
    first = json.loads(body)
    ad = demo.board.ads[0]
    assert {key: first[key] for key in ("page", "pages", "per_page", "total")} == {
        "page": 1, "pages": 15, "per_page": 20, "total": 300}
    assert first["jobs"][0] == {"id": ad.ad_id, "title": ad.title, "company": ad.company,
                                "location": ad.location, "posted": ad.date_posted.isoformat(),
                                "url": f"/js/jobs/{ad.ad_id}"}
    ids = [job["id"] for n in range(1, 16)
           for job in json.loads(get(demo, f"/js/api/jobs?page={n}")[2])["jobs"]]
    assert ids == [ad.ad_id for ad in demo.board.ads]


def test_sections_are_not_linked_from_the_jsonld_board(demo: DemoBoard) -> None:
    targets = ["/", "/jobs", "/jobs?page=15", "/sitemap.xml", "/sitemaps/jobs-1.xml",
               "/jobs/DJ-000021", "/robots.txt"]
    for target in targets:
        body = get(demo, target)[2]
        assert "/html/" not in body and "/js/" not in body, target
