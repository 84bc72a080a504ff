"""A Downloader whose slots (one per host) can be paused: Retry-After for a whole host."""

from __future__ import annotations

import logging
from time import monotonic
from typing import TYPE_CHECKING

from scrapy.core.downloader import Downloader
from scrapy.utils.asyncio import call_later

if TYPE_CHECKING:
    from scrapy.core.downloader import Slot
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class PausingDownloader(Downloader):
    """Scrapy's Downloader with ``pause_slot(key, seconds)``: no request of that slot starts
    until the pause has passed; requests to other slots go on.

    Why here. A 429 with Retry-After speaks for the host, not for one URL: every
    request to it must wait, as AutoThrottle slows a slot rather than a request. The
    slot already has the mechanism: ``Slot.latercall`` blocks ``_process_queue`` until
    it fires, which is how DOWNLOAD_DELAY holds a slot back. ``pause_slot`` sets that
    call for the pause (keeping a longer one already set), and ``_process_queue`` keeps
    the slot closed until the pause ends even when a download finishing in between asks
    it to send the next request. The slot-GC keeps a paused slot. A small public method
    the way an upstream change would add it; the subclass reads Scrapy's ``slots``,
    ``Slot.latercall`` and overrides ``_process_queue``/``_slot_gc``, so a Scrapy
    upgrade that changes them fails tests/test_faults.py at once.

    Settings: DOWNLOADER = "jobcrawl.downloader.pause.PausingDownloader".
    Stats: none (the retry middleware counts jobcrawl/retry/retry_after).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._paused_until: dict[Slot, float] = {}

    def pause_slot(self, key: str, seconds: float) -> None:
        """Send nothing through slot `key` (a host, or meta download_slot) for `seconds`."""
        if key not in self.slots or seconds <= 0:
            return
        slot = self.slots[key]
        until = monotonic() + seconds
        if self._paused_until.get(slot, 0.0) >= until:
            return
        self._paused_until[slot] = until
        logger.info("Pausing requests to %s for %.1f s (Retry-After)", key, seconds)
        if slot.latercall is not None:
            slot.latercall.cancel()
        slot.latercall = call_later(seconds, self._latercall, slot)

    def paused_for(self, key: str) -> float:
        """Seconds left of the pause of slot `key` (0 when it is not paused)."""
        slot = self.slots.get(key)
        until = self._paused_until.get(slot, 0.0) if slot is not None else 0.0
        return max(0.0, until - monotonic())

    def _process_queue(self, slot: Slot) -> None:
        until = self._paused_until.get(slot)
        if until is not None:
            left = until - monotonic()
            if left > 0:
                if slot.latercall is None:
                    slot.latercall = call_later(left, self._latercall, slot)
                return
            del self._paused_until[slot]
        super()._process_queue(slot)

    def _slot_gc(self, age: float = 60) -> None:
        now = monotonic()
        paused = {slot for slot, until in self._paused_until.items() if until > now}
        mintime = now - age
        for key, slot in list(self.slots.items()):
            if slot not in paused and not slot.active and slot.lastseen + slot.delay <= mintime:
                self.slots.pop(key).close()
                self._paused_until.pop(slot, None)
