"""What a crawl's finish reason says about its run: ran to its end, interrupted, or failed."""

from __future__ import annotations

# Finish reasons of a crawl that ran to its end, or to a limit the user set.
CLEAN_FINISH = frozenset({"finished", "closespider_itemcount", "closespider_pagecount",
                          "closespider_timeout"})
# Ctrl-C or SIGTERM (Scrapy's graceful shutdown): the crawl stopped before its end, and
# running the same command again completes it, so the run is `incomplete`, not failed.
INTERRUPTED = frozenset({"shutdown"})


def ended_early(reason: str) -> bool:
    """True when the crawl stopped before its end other than at a limit the user set.

    Anything not in CLEAN_FINISH: shutdown (INTERRUPTED), cancelled,
    closespider_errorcount, an API spider's CloseSpider on HTTP 401/403/404 ...
    """
    return reason not in CLEAN_FINISH


def interrupted(reason: str) -> bool:
    """True when the crawl was stopped by a signal (Ctrl-C, SIGTERM)."""
    return reason in INTERRUPTED
