"""canonical_url and page_canonical_url."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from jobcrawl.extract.urls import canonical_url, page_canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Jobs.Example.COM/Jobs/42", "https://jobs.example.com/Jobs/42"),
        ("HTTP://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#apply", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        (
            "https://example.com/a?utm_source=x&UTM_Campaign=y&gclid=1&fbclid=2&msclkid=3&id=7",
            "https://example.com/a?id=7",
        ),
        # Boards use ref/source/id for content: only well-known trackers go.
        (
            "https://example.com/a?ref=ABC&source=board",
            "https://example.com/a?ref=ABC&source=board",
        ),
        ("https://example.com/a b?q=caf\u00e9", "https://example.com/a%20b?q=caf%C3%A9"),
        ("https://example.com", "https://example.com/"),
        ("  https://example.com/x?utm_medium=email  ", "https://example.com/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def _page(url: str, head: str) -> HtmlResponse:
    body = f"<html><head>{head}</head><body></body></html>"
    return HtmlResponse(url=url, body=body, encoding="utf-8")


@pytest.mark.parametrize(
    ("url", "head", "expected"),
    [
        (
            "https://jobs.example.com/view?id=1&utm_source=x",
            "",
            "https://jobs.example.com/view?id=1",
        ),
        (
            "https://jobs.example.com/view?id=1",
            '<link rel="canonical" href="/jobs/1-nurse?utm_medium=mail#top">',
            "https://jobs.example.com/jobs/1-nurse",
        ),
        (
            "https://jobs.example.com/view?id=1",
            '<link rel="Canonical" href="http://JOBS.example.com/jobs/1">',
            "http://jobs.example.com/jobs/1",
        ),
        (
            "https://jobs.example.com/view?id=1",
            '<link rel="canonical" href="https://aggregator.example/jobs/1">',
            "https://jobs.example.com/view?id=1",
        ),
        (
            "https://jobs.example.com/view?id=1",
            '<link rel="canonical" href="  ">',
            "https://jobs.example.com/view?id=1",
        ),
        (
            "https://jobs.example.com/view?id=1",
            '<link rel="alternate canonical" href="https://jobs.example.com/j/1">',
            "https://jobs.example.com/j/1",
        ),
    ],
)
def test_page_canonical_url(url: str, head: str, expected: str) -> None:
    assert page_canonical_url(_page(url, head)) == expected
