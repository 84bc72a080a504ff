"""extract_postings: JSON-LD in its many shapes, microdata, and broken blocks."""

from __future__ import annotations

import json
from typing import Any

from scrapy.http import HtmlResponse

from jobcrawl.extract.jsonld import Postings, extract_postings

URL = "https://jobs.example.com/ad/1"


def _page(head: str = "", body: str = "") -> HtmlResponse:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    return HtmlResponse(url=URL, body=html, encoding="utf-8")


def _script(data: Any) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return f'<script type="application/ld+json">{text}</script>'


def test_page_without_posting() -> None:
    page = _page(_script({"@type": "Organization", "name": "Acme"}), "<p>Closing date: 1 May</p>")
    assert extract_postings(page) == Postings([], [])


def test_type_as_string_list_and_iri() -> None:
    blocks = [
        {"@type": "JobPosting", "title": "A"},
        {"@type": ["JobPosting", "Thing"], "title": "B"},
        {"@type": "http://schema.org/JobPosting", "title": "C"},
        {"@type": "https://schema.org/JobPosting/", "title": "D"},
        {"@type": "schema:JobPosting", "title": "E"},
        {"@type": "JobPostingSomething", "title": "not a posting"},
    ]
    found = extract_postings(_page("".join(_script(block) for block in blocks)))
    assert [posting["title"] for posting in found.postings] == ["A", "B", "C", "D", "E"]
    assert found.errors == []


def test_postings_nested_in_graph_item_list_and_main_entity() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "mainEntity": {"@type": "JobPosting", "title": "Main"}},
            {
                "@type": "ItemList",
                "itemListElement": [
                    {"@type": "ListItem", "item": {"@type": "JobPosting", "title": "Listed"}}
                ],
            },
        ],
    }
    found = extract_postings(_page(_script(data)))
    assert found.postings == [
        {"@type": "JobPosting", "title": "Main"},
        {"@type": "JobPosting", "title": "Listed"},
    ]


def test_references_by_id_are_replaced_by_the_node() -> None:
    data = {
        "@graph": [
            {"@type": "Organization", "@id": "#org", "name": "Acme"},
            {"@type": "JobPosting", "title": "T", "hiringOrganization": {"@id": "#org"}},
            {"@type": "JobPosting", "title": "U", "hiringOrganization": {"@id": "#missing"}},
        ]
    }
    found = extract_postings(_page(_script(data)))
    assert [p["hiringOrganization"] for p in found.postings] == [
        {"@type": "Organization", "@id": "#org", "name": "Acme"},
        {"@id": "#missing"},
    ]


def test_references_written_with_escaped_keys_are_resolved_too() -> None:
    # "\\u0040id" is "@id" to a JSON reader, though the text never spells it.
    text = ('{"@graph": [{"@type": "Organization", "\\u0040id": "#org", "name": "Acme"},'
            ' {"@type": "JobPosting", "title": "T", "hiringOrganization": {"\\u0040id": "#org"}}]}')
    assert "@id" not in text
    found = extract_postings(_page(_script(text)))
    assert found.postings[0]["hiringOrganization"]["name"] == "Acme"


def test_a_page_without_references_keeps_its_nodes_as_written() -> None:
    data = {"@type": "JobPosting", "title": "T", "hiringOrganization": {"name": "Acme"}}
    assert extract_postings(_page(_script(data))).postings == [data]


def test_entities_inside_strings_are_decoded() -> None:
    data = {
        "@type": "JobPosting",
        "title": "Caf&eacute; &amp; Bar",
        "hiringOrganization": {"name": "R&amp;D Ltd"},
        "employmentType": ["FULL&#95;TIME"],
        "identifier": 7,
    }
    found = extract_postings(_page(_script(data)))
    assert found.postings == [
        {
            "@type": "JobPosting",
            "title": "Café & Bar",
            "hiringOrganization": {"name": "R&D Ltd"},
            "employmentType": ["FULL_TIME"],
            "identifier": 7,
        }
    ]


def test_malformed_block_does_not_hide_the_others() -> None:
    head = (
        _script('{"@type": "JobPosting", "title": "Broken",,}')
        + _script("   ")
        + _script({"@type": "JobPosting", "title": "Good"})
    )
    body = (
        '<div itemscope itemtype="http://schema.org/JobPosting">'
        '<span itemprop="title">From microdata</span></div>'
    )
    found = extract_postings(_page(head, body))
    assert [p["title"] for p in found.postings] == ["Good", "From microdata"]
    assert len(found.errors) == 1
    assert found.errors[0].startswith("JSON-LD block 1: Expecting property name")


