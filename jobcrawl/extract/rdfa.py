"""schema.org JobPostings written in RDFa, read by extruct, in JSON-LD's compact shape."""

# extruct (pyRdfa3 + rdflib) reads RDFa 1.1 fully: vocab, prefixes, typeof, property,
# resource, about, rel. What it returns is an RDF graph in expanded JSON-LD: every
# property an IRI with a list of {"@value"} / {"@id"} entries, every node at the top
# level, and no document order (a graph is a set). This module turns it into what
# the JSON-LD reader gives, {"@type": "JobPosting", "title": ..., "jobLocation": [...]},
# restores the page's order of repeated values (the first place a value's text
# appears on the page), and takes the HTML of the description and the other text
# sections from the page, as the microdata reader does, so that paragraphs survive.
# Importing extruct's RDFa reader costs ~0.25 s and rdflib: done on the first page
# that has an RDFa JobPosting, never on the others (see may_hold_rdfa_posting). pyRdfa's
# parse state refers to itself: each RDFa page leaves cyclic garbage (its own DOM copy
# with it) for the next young-generation collection.

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import lxml.etree
import lxml.html

from jobcrawl.extract.page import page_tree

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

JOB_POSTING = "JobPosting"
# Properties whose text is read from the page's HTML (paragraphs and list items kept):
# extruct gives an element's text with its block breaks lost ("Plan exhibitionsAnswer").
TEXT_PROPERTIES = frozenset({
    "description", "responsibilities", "qualifications", "skills", "educationRequirements",
    "experienceRequirements", "jobBenefits", "incentiveCompensation",
})  # fmt: skip
# A JobPosting in RDFa names its type in a typeof attribute ("JobPosting",
# "schema:JobPosting", "http://schema.org/JobPosting"): pages without one are never parsed.
_TYPEOF_POSTING = re.compile(rb"typeof\s*=\s*[\"'][^\"'>]*jobposting", re.IGNORECASE)
_PROPERTIES = lxml.etree.XPath("//*[@property]")
# Nested nodes deeper than this are a cycle ("a knows b knows a"), not data.
_MAX_DEPTH = 8
_LAST = 1 << 30  # the position of a value not found on the page: after every other


def may_hold_rdfa_posting(lowered_body: bytes) -> bool:
    """True when the page (its body, ASCII-lowered) may hold an RDFa JobPosting."""
    return b"typeof" in lowered_body and _TYPEOF_POSTING.search(lowered_body) is not None


def rdfa_postings(response: TextResponse) -> list[dict[str, Any]]:
    """The page's RDFa JobPostings as JSON-LD-shaped dicts (property names without the
    vocabulary, one value as itself, several as a list in page order)."""
    from extruct.rdfa import RDFaExtractor
    from extruct.utils import parse_xmldom_html

    dom = parse_xmldom_html(response.body, encoding=response.encoding)
    nodes = RDFaExtractor().extract_items(dom, base_url=response.url)
    index = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    document = page_tree(response)
    positions = _value_positions(document)
    reader = _Compactor(index, positions)
    postings = [reader.node(node, 0)[0] for node in nodes if JOB_POSTING in _types(node)]
    html = _text_html(document)
    for posting in postings:
        for name in TEXT_PROPERTIES:
            value = posting.get(name)
            if isinstance(value, list):
                posting[name] = [html.get((name, _squeezed(v)), v) for v in value]
            elif isinstance(value, str):
                posting[name] = html.get((name, _squeezed(value)), value)
    return postings


def _short(iri: str) -> str:
    """"https://schema.org/jobLocation" -> "jobLocation"; "schema:title" -> "title"."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]


def _types(node: dict[str, Any]) -> list[str]:
    types = node.get("@type", [])
    return [_short(t) for t in (types if isinstance(types, list) else [types])
            if isinstance(t, str)]


class _Compactor:
    def __init__(self, index: dict[str, dict[str, Any]], positions: dict[str, int]) -> None:
        self.index = index
        self.positions = positions

    def node(self, node: dict[str, Any], depth: int) -> tuple[dict[str, Any], int]:
        """The node in compact form and its position: that of its first value on the page."""
        compact: dict[str, Any] = {}
        types = _types(node)
        if types:
            compact["@type"] = types[0] if len(types) == 1 else types
        first = _LAST
        for key, entries in node.items():
            if key.startswith("@") or not isinstance(entries, list):
                continue
            values = sorted((self.value(entry, depth) for entry in entries),
                            key=lambda pair: pair[1])
            if values:
                compact[_short(key)] = values[0][0] if len(values) == 1 else [v for v, _ in values]
                first = min(first, values[0][1])
        return compact, first

    def value(self, entry: Any, depth: int) -> tuple[Any, int]:
        if not isinstance(entry, dict):
            return entry, _LAST
        if "@value" in entry:
            text = entry["@value"]
            return text, self.positions.get(_squeezed(text), _LAST)
        target = self.index.get(entry.get("@id", ""))
        if target is not None and depth < _MAX_DEPTH:
            return self.node(target, depth + 1)
        # A resource the page only names (an href, a resource="..."): its IRI.
        iri = entry.get("@id")
        return iri, self.positions.get(_squeezed(iri), _LAST)


def _squeezed(value: Any) -> str:
    return "".join(value.split()) if isinstance(value, str) else ""


def _value_positions(document: HtmlElement) -> dict[str, int]:
    """Each property value's text (whitespace removed) -> where it first appears on the page."""
    positions: dict[str, int] = {}
    for number, element in enumerate(_PROPERTIES(document)):
        for text in (element.get("content"), element.get("href"), element.get("src"),
                     element.get("resource"), element.get("datetime"), element.text_content()):
            key = _squeezed(text)
            if key:
                positions.setdefault(key, number)
    return positions


def _text_html(document: HtmlElement) -> dict[tuple[str, str], str]:
    """The HTML of each element holding a TEXT_PROPERTIES value, by (property, its text
    as extruct reads it, squeezed)."""
    found: dict[tuple[str, str], str] = {}
    for element in _PROPERTIES(document):
        if element.get("content") is not None or element.get("typeof") is not None:
            continue
        for name in {_short(name) for name in element.get("property", "").split()}:
            if name in TEXT_PROPERTIES:
                html = lxml.html.tostring(element, encoding="unicode", with_tail=False)
                found.setdefault((name, _squeezed(element.text_content())), html)
    return found
