"""One parsed tree per HTML page, shared by the extractors and freed with the page."""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from lxml.html import HTMLParser
from parsel.selector import create_root_node
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_base_url

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

_TREES: WeakKeyDictionary[TextResponse, HtmlElement] = WeakKeyDictionary()


def page_tree(response: TextResponse) -> HtmlElement:
    """The page's lxml tree, parsed once and exactly as Scrapy's selector parses it.

    Not ``response.selector``: Scrapy's Selector keeps a reference back to its
    response, so a page read through it becomes a reference cycle that only the
    garbage collector frees, with its body and whole tree, many pages later.
    This tree is dropped with the response. Responses that are not HTML keep
    Scrapy's selector, which decides how to read them.
    """
    tree = _TREES.get(response)
    if tree is None:
        if isinstance(response, HtmlResponse):
            tree = create_root_node(response.text, HTMLParser, base_url=get_base_url(response))
        else:
            tree = response.selector.root
        _TREES[response] = tree
    return tree


def xpath_strings(response: TextResponse, query: str) -> list[str]:
    """The string results of an XPath over the page, as plain str (not tied to the tree)."""
    return [str(value) for value in page_tree(response).xpath(query)]
