"""One tree per page: parsed as Scrapy parses it, shared, and freed without the collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from scrapy.http import HtmlResponse

from jobcrawl.extract.jobposting import source_for, to_item
from jobcrawl.extract.jsonld import extract_postings
from jobcrawl.extract.links import listing_links
from jobcrawl.extract.normalize import normalize_item
from jobcrawl.extract.page import page_tree, xpath_strings

PAGES = Path(__file__).parent / "fixtures" / "pages"
CASES = sorted(path.stem for path in PAGES.glob("*.html"))


def _response(case: str) -> HtmlResponse:
    return HtmlResponse(url=f"https://jobs.example.com/{case}", encoding="utf-8",
                        body=(PAGES / f"{case}.html").read_bytes())


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.parametrize("case", CASES)
def test_page_tree_is_the_tree_scrapy_parses(case: str) -> None:
    response = _response(case)
    tree = page_tree(response)
    assert page_tree(response) is tree  # parsed once
    assert lxml.html.tostring(tree) == lxml.html.tostring(_response(case).selector.root)
    assert tree.base_url == _response(case).selector.root.base_url


def test_xpath_strings_are_plain_strings() -> None:
    response = _response(CASES[0])
    titles = xpath_strings(response, "//title/text()")
    assert titles == response.xpath("//title/text()").getall()
    assert all(type(title) is str for title in titles)  # not tied to the tree


# pyRdfa (under extruct's RDFa reader) keeps its parse state in objects that refer to
# each other: an RDFa page leaves cyclic garbage for the next young collection, by design
# of that library (jobcrawl/extract/rdfa.py). Pages without an RDFa JobPosting never load it.
_CYCLIC_BY_LIBRARY = {"rdfa"}


@pytest.mark.usefixtures("no_collector")
@pytest.mark.parametrize("case", sorted(set(CASES) - _CYCLIC_BY_LIBRARY))
def test_reading_a_page_leaves_no_reference_cycle(case: str) -> None:
    # Scrapy's response.selector refers back to its response: a cycle holding the body
    # and the whole tree until a collection. Reading a page here must not make one.
    _read(_response(case))  # first reads leave one-off garbage: compiled patterns, caches
    gc.collect()
    # Only cycles of what reading builds count: other tests' server threads may still
    # be ending in this process (a test worker) and leave garbage of their own.
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        _read(_response(case))
        gc.collect()
        ours = [type(obj).__qualname__ for obj in gc.garbage
                if type(obj).__module__.split(".")[0] in _READING_MODULES]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == []


_READING_MODULES = {"scrapy", "parsel", "lxml", "w3lib", "jobcrawl", "itemadapter"}


def _read(response: HtmlResponse) -> None:
    for posting in extract_postings(response).postings:
        normalize_item(to_item(posting, response, source=source_for(response.url),
                               scraped_at=datetime(2024, 3, 1, tzinfo=UTC)))
    listing_links(response)


@pytest.mark.usefixtures("no_collector")
def test_scrapys_selector_does_make_the_cycle() -> None:
    # The reason page_tree exists: if Scrapy stops making the cycle, it can go.
    response = _response(CASES[0])
    response.xpath("//title")
    del response
    assert gc.collect() > 0
