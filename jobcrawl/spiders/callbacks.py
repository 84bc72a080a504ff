"""One bound method per spider callback, shared by every request that names it."""

from __future__ import annotations

import inspect
from typing import Any


class StableCallbacks:
    """Binds the spider's generator methods once, in ``__init__``.

    Before calling a generator callback, Scrapy reads its source with ``ast`` to
    warn about a ``return value`` (WARN_ON_GENERATOR_RETURN_VALUE), and caches
    the answer keyed weakly by the callable. ``self.parse_ad`` normally makes a
    new bound method each time, which dies with its request and takes the cache
    entry with it, so the source was parsed again and again: about 4% of a
    crawl's CPU time on the demo board (benchmarks/crawl.py). With one bound
    method per callback the check runs once. Requests still serialise as usual
    (by method name) for disk queues and scrapy-redis.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for name, member in inspect.getmembers(type(self), inspect.isgeneratorfunction):
            # Plain methods only: a staticmethod or classmethod binds differently.
            if inspect.isfunction(inspect.getattr_static(self, name)):
                setattr(self, name, member.__get__(self))
        super().__init__(*args, **kwargs)
