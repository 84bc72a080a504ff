"""AutoThrottle for other people's servers, none for this machine's own (loopback) ones.

Why. AutoThrottle (on by default, AUTOTHROTTLE_TARGET_CONCURRENCY=2) sends a host one
request every latency/2 seconds, so about two are in flight whatever
CONCURRENT_REQUESTS_PER_DOMAIN allows, and one slow answer (a SYN the server's full
accept backlog dropped comes back after TCP's 1 s retransmission) raises the delay at
once while it decays by halves. The latency it measures also holds the crawler's own
time in its event loop, so a busy crawl slows itself down. Against a slow-accepting
server on 127.0.0.1 (`python -m http.server`, backlog 5) that made a default crawl wait
most of its time: AutoThrottle held requests back for 11 s of a 19 s crawl of 2,000
ads that the bare spider ran at 8 in flight (benchmarks/slowserver.py). A server on
the loopback interface is the user's own (a mirror, a demo or test board): politeness
protects nobody there, so its slots keep DOWNLOAD_DELAY and the concurrency settings
alone. Every other host is throttled exactly as by Scrapy's AutoThrottle.

A loopback slot gets DOWNLOAD_DELAY when its request reaches the downloader, before the
slot sends it (signal request_reached_downloader), not when the first answer comes back:
every new slot starts with AUTOTHROTTLE_START_DELAY (1 s, randomised to 0.5-1.5 s), and
a slot that sent its first request (robots.txt) with that delay has already set a timer
for the next one, which then waited up to 1.5 s although the delay had since dropped
to 0. That was the robots.txt second of the slow-server gap (benchmarks/slowserver.py:
0.75-1.2 s between robots.txt and the first listing page before, 0.01 s after).

Replaces scrapy.extensions.throttle.AutoThrottle in EXTENSIONS (same settings).
Settings: AUTOTHROTTLE_* and DOWNLOAD_DELAY (Scrapy's), JOBCRAWL_THROTTLE_LOOPBACK
(True: throttle loopback hosts too). Stats: jobcrawl/throttle/loopback_responses
(responses from loopback hosts left unthrottled), jobcrawl/throttle/max_delay (the
largest delay, in seconds, AutoThrottle gave a slot).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING, Self

from scrapy import signals
from scrapy.extensions.throttle import AutoThrottle
from scrapy.utils.httpobj import urlparse_cached

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response


@lru_cache(maxsize=256)
def is_loopback(host: str | None) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (the crawling machine itself)."""
    if not host:
        return False
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class PoliteThrottle(AutoThrottle):
    """Scrapy's AutoThrottle, except for loopback hosts (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)  # NotConfigured when AUTOTHROTTLE_ENABLED is False
        self.throttle_loopback = crawler.settings.getbool("JOBCRAWL_THROTTLE_LOOPBACK")
        self.stats = crawler.stats
        self.max_delay_seen = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension._request_reached_downloader,
                                signal=signals.request_reached_downloader)
        return extension

    def _unthrottled(self, request: Request) -> bool:
        return not self.throttle_loopback and is_loopback(urlparse_cached(request).hostname)

    def _request_reached_downloader(self, request: Request, spider: Spider) -> None:
        if self._unthrottled(request):
            _, slot = self._get_slot(request, spider)
            if slot is not None:
                # Before the slot sends it: a new slot starts with AUTOTHROTTLE_START_DELAY.
                slot.delay = self.mindelay

    def _response_downloaded(self, response: Response, request: Request,
                             spider: Spider) -> None:
        if self._unthrottled(request):
            self.stats.inc_value("jobcrawl/throttle/loopback_responses")
            return
        super()._response_downloaded(response, request, spider)
        _, slot = self._get_slot(request, spider)
        if slot is not None and slot.delay > self.max_delay_seen:
            self.max_delay_seen = slot.delay
            self.stats.set_value("jobcrawl/throttle/max_delay", round(slot.delay, 3))
