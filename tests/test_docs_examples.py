"""Examples in the docs do what the docs say they do (read from the pages themselves)."""

from __future__ import annotations

import re

import yaml
from scrapy.http import HtmlResponse

from jobcrawl.config.profiles import parse_profile
from jobcrawl.extract.site import read_page
from tests.utils.paths import ROOT

SITE_PROFILES = ROOT / "docs" / "site-profiles.md"


def section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = len(heading) - len(heading.lstrip("#"))
    start = text.index(f"{heading}\n")
    rest = text[start + len(heading) + 1:]
    end = re.search(rf"^#{{1,{level}}} ", rest, flags=re.M)
    return rest[:end.start()] if end else rest


def code_block(text: str, language: str) -> str:
    [block] = re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)
    return block


def table(text: str) -> dict[str, str]:
    """| `name` | `value` | rows as {name: value}."""
    return dict(re.findall(r"^\| `([^`]+)` \| `([^`]*)` \|$", text, flags=re.M))


def test_label_value_example_gives_the_documented_values() -> None:
    text = section(SITE_PROFILES.read_text(encoding="utf-8"),
                   '### Fields written as "Label: value"')
    fields = yaml.safe_load(code_block(text, "yaml"))["fields"]
    documented = table(text)
    assert sorted(documented) == sorted(fields) and len(documented) == 5
    profile = parse_profile({
        "name": "facts", "start_urls": ["https://jobs.example.org/"],
        "listing": {"links": "css:a"},
        # Required by every profile; not part of the example.
        "fields": {"title": "css:h1", "description": "css:.facts", **fields},
    })
    page = HtmlResponse("https://jobs.example.org/ads/1", encoding="utf-8",
                        body=f"<html><body><h1>Ad</h1>{code_block(text, 'html')}</body></html>")
    found = {field.name: field.value for field in read_page(page, profile, "ad").fields}
    assert {name: found[name] for name in documented} == documented
