"""Pages that declare no charset: read as Windows-1252 (the web's fallback), not a guess."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from scrapy.exceptions import NotConfigured
from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class FallbackEncodingMiddleware:
    """Decodes a text response that declares no encoding with JOBCRAWL_FALLBACK_ENCODING.

    Scrapy reads the encoding from the Content-Type charset, a BOM, then the page's
    ``<meta charset>``/XML declaration; failing those it tries ASCII and UTF-8, then
    lets charset-normalizer guess, and for English pages in Windows-1252 the guess is
    often wrong: "Pay: £11.50" (0xA3) came out "Pay: Ł11.50" (Windows-1250). The
    WHATWG encoding standard's answer for undeclared pages is a locale default,
    windows-1252 for English and most of Western Europe, which is also what Latin-1
    labels mean on the web. So a body that declares nothing, is not UTF-8, and decodes
    cleanly in the fallback gets it; anything declared, UTF-8 or undecodable in the
    fallback keeps Scrapy's reading. Runs after HttpCompressionMiddleware (590).

    Settings: JOBCRAWL_FALLBACK_ENCODING ("cp1252"; empty: off, Scrapy's guess).
    Stats: jobcrawl/download/fallback_encoding (responses decoded with it).
    """

    def __init__(self, encoding: str, crawler: Crawler) -> None:
        self.encoding = encoding
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        encoding = str(crawler.settings.get("JOBCRAWL_FALLBACK_ENCODING") or "").strip()
        if not encoding:
            raise NotConfigured("JOBCRAWL_FALLBACK_ENCODING is empty")
        try:
            b"".decode(encoding)
        except LookupError:
            raise ValueError(f"JOBCRAWL_FALLBACK_ENCODING is not an encoding: {encoding!r}"
                             ) from None
        return cls(encoding, crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse) or not self._undeclared(response):
            return response
        body = response.body
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return response  # ASCII or UTF-8: Scrapy reads it right
        try:
            body.decode(self.encoding)
        except UnicodeDecodeError:
            return response
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("jobcrawl/download/fallback_encoding")
        return response.replace(encoding=self.encoding)

    @staticmethod
    def _undeclared(response: TextResponse) -> bool:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        return (http_content_type_encoding(content_type) is None
                and read_bom(response.body)[0] is None
                and html_body_declared_encoding(response.body) is None)
