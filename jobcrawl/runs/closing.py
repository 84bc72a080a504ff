"""The crawl's closing work: one step after another, each in a worker thread.

When the spider closes, jobcrawl writes the recrawl touches and listings, expires
the unlisted ads, runs the monitors, records the run and writes the stats file, in
that order: each step reads what the one before wrote (the monitors need the expiry
count, the run record the monitors' results). Scrapy calls every spider_closed
receiver at once and runs the ones that return a Deferred side by side, so the steps
cannot simply be receivers that block (that holds the reactor: expiring a million
ads takes seconds) nor receivers that run concurrently. Each of those extensions
queues its step here instead, in EXTENSIONS order (the order Scrapy connects them),
and returns the step's Deferred, which Scrapy waits for before the engine stops.

A step runs in the reactor's thread pool only after the step before it has ended,
failed or not (a failure reaches Scrapy's log through the step's Deferred, and the
next step still runs). While the steps run, the reactor is free: timers fire,
downloads already finished, ReactorStalls measures a short close. The steps write
crawl stats from their thread; no other component writes those keys then, and a
reader (LogStats) sees each value whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThread

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.crawler import Crawler


class ClosingSteps:
    """A queue of blocking calls run one at a time, in order, off the reactor thread."""

    def __init__(self) -> None:
        self._tail: Deferred[Any] = succeed(None)

    def then(self, work: Callable[..., Any], *args: Any) -> Deferred[Any]:
        """Run `work(*args)` in a thread once every earlier step has ended; its result."""
        done: Deferred[Any] = Deferred()

        def start(_: object) -> Deferred[None]:
            step = deferToThread(work, *args)
            # Passes the result or failure on to `done` and leaves None for the queue.
            step.chainDeferred(done)
            return step

        self._tail = self._tail.addBoth(start)
        return done


_STEPS: WeakKeyDictionary[Crawler, ClosingSteps] = WeakKeyDictionary()


def closing_steps(crawler: Crawler) -> ClosingSteps:
    """The crawl's ClosingSteps."""
    steps = _STEPS.get(crawler)
    if steps is None:
        steps = _STEPS[crawler] = ClosingSteps()
    return steps
