"""W3C microdata items of a parsed page, as extruct's microdata extractor reads them."""

# The reading is extruct's LxmlMicrodataExtractor (BSD licence, notice in LICENSE) with
# nested=True, strict=False and add_html_node=True, item for item and value for value; tests compare
# the two. Importing extruct loads every syntax it knows (RDFa, microformats ...):
# ~10 MB and 0.1 s for each crawl, all for this one. Unlike extruct, a property's text
# is only run through the cleaner when it holds something the cleaner removes.
# Earns its place: with extruct's LxmlMicrodataExtractor instead, a crawl of the demo
# board (15% microdata pages) used 5.2% more CPU per page (paired median of 6 rounds;
# 2.004 against 1.961 ms, medians): benchmarks/ab.py --ads 5000 --rounds 6 --nginx, the
# variant patched in by a scratch sitecustomize.py (see benchmarks/README.md).

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import html_text
import lxml.etree
from lxml.html.clean import Cleaner
from w3lib.html import strip_html5_whitespace

from jobcrawl.extract.text import tree_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml.html import HtmlElement

_ITEMS = lxml.etree.XPath("descendant-or-self::*[@itemscope]")
# An item's own properties: not those of the items nested in it.
_PROPERTIES = lxml.etree.XPath(
    "set:difference(.//*[@itemprop], .//*[@itemscope]//*[@itemprop])",
    namespaces={"set": "http://exslt.org/sets"},
)
_URL_ATTRIBUTE = {
    "audio": "src", "embed": "src", "iframe": "src", "img": "src", "source": "src",
    "track": "src", "video": "src", "a": "href", "area": "href", "link": "href",
    "object": "data",
}  # fmt: skip
_ATTRIBUTE = {"meta": "content", "data": "value", "meter": "value", "time": "datetime"}
_CLEANER = Cleaner(
    scripts=True, javascript=False, comments=True, style=True, links=True, meta=True,
    page_structure=False, processing_instructions=True, embedded=False, frames=False,
    forms=False, annoying_tags=False, remove_unknown_tags=False, safe_attrs_only=False,
)  # fmt: skip
# What _CLEANER removes from a property's text: elements (and comments, processing
# instructions, whose tag is no string).
_CLEANED_TAGS = frozenset({"script", "style", "link", "meta"})

Property = tuple[str, Any]


def microdata_items(document: HtmlElement, base_url: str) -> list[dict[str, Any]]:
    """The top-level items of the page: {"type", "id", "properties", "htmlNode"} dicts.

    Items nested as a property value appear there only; an item with no properties
    has a "value" (its text) instead of "properties".
    """
    return _Reader(document, base_url).items()


class _Reader:
    def __init__(self, document: HtmlElement, base_url: str) -> None:
        self.document = document
        self.base_url = base_url
        root = document.getroottree().getroot()
        self.item_ids = {node: number for number, node in enumerate(_ITEMS(root), start=1)}
        self.seen: set[int] = set()

    def items(self) -> list[dict[str, Any]]:
        # Lazily, in document order: an item read as a property is seen before its turn.
        found = (self.item(node) for node in _ITEMS(self.document))
        return [item for item in found if item]

    def item(self, node: HtmlElement) -> dict[str, Any] | None:
        item_id = self.item_ids[node]
        if item_id in self.seen:
            return None
        self.seen.add(item_id)
        item: dict[str, Any] = {}
        types = node.get("itemtype", "").split()
        if types:
            item["type"] = types[0] if len(types) == 1 else types
            if node.get("itemid"):
                item["id"] = node.get("itemid").strip()
        values: defaultdict[str, list[Any]] = defaultdict(list)
        for name, value in self.properties(node):
            values[name].append(value)
        if values:
            item["properties"] = {name: v[0] if len(v) == 1 else v for name, v in values.items()}
        else:
            item["value"] = self.value(node, own=True)
        item["htmlNode"] = node
        return item

    def properties(self, node: HtmlElement) -> Iterator[Property]:
        for element in _PROPERTIES(node):
            yield from self.property(element)
        for ref in node.get("itemref", "").split():
            yield from self.referenced(node, ref)

    def property(self, element: HtmlElement) -> list[Property]:
        value = self.value(element)
        return [(name, value) for name in element.get("itemprop").split()]

    def referenced(self, node: HtmlElement, ref: str) -> Iterator[Property]:
        """The properties an itemref points at: an item, or the properties under an element."""
        found = node.xpath("id($ref)[1]", ref=ref)
        if not found:
            return
        target = found[0]
        if "itemprop" in target.attrib and "itemscope" in target.attrib:
            yield from self.property(target)
            return
        scope = target.xpath("ancestor-or-self::*[@itemscope][1]")
        for element in target.xpath("descendant-or-self::*[@itemprop]"):
            if element.xpath("ancestor::*[@itemscope][1]") == scope:
                yield from self.property(element)

    def value(self, node: HtmlElement, *, own: bool = False) -> Any:
        """A property's value (https://www.w3.org/TR/microdata/#values); `own`: the value
        of an item without properties, read from its own element."""
        if not own and node.get("itemscope") is not None:
            return self.item(node)
        tag = node.tag
        if tag in _URL_ATTRIBUTE:
            url = strip_html5_whitespace(node.get(_URL_ATTRIBUTE[tag], ""))
            return urljoin(self.base_url, url)
        if tag in _ATTRIBUTE:
            return node.get(_ATTRIBUTE[tag], "")
        if node.get("content"):  # not in the standard, but in schema.org's examples
            return node.get("content")
        name = node.get("itemprop")
        if name and name.endswith(("-input", "-output")):  # schema.org actions
            action: dict[str, Any] = {}
            if "required" in node.attrib:
                action["valueRequired"] = True
            if node.get("name"):
                action["valueName"] = node.get("name")
            return action
        return _text(node)


def _text(node: HtmlElement) -> str:
    for element in node.iter():
        if not isinstance(element.tag, str) or element.tag in _CLEANED_TAGS:
            return tree_text(_CLEANER.clean_html(node), html_text.NEWLINE_TAGS,
                             html_text.DOUBLE_NEWLINE_TAGS)
    # html_text's reading with its own block tags, as extruct does, in half the time.
    return tree_text(node, html_text.NEWLINE_TAGS, html_text.DOUBLE_NEWLINE_TAGS)
