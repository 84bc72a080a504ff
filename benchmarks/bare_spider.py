"""Baseline for benchmarks/crawl.py: a bare Scrapy spider over the same board.

Same pages as `scrapy crawl jobposting` (listing pagination + ad links), JSON-LD
parsed with json.loads only, items to a JSONL feed; no jobcrawl code at all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.allowed_domains = [urlparse(url).hostname or ""]

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(self.url, callback=self.parse)

    def parse(self, response: Any, **kwargs: Any) -> Any:
        found = False
        for block in response.xpath('//script[@type="application/ld+json"]/text()').getall():
            try:
                data = json.loads(block)
            except ValueError:
                continue
            nodes = data if isinstance(data, list) else data.get("@graph", [data])
            for node in nodes:
                if isinstance(node, dict) and node.get("@type") == "JobPosting":
                    found = True
                    yield {"url": response.url, "title": node.get("title"),
                           "description": node.get("description"),
                           "identifier": node.get("identifier")}
        if not found:
            # A listing (or hub) page: follow every link on it, as the full spider does.
            for href in response.css("a::attr(href)").getall():
                yield response.follow(href, callback=self.parse)
