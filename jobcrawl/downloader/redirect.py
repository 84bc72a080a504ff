"""Redirects that jobcrawl refuses: to another site than the spider's, or to a non-HTTP scheme."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.url import url_is_from_any_domain
from w3lib.url import safe_url_string

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

logger = logging.getLogger(__name__)

_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class RefusedRedirect(IgnoreRequest):
    """A redirect jobcrawl does not follow (offsite, or not http/https)."""


class SafeRedirectMiddleware(RedirectMiddleware):
    """Scrapy's RedirectMiddleware (same REDIRECT_* settings and meta keys), refusing two kinds.

    - Non-HTTP schemes (``ftp:``, ``javascript:``, ``file:``, ``data:`` ...): Scrapy
      hands the 3xx response to the spider as an HTTP error; here the request is
      refused with RefusedRedirect (an IgnoreRequest: left out on purpose, not failed).
    - Offsite targets, with Scrapy's OffsiteMiddleware notion: when the spider has
      ``allowed_domains``, a target outside them (subdomains included, as Scrapy
      counts them) is refused unless the request has ``meta["allow_offsite"]``. A
      spider without ``allowed_domains`` follows redirects anywhere, as Scrapy does
      (API spiders are redirected to CDNs). Refusing here rather than leaving it to
      the OffsiteMiddleware names the redirect and the page it came from.

    Settings: REDIRECT_*. Stats: jobcrawl/redirect/refused_offsite,
    jobcrawl/redirect/refused_scheme. Each refusal is logged at WARNING with both URLs.
    """

    def process_response(self, request: Request, response: Response,  # type: ignore[override]
                         spider: object = None) -> Request | Response:
        target = _redirect_target(request, response)
        if target is not None and urlsplit(target).scheme.lower() not in ("http", "https"):
            self._refuse("scheme", request, target)
        return super().process_response(request, response)

    def _redirect(self, redirected: Request, request: Request, reason: object) -> Request:
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        if (domains and not request.meta.get("allow_offsite")
                and not url_is_from_any_domain(redirected.url, domains)):
            self._refuse("offsite", request, redirected.url)
        return super()._redirect(redirected, request, reason)

    def _refuse(self, kind: str, request: Request, target: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"jobcrawl/redirect/refused_{kind}")
        logger.warning("Refused %s redirect from %s to %s", kind, request.url, target[:300])
        raise RefusedRedirect(f"{kind} redirect to {target[:300]}")


def _redirect_target(request: Request, response: Response) -> str | None:
    """The absolute URL a 3xx response points to, as Scrapy's middleware reads it."""
    if response.status not in _REDIRECT_STATUSES or request.meta.get("dont_redirect"):
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    text = location.decode("latin-1").strip()
    if text.startswith("//"):
        return f"{urlsplit(request.url).scheme}:{text}"
    return urljoin(request.url, safe_url_string(text))
