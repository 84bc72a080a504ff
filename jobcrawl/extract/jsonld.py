"""schema.org JobPosting objects on a page, from JSON-LD, microdata and RDFa, as plain dicts."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import lxml.etree
import lxml.html
from w3lib.html import replace_entities

from jobcrawl.extract.microdata import microdata_items
from jobcrawl.extract.page import page_tree
from jobcrawl.extract.rdfa import may_hold_rdfa_posting, rdfa_postings
from jobcrawl.extract.text import clean_line

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

JOB_POSTING = "JobPosting"
_SCRIPTS = lxml.etree.XPath('//script[@type="application/ld+json"]')


@dataclass
class Postings:
    """The JobPostings of one page and a short message per unreadable JSON-LD block."""

    postings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def extract_postings(response: TextResponse) -> Postings:
    """Every JobPosting on the page: JSON-LD (objects, arrays, @graph, nested), then
    microdata, then RDFa.

    A broken JSON-LD block (or RDFa markup extruct cannot read) is reported in `errors`
    and skipped; the rest is still read.
    Microdata and RDFa postings that repeat an earlier posting's title are left out.
    """
    found = Postings()
    # Most pages carry one kind of markup or none: skip the extractors that cannot match.
    # bytes.lower() folds ASCII only, as a bytes regex with IGNORECASE would, in C.
    body = response.body.lower()
    has_jsonld, has_microdata = b"ld+json" in body, b"itemscope" in body
    has_rdfa = may_hold_rdfa_posting(body)
    if not (has_jsonld or has_microdata or has_rdfa):
        return found
    document = page_tree(response)  # parsed once per page, shared with the other readers
    blocks, may_refer = _jsonld_blocks(document, found.errors) if has_jsonld else ([], False)
    # Most pages name no node by @id: then there is nothing to index or to resolve.
    index = _id_index(blocks) if may_refer else {}
    for posting in _find_postings(blocks):
        resolved = _resolve_references(posting, index) if index else posting
        found.postings.append(_decode_entities(resolved))
    titles = {_title_key(posting) for posting in found.postings}
    microdata = _microdata_postings(document, response.url) if has_microdata else []
    rdfa = _rdfa_postings(response, found.errors) if has_rdfa else []
    for posting in [*microdata, *rdfa]:
        title = _title_key(posting)
        if title is None or title not in titles:
            found.postings.append(posting)
            titles.add(title)
    return found


def _rdfa_postings(response: TextResponse, errors: list[str]) -> list[dict[str, Any]]:
    """The RDFa postings, or none and a message in `errors` when extruct cannot read them."""
    try:
        return rdfa_postings(response)
    except Exception as exc:  # pyRdfa and rdflib raise many kinds: reported and counted
        errors.append(f"RDFa: {type(exc).__name__}: {str(exc)[:120]}")
        return []


def _jsonld_blocks(document: HtmlElement, errors: list[str]) -> tuple[list[Any], bool]:
    """The JSON values of the page's JSON-LD blocks, as extruct's JsonLdExtractor reads them,
    and whether any may hold an "@id" (False only when none can).

    Valid JSON is read here directly; only a block that json cannot read goes to extruct,
    whose lenient reader strips comments (and whose import costs ~10 MB and 0.1 s).
    """
    blocks: list[Any] = []
    may_refer = False
    for number, script in enumerate(_SCRIPTS(document), start=1):
        # An HTML parser keeps a script's content as its one text node.
        text = (script.text or "") if len(script) == 0 else script.xpath("string()")
        if not text.strip():
            continue
        # A key spells "@id" in the text, or hides it behind a \\u escape.
        may_refer = may_refer or "@id" in text or "\\u" in text
        try:
            blocks.extend(_block_values(text, script))
        except ValueError as exc:  # json / jstyleson decoding errors
            errors.append(f"JSON-LD block {number}: {str(exc)[:120]}")
    return blocks, may_refer


def _block_values(text: str, script: HtmlElement) -> list[Any]:
    """The non-empty objects of one block: the block itself, or the entries of an array."""
    try:
        data = json.loads(text, strict=False)
    except ValueError:
        from extruct.jsonld import JsonLdExtractor

        return list(JsonLdExtractor().extract_items(script))
    entries = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    return [entry for entry in entries if entry]


def _short_types(value: Any) -> list[str]:
    """@type as a list of bare names: "JobPosting", "schema:JobPosting", full IRIs."""
    values = value if isinstance(value, list) else [value]
    return [
        v.strip().rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1].rsplit(":", 1)[-1]
        for v in values
        if isinstance(v, str)
    ]


def _is_posting(node: dict[str, Any]) -> bool:
    return JOB_POSTING in _short_types(node.get("@type"))


def _find_postings(node: Any) -> list[dict[str, Any]]:
    """JobPostings anywhere: top level, @graph, ItemList elements, mainEntity ..."""
    if isinstance(node, list):
        return [posting for entry in node for posting in _find_postings(entry)]
    if not isinstance(node, dict):
        return []
    if _is_posting(node):
        return [node]
    return [posting for value in node.values() for posting in _find_postings(value)]


def _id_index(node: Any, index: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Nodes by @id, so that {"@id": "#org"} can be replaced by the organisation itself."""
    index = {} if index is None else index
    if isinstance(node, list):
        for entry in node:
            _id_index(entry, index)
    elif isinstance(node, dict):
        if isinstance(node.get("@id"), str) and len(node) > 1:
            index.setdefault(node["@id"], node)
        for value in node.values():
            _id_index(value, index)
    return index


