"""canonical_url and page_canonical_url."""

from __future__ import annotations

import random

import pytest
from scrapy.http import HtmlResponse

from jobcrawl.extract import urls as urls_module
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


def _generated_urls(count: int, seed: int) -> list[str]:
    """URLs around the plain-URL shortcut's edges: ports, dots, ";", escapes, case."""
    rnd = random.Random(seed)
    hosts = ["example.com", "a-b.example.co.uk", "127.0.0.1", "Example.com", "example.com.",
             "xn--bcher-kva.example", "ex_ample.com"]
    ports = ["", ":80", ":443", ":8080", ":080", ":0", ":65535", ":65536", ":99999"]
    chars = "abcXYZ09-._~!$&'()*+,=:@/;.%? #\u00e9"
    return [
        f"{rnd.choice(['http', 'https', 'HTTP'])}://{rnd.choice(hosts)}{rnd.choice(ports)}/"
        + "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 25)))
        for _ in range(count)
    ]


def test_plain_url_shortcut_spells_urls_as_w3lib_does() -> None:
    urls = _generated_urls(6000, seed=11)
    shortcut = [url for url in urls if urls_module._PLAIN_URL.fullmatch(url)]
    assert len(shortcut) > 300  # the comparison exercises the shortcut
    for url in urls:
        assert canonical_url(url) == urls_module._w3lib_canonical(url), url
