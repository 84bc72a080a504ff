"""A scheduler that holds a request until its not-before time, without holding up the others.

Why the scheduler. A retry must wait (backoff, Retry-After) yet go back through the
scheduler like any request, and while it waits the crawl's other requests must go on.
Scrapy has no "send after" for a request. Waiting in a downloader middleware or in the
Downloader would keep the request in ``Downloader.active``, which counts against
CONCURRENT_REQUESTS: a few dozen retries waiting out a backoff would stall every other
host. Waiting in the scheduler costs nothing: the engine asks ``next_request()`` for
work, and a request that is not due yet is simply not offered. So this subclass of
Scrapy's Scheduler keeps requests whose ``meta[NOT_BEFORE]`` (a Unix time) lies ahead
in a heap beside its queues, and at that time hands each back with the public
``engine.crawl(request)``, which enqueues it (now due) and wakes the engine at once,
rather than at its next 5-second heartbeat. ``has_pending_requests()`` counts held
requests, so the spider does not close while a retry waits.

With JOBDIR, requests still held when the crawl stops are written to the disk queue
(their wait is cut short; the next run sends them first). Without JOBDIR, a crawl that
ends early (Ctrl-C, SIGTERM, a failure: any finish reason but ``finished`` and the
CLOSESPIDER limits a user sets) loses the requests it still had, held retries
included: each is recorded as missed (jobcrawl.runs.misslog), under its page kind
with the reason "not fetched: the crawl ended early (<reason>)", so the run is not
``ok`` and its missed file lists what a rerun has to fetch. A crawl with another
SCHEDULER (a distributed frontier) sends retries without the wait; the Downloader's
paused slot still honours Retry-After (see jobcrawl/downloader/pause.py).

Settings: Scrapy's scheduler settings. Stats: jobcrawl/scheduler/delayed (requests held),
jobcrawl/scheduler/kept (requests left in the JOBDIR queues when the crawl ended early),
jobcrawl/missed/<kind> (through MissLog: requests lost when it ended early without JOBDIR).
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import TYPE_CHECKING

from scrapy.core.scheduler import Scheduler
from scrapy.utils.asyncio import call_later

from jobcrawl.runs.finish import ended_early
from jobcrawl.runs.missed import loggable_url, page_kind
from jobcrawl.runs.misslog import MissLog

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.utils.asyncio import CallLaterResult
    from twisted.internet.defer import Deferred

# Request meta: do not send before this Unix time (float seconds).
NOT_BEFORE = "jobcrawl_not_before"


class DelayingScheduler(Scheduler):
    """Scrapy's Scheduler, holding requests whose ``meta[NOT_BEFORE]`` is in the future."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._held: list[tuple[float, int, Request]] = []
        self._order = itertools.count()
        self._timer: CallLaterResult | None = None
        self._timer_at = float("inf")

    def enqueue_request(self, request: Request) -> bool:
        not_before = request.meta.get(NOT_BEFORE)
        if not_before is None or not_before <= time.time():
            return super().enqueue_request(request)
        heapq.heappush(self._held, (float(not_before), next(self._order), request))
        if self.stats is not None:
            self.stats.inc_value("jobcrawl/scheduler/delayed")
        self._arm()
        return True

    def has_pending_requests(self) -> bool:
        return bool(self._held) or super().has_pending_requests()

    def __len__(self) -> int:
        return super().__len__() + len(self._held)

    def close(self, reason: str) -> Deferred[None] | None:
        self._disarm()
        if self.dqs is not None:
            # Persist what still waits, due at once: JOBDIR resumes must not lose it.
            while self._held:
                _, _, request = heapq.heappop(self._held)
                request.meta.pop(NOT_BEFORE, None)
                super().enqueue_request(request)
            if ended_early(reason) and self.stats is not None and len(self):
                self.stats.set_value("jobcrawl/scheduler/kept", len(self))
        elif ended_early(reason):
            self._record_lost(reason)
        self._held.clear()
        return super().close(reason)

    def _record_lost(self, reason: str) -> None:
        """Requests still queued or held when the crawl ended early: missed, one by one."""
        assert self.crawler is not None
        log = self.crawler.get_extension(MissLog)
        if log is None:
            return
        why = f"not fetched: the crawl ended early ({reason})"
        lost = [request for _, _, request in self._held]
        # Popped from the memory queues directly: they were never dequeued for download.
        while (request := self.mqs.pop()) is not None:
            lost.append(request)
        for request in lost:
            log.record(page_kind(request), loggable_url(self.crawler, request), why)

    def _arm(self) -> None:
        """One timer, for the earliest held request."""
        first = self._held[0][0]
        if self._timer is not None and self._timer_at <= first:
            return
        self._disarm()
        self._timer_at = first
        self._timer = call_later(max(0.0, first - time.time()), self._release)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, float("inf")

    def _release(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        now = time.time()
        due = []
        while self._held and self._held[0][0] <= now:
            due.append(heapq.heappop(self._held)[2])
        if self._held:
            self._arm()
        assert self.crawler is not None and self.crawler.engine is not None
        for request in due:
            # engine.crawl enqueues it (now due: straight into the queues) and wakes the engine.
            self.crawler.engine.crawl(request)
