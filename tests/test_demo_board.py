"""The bundled demo board: deterministic ads, truthful pages, a real HTTP server, the command."""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import extruct
import pytest
from dateutil import parser as dateparser
from parsel import Selector

from jobcrawl.demo.ads import (
    CLOSING_MODES,
    EMPLOYMENT_TYPES,
    FIRST_POSTED,
    IDENTIFIER_SHAPES,
    LAST_POSTED,
    MARKUPS,
    UNPARSEABLE_PHRASES,
    DemoAd,
    generate_ads,
)
from jobcrawl.demo.server import DemoBoard
from jobcrawl.demo.site import SITEMAP_SIZE, Board

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def ads() -> list[DemoAd]:
    return generate_ads()


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoBoard]:
    with DemoBoard() as server:
        yield server


def get(demo: DemoBoard, target: str, host: str | None = None,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=10)
    headers = {"Host": host} if host else {}
    connection.request(method, target, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def job_postings(page: str, url: str) -> list[dict[str, Any]]:
    """Every JobPosting on a page, JSON-LD (any nesting) and microdata, via extruct."""
    data = extruct.extract(page, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True)
    found = []
    for entry in data["json-ld"] + data["microdata"]:
        found.extend(entry.get("@graph", [entry]))
    return [entry for entry in found if entry.get("@type") == "JobPosting"]


def text_of(description: str) -> list[str]:
    """Paragraphs of a JSON-LD description, once-escaped HTML or plain HTML."""
    if description.startswith("&lt;p&gt;"):
        description = html.unescape(description)
    return [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", description)]


def closing_from_phrase(phrase: str, posted: date) -> date:
    """An independent oracle: dateutil, day first; ISO dates first (dateutil swaps them)."""
    if iso := re.search(r"\d{4}-\d{2}-\d{2}", phrase):
        return date.fromisoformat(iso.group())
    day = dateparser.parse(phrase, fuzzy=True, dayfirst=True,
                           default=datetime(posted.year, 1, 1)).date()
    if not re.search(r"\d{4}", phrase) and day < posted:
        day = day.replace(year=day.year + 1)
    return day


# --- generation -----------------------------------------------------------------

def test_same_seed_gives_identical_ads_in_another_process(ads: list[DemoAd]) -> None:
    assert generate_ads(300, 2013) == ads
    code = ("import hashlib; from jobcrawl.demo.ads import generate_ads; "
            "print(hashlib.sha256(repr(generate_ads(300, 2013)).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                           text=True, check=True, env={"PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == hashlib.sha256(repr(ads).encode()).hexdigest()


def test_different_seed_gives_different_ads(ads: list[DemoAd]) -> None:
    other = generate_ads(300, 7)
    assert [ad.ad_id for ad in other] == [ad.ad_id for ad in ads]
    assert sum(a.description != b.description for a, b in zip(ads, other, strict=True)) > 250


def test_generate_rejects_negative_count() -> None:
    assert generate_ads(0) == []
    with pytest.raises(ValueError, match="n must be >= 0"):
        generate_ads(-1)


def test_default_ads_cover_every_variant(ads: list[DemoAd]) -> None:
    assert {ad.markup for ad in ads} == set(MARKUPS)
    assert {ad.closing_mode for ad in ads} == set(CLOSING_MODES)
    assert {ad.identifier_shape for ad in ads} == set(IDENTIFIER_SHAPES)
    assert {ad.employment_type for ad in ads} == set(EMPLOYMENT_TYPES)
    assert {ad.salary_period for ad in ads} == {"YEAR", "HOUR", "DAY", None}
    assert len({ad.category for ad in ads}) == 10
    raws = [ad.closing_raw or "" for ad in ads]
    for prefix in ("Closing Date: ", "Closing date for applications ", "Apply by ", "Deadline: ",
                   "Applications close on "):
        assert any(raw.startswith(prefix) for raw in raws), prefix
    structured = [ad.closing_raw for ad in ads if ad.closing_mode == "structured"]
    for suffix in ("T00:00:00+01:00", "T23:59:59-05:00", "T17:00:00Z"):
        assert any(raw and raw.endswith(suffix) for raw in structured), suffix
    text = " ".join(ad.title + " " + (ad.company or "") for ad in ads)
    assert {"&", "é", "ü"} <= set(text)


def test_default_ads_have_a_realistic_mix(ads: list[DemoAd]) -> None:
    # Modes and shapes are dealt in rounds of 20: exact shares on 300 ads.
    assert Counter(ad.closing_mode for ad in ads) == {
        "structured": 105, "text": 90, "unparseable": 15, "none": 90}
    assert Counter(ad.identifier_shape for ad in ads) == {
        "string": 165, "property-value": 60, "int": 30, "missing": 45}
    markups = Counter(ad.markup for ad in ads)
    assert 40 <= markups["microdata"] <= 50 and 7 <= markups["none"] <= 8
    assert 45 <= sum(ad.company is None for ad in ads) <= 75
    assert 160 <= sum(ad.salary_min is not None for ad in ads) <= 200


def test_truth_is_consistent_with_the_text() -> None:
    for ad in generate_ads(2000, seed=99):
        assert FIRST_POSTED <= ad.date_posted <= LAST_POSTED
        assert (ad.closing_date is None) == (ad.closing_mode in ("unparseable", "none"))
        if ad.closing_date:
            assert 7 <= (ad.closing_date - ad.date_posted).days <= 60
        salary = (ad.salary_min, ad.salary_max, ad.salary_currency, ad.salary_period)
        assert all(v is None for v in salary) or all(v is not None for v in salary)
        assert ("£" in ad.description) == (ad.salary_text is not None)
        if ad.salary_text:
            assert ad.salary_text in ad.description and ad.salary_text == ad.salary_label
        mentions_closing = re.search(r"Closing|Deadline|Apply by|close on", ad.description)
        assert bool(mentions_closing) == (ad.closing_mode != "none"
                                          and ad.closing_raw is not None
                                          and (ad.closing_mode != "structured"
                                               or ad.style % 4 == 0))


def test_text_closing_phrases_encode_the_truth() -> None:
    for ad in generate_ads(2000, seed=5):
        if ad.closing_mode == "structured":
            assert ad.closing_raw and ad.closing_raw[:10] == ad.closing_date.isoformat()
        elif ad.closing_mode == "text":
            assert ad.closing_raw and ad.closing_raw in ad.description
            assert closing_from_phrase(ad.closing_raw, ad.date_posted) == ad.closing_date
        elif ad.closing_mode == "unparseable":
            assert ad.closing_raw in UNPARSEABLE_PHRASES and ad.closing_raw in ad.description
            with pytest.raises(dateparser.ParserError):
                dateparser.parse(ad.closing_raw, fuzzy=True, dayfirst=True)


def test_undated_apply_by_takes_the_next_occurrence_after_posting() -> None:
    undated = [ad for ad in generate_ads(2000, seed=5)
               if ad.closing_raw and ad.closing_raw.startswith("Apply by ")]
    crossing = [ad for ad in undated if ad.closing_date.year > ad.date_posted.year]
    assert crossing, "some undated phrases must fall in the next year"
    ad = crossing[0]
    assert ad.closing_date == closing_from_phrase(ad.closing_raw, ad.date_posted)


# --- the board ------------------------------------------------------------------

def test_expected_counts_match_the_ads(ads: list[DemoAd]) -> None:
    board = Board.build(ads)
    items = [ad for ad in ads if ad.markup != "none"]
    featured = [ad for i, ad in enumerate(ads)
                if i % 40 == 39 and ad.markup != "none" and ad.identifier_shape != "missing"]
    expected = board.expected()
    assert expected == {
        "ads": 300,
        "ads_with_jobposting": len(items),
        "ads_without_jobposting": 300 - len(items),
        "featured_duplicates": len(featured),
        "private_ads": 3,
        "listing_pages": 15,
        "sitemap_files": 1,
        "pages_from_jobs": 15 + 300 + len(featured),
        "closing_structured": sum(ad.closing_mode == "structured" for ad in items),
        "closing_text": sum(ad.closing_mode == "text" for ad in items),
        "closing_unparseable": sum(ad.closing_mode == "unparseable" for ad in items),
        "closing_none": sum(ad.closing_mode == "none" for ad in items),
        "with_closing_date": sum(ad.closing_date is not None for ad in items),
        "with_company": sum(ad.company is not None for ad in items),
        "with_employment_type": sum(ad.employment_type is not None for ad in items),
        "with_salary": sum(ad.salary_min is not None for ad in items),
        "salary_in_markup": sum(ad.salary_min is not None and not ad.salary_text for ad in items),
        "salary_in_text": sum(ad.salary_text is not None for ad in items),
        "microdata": sum(ad.markup == "microdata" for ad in ads),
        "jsonld": sum(ad.markup.startswith("jsonld") for ad in ads),
        "identifier_missing": sum(ad.identifier_shape == "missing" for ad in items),
        "by_markup": {m: sum(ad.markup == m for ad in ads) for m in MARKUPS},
        "by_identifier_shape": {s: sum(ad.identifier_shape == s for ad in items)
                                for s in IDENTIFIER_SHAPES},
        "by_category": dict(sorted(Counter(ad.category for ad in items).items())),
    }
    assert 3 <= expected["featured_duplicates"] <= 7
    assert board.ad("DJ-000042") == ads[41]
    assert board.ad("DJ-P00001").title == f"{ads[0].title} (internal)"
    with pytest.raises(KeyError):
        board.ad("DJ-999999")


def test_featured_page_is_the_ad_page_with_the_same_canonical(ads: list[DemoAd]) -> None:
    board = Board(ads)
    for ad in board.featured:
        assert board.render(f"/featured/{ad.ad_id}") == board.render(f"/jobs/{ad.ad_id}")
    not_featured = next(ad for ad in ads if ad not in board.featured)
    assert board.render(f"/featured/{not_featured.ad_id}")[0] == 404
    assert board.render("/jobs/DJ-P00001")[0] == 404
    assert board.render("/private/jobs/DJ-000001")[0] == 404


# --- over HTTP --------------------------------------------------------------------

def test_listing_pages_link_every_ad_once_through_rel_next(demo: DemoBoard) -> None:
    board, target, pages, ad_links, featured_links = demo.board, "/jobs", 0, [], []
    while target:
        status, headers, body = get(demo, target)
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
        page = Selector(text=body.decode())
        pages += 1
        assert page.css("link[rel=canonical]::attr(href)").get() == demo.url + target
        ad_links += page.css("ul.job-list a.job-link::attr(href)").getall()
        featured_links += page.css("aside.featured a::attr(href)").getall()
        head_next = page.css("link[rel=next]::attr(href)").get()
        assert page.css("a[rel=next]::attr(href)").get() == head_next
        numbers = page.css("nav.pagination a::text").getall()
        assert "1" in numbers or pages == 1
        assert str(board.listing_pages) in numbers or pages == board.listing_pages
        target = head_next
    assert pages == board.listing_pages == 15
    assert ad_links == [f"/jobs/{ad.ad_id}" for ad in board.ads]
    assert featured_links == [f"/featured/{ad.ad_id}" for ad in board.featured]
    assert get(demo, "/jobs?page=1")[2] == get(demo, "/jobs")[2]  # canonical: /jobs
    for bad in ("/jobs?page=16", "/jobs?page=0", "/jobs?page=two", "/jobs?page=1&page=2"):
        assert get(demo, bad)[0] == 404, bad


@pytest.mark.parametrize("markup", ["jsonld", "jsonld-array", "jsonld-graph",
                                    "jsonld-two-blocks", "microdata"])
def test_ad_page_carries_the_truth(demo: DemoBoard, markup: str) -> None:
    for ad in [ad for ad in demo.board.ads if ad.markup == markup][:12]:
        url = f"{demo.url}/jobs/{ad.ad_id}"
        status, _, body = get(demo, f"/jobs/{ad.ad_id}")
        page = body.decode()
        assert status == 200
        assert Selector(text=page).css("link[rel=canonical]::attr(href)").get() == url
        [posting] = job_postings(page, url)
        expected_id: Any = ad.identifier_value
        if ad.identifier_shape == "property-value":
            expected_id = {"@type": "PropertyValue", "name": "Demo Jobs", "value": ad.ad_id}
        if markup == "microdata" and expected_id is not None:
            expected_id = expected_id if isinstance(expected_id, dict) else str(expected_id)
        assert posting.get("identifier") == expected_id
        assert posting["title"] == ad.title
        assert posting.get("validThrough") == (
            ad.closing_raw if ad.closing_mode == "structured" else None)
        assert posting["url"] == url
        assert posting["datePosted"][:10] == ad.date_posted.isoformat()
        description = posting["description"]
        paragraphs = (description.split("\n\n") if markup == "microdata"
                      else text_of(description))
        assert tuple(paragraphs) == ad.description_paragraphs


def test_jsonld_parses_with_json_loads(demo: DemoBoard) -> None:
    ad = next(ad for ad in demo.board.ads
              if ad.markup == "jsonld" and ad.identifier_shape == "int"
              and ad.closing_mode == "structured" and ad.salary_in_markup)
    page = Selector(text=get(demo, f"/jobs/{ad.ad_id}")[2].decode())
    [script] = page.css('script[type="application/ld+json"]::text').getall()
    data = json.loads(script)
    assert data["@type"] == "JobPosting"
    assert data["identifier"] == int(ad.ad_id[3:])
    assert data["validThrough"] == ad.closing_raw
    value = data["baseSalary"]["value"]
    bounds = ([value["value"]] * 2 if "value" in value else [value["minValue"], value["maxValue"]])
    assert [float(b) for b in bounds] == [ad.salary_min, ad.salary_max]
    assert (data["baseSalary"]["currency"], value["unitText"]) == ("GBP", ad.salary_period)


def test_some_jsonld_descriptions_are_entity_escaped_html(demo: DemoBoard) -> None:
    ads = [ad for ad in demo.board.ads if ad.markup == "jsonld"]
    escaped = 0
    for ad in ads:
        page = Selector(text=get(demo, f"/jobs/{ad.ad_id}")[2].decode())
        description = json.loads(page.css('script[type="application/ld+json"]::text').get())[
            "description"]
        html_once = "".join(f"<p>{html.escape(p, quote=False)}</p>"
                            for p in ad.description_paragraphs)
        assert description in (html_once, html.escape(html_once, quote=False))
        escaped += description.startswith("&lt;p&gt;")
    assert 0.1 * len(ads) <= escaped <= 0.3 * len(ads)


def test_pages_without_jobposting_give_no_item(demo: DemoBoard) -> None:
    for target in ["/", "/about", *(f"/jobs/{ad.ad_id}" for ad in demo.board.ads
                                    if ad.markup == "none")]:
        status, _, body = get(demo, target)
        assert status == 200
        assert job_postings(body.decode(), demo.url + target) == [], target


def test_microdata_page_declares_jobposting_itemtype(demo: DemoBoard) -> None:
    ad = next(ad for ad in demo.board.ads if ad.markup == "microdata")
    page = Selector(text=get(demo, f"/jobs/{ad.ad_id}")[2].decode())
    assert page.css("article::attr(itemtype)").get() == "https://schema.org/JobPosting"
    assert page.css('script[type="application/ld+json"]').getall() == []


def test_robots_txt_disallows_private_and_names_the_sitemap(demo: DemoBoard) -> None:
    status, headers, body = get(demo, "/robots.txt")
    assert (status, headers["Content-Type"]) == (200, "text/plain; charset=utf-8")
    robots = f"User-agent: *\nDisallow: /private/\n\nSitemap: {demo.url}/sitemap.xml\n"
    assert body.decode() == robots
    home = Selector(text=get(demo, "/")[2].decode())
    private = [href for href in home.css("a::attr(href)").getall() if href.startswith("/private/")]
    assert private == [f"/private/jobs/DJ-P0000{k}" for k in (1, 2, 3)]
    assert get(demo, private[0])[0] == 200
    assert demo.hits["/robots.txt"] >= 1 and demo.hit_count("/private/") == 1


def test_sitemaps_list_every_ad_url_exactly_once() -> None:
    with DemoBoard(n_ads=2500, seed=3) as demo:
        index = Selector(text=get(demo, "/sitemap.xml")[2].decode(), type="xml")
        children = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SITEMAP_NS).getall()
        assert children == [f"{demo.url}/sitemaps/jobs-{k}.xml" for k in (1, 2, 3)]
        urls: list[str] = []
        for child in children:
            status, headers, body = get(demo, child.removeprefix(demo.url))
            assert (status, headers["Content-Type"]) == (200, "application/xml; charset=utf-8")
            locs = Selector(text=body.decode(), type="xml").xpath(
                "//sm:url/sm:loc/text()", namespaces=SITEMAP_NS).getall()
            assert 0 < len(locs) <= SITEMAP_SIZE
            urls += locs
        assert urls == [f"{demo.url}/jobs/{ad.ad_id}" for ad in demo.board.ads]
        assert len(set(urls)) == 2500
        assert get(demo, "/sitemaps/jobs-4.xml")[0] == 404


def test_unknown_paths_are_404(demo: DemoBoard) -> None:
    for target in ("/nope", "/jobs/DJ-999999", "/jobs/", "/sitemaps/jobs-0.xml", "/featured/x"):
        status, headers, body = get(demo, target)
        assert (status, headers["Content-Type"]) == (404, "text/html; charset=utf-8"), target
        assert b"Page not found" in body


def test_absolute_links_follow_the_host_header(demo: DemoBoard) -> None:
    robots = get(demo, "/robots.txt", host="jobs.example.test:8080")[2].decode()
    assert robots.endswith("Sitemap: http://jobs.example.test:8080/sitemap.xml\n")
    spoofed = get(demo, "/robots.txt", host="evil.test/<script>")[2].decode()
    assert spoofed.endswith(f"Sitemap: {demo.url}/sitemap.xml\n")


def test_keep_alive_head_and_hit_counts() -> None:
    with DemoBoard(n_ads=40) as demo:
        connection = http.client.HTTPConnection("127.0.0.1", demo.port, timeout=10)
        bodies = []
        for _ in range(3):  # one connection, three requests: HTTP/1.1 keep-alive
            connection.request("GET", "/jobs?page=2")
            response = connection.getresponse()
            bodies.append(response.read())
            assert int(response.getheader("Content-Length")) == len(bodies[-1])
        connection.close()
        status, headers, body = get(demo, "/about", method="HEAD")
        assert (status, body) == (200, b"")
        assert int(headers["Content-Length"]) == len(get(demo, "/about")[2])
        assert demo.hits == Counter({"/jobs?page=2": 3, "/about": 2})
    with pytest.raises(RuntimeError, match="not bound"):
        _ = demo.port


# --- the command ------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _read_until(process: subprocess.Popen[bytes], marker: bytes, seconds: float = 60) -> str:
    """Raw reads (no buffered readline) so that the selector sees every byte."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    output = b""
    deadline = time.monotonic() + seconds
    while marker not in output:
        if time.monotonic() > deadline or not selector.select(timeout=deadline - time.monotonic()):
            raise AssertionError(f"no {marker!r} in output: {output!r}")
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            raise AssertionError(f"process ended: {output!r}")
        output += chunk
    return output.decode()


def test_demoboard_command_serves_until_sigint() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "demoboard", "--port", str(port), "--ads", "45"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        output = _read_until(process, b"press Ctrl-C to stop.\n")
        assert f"Demo job board on http://127.0.0.1:{port}/" in output
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/jobs?page=3")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read().count(b'class="job-link"') == 5
        connection.close()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "  listing_pages           3\n" in output and stdout == b"Stopped.\n"
    assert b"Traceback" not in stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--port", "70000"], "--port must be between 0 and 65535, got 70000"),
    (["--ads", "many"], "--ads must be an integer, got 'many'"),
    (["--ads", "0"], "--ads must be between 1 and 1000000, got 0"),
    (["extra"], "unexpected arguments: extra"),
])
def test_demoboard_command_rejects_bad_values(args: list[str], message: str) -> None:
    result = subprocess.run([sys.executable, "-m", "scrapy", "demoboard", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr


def test_demoboard_command_reports_a_taken_port() -> None:
    with DemoBoard(n_ads=1) as taken:
        port = taken.port
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "demoboard", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot serve on 127.0.0.1:{port}: [Errno 98] Address already in use" in result.stderr
