"""Mistakes a newcomer makes get one clear line, never a traceback: non-HTML start URLs,
unknown or missing spider names (the real `scrapy crawl`, in a subprocess)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.project import get_project_settings

from tests.utils.recorded import Recorded, RecordedServer
from tests.utils.rows import stored_webindexes
from tests.utils.scrapy import crawl_api, run_scrapy


def _png() -> bytes:
    """A real 1x1 PNG: signature, IHDR, IDAT, IEND (RFC 2083 / the PNG specification)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (len(data).to_bytes(4, "big") + body
                + zlib.crc32(body).to_bytes(4, "big"))
    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


# A PDF starts "%PDF-1.x" and a comment of bytes above 127 that marks it binary
# (ISO 32000-1, 7.5.2); this one is short and all text after that line, so only
# its Content-Type says what it is (Scrapy's body sniffing takes it for text).
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"
POSTING = {"@context": "https://schema.org", "@type": "JobPosting", "title": "Ward Clerk",
           "identifier": "WC-1", "description": "<p>Join the ward team.</p>",
           "datePosted": "2026-11-01"}
AD_PAGE = (f'<html><head><script type="application/ld+json">{json.dumps(POSTING)}</script>'
           "</head><body><h1>Ward Clerk</h1></body></html>")
# The link extractor leaves out links ending .pdf; a download link without one is fetched.
LISTING = ('<html><body><h1>Vacancies</h1><ul><li><a href="/ads/1">Ward Clerk</a></li>'
           '<li><a href="/ads/2">Porter (PDF)</a></li></ul></body></html>')
HTML = "text/html; charset=utf-8"

NOT_HTML = {
    "/jobs.json": ("application/json", " (a board's JSON API has a spider of its own: "
                                       "see docs/sources.md)"),
    "/logo.png": ("image/png", ""),
    "/vacancy.pdf": ("application/pdf", ""),
}


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedServer]:
    routes = {
        "/robots.txt": Recorded.text("User-agent: *\nAllow: /\n", content_type="text/plain"),
        "/jobs.json": Recorded.text('{"jobs": [{"id": 1, "title": "Ward Clerk"}]}'),
        "/logo.png": Recorded(_png(), content_type="image/png"),
        "/vacancy.pdf": Recorded(PDF, content_type="application/pdf"),
        "/ads/2": Recorded(PDF, content_type="application/pdf"),
        "/listing": Recorded.text(LISTING, content_type=HTML),
        "/ads/1": Recorded.text(AD_PAGE, content_type=HTML),
    }
    with RecordedServer(routes) as recorded:
        yield recorded


@pytest.mark.parametrize("path", sorted(NOT_HTML))
def test_a_start_url_that_is_not_html_is_missed_and_named_in_one_warning(
        server: RecordedServer, sqlite_url: str, tmp_path: Path, path: str) -> None:
    url = server.url + path
    code, stats, stderr = crawl_api("jobposting", "-a", f"url={url}", "-s", "LOG_LEVEL=INFO",
                                    "-s", "JOBCRAWL_MONITORS_ENABLED=False",
                                    db_url=sqlite_url, tmp_path=tmp_path)
    assert "Traceback" not in stderr
    assert code == 3, stderr  # incomplete: the listing was not read
    assert {key: value for key, value in stats.items() if key.startswith("jobcrawl/")
            and key.split("/")[1] in ("jobposting", "missed")} == {
        "jobcrawl/jobposting/listing_pages": 1, "jobcrawl/jobposting/not_html": 1,
        "jobcrawl/missed/listing": 1}
    content_type, hint = NOT_HTML[path]
    line = (f"[jobcrawl.spiders.jobposting] WARNING: listing page {url} is not HTML "
            f"({content_type}): nothing to read{hint}\n")
    assert line in stderr
    [missed] = (tmp_path / "missed").glob("*.jsonl")
    record = json.loads(missed.read_text(encoding="utf-8"))
    assert (record["url"], record["kind"], record["reason"], record["status"]) == (
        url, "listing", f"not HTML ({content_type})", 200)


def test_a_linked_pdf_is_counted_and_skipped_without_spoiling_the_crawl(
        server: RecordedServer, sqlite_url: str, tmp_path: Path) -> None:
    code, stats, stderr = crawl_api("jobposting", "-a", f"url={server.url}/listing",
                                    "-s", "LOG_LEVEL=INFO", db_url=sqlite_url,
                                    tmp_path=tmp_path)
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert (stats["jobcrawl/jobposting/ad_pages"], stats["jobcrawl/jobposting/not_html"],
            stats["jobcrawl/jobposting/postings"]) == (2, 1, 1)
    assert not [key for key in stats if key.startswith("jobcrawl/missed/")]
    assert (f"[jobcrawl.spiders.jobposting] INFO: ad page {server.url}/ads/2 is not HTML "
            "(application/pdf): skipped\n") in stderr
    assert stored_webindexes(sqlite_url) == ["WC-1"]


def _spiders() -> str:
    return ", ".join(sorted(get_spider_loader(get_project_settings()).list()))


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("jobpostng", ", did you mean 'jobposting'?"), ("greenhose", ", did you mean 'greenhouse'?"),
     ("nosuch", "")],
)
def test_an_unknown_spider_is_one_line_with_a_suggestion_and_exit_1(
        name: str, suggestion: str) -> None:
    result = run_scrapy("crawl", name, "-a", "url=http://127.0.0.1:9/")
    assert result.returncode == 1
    assert result.stderr == (f"scrapy crawl: no spider named {name!r}{suggestion} "
                             f"(spiders: {_spiders()})\n")


@pytest.mark.parametrize("args", [[], ["jobposting", "feed"]])
def test_crawl_without_one_spider_name_is_a_usage_error_listing_the_spiders(
        args: list[str]) -> None:
    result = run_scrapy("crawl", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.endswith(
        "error: give exactly one spider name, e.g. `scrapy crawl jobposting` "
        f"(spiders: {_spiders()})\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["jobposting"], "give -a url=URL[,URL...] and/or -a sitemap=URL"),
     (["jobposting", "-a", "url=http://127.0.0.1:9/", "-a", "depth=two"],
      "argument depth must be a whole number, got 'two'"),
     (["greenhouse"], "spider greenhouse needs -a board=...")],
)
def test_a_bad_spider_argument_is_one_error_line_naming_it_and_exit_1(
        sqlite_url: str, tmp_path: Path, args: list[str], message: str) -> None:
    result = run_scrapy("crawl", *args, "-s", f"JOBCRAWL_DATABASE_URL={sqlite_url}",
                        "-s", "LOG_LEVEL=WARNING")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.endswith(f" [jobcrawl.commands.crawl] ERROR: crawl cannot start: {message}")