def test_comment_lines_around_json_are_tolerated() -> None:
    script = '<!-- generated -->\n{"@type": "JobPosting", "title": "Commented"}'
    found = extract_postings(_page(_script(script)))
    assert found == Postings([{"@type": "JobPosting", "title": "Commented"}], [])


def test_microdata_in_jsonld_shape() -> None:
    body = """
    <div itemscope itemtype="https://schema.org/JobPosting">
      <h1 itemprop="title">Welder</h1>
      <div itemprop="identifier" itemscope itemtype="https://schema.org/PropertyValue">
        <meta itemprop="name" content="Board"><meta itemprop="value" content="W-1">
      </div>
      <div itemprop="hiringOrganization" itemscope itemtype="https://schema.org/Organization">
        <span itemprop="name">Metal Works</span>
      </div>
      <div itemprop="jobLocation" itemscope itemtype="https://schema.org/Place">
        <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress">
          <span itemprop="addressLocality">Sheffield</span>
        </div>
      </div>
      <div itemprop="baseSalary" itemscope itemtype="https://schema.org/MonetaryAmount">
        <meta itemprop="currency" content="GBP">
        <div itemprop="value" itemscope itemtype="https://schema.org/QuantitativeValue">
          <meta itemprop="minValue" content="30000"><meta itemprop="unitText" content="YEAR">
        </div>
      </div>
      <span itemprop="employmentType">FULL_TIME</span>
      <span itemprop="employmentType">CONTRACTOR</span>
      <div itemprop="description"><p>Weld things.</p></div>
    </div>
    """
    found = extract_postings(_page(body=body))
    assert found == Postings(
        [
            {
                "@type": "JobPosting",
                "title": "Welder",
                "identifier": {"@type": "PropertyValue", "name": "Board", "value": "W-1"},
                "hiringOrganization": {"@type": "Organization", "name": "Metal Works"},
                "jobLocation": {
                    "@type": "Place",
                    "address": {"@type": "PostalAddress", "addressLocality": "Sheffield"},
                },
                "baseSalary": {
                    "@type": "MonetaryAmount",
                    "currency": "GBP",
                    "value": {
                        "@type": "QuantitativeValue",
                        "minValue": "30000",
                        "unitText": "YEAR",
                    },
                },
                "employmentType": ["FULL_TIME", "CONTRACTOR"],
                "description": '<div itemprop="description"><p>Weld things.</p></div>',
            }
        ],
        [],
    )


def test_microdata_repeating_a_jsonld_posting_is_skipped() -> None:
    head = _script({"@type": "JobPosting", "title": "Welder", "identifier": "W-1"})
    body = (
        '<div itemscope itemtype="https://schema.org/JobPosting">'
        '<span itemprop="title"> welder </span></div>'
        '<div itemscope itemtype="https://schema.org/JobPosting">'
        '<span itemprop="title">Fitter</span></div>'
    )
    found = extract_postings(_page(head, body))
    assert [p["title"] for p in found.postings] == ["Welder", "Fitter"]


def test_microdata_text_leaves_out_scripts_styles_comments_and_links() -> None:
    body = """
    <div itemscope itemtype="https://schema.org/JobPosting">
      <h1 itemprop="title">Chef <!-- urgent --> de Partie<script>var x = 1;</script></h1>
      <span itemprop="employmentType">Full <b>time</b><style>b { color: red }</style></span>
      <span itemprop="industry">Hospitality <link rel="x"> &amp; Catering</span>
      <span itemprop="occupationalCategory">Kitchen <i>staff</i></span>
    </div>
    """
    found = extract_postings(_page(body=body))
    assert found == Postings(
        [
            {
                "@type": "JobPosting",
                "title": "Chef de Partie",
                "employmentType": "Full time",
                "industry": "Hospitality & Catering",
                "occupationalCategory": "Kitchen staff",
            }
        ],
        [],
    )


def test_json_array_block_skips_empty_entries() -> None:
    block = [{}, {"@type": "JobPosting", "title": "Kept"}, None, [], "text", 3]
    found = extract_postings(_page(_script(block) + _script('"just a string"')))
    assert found == Postings([{"@type": "JobPosting", "title": "Kept"}], [])
