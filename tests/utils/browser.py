"""Headless Chromium for browser tests: where it is and why it cannot run here.

The `chromium` fixture (tests/conftest.py) skips a test where Chromium is missing
and fails it where JOBCRAWL_REQUIRE_SERVICES=1 (CI needs the browser tests).
"""

from __future__ import annotations

import importlib.util
import os

CHROMIUM_PATH = os.environ.get("JOBCRAWL_CHROMIUM_PATH", "/usr/bin/chromium")


def chromium_problem(path: str = CHROMIUM_PATH) -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return f"Chromium is not installed at {path} (apt-get install chromium)"
    if importlib.util.find_spec("scrapy_playwright") is None:
        return "scrapy-playwright is not installed (pip install -r requirements.txt)"
    return None
