"""One parsed tree per HTML page, shared by the extractors and freed with the page."""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from lxml.html import HTMLParser
from parsel.selector import create_root_node
from scrapy.http import HtmlResponse, JsonResponse, TextResponse, XmlResponse
from scrapy.utils.response import get_base_url

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import Response

# Content types a page may be sent as; "" (none) and octet-stream: the body decides.
_PAGE_TYPES = ("text/", "application/xhtml+xml", "application/octet-stream")
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


def content_type(response: Response) -> str:
    """The response's media type ("application/json"), lower case; "" without one."""
    value = response.headers.get(b"Content-Type", b"") or b""
    return value.decode("latin-1").split(";")[0].strip().lower()


def is_html_page(response: Response) -> bool:
    """True for a page to read as HTML: not JSON, XML, an image, a PDF or other document.

    Scrapy guesses the response class from the body when the Content-Type is one it
    does not know, and a short PDF or image can pass for text: a Content-Type that
    names another kind of document is believed first.
    """
    kind = content_type(response)
    if kind and not kind.startswith(_PAGE_TYPES):
        return False
    return isinstance(response, TextResponse) and not isinstance(
        response, JsonResponse | XmlResponse)