def _resolve_references(posting: dict[str, Any], index: dict[str, Any]) -> dict[str, Any]:
    return {key: _resolve(value, index) for key, value in posting.items()}


def _resolve(value: Any, index: dict[str, Any]) -> Any:
    # Not a closure: a recursive nested function is a reference cycle, left for the collector.
    if isinstance(value, list):
        return [_resolve(entry, index) for entry in value]
    if isinstance(value, dict) and set(value) == {"@id"}:
        return index.get(value["@id"], value)
    return value


# What JSON escaping leaves in a string escaped twice: "\\n", "\\t", "\\u00e9", "\\/".
_ESCAPED = re.compile(r'\\(?:u[0-9a-fA-F]{4}|[nrtbf"/\\])')
# A string holds a twice-escaped sequence when one of these follows a backslash.
_ESCAPED_HINT = re.compile(r"\\(?:u[0-9a-fA-F]{4}|[nrt])")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "", "f": "", '"': '"', "/": "/",
            "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    sequence = match.group()
    return chr(int(sequence[2:], 16)) if sequence[1] == "u" else _ESCAPES[sequence[1]]


def decode_escapes(value: str) -> str:
    """A string JSON-escaped twice, decoded the second time: "a\\nb" -> "a" LF "b".

    Only when it holds "\\n", "\\r", "\\t" or "\\uXXXX" (a lone backslash is text);
    a surrogate pair ("\\ud83d\\ude80") becomes its one character.
    """
    if "\\" not in value or _ESCAPED_HINT.search(value) is None:
        return value
    decoded = _ESCAPED.sub(_unescape, value)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _decode_entities(value: Any) -> Any:
    """JSON-LD strings are often HTML-escaped once more ("Caf&eacute;", "&amp;"), or
    JSON-escaped once more (a literal "\\n" where a line break was meant)."""
    if isinstance(value, str):
        value = decode_escapes(value)
        return replace_entities(value) if "&" in value else value
    if isinstance(value, list):
        return [_decode_entities(entry) for entry in value]
    if isinstance(value, dict):
        return {key: _decode_entities(entry) for key, entry in value.items()}
    return value


def _title_key(posting: dict[str, Any]) -> str | None:
    title = posting.get("title")
    cleaned = clean_line(title) if isinstance(title, str) else None
    return cleaned.casefold() if cleaned else None


def _microdata_postings(document: HtmlElement, base_url: str) -> list[dict[str, Any]]:
    items = microdata_items(document, base_url)
    postings = []
    for item in _find_microdata_postings(items):
        posting = _from_microdata(item)
        description = _description_html(item["htmlNode"])
        if description is not None:
            posting["description"] = description
        postings.append(posting)
    return postings


def _find_microdata_postings(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [item for entry in node for item in _find_microdata_postings(entry)]
    if not isinstance(node, dict):
        return []
    if JOB_POSTING in _short_types(node.get("type")):
        return [node]
    return [item for value in node.get("properties", {}).values()
            for item in _find_microdata_postings(value)]  # fmt: skip


def _from_microdata(node: Any) -> Any:
    """microdata_items() items ({"type", "properties"}) in JSON-LD's shape: {"@type", ...}."""
    if isinstance(node, list):
        return [_from_microdata(entry) for entry in node]
    if not isinstance(node, dict) or "htmlNode" not in node:
        return node
    if "properties" not in node:
        return node.get("value")  # an itemscope without itemprops: just its text
    types = _short_types(node.get("type"))
    converted: dict[str, Any] = {"@type": types[0] if len(types) == 1 else types}
    if node.get("id"):
        converted["@id"] = node["id"]
    for key, value in node["properties"].items():
        converted[key] = _from_microdata(value)
    return converted


def _description_html(scope: HtmlElement) -> str | None:
    """The posting's own description element as HTML, so paragraphs survive.

    microdata_items() gives the text only; meta/content descriptions keep that value.
    """
    for element in scope.xpath(".//*[@itemprop]"):
        if "description" not in element.get("itemprop", "").split():
            continue
        owner = element.xpath("ancestor::*[@itemscope][1]")
        if owner and owner[0] is scope and element.get("content") is None:
            return lxml.html.tostring(element, encoding="unicode", with_tail=False)
    return None
