"""Retry-After values (seconds or an HTTP-date) and the exponential backoff between retries."""

from __future__ import annotations

import math
import random
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


def retry_after_seconds(value: bytes | str | None, now: datetime) -> float | None:
    """Seconds to wait that a Retry-After header asks for; None when it says nothing usable.

    RFC 9110 allows delay-seconds (``120``) or an HTTP-date (``Wed, 21 Oct 2026 07:28:00
    GMT``); a date in the past means now (0). Anything else (negative, fractional,
    non-numeric, a date without a zone) is ignored, as browsers do. ``now`` is aware.
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        seconds = float(text)
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt: int, base: float, cap: float,
                    rng: random.Random | None = None) -> float:
    """The wait before retry number `attempt` (1, 2, ...): exponential, capped, jittered.

    ``base * 2**(attempt-1)``, at most `cap`, then "equal jitter": a uniform draw from
    its upper half, so retries of many requests that failed together spread out
    instead of arriving together again, and no wait falls below half its step.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt}")
    step = min(cap, base * 2.0 ** min(attempt - 1, 60))
    draw = (rng or random).random()
    return step / 2 + step / 2 * draw
