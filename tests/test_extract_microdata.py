"""microdata_items reads W3C microdata exactly as extruct's microdata extractor does."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
from extruct.w3cmicrodata import MicrodataExtractor

from jobcrawl.extract.microdata import microdata_items

BASE = "https://jobs.example.com/ads/7"

PAGES = {
    "types_ids_and_attribute_values": """
      <div itemscope itemtype="https://schema.org/JobPosting https://example.com/Extra"
           itemid="  urn:job:7 ">
        <h1 itemprop="title name">Welder</h1>
        <meta itemprop="datePosted" content="2024-03-01">
        <time itemprop="validThrough" datetime="2024-04-01">1 April</time>
        <a itemprop="url" href=" /ads/7?x=1 ">link</a>
        <img itemprop="image" src="logo.png"><object itemprop="file" data="/f.pdf"></object>
        <data itemprop="identifier" value="W-7">seven</data><meter itemprop="m" value="3"></meter>
        <span itemprop="salary" content="30000">thirty thousand</span>
        <input itemprop="query-input" name="q" required>
        <span itemprop="result-output">out</span>
        <link itemprop="sameAs" href="https://other.example.com/7">
      </div>""",
    "nested_items_and_repeated_properties": """
      <div itemscope itemtype="https://schema.org/JobPosting">
        <span itemprop="employmentType">FULL_TIME</span>
        <span itemprop="employmentType">CONTRACTOR</span>
        <div itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">
          <span itemprop="name">Metal <b>Works</b> <!-- hidden --></span>
          <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
            <span itemprop="addressLocality">Sheffield<script>x()</script></span>
          </div>
        </div>
        <div itemprop="empty" itemscope>Only <i>text</i></div>
        <div itemprop="description"><p>Weld.</p><style>p {}</style><p>Grind.</p></div>
      </div>
      <div itemscope itemtype="https://schema.org/Place"><span itemprop="name">Second</span></div>
      <div itemscope>No type <span>at all</span></div>""",
    "item_references": """
      <div itemscope itemtype="https://schema.org/JobPosting" itemref="org extra missing">
        <span itemprop="title">Fitter</span>
      </div>
      <div itemscope itemtype="https://schema.org/JobPosting" itemref="org">
        <span itemprop="title">Turner</span>
      </div>
      <div id="org" itemprop="hiringOrganization" itemscope
           itemtype="https://schema.org/Organization"><span itemprop="name">Acme</span></div>
      <p id="extra"><span itemprop="jobLocation">Leeds</span>
        <span itemscope><span itemprop="ignored">inner</span></span></p>""",
}


def _without_nodes(value: Any) -> Any:
    if isinstance(value, dict):
        value = {key: entry for key, entry in value.items() if key != "htmlNode"}
        return {key: _without_nodes(entry) for key, entry in value.items()}
    if isinstance(value, list):
        return [_without_nodes(entry) for entry in value]
    return value


@pytest.mark.parametrize("name", sorted(PAGES))
def test_items_equal_extructs(name: str) -> None:
    document = lxml.html.fromstring(f"<html><body>{PAGES[name]}</body></html>")
    ours = microdata_items(document, BASE)
    theirs = MicrodataExtractor(add_html_node=True).extract_items(document, BASE)
    assert [item["htmlNode"] for item in ours] == [item["htmlNode"] for item in theirs]
    assert _without_nodes(ours) == _without_nodes(theirs)
    assert ours  # the page has items: an empty pair of lists proves nothing


def test_item_values_in_full() -> None:
    document = lxml.html.fromstring(f"<html><body>{PAGES['item_references']}</body></html>")
    assert _without_nodes(microdata_items(document, BASE)) == [
        {
            "type": "https://schema.org/JobPosting",
            "properties": {
                "title": "Fitter",
                "hiringOrganization": {
                    "type": "https://schema.org/Organization",
                    "properties": {"name": "Acme"},
                },
                "jobLocation": "Leeds",
            },
        },
        # The organisation was read for the first posting: an item is read once.
        {"type": "https://schema.org/JobPosting",
         "properties": {"title": "Turner", "hiringOrganization": None}},
        {"properties": {"ignored": "inner"}},
    ]
